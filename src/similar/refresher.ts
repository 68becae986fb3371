import { similarListTag } from '../cache/request-state';
import { recordIntent, type Intent } from '../db/invalidation-intent';
import type { PrismaClient } from '../generated/prisma/client';
import { AFFECTED_BY_CHANGE, DELETE_KEYWORDS, DELETE_SIMILAR, REPLACE_KEYWORDS, REPLACE_SIMILAR } from './sql';

// A chunk of 500 takes seconds on a loaded machine: Prisma's default 5 s would abort it.
// `owe`: the cache invalidation the rewrite owes is recorded with it (invalidation-intent.ts).
const replace =
  (remove: string, insert: string) =>
  (prisma: PrismaClient, ids: number[], owe = false): Promise<Intent | undefined> =>
    prisma.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(remove, ids);
        await tx.$executeRawUnsafe(insert, ids);
        return owe ? recordIntent(tx) : undefined;
      },
      { timeout: 120_000 },
    );
const replaceKeywords = replace(DELETE_KEYWORDS, REPLACE_KEYWORDS);
const replaceSimilar = replace(DELETE_SIMILAR, REPLACE_SIMILAR);

export interface RefresherStats {
  /** Jobs queued for a refresh, in the shared queue table. */
  pending: number;
  refreshed: number;
  batches: number;
  failures: number;
  lastBatchMs: number;
  lastError?: string;
}

export interface RefresherOptions {
  /** How often the background worker takes a batch. */
  intervalMs: number;
  batchSize?: number;
  onError?: (err: unknown) => void;
  /**
   * Makes cached results stale (the response cache's `invalidate`): called with the tags of
   * the similar-jobs lists a refresh rewrote, after it committed, and the intent it recorded.
   */
  invalidate?: (tags: string[], intent?: Intent) => Promise<void>;
  /** Record in each rewrite's transaction the invalidation it owes (for a cache that settles them). */
  intents?: boolean;
}

/** Past this many changed jobs, working out which other lists they touch costs more than refreshing all. */
const BULK = 1000;

const ENQUEUE_AFFECTED = `INSERT INTO job_similar_queue (job_id) SELECT id FROM (${AFFECTED_BY_CHANGE}) a ON CONFLICT DO NOTHING`;
const ENQUEUE_ALL_ACTIVE = 'INSERT INTO job_similar_queue (job_id) SELECT id FROM job WHERE is_active ON CONFLICT DO NOTHING';
// SKIP LOCKED: several gateway instances can work the same queue without taking the same jobs.
const TAKE = `DELETE FROM job_similar_queue WHERE job_id IN (
  SELECT job_id FROM job_similar_queue ORDER BY queued_at, job_id LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING job_id, reindex`;
// Every job write queues its own refresh by trigger (see the migration similar_queue_durable),
// so that a writer dying before its eager refresh loses nothing. Once the eager refresh has
// done that work, its queue entries go. (A concurrent write to the same job also refreshes
// eagerly, so dropping its entry too risks nothing but a crash in that narrow window.)
const DONE_EAGERLY = 'DELETE FROM job_similar_queue WHERE job_id = ANY($1::int[]) AND reindex';
// Jobs' lists as text, to tell the lists a refresh changed from those it rewrote identically.
const LISTS = `SELECT job_id, string_agg(similar_id::text, ',' ORDER BY rank) AS ids FROM job_similar
  WHERE job_id = ANY($1::int[]) GROUP BY job_id`;

