import type { Config } from '../config';

export type StreamRefusal = 'off' | 'instance' | 'viewer' | 'stopping';

/**
 * The open subscription streams of one process: at most SUBSCRIPTIONS_MAX in all and
 * SUBSCRIPTIONS_MAX_PER_VIEWER per viewer. Counted apart from admission control (ops/admission.ts),
 * whose slots bound executions: a stream that waits for events executes nothing, and holding a
 * slot for hours would starve the requests it exists to bound. Each stream registers how it is
 * ended, so that a stopping process ends them all (they would otherwise hold the drain open).
 */
export class Streams {
  /** Events delivered to streams since start. */
  delivered = 0;
  readonly refused: Record<StreamRefusal, number> = { off: 0, instance: 0, viewer: 0, stopping: 0 };
  private readonly byViewer = new Map<string, number>();
  private readonly live = new Set<(reason: 'shutdown') => void>();
  private stopping = false;

  constructor(readonly limits: Pick<Config, 'SUBSCRIPTIONS_MAX' | 'SUBSCRIPTIONS_MAX_PER_VIEWER'>) {}

  get open(): number {
    return this.live.size;
  }

  /**
   * A place for a stream of `viewer` (a user, or a client address): its release (call it once,
   * when the stream ends), or why there is none. `end` is called if the process stops first.
   */
  take(viewer: string, end: (reason: 'shutdown') => void): (() => void) | StreamRefusal {
    // SUBSCRIPTIONS_MAX=0 is no limit reached but subscriptions turned off: retrying will not help.
    const refusal: StreamRefusal | null =
      this.limits.SUBSCRIPTIONS_MAX === 0
        ? 'off'
        : this.stopping
          ? 'stopping'
          : this.live.size >= this.limits.SUBSCRIPTIONS_MAX
            ? 'instance'
            : (this.byViewer.get(viewer) ?? 0) >= this.limits.SUBSCRIPTIONS_MAX_PER_VIEWER
              ? 'viewer'
              : null;
    if (refusal) {
      this.refused[refusal]++;
      return refusal;
    }
    this.byViewer.set(viewer, (this.byViewer.get(viewer) ?? 0) + 1);
    this.live.add(end);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.live.delete(end);
      const left = (this.byViewer.get(viewer) ?? 1) - 1;
      if (left > 0) this.byViewer.set(viewer, left);
      else this.byViewer.delete(viewer);
    };
  }

  /** Ends every open stream and refuses new ones: the process is stopping. */
  endAll(): void {
    this.stopping = true;
    for (const end of [...this.live]) end('shutdown');
  }
}
