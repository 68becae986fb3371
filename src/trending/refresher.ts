import type { Intent } from '../data/invalidations';
import type { Change } from '../domain/changes';
import { forgetTrendingExcept, refreshTrending } from '../data/trending';
import type { PrismaClient } from '../generated/prisma/client';

export interface TrendingOptions {
  /** The `days` windows kept precomputed (TRENDING_WINDOWS); others are computed live. */
  windows: number[];
  /** How often each window is recomputed (TRENDING_REFRESH_S). */
  refreshS: number;
  /** Makes cached trending results stale once a list came out different (with the intent the refresh recorded). */
  invalidate?: (changes: Change[], intent?: Intent) => Promise<void>;
  /** Record in each changing refresh the invalidation it owes (for a cache that settles them). */
  intents?: boolean;
  onError?: (err: unknown) => void;
}

/**
 * Keeps the trending lists of the configured windows current: every `refreshS`, whichever
 * instance takes a window first recomputes it (the others skip it). A list is read for four
 * periods after it was computed: if every refresher stops, reads fall back to computing live
 * rather than serve an old list. So a precomputed answer normally reflects the applications of
 * at most `refreshS` (plus the refresh's own time) ago, and never more than 4 × `refreshS`
 * (a refresh that failed, an instance that stopped, a pass that ran long).
 */
export class TrendingRefresher {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: TrendingOptions,
  ) {}

  start(): void {
    if (this.timer || this.options.windows.length === 0) return;
    void forgetTrendingExcept(this.prisma, this.options.windows).catch((err) => this.options.onError?.(err));
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshS * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Recomputes every window due (one pass at a time); a failed window is retried next period. */
  refresh(): Promise<void> {
    this.running ??= (async () => {
      const { refreshS, intents, invalidate } = this.options;
      for (const days of this.options.windows) {
        try {
          // Half a period: the instance that refreshed a window last leaves it to the next due.
          const { changed, intent } = await refreshTrending(this.prisma, days, {
            minAgeS: refreshS / 2,
            freshForS: 4 * refreshS,
            owe: intents && !!invalidate,
          });
          // Each window's at once: its intent is taken for a dead writer's after a few seconds.
          if (changed) await invalidate?.(['trending'], intent);
        } catch (err) {
          this.options.onError?.(err);
        }
      }
    })().finally(() => (this.running = undefined));
    return this.running;
  }
}
