import { WRITE_TX } from '../db/database';
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import type { SavedSearchAlerts } from '../domain/saved-search';
import { filterFromJson, requiredLexemes } from '../domain/saved-search';
import { prepareSearch } from '../domain/search-vocabulary';
import type { Db } from './client';
import type { Intent } from './invalidations';
import { jobColumns, jobFilterSql, titlePattern, type JobColumn, type JobFilterInput, type JobRow, type Joined } from './jobs';
import { inBatch, newestCursor, pagesByParent, type Children, type Page } from './pages';
import type { Owe } from './writes';

// Saved searches and job alerts. A saved search keeps its filter twice: as the client sent it
// (`filter`, shown back), and compiled to columns (`query`, `anchors`, `m_*`) so that ONE
// statement matches a batch of new jobs against every saved search (`matchQueued`).
//
// Matches are recorded (saved_search_match) rather than computed on read: `newJobCount` and
// `jobs` are then an index range of one saved search's matches (its matches not yet seen),
// whatever the filter costs to run; the alerts digest reads the same rows; and a job matches
// against the search as it was when the job arrived, once, whatever the search terms' places
// or vocabulary become later. The price is that a match lags the job's commit by the
// matcher's interval (SAVED_SEARCH_MATCH_MS): the queue, filled by a trigger in the job's own
// transaction, makes sure it comes.

export interface SavedSearchRow {
  id: number;
  userId: number;
  name: string;
  filter: Record<string, unknown>;
  alerts: SavedSearchAlerts;
  createdAt: Date;
  lastSeenAt: Date;
  /** Active jobs matched since `lastSeenAt`. */
  newJobCount: number;
}

const ROW = Prisma.sql`s.id, s.user_id AS "userId", s.name, s.filter, s.alerts::text AS alerts, s.created_at AS "createdAt", s.last_seen_at AS "lastSeenAt",
  (SELECT count(*)::int FROM saved_search_match m JOIN job j ON j.id = m.job_id
    WHERE m.saved_search_id = s.id AND NOT m.seen AND j.is_active) AS "newJobCount"`;

/**
 * A filter compiled to the saved_search columns the matcher reads. The rules are those of
 * `jobFilterSql` (data/jobs.ts: conditionsSql, readingSql), which `compileFilter` first runs
 * for its validation: change one, change the other (test/integration/data/saved-searches.test.ts
 * checks the matcher against `jobs(filter)`). The search's text becomes a tsquery computed at
 * save time (`text`), its attribute words the conditions `reading` (JSON).
 */
export interface CompiledFilter {
  text: string;
  jobType: string | null;
  remote: boolean | null;
  levels: string[];
  companyId: number | null;
  salaryMin: number | null;
  salaryMax: number | null;
  location: string | null;
  postedAfter: string | null;
  postedBefore: string | null;
  reading: Record<string, unknown> | null;
}

export function compileFilter(filter: JobFilterInput): CompiledFilter {
  jobFilterSql(filter); // the same refusals as `jobs(filter)`, with the same arguments named
  const r = filter.reading;
  let reading: Record<string, unknown> | null = null;
  if (r && (r.conditions.length || r.places.length)) {
    reading = {};
    for (const field of ['REMOTE', 'JOB_TYPE', 'EXPERIENCE_LEVEL'] as const) {
      const values = r.conditions.filter((c) => c.field === field).map((c) => c.value);
      if (values.length) reading[field] = { v: values, t: titlePattern(r.titleWords[field] ?? []) };
    }
    const lower = (p: { city?: string; state?: string }) => ({ city: p.city?.toLowerCase() ?? null, state: p.state?.toLowerCase() ?? null });
    const cities = r.places.filter((ps) => ps.some((p) => p.city)).flat();
    const states = r.places.filter((ps) => ps.every((p) => !p.city)).flat();
    if (cities.length) reading.cities = cities.map(lower);
    if (states.length) reading.states = states.map(lower);
  }
  const location = filter.location?.trim().toLowerCase() || null;
  return {
    text: r ? r.text : (filter.search?.trim() ?? ''),
    jobType: filter.jobType ?? null,
    remote: filter.remote ?? null,
    levels: [...new Set(filter.experienceLevel ?? [])],
    companyId: filter.companyId != null ? Number(filter.companyId) : null,
    salaryMin: filter.salaryMin ?? null,
    salaryMax: filter.salaryMax ?? null,
    location,
    postedAfter: filter.postedAfter?.toISOString() ?? null,
    postedBefore: filter.postedBefore?.toISOString() ?? null,
    reading,
  };
}

