import { Prisma, type PrismaClient } from '../generated/prisma/client';
import type { Db } from './client';
import type { Intent } from './invalidations';
import type { Owe } from './writes';
import { retryRolledBack } from '../db/errors';
import { jobColumns, type JobColumn, type JobRow, type Joined } from './jobs';
import { batchIds, inOrder, limitSql } from './pages';
import { SimilarIndex, type IndexJob, type KeywordRow, type Ranked } from '../domain/similar-rank';

// Similar-jobs ranking: each job keeps its top weighted terms (tf-idf over the weighted
// search vector, unit-normalised) in job_keyword; the similarity of two jobs is the dot
// product of those vectors (a cosine), computed by a join on term and kept, top 10 per job,
// in job_similar. Reading similar jobs is then an index lookup.

const KEYWORDS_PER_JOB = 24;
export const SIMILAR_PER_JOB = 10;
/** Terms in more than this share of active jobs say little and make the term join explode. */
const MAX_TERM_SHARE = 0.2;

/** A constant of the ranking, written into the SQL text: the planner sees it as a literal. */
const lit = (n: number) => Prisma.raw(String(n));

/**
 * Two eager rewrites of a job that is not queued can meet (see claim): the later insert then
 * overwrites instead of failing. Both read the same committed rows, so they agree but for a
 * change committed in between.
 */
const LAST_WRITER_WINS = {
  keywords: Prisma.raw('ON CONFLICT (job_id, term) DO UPDATE SET weight = EXCLUDED.weight'),
  lists: Prisma.raw('ON CONFLICT (job_id, rank) DO UPDATE SET similar_id = EXCLUDED.similar_id, score = EXCLUDED.score'),
};

// A data-modifying CTE would not make room for the INSERT (same snapshot): delete first, in
// the same transaction.
const deleteKeywordsSql = (ids: readonly number[]) => Prisma.sql`DELETE FROM job_keyword WHERE job_id = ANY(${ids}::int[])`;
const deleteSimilarSql = (ids: readonly number[]) => Prisma.sql`DELETE FROM job_similar WHERE job_id = ANY(${ids}::int[])`;

// Title terms weigh 3, skills 2, description 1. The company name is left out
// (unlike in search): otherwise a company's jobs would all be "similar" to each other.
// The text goes through chommie_search_text as in job.search_vector, whose document
// frequencies weigh the terms: a term spelt otherwise there ("full-time", which search splits)
// would have none and count as the rarest of all.
const replaceKeywordsSql = (ids: readonly number[]) => Prisma.sql`
WITH stats AS (SELECT word, ndoc FROM ts_stat('SELECT search_vector FROM job WHERE is_active')),
n AS (SELECT greatest(count(*), 1)::float8 AS n FROM job WHERE is_active),
lex AS (
  SELECT j.id AS job_id, u.lexeme AS term,
         (SELECT sum(CASE w WHEN 'A' THEN 3 WHEN 'B' THEN 2 ELSE 1 END) FROM unnest(u.weights) w) AS tf
  FROM job j, unnest(
    setweight(to_tsvector('english', chommie_search_text(j.title)), 'A') ||
    setweight(to_tsvector('english', chommie_search_text(chommie_join_words(j.skills))), 'B') ||
    setweight(to_tsvector('english', chommie_search_text(j.description)), 'C')) u
  WHERE j.id = ANY(${ids}::int[]) AND length(u.lexeme) > 1 AND u.lexeme !~ '^[0-9.,_-]+$'
),
scored AS (
  SELECT l.job_id, l.term, (1 + ln(l.tf)) * ln(n.n / greatest(s.ndoc, 1)) AS w
  FROM lex l CROSS JOIN n LEFT JOIN stats s ON s.word = l.term
  WHERE coalesce(s.ndoc, 1) <= greatest(n.n * ${lit(MAX_TERM_SHARE)}, 10)
),
top AS (
  SELECT job_id, term, w, row_number() OVER (PARTITION BY job_id ORDER BY w DESC, term) AS rn
  FROM scored WHERE w > 0
)
INSERT INTO job_keyword (job_id, term, weight)
SELECT job_id, term, w / sqrt(sum(w * w) OVER (PARTITION BY job_id)) FROM top WHERE rn <= ${lit(KEYWORDS_PER_JOB)}
${LAST_WRITER_WINS.keywords}`;

