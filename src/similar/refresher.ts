import { Writes } from '../data/writes';
import type { PrismaClient } from '../generated/prisma/client';
import {
  type IndexCache,
  doneEagerly,
  enqueueAffected,
  enqueueAllActive,
  keywordsDone,
  queueLength,
  refreshQueued,
  replaceKeywords,
  replaceSimilar,
} from '../data/similar';

export interface RefresherStats {
  /** Jobs queued for a refresh, in the shared queue table. */
  pending: number;
  refreshed: number;
  batches: number;
  failures: number;
  lastBatchMs: number;
  /** Jobs the next bulk batch takes (adapted to `batchMs`). */
  bulkBatchSize: number;
  lastError?: string;
}

export interface RefresherOptions {
  /** How often the background worker takes a batch. */
  intervalMs: number;
  /** Jobs per batch while the queue is short (ranked by SQL, one job at a time in effect). */
  batchSize?: number;
  /**
   * While the queue is long (a bulk import), batches are ranked in memory (domain/similar-rank.ts) and sized
   * to take about this long: a batch holds a connection, and PGlite's only one (default 1000).
   */
  batchMs?: number;
  /** Queue length past which batches are bulk ones (default 100; Infinity: never). */
  bulkAbove?: number;
  onError?: (err: unknown) => void;
  /** How the lists a refresh rewrote are made stale in caches, once it committed (data/writes.ts); none told without it. */
  writes?: Writes;
}

/** Past this many changed jobs, working out which other lists they touch costs more than refreshing all. */
const BULK = 1000;
/**
 * Past this many queued jobs, batches are ranked in memory: one read of every keyword (0.4 s
 * for the 35k real postings on PostgreSQL), then a fraction of a millisecond a job, against
 * about 4 ms a job by SQL (10 ms on PGlite).
 */
const BULK_QUEUE = 100;
/** Bounds of the bulk batch size, which adapts to take about `batchMs`. */
const BULK_MIN = 500;
const BULK_MAX = 50_000;

/**
 * Keeps job_similar current as jobs change. A changed job's own keywords and list are
 * recomputed at once (`jobsChanged`); the other jobs whose lists it can affect go into the
 * job_similar_queue table and are refreshed in the background, `batchSize` per `intervalMs`,
 * by whichever gateway instance takes them. Closed jobs are also filtered out at read time,
 * so the queue only delays newly similar jobs, never serves closed ones.
 */
export class SimilarJobsRefresher {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private readonly counters = { refreshed: 0, batches: 0, failures: 0, lastBatchMs: 0 };
  private lastError?: string;
  private succeededAt?: number;
  private readonly batchSize: number;
  private readonly batchMs: number;
  private readonly writes: Writes;
  private bulkBatchSize = 1000;
  /** The keyword index of the bulk batches, dropped when the queue is short again. */
  private indexCache: IndexCache = {};

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: RefresherOptions,
  ) {
    this.batchSize = options.batchSize ?? 200;
    this.batchMs = options.batchMs ?? 1000;
    this.writes = options.writes ?? new Writes();
  }

  /** One or a few jobs written: their lists now, the lists they affect queued. */
  async jobsChanged(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await replaceKeywords(this.prisma, ids);
    // The writer invalidated the jobs before this ran: a read in between cached the old lists.
    await this.writes.commit(
      async (owe) => ({ intent: await replaceSimilar(this.prisma, ids, owe) }),
      () => [{ similarLists: ids }],
    );
    await enqueueAffected(this.prisma, ids);
    await doneEagerly(this.prisma, ids);
  }

  /**
   * Jobs written by an import. Up to BULK, as `jobsChanged`. Past it, their keywords now and
   * every active job queued: finding which lists so many jobs affect costs more than that.
   */
  async jobsImported(ids: number[]): Promise<void> {
    if (ids.length <= BULK) return this.jobsChanged(ids);
    for (let i = 0; i < ids.length; i += 2000) await replaceKeywords(this.prisma, ids.slice(i, i + 2000));
    await keywordsDone(this.prisma, ids);
    await enqueueAllActive(this.prisma);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runBatch(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Refreshes everything queued now (tests, the importer); returns how many jobs it refreshed. */
  async drain(onBatch?: (refreshed: number) => void): Promise<number> {
    let total = 0;
    for (;;) {
      const before = this.counters.failures;
      const n = await this.runBatch();
      if (this.counters.failures > before) throw new Error(`similar-jobs refresh failed: ${this.lastError}`);
      if (n === 0) return total;
      total += n;
      onBatch?.(total);
    }
  }

  /** Whether the background worker runs: started and not stopped. */
  get started(): boolean {
    return this.timer !== undefined;
  }

  /** When a batch last succeeded, an empty queue's too (performance.now() ms); undefined before one did. */
  get lastSuccessAt(): number | undefined {
    return this.succeededAt;
  }

  /** How long the last batch took. */
  get lastBatchMs(): number {
    return this.counters.lastBatchMs;
  }

  async stats(): Promise<RefresherStats> {
    return { pending: await queueLength(this.prisma), ...this.counters, bulkBatchSize: this.bulkBatchSize, lastError: this.lastError };
  }

  /**
   * Refreshes a batch off the queue (refreshQueued). Once committed, the lists that came out
   * different are invalidated in the response cache (a failure there is the cache's to remember).
   * A long queue is worked in bulk batches, whose size follows the time they take.
   */
  private runBatch(): Promise<number> {
    if (this.running) return this.running;
    const started = performance.now();
    this.running = (async () => {
      try {
        const bulk = (await queueLength(this.prisma)) > (this.options.bulkAbove ?? BULK_QUEUE);
        const size = bulk ? this.bulkBatchSize : this.batchSize;
        const took = performance.now();
        const { n } = await this.writes.commit(
          async (owe) => {
            const batch = await refreshQueued(this.prisma, size, { compare: this.writes.invalidates, owe, bulk, cache: this.indexCache });
            // Sized on the batch's own time, not the invalidation's after it.
            if (bulk && batch.n === size) this.bulkBatchSize = nextBulkSize(size, performance.now() - took, this.batchMs);
            return batch;
          },
          ({ changed }) => (changed.length ? [{ similarLists: changed }] : []),
        );
        if (!bulk) this.indexCache = {};
        this.succeededAt = performance.now();
        if (n) {
          this.counters.refreshed += n;
          this.counters.batches += 1;
        }
        return n;
      } catch (err) {
        this.counters.failures += 1;
        this.lastError = (err as Error).message;
        this.options.onError?.(err);
        return 0;
      } finally {
        this.counters.lastBatchMs = performance.now() - started;
        this.running = undefined;
      }
    })();
    return this.running;
  }
}

/**
 * The next bulk batch size: the batch's rate scaled to the target time, halfway (geometric
 * mean) from the current size, so one slow batch on a shared machine does not swing it.
 * A batch has a fixed cost (reading the keywords), so below the target it grows towards the
 * size that fills it.
 */
export function nextBulkSize(size: number, ms: number, targetMs: number): number {
  const fit = (size * targetMs) / Math.max(ms, 1);
  return Math.round(Math.min(BULK_MAX, Math.max(BULK_MIN, Math.sqrt(size * fit))));
}