/** A reading condition on one column: its values, or the title words that also satisfy it. */
const readingField = (field: string, column: string) => {
  const f = Prisma.sql`(s.m_reading -> ${field})`;
  return Prisma.sql`(${f} IS NULL OR ${Prisma.raw(column)} = ANY (ARRAY(SELECT jsonb_array_elements_text(${f} -> 'v')))
    OR j.title ~* (${f} ->> 't'))`;
};
const readingPlaces = (key: string) => {
  const f = Prisma.sql`(s.m_reading -> ${key})`;
  return Prisma.sql`(${f} IS NULL OR EXISTS (SELECT 1 FROM jsonb_to_recordset(${f}) p(city text, state text)
    WHERE (p.city IS NULL OR lower(j.city) = p.city) AND (p.state IS NULL OR lower(j.state) = p.state)))`;
};

/** Whether job `j` meets saved search `s`'s compiled filter: conditionsSql and readingSql, column by column. */
const MATCHES = Prisma.sql`j.is_active
  AND (s.m_job_type IS NULL OR j.job_type = s.m_job_type)
  AND (s.m_remote IS NULL OR j.remote = s.m_remote)
  AND (cardinality(s.m_levels) = 0 OR j.experience_level = ANY (s.m_levels))
  AND (s.m_company_id IS NULL OR j.company_id = s.m_company_id)
  AND (s.m_salary_min IS NULL OR coalesce(j.salary_max, j.salary_min) >= s.m_salary_min)
  AND (s.m_salary_max IS NULL OR coalesce(j.salary_min, j.salary_max) <= s.m_salary_max)
  AND (s.m_location IS NULL OR lower(j.location) LIKE replace(replace(replace(s.m_location, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'
    OR lower(j.city) = s.m_location OR lower(j.state) = s.m_location)
  AND (s.m_posted_after IS NULL OR j.created_at >= s.m_posted_after)
  AND (s.m_posted_before IS NULL OR j.created_at < s.m_posted_before)
  AND (s.m_reading IS NULL OR (${readingField('REMOTE', 'j.remote::text')} AND ${readingField('JOB_TYPE', 'j.job_type::text')}
    AND ${readingField('EXPERIENCE_LEVEL', 'j.experience_level::text')} AND ${readingPlaces('cities')} AND ${readingPlaces('states')}))
  AND (s.query IS NULL OR j.search_vector @@ s.query)`;

/**
 * The sets of keys one of which every job a search matches has (a job's keys are its lexemes
 * and these conditions', see JOB_KEYS): the words its search requires, and each condition that
 * is a key: its company, levels, job type, remote, and the cities or states its words named.
 * A space starts a condition's key: no lexeme has one.
 */
function anchorSets(c: CompiledFilter, words: string[]): string[][] {
  const sets = [words];
  if (c.companyId != null) sets.push([` company=${c.companyId}`]);
  if (c.levels.length) sets.push(c.levels.map((l) => ` level=${l}`));
  if (c.jobType) sets.push([` type=${c.jobType}`]);
  if (c.remote != null) sets.push([` remote=${c.remote}`]);
  const places = (key: string) => (c.reading?.[key] as { city: string | null; state: string | null }[] | undefined) ?? [];
  const cities = places('cities');
  if (cities.length && cities.every((p) => p.city)) sets.push([...new Set(cities.map((p) => ` city=${p.city}`))]);
  const states = places('states');
  if (states.length && states.every((p) => p.state)) sets.push([...new Set(states.map((p) => ` state=${p.state}`))]);
  return sets.filter((set) => set.length);
}