/**
 * How many jobs, strongest first, each term of a job looks at for candidates. Scanning every
 * job that shares a term costs the sum of the terms' frequencies squared (116 M pairs for
 * 35k real postings); truncated, impact-ordered lists keep it to 24 × this per job, and a
 * job that shares only weak terms with another would not make its top 10 anyway.
 */
const POSTINGS_PER_TERM = 200;
/** Candidates per job scored exactly, on all the terms they share. */
const SHORTLIST = 50;

// Partial dot products over the truncated lists of their terms (active jobs only).
const candidatesSql = (ids: readonly number[]) => Prisma.sql`
  SELECT s.job_id, o.job_id AS other, sum(s.weight * o.weight) AS score
  FROM job_keyword s
  CROSS JOIN LATERAL (
    SELECT k.job_id, k.weight FROM job_keyword k JOIN job a ON a.id = k.job_id AND a.is_active
    WHERE k.term = s.term AND k.job_id <> s.job_id
    ORDER BY k.weight DESC LIMIT ${lit(POSTINGS_PER_TERM)}
  ) o
  WHERE s.job_id = ANY(${ids}::int[])
  GROUP BY s.job_id, o.job_id`;

// Ties in score (to 4 decimals) go to the same job type, then the same location.
const replaceSimilarSql = (ids: readonly number[]) => Prisma.sql`
WITH partial AS (${candidatesSql(ids)}),
shortlist AS (
  SELECT job_id, other FROM (
    SELECT job_id, other, row_number() OVER (PARTITION BY job_id ORDER BY score DESC, other) AS n FROM partial
  ) t WHERE n <= ${lit(SHORTLIST)}
),
-- The truncated lists give a lower bound; the shortlist is scored on all shared terms.
pairs AS (
  SELECT c.job_id, c.other, sum(s.weight * o.weight) AS score
  FROM shortlist c
  JOIN job_keyword s ON s.job_id = c.job_id
  JOIN job_keyword o ON o.job_id = c.other AND o.term = s.term
  GROUP BY c.job_id, c.other
),
ranked AS (
  SELECT p.job_id, p.other AS similar_id, p.score,
         row_number() OVER (PARTITION BY p.job_id ORDER BY round(p.score::numeric, 4) DESC,
           (o.job_type = s.job_type) DESC, (o.location = s.location) DESC, p.other) AS rank
  FROM pairs p JOIN job o ON o.id = p.other JOIN job s ON s.id = p.job_id
)
INSERT INTO job_similar (job_id, similar_id, rank, score)
SELECT job_id, similar_id, rank, score FROM ranked WHERE rank <= ${lit(SIMILAR_PER_JOB)}
${LAST_WRITER_WINS.lists}`;

// Changed job ids (keywords already recomputed). The other jobs whose top list may change:
// those listing a changed job now, and those it would now enter (its score beats their 10th).
// Similarity is symmetric, so the candidates of a changed job are the jobs it can affect.
const affectedByChangeSql = (ids: readonly number[]) => Prisma.sql`
WITH cand AS (
  SELECT other AS job_id, max(score) AS score FROM (${candidatesSql(ids)}) c
  WHERE other <> ALL(${ids}::int[]) GROUP BY other
),
floor AS (
  SELECT job_id, count(*) AS c, min(score) AS m FROM job_similar
  WHERE job_id IN (SELECT job_id FROM cand) GROUP BY job_id
)
SELECT c.job_id AS id FROM cand c
LEFT JOIN floor f ON f.job_id = c.job_id
WHERE f.c IS NULL OR f.c < ${lit(SIMILAR_PER_JOB)} OR c.score >= f.m
UNION
SELECT job_id FROM job_similar WHERE similar_id = ANY(${ids}::int[]) AND job_id <> ALL(${ids}::int[])`;

