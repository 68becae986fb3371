import { refreshSearchTerms } from '../data/search';
import type { PrismaClient } from '../generated/prisma/client';
import { Periodic, type RefresherOptions } from '../ops/periodic';

/**
 * Keeps search_term (type-ahead, "did you mean") current: every `refreshS`, whichever instance
 * takes it first recomputes it from the active jobs. Suggestions therefore lag the jobs by at
 * most one period plus the refresh's own time; a failed refresh is retried the next period.
 */
export class SearchTermsRefresher extends Periodic {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: RefresherOptions,
  ) {
    super(options.refreshS);
  }

  protected async pass(): Promise<void> {
    const { refreshS, intents, invalidate } = this.options;
    try {
      // Half a period: the instance that refreshed last leaves it to the next one due.
      const { changed, intent } = await refreshSearchTerms(this.prisma, { minAgeS: refreshS / 2, owe: intents && !!invalidate });
      if (changed) await invalidate?.(['searchTerms'], intent);
    } catch (err) {
      this.options.onError?.(err);
    }
  }
}
