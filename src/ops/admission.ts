import type { Config } from '../config';

/** The longest a cancelled execution's slot waits for the SQL it sent. */
export const CANCELLED_SQL_MAX_MS = 30_000;

export type AdmissionConfig = Pick<Config, 'MAX_CONCURRENT_EXECUTIONS' | 'MAX_QUEUED_EXECUTIONS' | 'QUEUE_TIMEOUT_MS'>;
export type ShedReason = 'overload' | 'client_gone';
export const SHED_REASONS: readonly ShedReason[] = ['overload', 'client_gone'];

type Settle = (outcome: true | ShedReason) => void;

/**
 * Admission control for GraphQL executions (the work that costs SQL): at most
 * MAX_CONCURRENT_EXECUTIONS run at once, at most MAX_QUEUED_EXECUTIONS wait for a slot, each
 * for at most QUEUE_TIMEOUT_MS. The rest are shed at once with 503, rather than queued until
 * their clients time out and leave work behind that nobody reads. A request whose client has
 * gone is never executed, and leaves the queue when it goes.
 */
export class Admission {
  running = 0;
  readonly shed: Record<ShedReason, number> = { overload: 0, client_gone: 0 };
  // Insertion-ordered: the longest waiter is first, and a leaving one is removed in O(1).
  private readonly waiting = new Set<Settle>();

  constructor(private readonly config: AdmissionConfig) {}

  get queued(): number {
    return this.waiting.size;
  }

  /** A release function once a slot is this request's, or why it will not get one. */
  async acquire(gone: () => boolean, signal?: AbortSignal): Promise<(() => void) | ShedReason> {
    if (gone()) return this.refuse('client_gone');
    if (this.running < this.config.MAX_CONCURRENT_EXECUTIONS) {
      this.running += 1;
      return this.releaser();
    }
    if (this.waiting.size >= this.config.MAX_QUEUED_EXECUTIONS || this.config.QUEUE_TIMEOUT_MS === 0) return this.refuse('overload');
    const outcome = await new Promise<true | ShedReason>((resolve) => {
      const settle: Settle = (o) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiting.delete(settle);
        resolve(o);
      };
      const onAbort = () => settle('client_gone');
      const timer = setTimeout(() => settle('overload'), this.config.QUEUE_TIMEOUT_MS);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.add(settle);
    });
    if (outcome !== true) return this.refuse(outcome);
    // The client may have left without the signal knowing (it went before Yoga listened).
    if (gone()) {
      this.release();
      return this.refuse('client_gone');
    }
    return this.releaser();
  }

  /**
   * Whether a request arriving now would be shed: every slot taken and the queue full. Then it
   * is refused before it is parsed and validated (http/gateway.ts), when CPU is what is short.
   */
  full(): boolean {
    return (
      this.running >= this.config.MAX_CONCURRENT_EXECUTIONS && (this.waiting.size >= this.config.MAX_QUEUED_EXECUTIONS || this.config.QUEUE_TIMEOUT_MS === 0)
    );
  }

  /** Counts a request shed before it reached Yoga (see `full`). */
  shedEarly(): void {
    this.shed.overload += 1;
  }

  /** Counts a request dropped before it reached execution because its client left. */
  gone(): void {
    this.shed.client_gone += 1;
  }

  private refuse(reason: ShedReason): ShedReason {
    this.shed[reason] += 1;
    return reason;
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
  }

  /** Frees a slot, or hands it straight to the longest waiter (the count stays). */
  private release(): void {
    const next = this.waiting.values().next().value;
    if (next) next(true);
    else this.running -= 1;
  }
}

export const AT_CAPACITY = 'The gateway is at capacity right now; retry shortly.';