// A chunk of 500 takes seconds on a loaded machine: Prisma's default 5 s would abort it.
const REFRESH_TX = { timeout: 120_000 };

// SKIP LOCKED: several gateway instances can work the same queue without taking the same jobs.
const takeSql = (n: number) => Prisma.sql`DELETE FROM job_similar_queue WHERE job_id IN (
  SELECT job_id FROM job_similar_queue ORDER BY queued_at, job_id LIMIT ${n}::int FOR UPDATE SKIP LOCKED) RETURNING job_id, reindex`;
const enqueueAffectedSql = (ids: readonly number[]) =>
  Prisma.sql`INSERT INTO job_similar_queue (job_id) SELECT id FROM (${affectedByChangeSql(ids)}) a ORDER BY id ON CONFLICT DO NOTHING`;
// Jobs' lists as text, to tell the lists a refresh changed from those it rewrote identically.
const listsSql = (ids: readonly number[]) => Prisma.sql`SELECT job_id, string_agg(similar_id::text, ',' ORDER BY rank) AS ids FROM job_similar
  WHERE job_id = ANY(${ids}::int[]) GROUP BY job_id`;

// Each job's list read in rank order until `first` active jobs are found (a lateral LIMIT), so
// what comes along with a row (its company, its count) is built for the rows returned only.
const listSql = (source: Prisma.Sql, first: number, columns?: readonly JobColumn[]) => Prisma.sql`
  SELECT s.rank AS _rank, ${jobColumns(columns)}
  FROM job_similar s JOIN job j ON j.id = s.similar_id AND j.is_active
  WHERE s.job_id = ${source} ORDER BY s.rank LIMIT ${limitSql(first)}`;

/**
 * Materialized lists, the first `first` of each job's; closed jobs are dropped here, at read
 * time. Only the rows asked for are read, with only the `columns` asked for (jobColumns).
 */
export async function similarJobLists(db: Db, ids: readonly number[], first: number, columns?: readonly JobColumn[]): Promise<Joined<JobRow>[][]> {
  const rows = await db.$queryRaw<Joined<JobRow & { _source: number; _rank: number }>[]>`SELECT src.id AS _source, x.*
    FROM ${batchIds(ids)} src(id)
    CROSS JOIN LATERAL (${listSql(Prisma.raw('src.id'), first, columns)}) x
    ORDER BY _source, _rank`;
  const lists = new Map<number, Joined<JobRow>[]>(ids.map((id) => [id, []]));
  // Rows keep `_source` and `_rank`: copying 250 rows of a headline without them cost more than they weigh.
  for (const row of rows) lists.get(row._source)?.push(row);
  return ids.map((id) => lists.get(id) ?? []);
}

/** What a read of jobs by id brings of each job's similar list: the first `first`, with `columns`. */
export interface SimilarWanted {
  first: number;
  columns?: readonly JobColumn[];
}

// JSON has no timestamps: the driver would have given these columns as Dates.
const TIMESTAMPS = ['createdAt', 'updatedAt'] as const;

/**
 * Jobs by id (as jobsByIds) with each one's similar list (as similarJobLists) in the same
 * statement, as JSON: a job page is then one round trip, not two. `_similar` holds the list.
 */
export async function jobsWithSimilar(
  db: Db,
  ids: readonly number[],
  wanted: readonly JobColumn[] | undefined,
  similar: SimilarWanted,
): Promise<(Joined<JobRow> | null)[]> {
  const rows = await db.$queryRaw<(Joined<JobRow> & { _similar: (Joined<JobRow> & { _rank?: number })[] })[]>`SELECT ${jobColumns(wanted, true)},
    (SELECT coalesce(json_agg(x ORDER BY x._rank), '[]'::json) FROM (${listSql(Prisma.raw('src.id'), similar.first, similar.columns)}) x) AS "_similar"
    FROM ${batchIds(ids)} src(id) JOIN job j ON j.id = src.id`;
  // Each similar job keeps its `_rank` (nothing reads it): deleting a property makes V8 switch
  // the object to a slow dictionary layout.
  for (const row of rows)
    for (const s of row._similar) {
      const r = s as Record<string, unknown>;
      for (const t of TIMESTAMPS) if (typeof r[t] === 'string') r[t] = new Date(r[t]);
    }
  return inOrder(ids, rows);
}