/** Recomputes every job's keywords and top similar jobs, in chunks to bound memory. */
export async function rebuildAllSimilar(prisma: PrismaClient, chunk = 500): Promise<number> {
  const ids = (await prisma.job.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((j) => j.id);
  for (let i = 0; i < ids.length; i += chunk) {
    await replaceKeywords(prisma, ids.slice(i, i + chunk));
  }
  for (let i = 0; i < ids.length; i += chunk) {
    await replaceSimilar(prisma, ids.slice(i, i + chunk));
  }
  await prisma.$executeRawUnsafe(DONE_EAGERLY, ids);
  return ids.length;
}

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
  private readonly batchSize: number;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: RefresherOptions,
  ) {
    this.batchSize = options.batchSize ?? 200;
  }

  /** One or a few jobs written: their lists now, the lists they affect queued. */
  async jobsChanged(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await replaceKeywords(this.prisma, ids);
    const intent = await replaceSimilar(this.prisma, ids, this.options.intents === true);
    // The writer invalidated the jobs before this ran: a read in between cached the old lists.
    await this.invalidateLists(ids, intent);
    await this.prisma.$executeRawUnsafe(ENQUEUE_AFFECTED, ids);
    await this.prisma.$executeRawUnsafe(DONE_EAGERLY, ids);
  }

  /**
   * Jobs written by an import. Up to BULK, as `jobsChanged`. Past it, their keywords now and
   * every active job queued: finding which lists so many jobs affect costs more than that.
   */
  async jobsImported(ids: number[]): Promise<void> {
    if (ids.length <= BULK) return this.jobsChanged(ids);
    for (let i = 0; i < ids.length; i += 2000) await replaceKeywords(this.prisma, ids.slice(i, i + 2000));
    // Their own lists still wait in the queue, now as plain refreshes.
    await this.prisma.$executeRawUnsafe('UPDATE job_similar_queue SET reindex = false WHERE job_id = ANY($1::int[])', ids);
    await this.prisma.$executeRawUnsafe(ENQUEUE_ALL_ACTIVE);
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

  private async invalidateLists(ids: number[], intent: Intent | undefined): Promise<void> {
    if (!this.options.invalidate || ids.length === 0) return;
    await this.options.invalidate(ids.map(similarListTag), intent).catch((err) => this.options.onError?.(err));
  }

  async stats(): Promise<RefresherStats> {
    const [{ n }] = await this.prisma.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM job_similar_queue');
    return { pending: n, ...this.counters, lastError: this.lastError };
  }

  /**
   * Takes a batch off the queue and refreshes it in one transaction: a failure leaves it queued.
   * Jobs queued by their own write get their keywords first and queue the lists they affect,
   * as `jobsChanged` would have. Once committed, the lists that came out different are
   * invalidated in the response cache (a failure there is the cache's to remember).
   */
  private runBatch(): Promise<number> {
    if (this.running) return this.running;
    const started = performance.now();
    this.running = (async () => {
      try {
        const { n, changed, intent } = await this.prisma.$transaction(
          async (tx) => {
            const taken = await tx.$queryRawUnsafe<{ job_id: number; reindex: boolean }[]>(TAKE, this.batchSize);
            const ids = taken.map((r) => r.job_id);
            const reindex = taken.filter((r) => r.reindex).map((r) => r.job_id);
            if (reindex.length) {
              await tx.$executeRawUnsafe(DELETE_KEYWORDS, reindex);
              await tx.$executeRawUnsafe(REPLACE_KEYWORDS, reindex);
            }
            const changed: number[] = [];
            if (ids.length) {
              const lists = async () => new Map((await tx.$queryRawUnsafe<{ job_id: number; ids: string }[]>(LISTS, ids)).map((r) => [r.job_id, r.ids]));
              const before = this.options.invalidate ? await lists() : new Map();
              await tx.$executeRawUnsafe(DELETE_SIMILAR, ids);
              await tx.$executeRawUnsafe(REPLACE_SIMILAR, ids);
              const after = this.options.invalidate ? await lists() : new Map();
              changed.push(...ids.filter((id) => before.get(id) !== after.get(id)));
            }
            if (reindex.length) await tx.$executeRawUnsafe(ENQUEUE_AFFECTED, reindex);
            return { n: ids.length, changed, intent: changed.length > 0 && this.options.intents ? await recordIntent(tx) : undefined };
          },
          { timeout: 120_000 },
        );
        if (changed.length) await this.invalidateLists(changed, intent);
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
