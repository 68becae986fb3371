import type { Config } from '../config';

/** The longest a cancelled execution's slot waits for the SQL it sent. */
export const CANCELLED_SQL_MAX_MS = 30_000;

export type AdmissionConfig = Pick<Config, 'MAX_CONCURRENT_EXECUTIONS' | 'MAX_QUEUED_EXECUTIONS' | 'ADMISSION_DEADLINE_MS'>;
export type ShedReason = 'overload' | 'client_gone';
export const SHED_REASONS: readonly ShedReason[] = ['overload', 'client_gone'];

type Settle = (outcome: true | ShedReason | 'expired') => void;

/**
 * Admission control for GraphQL executions (the work that costs SQL): at most
 * MAX_CONCURRENT_EXECUTIONS run at once; the rest wait for a slot, in order, as long as they can
 * still be answered within ADMISSION_DEADLINE_MS, the wait a person tolerates. What cannot is
 * shed at once with 503, rather than queued until its client gives up and leaves work behind
 * that nobody reads.
 *
 * "Can be answered in time" is predicted from the queue and the recent service time: with every
 * slot taken, a slot frees every `service / MAX_CONCURRENT_EXECUTIONS` on average, so the k-th
 * waiter starts after about `k × service / slots` and is answered a `service` later. A closed
 * loop of clients (each waits for its answer before asking again) is not an overload: its queue
 * is what its own answer rate drains, and it is admitted whole as long as its clients' latency
 * (clients / answers per second) is within the deadline. An arrival rate above capacity grows
 * the queue until the prediction crosses the deadline, and from then on what does not fit is
 * refused on arrival, before it is parsed (`full`). MAX_QUEUED_EXECUTIONS bounds the queue's
 * memory whatever the prediction says, and a waiter still without a slot at the deadline (the
 * prediction was wrong: the database stalled) is shed then. A request whose client has gone
 * is never executed, and leaves the queue when it goes.
 */
export class Admission {
  running = 0;
  readonly shed: Record<ShedReason, number> = { overload: 0, client_gone: 0 };
  /** Waiters shed at the deadline, not on arrival: each one is a prediction that failed. */
  expired = 0;
  // Insertion-ordered: the longest waiter is first, and a leaving one is removed in O(1).
  private readonly waiting = new Set<Settle>();
  /** How long an execution recently held its slot, ms: a moving average, null until one has ended. */
  private serviceMs: number | null = null;
  /** The weight of each ended execution in `serviceMs`: an average over about one round of the slots. */
  private readonly smoothing: number;

  constructor(private readonly config: AdmissionConfig) {
    this.smoothing = 2 / (config.MAX_CONCURRENT_EXECUTIONS + 1);
  }

  get queued(): number {
    return this.waiting.size;
  }

  /** The recent service time (ms) the predictions use. */
  get service(): number {
    return this.serviceMs ?? 0;
  }

  /**
   * When a request that joined the queue now would be answered, in ms from now: its wait for a
   * slot and its own execution. 0 while a slot is free.
   */
  expectedMs(): number {
    if (this.running < this.config.MAX_CONCURRENT_EXECUTIONS) return 0;
    return ((this.waiting.size + 1) * this.service) / this.config.MAX_CONCURRENT_EXECUTIONS + this.service;
  }

  /** Whether a request arriving now, with every slot taken, may wait for one. */
  private mayWait(): boolean {
    return this.waiting.size < this.config.MAX_QUEUED_EXECUTIONS && this.expectedMs() <= this.config.ADMISSION_DEADLINE_MS;
  }

  /** A release function once a slot is this request's, or why it will not get one. */
  async acquire(gone: () => boolean, signal?: AbortSignal): Promise<(() => void) | ShedReason> {
    if (gone()) return this.refuse('client_gone');
    if (this.running < this.config.MAX_CONCURRENT_EXECUTIONS) {
      this.running += 1;
      return this.releaser();
    }
    if (!this.mayWait()) return this.refuse('overload');
    const outcome = await new Promise<true | ShedReason | 'expired'>((resolve) => {
      const settle: Settle = (o) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiting.delete(settle);
        resolve(o);
      };
      const onAbort = () => settle('client_gone');
      const timer = setTimeout(() => settle('expired'), this.config.ADMISSION_DEADLINE_MS);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.add(settle);
    });
    if (outcome === 'expired') {
      this.expired += 1;
      return this.refuse('overload');
    }
    if (outcome !== true) return this.refuse(outcome);
    // The client may have left without the signal knowing (it went before Yoga listened).
    if (gone()) {
      this.release();
      return this.refuse('client_gone');
    }
    return this.releaser();
  }

  /**
   * Whether a request arriving now would be shed: every slot taken and no room to wait within
   * the deadline. Then it is refused before it is parsed and validated (http/gateway.ts), when
   * CPU is what is short.
   */
  full(): boolean {
    return this.running >= this.config.MAX_CONCURRENT_EXECUTIONS && !this.mayWait();
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
    const started = performance.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.observe(performance.now() - started);
      this.release();
    };
  }

  /**
   * Folds one execution's hold of its slot into the service time. A hold longer than the
   * deadline counts as the deadline: that is enough to refuse waiting behind it, and one outlier
   * (a cancelled execution's slot held until its SQL is answered, up to CANCELLED_SQL_MAX_MS)
   * must not shed every request for the many executions it would take to average it out.
   */
  private observe(ms: number): void {
    const sample = Math.min(ms, this.config.ADMISSION_DEADLINE_MS);
    this.serviceMs = this.serviceMs === null ? sample : this.serviceMs + this.smoothing * (sample - this.serviceMs);
  }

  /** Frees a slot, or hands it straight to the longest waiter (the count stays). */
  private release(): void {
    const next = this.waiting.values().next().value;
    if (next) next(true);
    else this.running -= 1;
  }
}

export const AT_CAPACITY = 'The gateway is at capacity right now; retry shortly.';