/** A job `nj`'s keys in SQL: its lexemes and its conditions'. */
const JOB_KEYS = Prisma.sql`tsvector_to_array(nj.search_vector) || ARRAY[' company=' || nj.company_id, ' level=' || coalesce(nj.experience_level::text, ''),
  ' type=' || nj.job_type::text, ' remote=' || nj.remote::text, ' city=' || lower(nj.city), ' state=' || lower(nj.state)]`;

/** Jobs sampled to weigh anchors: the newest, which new jobs resemble most. */
const ANCHOR_SAMPLE = 2000;

/**
 * The anchors of a search: of its anchor sets, the one the fewest recent jobs have (the fewer
 * candidates a new job brings, the less the matcher tests); none when it has no set (it meets
 * every new job).
 */
async function chooseAnchors(tx: Db, sets: string[][]): Promise<string[]> {
  if (sets.length <= 1) return sets[0] ?? [];
  const keys = [...new Set(sets.flat())];
  const rows = await tx.$queryRaw<{ k: string; n: number }[]>`SELECT k, count(*)::int AS n
    FROM (SELECT * FROM job WHERE is_active ORDER BY created_at DESC LIMIT ${ANCHOR_SAMPLE}::int) nj, unnest(${JOB_KEYS}) k
    WHERE k = ANY(${keys}::text[]) GROUP BY k`;
  const count = new Map(rows.map((r) => [r.k, r.n]));
  const weight = (set: string[]) => set.reduce((n, k) => n + (count.get(k) ?? 0), 0);
  return sets.reduce((best, set) => (weight(set) < weight(best) ? set : best));
}

/** Saves a search (the per-user limit and the name's rules are the table's: see saveSearch's errors). */
export async function insertSavedSearch(
  tx: Db,
  data: { userId: number; name: string; filter: Record<string, unknown>; alerts: SavedSearchAlerts; compiled: CompiledFilter },
): Promise<SavedSearchRow> {
  const c = data.compiled;
  // The tsquery as PostgreSQL prints it gives the words every match must have (the anchors).
  const [q] = c.text
    ? await tx.$queryRaw<{ q: string | null; tree: string | null }[]>`WITH x AS (SELECT chommie_tsquery(${prepareSearch(c.text)}) AS q)
        SELECT CASE WHEN numnode(q) > 0 THEN q::text END AS q, CASE WHEN numnode(q) > 0 THEN querytree(q) END AS tree FROM x`
    : [{ q: null, tree: null }];
  const anchors = await chooseAnchors(tx, anchorSets(c, q.tree && q.tree !== 'T' ? requiredLexemes(q.tree) : []));
  const [row] = await tx.$queryRaw<SavedSearchRow[]>`WITH s AS (
      INSERT INTO saved_search (user_id, name, filter, alerts, query, anchors, m_job_type, m_remote, m_levels, m_company_id,
        m_salary_min, m_salary_max, m_location, m_posted_after, m_posted_before, m_reading)
      VALUES (${data.userId}, ${data.name}, ${JSON.stringify(data.filter)}::jsonb, ${data.alerts}::"SavedSearchAlerts", ${q.q}::tsquery,
        ${anchors}::text[], ${c.jobType}::"JobType", ${c.remote}::boolean, ${c.levels}::text[]::"ExperienceLevel"[], ${c.companyId}::int,
        ${c.salaryMin}::int, ${c.salaryMax}::int, ${c.location}::text, ${c.postedAfter}::timestamptz, ${c.postedBefore}::timestamptz,
        ${c.reading == null ? null : JSON.stringify(c.reading)}::jsonb)
      RETURNING *)
    SELECT ${ROW} FROM s`;
  return row;
}

/** A saved search by id (its owner decides who may see it), with its count of new jobs. */
export async function findSavedSearch(db: Db, id: number): Promise<SavedSearchRow | null> {
  const [row] = await db.$queryRaw<SavedSearchRow[]>`SELECT ${ROW} FROM saved_search s WHERE s.id = ${id}`;
  return row ?? null;
}

