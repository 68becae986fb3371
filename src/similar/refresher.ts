import type { PrismaClient } from '../generated/prisma/client';
import { AFFECTED_BY_CHANGE, DELETE_KEYWORDS, DELETE_SIMILAR, REPLACE_KEYWORDS, REPLACE_SIMILAR } from './sql';

const replace = (remove: string, insert: string) => (prisma: PrismaClient, ids: number[]) =>
  prisma.$transaction([prisma.$executeRawUnsafe(remove, ids), prisma.$executeRawUnsafe(insert, ids)]);
const replaceKeywords = replace(DELETE_KEYWORDS, REPLACE_KEYWORDS);
const replaceSimilar = replace(DELETE_SIMILAR, REPLACE_SIMILAR);

export interface RefresherStats {
  pending: number;
  refreshed: number;
  batches: number;
  failures: number;
  lastBatchMs: number;
  lastError?: string;
  overflowed: boolean;
}

export interface RefresherOptions {
  /** How often the background worker takes a batch. */
  intervalMs: number;
  batchSize?: number;
  /** Past this many pending jobs the queue stops growing and asks for a full rebuild. */
  maxPending?: number;
  onError?: (err: unknown) => void;
}

/** Recomputes every job's keywords and top similar jobs, in chunks to bound memory. */
export async function rebuildAllSimilar(prisma: PrismaClient, chunk = 500): Promise<number> {
  const ids = (await prisma.job.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((j) => j.id);
  for (let i = 0; i < ids.length; i += chunk) {
    await replaceKeywords(prisma, ids.slice(i, i + chunk));
  }
  for (let i = 0; i < ids.length; i += chunk) {
    await replaceSimilar(prisma, ids.slice(i, i + chunk));
  }
  return ids.length;
}

/**
 * Keeps job_similar current as jobs change. A changed job's own keywords and list are
 * recomputed at once (`jobsChanged`); the other jobs whose lists it can affect are queued and
 * refreshed in the background, `batchSize` per `intervalMs`. Closed jobs are also filtered
 * out at read time, so the queue only delays newly similar jobs, never serves closed ones.
 */
export class SimilarJobsRefresher {
  private readonly pending = new Set<number>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly counters = { refreshed: 0, batches: 0, failures: 0, lastBatchMs: 0, overflowed: false };
  private lastError?: string;
  private readonly batchSize: number;
  private readonly maxPending: number;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: RefresherOptions,
  ) {
    this.batchSize = options.batchSize ?? 200;
    this.maxPending = options.maxPending ?? 100_000;
  }

  async jobsChanged(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await replaceKeywords(this.prisma, ids);
    await replaceSimilar(this.prisma, ids);
    const affected = await this.prisma.$queryRawUnsafe<{ id: number }[]>(AFFECTED_BY_CHANGE, ids);
    for (const { id } of affected) {
      if (this.pending.size >= this.maxPending) {
        this.counters.overflowed = true;
        break;
      }
      this.pending.add(id);
    }
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

  /** Refreshes everything pending now (tests, shutdown, the importer's end). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) {
      const before = this.counters.failures;
      await this.runBatch();
      if (this.counters.failures > before) throw new Error(`similar-jobs refresh failed: ${this.lastError}`);
    }
  }

  stats(): RefresherStats {
    return { pending: this.pending.size, ...this.counters, lastError: this.lastError };
  }

  private runBatch(): Promise<void> {
    if (this.running || this.pending.size === 0) return this.running ?? Promise.resolve();
    const batch = [...this.pending].slice(0, this.batchSize);
    const started = performance.now();
    this.running = (async () => {
      try {
        await replaceSimilar(this.prisma, batch);
        for (const id of batch) this.pending.delete(id);
        this.counters.refreshed += batch.length;
        this.counters.batches += 1;
      } catch (err) {
        // Left queued: the next tick retries the same batch.
        this.counters.failures += 1;
        this.lastError = (err as Error).message;
        this.options.onError?.(err);
      } finally {
        this.counters.lastBatchMs = performance.now() - started;
        this.running = undefined;
      }
    })();
    return this.running;
  }
}
