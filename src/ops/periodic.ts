import type { Writes } from '../data/writes';

/** What a background refresher of derived data is told. */
export interface RefresherOptions {
  /** How often it recomputes (TRENDING_REFRESH_S, SEARCH_TERMS_REFRESH_S). */
  refreshS: number;
  /** How a refresh that came out different tells caches and replicas (data/writes.ts); none told without it. */
  writes?: Writes;
  onError?: (err: unknown) => void;
}

/**
 * A background pass (`pass`), run at `start()` and every `periodS` seconds after: one pass at a
 * time (a `refresh()` asked for while one runs shares it), never keeping the process alive;
 * `stop()` waits for the pass under way. The background refreshers' schedule (trending lists,
 * search terms). A pass made of several steps checks `stopping` between them, so that a stop
 * (SIGTERM) waits for one step rather than for all the work there is.
 */
export abstract class Periodic {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private succeededAt?: number;

  constructor(private readonly periodS: number) {}

  protected abstract pass(): Promise<void>;

  protected get stopping(): boolean {
    return this.stopped;
  }

  /**
   * A pass says it succeeded: passes report their own errors (onError) rather than throw, so
   * only they know. What `lastSuccessAt` reports (background_refresh_age_seconds).
   */
  protected succeeded(): void {
    this.succeededAt = performance.now();
  }

  /** When a pass last succeeded (performance.now() ms), undefined before one did. */
  get lastSuccessAt(): number | undefined {
    return this.succeededAt;
  }

  /** Whether it is scheduled: started and not stopped. */
  get started(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer) return;
    this.stopped = false;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.periodS * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  refresh(): Promise<void> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }
}