/** Each user's saved searches, oldest first, one statement for all of them. */
export async function savedSearchesOfUsers(db: Db, userIds: readonly number[]): Promise<SavedSearchRow[][]> {
  const rows = await db.$queryRaw<SavedSearchRow[]>`SELECT ${ROW} FROM saved_search s WHERE ${inBatch('s.user_id', userIds)}
    ORDER BY s.created_at, s.id`;
  return userIds.map((id) => rows.filter((r) => r.userId === id));
}

export async function deleteSavedSearch(tx: Db, id: number): Promise<boolean> {
  return (await tx.$executeRaw`DELETE FROM saved_search WHERE id = ${id}`) > 0;
}

/**
 * Everything matched so far is seen: `newJobCount` starts again from 0. The matches are flagged
 * one by one rather than compared with `last_seen_at`: a matcher batch (of any instance) in
 * flight now commits matches this statement cannot see, so they stay new, whereas their
 * matched_at, taken before the commit, could be earlier than any "seen until" time this could set.
 * Two statements: a CTE's UPDATE is not seen by the count of the same statement.
 */
export async function markSavedSearchSeen(tx: Db, id: number): Promise<SavedSearchRow | null> {
  await tx.$executeRaw`UPDATE saved_search_match SET seen = true WHERE saved_search_id = ${id} AND NOT seen`;
  const [row] = await tx.$queryRaw<SavedSearchRow[]>`WITH s AS (
      UPDATE saved_search SET last_seen_at = greatest(last_seen_at, now()) WHERE id = ${id} RETURNING *)
    SELECT ${ROW} FROM s`;
  return row ?? null;
}

type MatchRow = JobRow & { savedSearchId: number; _postedAt?: Date };

/**
 * A saved search's jobs since last seen: its matches not marked seen, active,
 * newest posted first (a cursor of (created_at, id), like `jobs`' NEWEST). Pages of several
 * saved searches in one statement (pages.ts).
 */
const matchChildren = (columns?: readonly JobColumn[]): Children<MatchRow> => ({
  from: Prisma.sql`(SELECT j.*, m.saved_search_id FROM saved_search_match m JOIN job j ON j.id = m.job_id WHERE NOT m.seen AND j.is_active) j`,
  alias: 'j',
  // The cursor's key, whatever columns the query shows.
  columns: Prisma.sql`${jobColumns(columns)}, j.saved_search_id AS "savedSearchId", j.created_at AS "_postedAt"`,
  parentColumn: 'saved_search_id',
  parentOf: (r) => r.savedSearchId,
  cursorName: 'NEWEST',
});

export const savedSearchJobPages = (first: number, after: string | null, columns?: readonly JobColumn[]) => {
  const pages = pagesByParent(matchChildren(columns), first, after);
  return (db: Db, ids: readonly number[]) => pages(db, ids) as Promise<Page<Joined<MatchRow>>[]>;
};

export const savedSearchJobCursor = (row: JobRow) => newestCursor('NEWEST', { id: row.id, createdAt: (row as MatchRow)._postedAt ?? row.createdAt });

/**
 * New jobs a matcher batch (one statement, one transaction) takes at most. Its cost follows the
 * matches it records (about 50 µs of PostgreSQL CPU each: the row, its three index entries, its
 * two foreign keys): 1,000 new jobs against 10,000 saved searches of the measuring script
 * (about 100 matches a job) take about 10 s, the most a transaction should hold.
 */
export const MATCH_BATCH = 1000;

export interface MatchBatch {
  /** Jobs taken off the queue. */
  taken: number;
  /** What matched, by saved search. */
  matched: { savedSearchId: number; userId: number; jobIds: number[] }[];
  intent?: Intent;
}