/**
 * Rewriting a job's keywords or list is a delete then an insert: two transactions doing it for
 * the same job at once would both insert, and one would fail on the primary key (an importer's
 * eager refresh and a gateway's worker taking the same jobs off the queue, as the bench's
 * import into a served database showed). The worker rewrites only jobs whose queue rows it
 * holds (it deletes them as it takes them). So an eager rewrite claims the jobs' queue rows
 * first, without waiting (SKIP LOCKED), and leaves out the jobs a worker holds: that worker is
 * rewriting them. (Waiting instead deadlocks: the worker, in its transaction, queues the jobs
 * its batch affects, which may be rows the eager rewrite holds.) Jobs not queued at all are
 * rewritten too; two eager rewrites of one such job end with the later insert's rows
 * (LAST_WRITER_WINS).
 */
async function claim(tx: Db, ids: readonly number[]): Promise<number[]> {
  const claimed = await tx.$queryRaw<{ job_id: number }[]>`SELECT job_id FROM job_similar_queue WHERE job_id = ANY(${ids}::int[]) FOR UPDATE SKIP LOCKED`;
  const unqueued = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM unnest(${ids}::int[]) id
    WHERE NOT EXISTS (SELECT 1 FROM job_similar_queue q WHERE q.job_id = id)`;
  return [...claimed.map((r) => r.job_id), ...unqueued.map((r) => r.id)];
}

// With `owe`, the rewrite records in its own transaction the cache invalidation it owes (data/writes.ts).
const replace =
  (remove: (ids: readonly number[]) => Prisma.Sql, insert: (ids: readonly number[]) => Prisma.Sql) =>
  (prisma: PrismaClient, ids: number[], owe?: Owe): Promise<Intent | undefined> =>
    retryRolledBack(() =>
      prisma.$transaction(async (tx) => {
        const mine = await claim(tx, ids);
        if (mine.length === 0) return undefined;
        await tx.$executeRaw(remove(mine));
        await tx.$executeRaw(insert(mine));
        return owe?.(tx);
      }, REFRESH_TX),
    );
/** Recomputes the jobs' keywords (their top weighted terms). */
export const replaceKeywords = replace(deleteKeywordsSql, replaceKeywordsSql);
/** Recomputes the jobs' similar-jobs lists from the keywords. */
export const replaceSimilar = replace(deleteSimilarSql, replaceSimilarSql);

const RANK = { postingsPerTerm: POSTINGS_PER_TERM, shortlist: SHORTLIST, perJob: SIMILAR_PER_JOB };

/** Every job's keywords, in memory, to rank many jobs at once (domain/similar-rank.ts). */
export async function loadSimilarIndex(db: Db): Promise<SimilarIndex> {
  const jobs = await db.$queryRaw<IndexJob[]>`SELECT id, is_active AS active, job_type::text AS "jobType", location FROM job`;
  const keywords = await db.$queryRaw<KeywordRow[]>`SELECT job_id, term, weight FROM job_keyword`;
  return new SimilarIndex(jobs, keywords);
}

/**
 * What the index is read from, summed up: a change to a job or to keywords (a new row
 * version, a deleted row) changes it. It is read before the index, so that a change committed
 * in between makes the next comparison fail, not pass.
 */
const fingerprintSql = Prisma.sql`SELECT (SELECT count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM job_keyword) || '/' ||
  (SELECT count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM job) AS f`;

/** A keyword index kept between bulk batches, while what it was read from is unchanged. */
export interface IndexCache {
  index?: SimilarIndex;
  fingerprint?: string;
}

async function cachedIndex(tx: Db, cache: IndexCache = {}): Promise<SimilarIndex> {
  const [{ f }] = await tx.$queryRaw<{ f: string }[]>(fingerprintSql);
  if (!cache.index || cache.fingerprint !== f) Object.assign(cache, { index: await loadSimilarIndex(tx), fingerprint: f });
  return cache.index!;
}

/** Ranks `ids` on the index, as replaceSimilarSql would. */
export const rankAll = (index: SimilarIndex, ids: readonly number[]) => index.rank(ids, RANK);

const insertListsSql = (lists: Map<number, Ranked[]>, only?: readonly number[]) => {
  const [job, similar, rank, score] = [[], [], [], []] as [number[], number[], number[], number[]];
  for (const id of only ?? lists.keys())
    (lists.get(id) ?? []).forEach((r, i) => {
      job.push(id);
      similar.push(r.similarId);
      rank.push(i + 1);
      score.push(r.score);
    });
  return Prisma.sql`INSERT INTO job_similar (job_id, similar_id, rank, score)
    SELECT * FROM unnest(${job}::int[], ${similar}::int[], ${rank}::int[], ${score}::float8[]) ${LAST_WRITER_WINS.lists}`;
};

/**
 * Writes ranked lists; returns the jobs whose lists (the jobs, in order) changed. Lists that
 * came out the same, scores included (to 1e-9), are left as they are.
 */
export async function writeLists(tx: Db, lists: Map<number, Ranked[]>): Promise<number[]> {
  const ids = [...lists.keys()];
  const before = new Map<number, { similar_id: number; score: number }[]>(ids.map((id) => [id, []]));
  for (const r of await tx.$queryRaw<{ job_id: number; similar_id: number; score: number }[]>`SELECT job_id, similar_id, score FROM job_similar
      WHERE job_id = ANY(${ids}::int[]) ORDER BY job_id, rank`)
    before.get(r.job_id)!.push(r);
  const changed: number[] = [];
  const rewrite: number[] = [];
  for (const id of ids) {
    const [old, now] = [before.get(id)!, lists.get(id)!];
    const sameIds = old.length === now.length && old.every((o, i) => o.similar_id === now[i].similarId);
    if (!sameIds) changed.push(id);
    if (!sameIds || old.some((o, i) => Math.abs(o.score - now[i].score) > 1e-9)) rewrite.push(id);
  }
  if (rewrite.length) {
    await tx.$executeRaw(deleteSimilarSql(rewrite));
    await tx.$executeRaw(insertListsSql(lists, rewrite));
  }
  return changed;
}

/**
 * Recomputes every job's keywords and top similar jobs. Keywords go in chunks (each reads the
 * document frequencies once); the lists are ranked in memory on one read of all keywords and
 * written in chunks of `chunk` jobs, a transaction each.
 */
export async function rebuildAllSimilar(prisma: PrismaClient, chunk = 5000): Promise<number> {
  const ids = (await prisma.job.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((j) => j.id);
  for (let i = 0; i < ids.length; i += chunk) await replaceKeywords(prisma, ids.slice(i, i + chunk));
  const index = await loadSimilarIndex(prisma);
  for (let i = 0; i < ids.length; i += chunk) {
    const part = ids.slice(i, i + chunk);
    const lists = rankAll(index, part);
    await retryRolledBack(() =>
      prisma.$transaction(async (tx) => {
        const mine = await claim(tx, part);
        await tx.$executeRaw(deleteSimilarSql(mine));
        await tx.$executeRaw(insertListsSql(lists, mine));
      }, REFRESH_TX),
    );
  }
  await doneEagerly(prisma, ids);
  return ids.length;
}

/** Queues the other jobs whose lists the (re-keyworded) jobs may now enter or leave. */
export const enqueueAffected = (db: Db, ids: number[]) => retryRolledBack(() => db.$executeRaw(enqueueAffectedSql(ids)));

/** Queues every active job (after a bulk change, cheaper than working out which lists it touched). */
export const enqueueAllActive = (db: Db) =>
  retryRolledBack(() => db.$executeRaw`INSERT INTO job_similar_queue (job_id) SELECT id FROM job WHERE is_active ORDER BY id ON CONFLICT DO NOTHING`);

// Every job write queues its own refresh by trigger (see the migration similar_queue_durable),
// so that a writer dying before its eager refresh loses nothing. Once the eager refresh has
// done that work, its queue entries go. (A concurrent write to the same job also refreshes
// eagerly, so dropping its entry too risks nothing but a crash in that narrow window.)
export const doneEagerly = (db: Db, ids: number[]) =>
  retryRolledBack(() => db.$executeRaw`DELETE FROM job_similar_queue WHERE job_id = ANY(${ids}::int[]) AND reindex`);

/** The jobs' own lists still wait in the queue, as plain refreshes (their keywords are done). */
export const keywordsDone = (db: Db, ids: number[]) =>
  retryRolledBack(() => db.$executeRaw`UPDATE job_similar_queue SET reindex = false WHERE job_id = ANY(${ids}::int[])`);

export async function queueLength(db: Db): Promise<number> {
  return (await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM job_similar_queue`)[0].n;
}

