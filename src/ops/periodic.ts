import type { Intent } from '../data/invalidations';
import type { Change } from '../domain/changes';

/** What a background refresher of derived data is told. */
export interface RefresherOptions {
  /** How often it recomputes (TRENDING_REFRESH_S, SEARCH_TERMS_REFRESH_S). */
  refreshS: number;
  /** Makes cached results stale once what it recomputed came out different (with the intent the refresh recorded). */
  invalidate?: (changes: Change[], intent?: Intent) => Promise<void>;
  /** Record in each changing refresh the invalidation it owes (for a cache that settles them). */
  intents?: boolean;
  onError?: (err: unknown) => void;
}

/**
 * A background pass (`pass`), run at `start()` and every `periodS` seconds after: one pass at a
 * time (a `refresh()` asked for while one runs shares it), never keeping the process alive;
 * `stop()` waits for the pass under way. The background refreshers' schedule (trending lists,
 * search terms).
 */
export abstract class Periodic {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly periodS: number) {}

  protected abstract pass(): Promise<void>;

  start(): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.periodS * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  refresh(): Promise<void> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }
}