/**
 * Takes up to `size` queued new jobs and records which saved searches they match, in ONE
 * statement whatever the number of saved searches: the queue rows are deleted (SKIP LOCKED:
 * instances take disjoint batches) and the matches inserted together, so a batch is matched
 * exactly once or, if anything dies before the commit, left queued.
 *
 * The pairs tested are bounded by what the jobs and the searches share, not by their product:
 * each saved search has anchors (keys one of which every job it matches has: the words it
 * requires or one of its conditions, whichever the fewest recent jobs have, see chooseAnchors),
 * each new job its keys (its lexemes and conditions), and one hash join of the two gives the
 * candidates, which the full filter then decides. Only searches with no anchor (a location or
 * salary alone, no filter) meet every job of the batch. So the work follows the candidates,
 * mostly real matches (a probe of a GIN index of the anchors per new job, the first design,
 * cost 13 ms a job against 10,000 saved searches). A job matches the searches saved before it
 * was queued: it is new to them.
 */
export function matchQueued(prisma: PrismaClient, size = MATCH_BATCH, owe?: Owe): Promise<MatchBatch> {
  return prisma.$transaction(
    async (tx) => {
      // Prisma's timeout abandons the transaction, but PostgreSQL would go on running the
      // statement (holding its connection and its queue rows) until it ended: cancelled before.
      await tx.$executeRaw`SET LOCAL statement_timeout = 115000`;
      const [row] = await tx.$queryRaw<{ taken: number; matched: MatchBatch['matched'] | null }[]>`
        WITH batch AS MATERIALIZED (
          DELETE FROM saved_search_queue q WHERE q.job_id IN (
            SELECT job_id FROM saved_search_queue ORDER BY job_id LIMIT ${size}::int FOR UPDATE SKIP LOCKED)
          RETURNING q.job_id, q.queued_at),
        -- What the filters read of a job: not its description (a batch is held in memory).
        nj AS MATERIALIZED (SELECT j.id, j.title, j.company_id, j.location, j.city, j.state, j.job_type, j.salary_min, j.salary_max, j.remote,
            j.experience_level, j.is_active, j.created_at, j.search_vector, b.queued_at
          FROM job j JOIN batch b ON b.job_id = j.id WHERE j.is_active),
        jk AS (SELECT nj.id, k FROM nj, unnest(${JOB_KEYS}) k),
        sk AS (SELECT s.id, k FROM saved_search s, unnest(s.anchors) k),
        -- Each job's candidate searches as one array: estimated a row a job, the candidates are then
        -- joined to their searches and tested; as pairs, the planner tested every job against
        -- every search first (100 million tests for 10,000 × 10,000). A job having two anchors of
        -- a search lists it twice: ON CONFLICT DO NOTHING keeps one match.
        cand AS MATERIALIZED (
          SELECT jk.id AS jid, array_agg(sk.id) AS sids FROM jk JOIN sk ON sk.k = jk.k GROUP BY jk.id
          UNION ALL
          SELECT nj.id, (SELECT array_agg(s.id) FROM saved_search s WHERE coalesce(cardinality(s.anchors), 0) = 0) FROM nj),
        hit AS (
          INSERT INTO saved_search_match (saved_search_id, job_id)
          SELECT s.id, j.id FROM cand c JOIN nj j ON j.id = c.jid CROSS JOIN LATERAL unnest(c.sids) sid JOIN saved_search s ON s.id = sid
          WHERE s.created_at <= j.queued_at AND ${MATCHES}
          ON CONFLICT DO NOTHING
          RETURNING saved_search_id, job_id)
        SELECT (SELECT count(*)::int FROM batch) AS taken,
          (SELECT json_agg(json_build_object('savedSearchId', h.saved_search_id, 'userId', s.user_id, 'jobIds', h.jobs))
            FROM (SELECT saved_search_id, array_agg(job_id ORDER BY job_id) AS jobs FROM hit GROUP BY saved_search_id) h
            JOIN saved_search s ON s.id = h.saved_search_id) AS matched`;
      const matched = row.matched ?? [];
      return { taken: row.taken, matched, intent: matched.length ? await owe?.(tx) : undefined };
    },
    { maxWait: WRITE_TX.maxWait, timeout: 120_000 },
  );
}