/** Past this many jobs re-keyworded in one batch, queueing every active job costs less than finding which lists they touch. */
const AFFECTED_ALL_ABOVE = 1000;
const enqueueAllActiveBut = (ids: readonly number[]) =>
  Prisma.sql`INSERT INTO job_similar_queue (job_id) SELECT id FROM job WHERE is_active AND id <> ALL(${ids}::int[]) ORDER BY id ON CONFLICT DO NOTHING`;

/**
 * Takes up to `batchSize` jobs off the queue and refreshes them in one transaction: a failure
 * leaves them queued. Jobs queued by their own write get their keywords first and queue the
 * lists they affect, as an eager refresh would have. With `compare`, returns the jobs whose
 * lists came out different (the others were rewritten identically), and with `owe` records
 * the invalidation those owe. With `bulk`, the lists are ranked in memory on one read of every
 * keyword (domain/similar-rank.ts): a fixed cost of that read, then far less per job than the SQL ranking;
 * with a `cache`, the read is kept for the next batches, as long as no job or keyword changed.
 */
export function refreshQueued(prisma: PrismaClient, batchSize: number, options: { compare: boolean; owe?: Owe; bulk?: boolean; cache?: IndexCache }) {
  return retryRolledBack(() =>
    prisma.$transaction(async (tx) => {
      const taken = await tx.$queryRaw<{ job_id: number; reindex: boolean }[]>(takeSql(batchSize));
      const ids = taken.map((r) => r.job_id);
      const reindex = taken.filter((r) => r.reindex).map((r) => r.job_id);
      if (reindex.length) {
        await tx.$executeRaw(deleteKeywordsSql(reindex));
        await tx.$executeRaw(replaceKeywordsSql(reindex));
      }
      const changed: number[] = [];
      if (ids.length && options.bulk) {
        changed.push(...(await writeLists(tx, rankAll(await cachedIndex(tx, options.cache), ids))));
      } else if (ids.length) {
        const lists = async () => new Map((await tx.$queryRaw<{ job_id: number; ids: string }[]>(listsSql(ids))).map((r) => [r.job_id, r.ids]));
        const before = options.compare ? await lists() : new Map();
        await tx.$executeRaw(deleteSimilarSql(ids));
        await tx.$executeRaw(replaceSimilarSql(ids));
        const after = options.compare ? await lists() : new Map();
        changed.push(...ids.filter((id) => before.get(id) !== after.get(id)));
      }
      // The jobs of this batch are ranked on the new keywords already.
      if (reindex.length > AFFECTED_ALL_ABOVE) await tx.$executeRaw(enqueueAllActiveBut(ids));
      else if (reindex.length) await tx.$executeRaw(enqueueAffectedSql(reindex));
      if (!options.compare) changed.length = 0;
      return { n: ids.length, changed, intent: changed.length > 0 ? await options.owe?.(tx) : undefined };
    }, REFRESH_TX),
  );
}
