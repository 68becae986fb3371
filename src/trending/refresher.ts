import { forgetTrendingExcept, refreshTrending } from '../data/trending';
import { Writes } from '../data/writes';
import type { PrismaClient } from '../generated/prisma/client';
import { Periodic, type RefresherOptions } from '../ops/periodic';

export interface TrendingOptions extends RefresherOptions {
  /** The `days` windows kept precomputed (TRENDING_WINDOWS); others are computed live. */
  windows: number[];
}

/**
 * Keeps the trending lists of the configured windows current: every `refreshS`, whichever
 * instance takes a window first recomputes it (the others skip it). A list is read for four
 * periods after it was computed: if every refresher stops, reads fall back to computing live
 * rather than serve an old list. So a precomputed answer normally reflects the applications of
 * at most `refreshS` (plus the refresh's own time) ago, and never more than 4 × `refreshS`
 * (a refresh that failed, an instance that stopped, a pass that ran long).
 */
export class TrendingRefresher extends Periodic {
  private readonly writes: Writes;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: TrendingOptions,
  ) {
    super(options.refreshS);
    this.writes = options.writes ?? new Writes();
  }

  start(): void {
    if (this.options.windows.length === 0) return;
    void forgetTrendingExcept(this.prisma, this.options.windows).catch((err) => this.options.onError?.(err));
    super.start();
  }

  /** Recomputes every window due; a failed window is retried next period. */
  protected async pass(): Promise<void> {
    const { refreshS } = this.options;
    let failed = false;
    for (const days of this.options.windows) {
      try {
        // Half a period: the instance that refreshed a window last leaves it to the next due.
        // Each window's invalidation at once: its intent is taken for a dead writer's after a few seconds.
        await this.writes.commit(
          (owe) => refreshTrending(this.prisma, days, { minAgeS: refreshS / 2, freshForS: 4 * refreshS, owe }),
          ({ changed }) => (changed ? ['trending'] : []),
        );
      } catch (err) {
        failed = true;
        this.options.onError?.(err);
      }
    }
    // A window left to another instance (refreshed by it recently) is as fresh: a success too.
    if (!failed) this.succeeded();
  }
}