/**
 * Deletes the matches recorded more than `days` ago: without it saved_search_match keeps every
 * match of every search forever (about 100 a new job with 10,000 saved searches). Older matches
 * leave `newJobCount` and `jobs` too: a search unseen for that long shows that many days back.
 * One statement (a scan of the table: matched_at leads no index, which every match would pay
 * for), run once a day by the alerts refresher. Returns how many it deleted.
 */
export function deleteOldMatches(db: Db, days: number): Promise<number> {
  return db.$executeRaw`DELETE FROM saved_search_match WHERE matched_at < now() - make_interval(days => ${days}::int)`;
}

/** The jobs a digest lists per saved search, at most (it counts them all). */
export const DIGEST_JOBS = 20;

export interface JobAlertRow {
  id: number;
  userId: number;
  /** The UTC day, YYYY-MM-DD. */
  day: string;
  jobCount: number;
  searches: { savedSearchId: number; name: string; jobCount: number; jobIds: number[] }[];
  createdAt: Date;
  sentAt: Date | null;
}

/**
 * Writes the job-alert digests of `day` (UTC, YYYY-MM-DD): one row per user having DAILY saved
 * searches that matched active jobs that day, counted and listed (newest first, DIGEST_JOBS per
 * search). A user's row is written once: a second pass, on this instance or another, at the
 * same time or later, inserts nothing (unique (user_id, day), ON CONFLICT DO NOTHING). Returns
 * the users who got one.
 */
export function writeJobAlerts(prisma: PrismaClient, day: string, owe?: Owe): Promise<{ userIds: number[]; intent?: Intent }> {
  return prisma.$transaction(
    async (tx) => {
      const rows = await tx.$queryRaw<{ userId: number }[]>`
        WITH d AS (SELECT (${day}::date)::timestamp AT TIME ZONE 'UTC' AS since),
        per AS (
          SELECT s.id, s.user_id, s.name, count(*)::int AS n,
            (array_agg(j.id ORDER BY j.created_at DESC, j.id DESC))[1:${DIGEST_JOBS}::int] AS ids
          FROM saved_search s JOIN saved_search_match m ON m.saved_search_id = s.id JOIN job j ON j.id = m.job_id, d
          WHERE s.alerts = 'DAILY' AND j.is_active AND m.matched_at >= d.since AND m.matched_at < d.since + interval '1 day'
          GROUP BY s.id)
        INSERT INTO job_alert (user_id, day, job_count, searches)
        SELECT user_id, ${day}::date, sum(n)::int,
          json_agg(json_build_object('savedSearchId', id, 'name', name, 'jobCount', n, 'jobIds', ids) ORDER BY id)
        FROM per GROUP BY user_id
        ON CONFLICT (user_id, day) DO NOTHING
        RETURNING user_id AS "userId"`;
      const userIds = rows.map((r) => r.userId);
      return { userIds, intent: userIds.length ? await owe?.(tx) : undefined };
    },
    { maxWait: WRITE_TX.maxWait, timeout: 60_000 },
  );
}

/** The newest day up to `notAfter` any digest was written for (YYYY-MM-DD), or null. */
export async function newestJobAlertDay(db: Db, notAfter: string): Promise<string | null> {
  const [row] = await db.$queryRaw<{ day: string | null }[]>`SELECT to_char(max(day), 'YYYY-MM-DD') AS day FROM job_alert WHERE day <= ${notAfter}::date`;
  return row.day;
}

/** A user's digests, newest day first. */
export async function jobAlertsOfUser(db: Db, userId: number, first: number): Promise<JobAlertRow[]> {
  return db.$queryRaw<JobAlertRow[]>`SELECT id, user_id AS "userId", to_char(day, 'YYYY-MM-DD') AS day, job_count AS "jobCount", searches,
      created_at AS "createdAt", sent_at AS "sentAt"
    FROM job_alert WHERE user_id = ${userId} ORDER BY day DESC LIMIT ${first}::int`;
}

/** The stored filter as `jobs(filter)` takes it. */
export const savedFilter = (row: SavedSearchRow): JobFilterInput => filterFromJson(row.filter);
