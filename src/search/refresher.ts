import { refreshSearchTerms } from '../data/search';
import { Writes } from '../data/writes';
import type { PrismaClient } from '../generated/prisma/client';
import { Periodic, type RefresherOptions } from '../ops/periodic';

/**
 * Keeps search_term (type-ahead, "did you mean") current: every `refreshS`, whichever instance
 * takes it first recomputes it from the active jobs. Suggestions therefore lag the jobs by at
 * most one period plus the refresh's own time; a failed refresh is retried the next period.
 */
export class SearchTermsRefresher extends Periodic {
  private readonly writes: Writes;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: RefresherOptions,
  ) {
    super(options.refreshS);
    this.writes = options.writes ?? new Writes();
  }

  protected async pass(): Promise<void> {
    const { refreshS } = this.options;
    try {
      // Half a period: the instance that refreshed last leaves it to the next one due.
      await this.writes.commit(
        (owe) => refreshSearchTerms(this.prisma, { minAgeS: refreshS / 2, owe }),
        ({ changed }) => (changed ? ['searchTerms'] : []),
      );
      this.succeeded();
    } catch (err) {
      this.options.onError?.(err);
    }
  }
}
