import { checkSalaryOrder, LIMITS, type CreateJobData, type UpdateJobData } from '../domain/job-input';
import type { Place, SearchReading } from '../domain/search-understanding';
import { prepareSearch } from '../domain/search-vocabulary';
import { checkRange, parseId } from '../domain/arguments';
import { InvalidInput } from '../domain/errors';
import { Prisma, type Job } from '../generated/prisma/client';
import type { Db } from './client';
import { inBatch, inOrder, pageLimitSql } from './pages';
import type { CompanyRow } from './companies';
import { cursorOrder, decodeCursor, encodeCursor, type CursorKey } from './cursor';

/**
 * Job columns under the names Prisma gives them, so raw-SQL rows and Prisma rows share a type.
 * Lists leave out the description, the one wide column: a page of 50 jobs with 5 similar jobs
 * each would otherwise carry 300 descriptions to show titles (Job.description loads it when
 * asked for, in one batch).
 */
const COLUMN_SQL = {
  id: 'j.id',
  title: 'j.title',
  companyId: 'j.company_id AS "companyId"',
  companyName: 'j.company_name AS "companyName"',
  location: 'j.location',
  city: 'j.city',
  state: 'j.state',
  jobType: 'j.job_type::text AS "jobType"',
  salaryMin: 'j.salary_min AS "salaryMin"',
  salaryMax: 'j.salary_max AS "salaryMax"',
  remote: 'j.remote',
  experienceLevel: 'j.experience_level::text AS "experienceLevel"',
  skills: 'j.skills',
  isActive: 'j.is_active AS "isActive"',
  source: 'j.source',
  externalId: 'j.external_id AS "externalId"',
  createdAt: 'j.created_at AS "createdAt"',
  updatedAt: 'j.updated_at AS "updatedAt"',
} satisfies Record<keyof Omit<Job, 'description'>, string>;

/**
 * What a read of jobs can ask for: a column (the description only by id: lists leave it out),
 * or what comes along with each job (`Joined`): `company`, its company, and `applicationCount`,
 * its applications of all time, each saving a loader its statement. Every statement costs
 * the gateway a round trip (a system call to send it, Prisma's handling), the largest single
 * cost of an uncached read on this machine.
 */
export type JobColumn = keyof typeof COLUMN_SQL | 'description' | 'company' | 'applicationCount';

export const JOB_COLUMNS = Prisma.raw(Object.values(COLUMN_SQL).join(', '));

/**
 * The company of a job, as the API shows it, built by PostgreSQL: one value to hand over, not
 * four. Subqueries rather than joins: PostgreSQL evaluates them after ORDER BY … LIMIT, for the
 * rows returned only (a join would build them for every matching row of a broad search first).
 */
const COMPANY_JSON = `(SELECT json_build_object('id', c.id, 'name', c.name, 'industry', c.industry, 'rating', c.rating)
  FROM company c WHERE c.id = j.company_id) AS "_company"`;
const APPLICATIONS = '(SELECT count(*)::int FROM application a WHERE a.job_id = j.id) AS "_applications"';

// By the very array: a query's columns are memoized with its selection (schema/job.ts), so a
// compiled query asks with the same one every time (building the list cost 2 % of a job page).
const chosenFor = [new WeakMap<readonly JobColumn[], Prisma.Sql>(), new WeakMap<readonly JobColumn[], Prisma.Sql>()];

/**
 * The columns a read of jobs returns: all of them, or only `wanted` (with the id and company id,
 * which relations and tags need). Reading only what a query shows matters more than it seems:
 * on the headline, wide rows cost the gateway a fifth of its CPU, mostly in parsing timestamps
 * and arrays nobody asked for (docs/BENCHMARKS.md). The query names the job `j`.
 */
export function jobColumns(wanted?: readonly JobColumn[], description = false): Prisma.Sql {
  if (!wanted) return description ? Prisma.raw(`${JOB_COLUMNS.sql}, j.description`) : JOB_COLUMNS;
  const known = chosenFor[Number(description)].get(wanted);
  if (known) return known;
  const names = (Object.keys(COLUMN_SQL) as (keyof typeof COLUMN_SQL)[]).filter((c) => c === 'id' || c === 'companyId' || wanted.includes(c));
  const extra = [
    description && wanted.includes('description') ? 'j.description' : '',
    wanted.includes('company') ? COMPANY_JSON : '',
    wanted.includes('applicationCount') ? APPLICATIONS : '',
  ].filter(Boolean);
  const sql = Prisma.raw([...names.map((c) => COLUMN_SQL[c]), ...extra].join(', '));
  chosenFor[Number(description)].set(wanted, sql);
  return sql;
}

/** A job row with what came along (`company`, `applicationCount`, a similar list), for the loaders to keep. */
export type Joined<T> = T & { _company?: CompanyRow | null; _applications?: number; _similar?: Joined<JobRow>[] };

export type JobRow = Omit<Job, 'description'> & { description?: string };

export interface JobFilterInput {
  search?: string | null;
  location?: string | null;
  jobType?: string | null;
  salaryMin?: number | null;
  salaryMax?: number | null;
  remote?: boolean | null;
  companyId?: string | number | null;
  postedAfter?: Date | null;
  postedBefore?: Date | null;
  experienceLevel?: readonly string[] | null;
  /** Closed jobs too (analysts' history); active ones only otherwise. Who may ask is the schema's rule (readFilter). */
  includeClosed?: boolean | null;
  /**
   * What `search` was taken to mean (domain/search-understanding.ts): its attribute words as
   * conditions, the rest as text. Absent, all of `search` is text.
   */
  reading?: SearchReading | null;
  /** What the list's page ran (findJobPage): its count, facets and explanation follow it. */
  decided?: Decided;
}

/** What a page of a search ran: whether it was relaxed, which free words it kept (from 1), its tsquery. */
export interface Decided {
  relaxed: boolean;
  kept: number[];
  /** The tsquery as text: later statements of the request read it back instead of computing it again. */
  query: string | null;
}

/**
 * A search as PostgreSQL understands it: normalised like the jobs' text, in web-search syntax,
 * with the vocabulary's synonyms (chommie_tsquery, migration search_vocabulary). A subquery,
 * so that it is computed once per statement (an InitPlan), not once per row.
 */
export const searchQuery = (search: string): Prisma.Sql => Prisma.sql`(SELECT chommie_tsquery(${prepareSearch(search)}))`;

export type JobOrder = 'NEWEST' | 'RELEVANCE' | 'SALARY_DESC';

export const MAX_PAGE = 100;

/** The text a filter searches for, after its attribute words became conditions. */
const textOf = (filter: JobFilterInput): string => (filter.reading ? filter.reading.text : (filter.search?.trim() ?? ''));

/** The free words a relaxed search may keep, at most: each costs a probe. */
export const MAX_RELAXED = 8;

/** Whether a search may be relaxed: it has two or more free words (see matchQuery). */
const relaxable = (filter: JobFilterInput): filter is JobFilterInput & { reading: SearchReading } => (filter.reading?.free.length ?? 0) >= 2;

/**
 * The tsquery a filter's jobs must match. A search of two or more free words that no job
 * (under the filter's other conditions) has all of is relaxed: its free words are taken in the
 * order typed, each kept if some job still has it with those kept before (quoted phrases and
 * exclusions always apply), and the jobs must have the words kept (`relaxedFold`). So a
 * relaxed search is a plain search of fewer words, at a plain search's cost plus one probe per
 * free word. (Listing every job with any of the words, those with most first, cost 4 to 5
 * times a plain search on the bench: every job with a common word was ranked.)
 *
 * A list's page decides which it is (findJobPage: the strict page, or when it is empty the
 * relaxed one, in one statement) and says what it ran in `filter.decided`, which its count,
 * facets and explanation then follow. Analysts' figures, which have no page, are never relaxed:
 * a count of jobs with fewer words than asked would pass for an answer.
 */
function matchQuery(filter: JobFilterInput): Prisma.Sql {
  // Computing a tsquery takes the vocabulary's rewrites (a few ms on the bench): once a request.
  if (filter.decided?.query != null) return Prisma.sql`${filter.decided.query}::tsquery`;
  if (relaxable(filter) && filter.decided?.relaxed) return Prisma.sql`(SELECT q FROM ${relaxedFold(filter)} f)`;
  return searchQuery(textOf(filter));
}

/**
 * Whether a job under the filter's conditions matches `q`. A count, not EXISTS: under EXISTS's
 * LIMIT 1, PostgreSQL guesses that a search matches many rows (it cannot see the tsquery an
 * InitPlan will compute) and scans the table for the first, detoasting every job's vector when
 * none matches (75 ms a probe on the bench's 20,000 jobs); a count reads the GIN index.
 */
const anyJob = (filter: JobFilterInput, q: Prisma.Sql) =>
  Prisma.sql`(SELECT count(*) FROM job r WHERE ${conditionsSql(filter, 'r')} AND r.search_vector @@ ${q}) > 0`;

/**
 * The words a relaxed search keeps: one row, `q` (the tsquery of the words kept, with the
 * quoted phrases and exclusions; null when none is kept) and `kept` (their positions in
 * `reading.free`, from 1). One probe per free word, of the first MAX_RELAXED: a later word is
 * never kept (32 repeats of a common word were 31 counts of its jobs).
 */
export function relaxedFold(filter: JobFilterInput & { reading: SearchReading }): Prisma.Sql {
  const { free, strict } = filter.reading;
  const words = Prisma.join(free.slice(0, MAX_RELAXED).map((w, i) => Prisma.sql`(${i + 1}::int, chommie_tsquery(${prepareSearch(w)}))`));
  const fixed = strict ? Prisma.sql`(SELECT chommie_tsquery(${prepareSearch(strict)})) && ` : Prisma.empty;
  return Prisma.sql`(WITH RECURSIVE w(n, q) AS MATERIALIZED (VALUES ${words}),
    fold(n, q, kept) AS (
      SELECT 0, NULL::tsquery, ARRAY[]::int[]
      UNION ALL
      SELECT w.n, CASE WHEN e.ok THEN c.q ELSE f.q END, CASE WHEN e.ok THEN f.kept || w.n ELSE f.kept END
      FROM fold f JOIN w ON w.n = f.n + 1
      CROSS JOIN LATERAL (SELECT coalesce(f.q && w.q, w.q) AS q) c
      -- OFFSET 0: pulled up into the two CASEs above, the probe would run twice.
      CROSS JOIN LATERAL (SELECT ${anyJob(filter, Prisma.sql`(${fixed}c.q)`)} AS ok OFFSET 0) e
    )
    SELECT CASE WHEN cardinality(kept) > 0 THEN (${fixed}q) END AS q, kept FROM fold ORDER BY n DESC LIMIT 1)`;
}

/**
 * A statement's CTE holding the filter's tsquery once (`m`), for statements that use it more
 * than once (a page filters and ranks by it): `jobFilterSql(filter, 'j', MATCH)` then reads it.
 */
const matchCte = (filter: JobFilterInput | null | undefined): Prisma.Sql =>
  Prisma.sql`m AS MATERIALIZED (SELECT ${filter && textOf(filter) ? matchQuery(filter) : Prisma.sql`NULL::tsquery`} AS q)`;
const MATCH = Prisma.sql`(SELECT q FROM m)`;

/**
 * The WHERE condition of a job filter (active jobs only, unless it includes closed ones), on the job table named `alias`.
 * The salary rule: a job matches a wanted range when its own range overlaps it; a job with
 * only one bound is the range [bound, bound]; a job without salary never matches a salary filter.
 */
export function jobFilterSql(filter: JobFilterInput | null | undefined, alias = 'j', match?: Prisma.Sql): Prisma.Sql {
  const conditions = conditionsSql(filter, alias);
  const search = filter?.search?.trim();
  if (!filter || !search) return conditions;
  if (search.length > 200) throw new InvalidInput('`filter.search` is limited to 200 characters', 'filter.search');
  if (!textOf(filter)) return conditions;
  return Prisma.sql`${conditions} AND ${Prisma.raw(alias)}.search_vector @@ ${match ?? matchQuery(filter)}`;
}

/** Every condition of a filter but its text. */
function conditionsSql(filter: JobFilterInput | null | undefined, alias: string): Prisma.Sql {
  const j = Prisma.raw(alias);
  const where = [filter?.includeClosed ? Prisma.sql`true` : Prisma.sql`${j}.is_active`];
  if (!filter) return where[0];
  const location = filter.location?.trim().toLowerCase();
  if (location) {
    if (location.length > 100) throw new InvalidInput('`filter.location` is limited to 100 characters', 'filter.location');
    const prefix = `${location.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(Prisma.sql`(lower(${j}.location) LIKE ${prefix} OR lower(${j}.city) = ${location} OR lower(${j}.state) = ${location})`);
  }
  if (filter.jobType) where.push(Prisma.sql`${j}.job_type = ${filter.jobType}::"JobType"`);
  if (filter.remote != null) where.push(Prisma.sql`${j}.remote = ${filter.remote}`);
  if (filter.experienceLevel != null) {
    if (filter.experienceLevel.length === 0)
      throw new InvalidInput('`filter.experienceLevel` needs at least one level (leave it out for every level)', 'filter.experienceLevel');
    where.push(Prisma.sql`${j}.experience_level IN (${oneOf([...new Set(filter.experienceLevel)], '"ExperienceLevel"')})`);
  }
  if (filter.companyId != null) where.push(Prisma.sql`${j}.company_id = ${parseId(filter.companyId, 'filter.companyId')}`);
  const { salaryMin, salaryMax } = filter;
  if (salaryMin != null) checkRange(salaryMin, 0, LIMITS.salary, 'filter.salaryMin');
  if (salaryMax != null) checkRange(salaryMax, 0, LIMITS.salary, 'filter.salaryMax');
  checkSalaryOrder(salaryMin, salaryMax, 'filter');
  if (salaryMin != null) where.push(Prisma.sql`coalesce(${j}.salary_max, ${j}.salary_min) >= ${salaryMin}`);
  if (salaryMax != null) where.push(Prisma.sql`coalesce(${j}.salary_min, ${j}.salary_max) <= ${salaryMax}`);
  const { postedAfter, postedBefore } = filter;
  for (const [name, d] of [
    ['postedAfter', postedAfter],
    ['postedBefore', postedBefore],
  ] as const) {
    if (d && (d.getUTCFullYear() < 1 || d.getUTCFullYear() > 9999))
      throw new InvalidInput(`\`filter.${name}\` must be between the years 1 and 9999`, `filter.${name}`);
  }
  if (postedAfter && postedBefore && postedAfter >= postedBefore) {
    throw new InvalidInput('`filter.postedAfter` must be earlier than `filter.postedBefore`', 'filter.postedAfter');
  }
  // As ISO text: a Date would reach PostgreSQL without its time zone, read in the session's.
  if (postedAfter) where.push(Prisma.sql`${j}.created_at >= ${postedAfter.toISOString()}::timestamptz`);
  if (postedBefore) where.push(Prisma.sql`${j}.created_at < ${postedBefore.toISOString()}::timestamptz`);
  if (filter.reading) where.push(...readingSql(filter.reading, j));
  return Prisma.join(where, ' AND ');
}

const COLUMN_OF = { REMOTE: 'remote', JOB_TYPE: 'job_type', EXPERIENCE_LEVEL: 'experience_level' } as const;
const CAST_OF = { REMOTE: 'boolean', JOB_TYPE: '"JobType"', EXPERIENCE_LEVEL: '"ExperienceLevel"' } as const;

/**
 * Values as an IN list, each a parameter cast to `type`. Not `= ANY($1::"ExperienceLevel"[])`:
 * on PGlite, a database freshly migrated and imported into (the real-feed test's) was sent a
 * one-element enum array as its bare value ("malformed array literal: "SENIOR""), while the
 * seeded template took the same statement.
 */
const oneOf = (values: readonly (string | boolean)[], type: string) => Prisma.join(values.map((v) => Prisma.sql`${v}::${Prisma.raw(type)}`));

/**
 * The conditions a search's words were read as. An attribute word also matches a job whose
 * title has it: "senior living nurse" still finds the Senior Living Nurse whose level is not
 * SENIOR, "lead data scientist" the Lead Data Scientist posted as MID. The title is matched
 * as text (a regular expression on the column), not through the search vector: in an OR with
 * the column's condition the vector's index cannot help, and reading every job's vector to
 * test it (detoasting long descriptions) cost a search read only as conditions 5 times more.
 */
function readingSql(reading: SearchReading, j: Prisma.Sql): Prisma.Sql[] {
  const where: Prisma.Sql[] = [];
  for (const field of ['REMOTE', 'JOB_TYPE', 'EXPERIENCE_LEVEL'] as const) {
    const values = reading.conditions.filter((c) => c.field === field).map((c) => (field === 'REMOTE' ? c.value === 'true' : c.value));
    if (!values.length) continue;
    const title = titlePattern(reading.titleWords[field] ?? []);
    const column = Prisma.sql`${j}.${Prisma.raw(COLUMN_OF[field])} IN (${oneOf(values, CAST_OF[field])})`;
    where.push(title ? Prisma.sql`(${column} OR ${j}.title ~* ${title})` : column);
  }
  const cities = reading.places.filter((ps) => ps.some((p) => p.city)).flat();
  const states = reading.places.filter((ps) => ps.every((p) => !p.city)).flat();
  for (const any of [cities, states])
    if (any.length)
      where.push(
        Prisma.sql`(${Prisma.join(
          any.map((p) => placeSql(p, j)),
          ' OR ',
        )})`,
      );
  return where;
}

function placeSql(place: Place, j: Prisma.Sql): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  if (place.city) parts.push(Prisma.sql`lower(${j}.city) = ${place.city.toLowerCase()}`);
  if (place.state) parts.push(Prisma.sql`lower(${j}.state) = ${place.state.toLowerCase()}`);
  return Prisma.sql`(${Prisma.join(parts, ' AND ')})`;
}

/** A PostgreSQL regular expression matching any of the phrases as whole words ("part time" also as "part-time"); null when none has a word. */
export function titlePattern(phrases: readonly string[]): string | null {
  const terms = phrases.map((p) => (p.match(/[\p{L}\p{N}]+/gu) ?? []).join('[\\s-]*')).filter(Boolean);
  return terms.length ? `\\m(${terms.join('|')})\\M` : null;
}

interface OrderSpec {
  name: string;
  /** Expressions of the sort key, all descending; the last is always the id. */
  key: Prisma.Sql[];
  cast: string[];
  fromRow: (row: { _sort: unknown; id: number }) => CursorKey;
}

function orderSpec(order: JobOrder, filter: JobFilterInput | null | undefined, match: Prisma.Sql): OrderSpec {
  if (order === 'RELEVANCE' && filter?.search?.trim() && textOf(filter)) {
    return {
      name: 'RELEVANCE',
      key: [Prisma.sql`ts_rank(j.search_vector, ${match})::float8`, Prisma.sql`j.id`],
      cast: ['float8', 'int'],
      fromRow: (r) => [r._sort as number, r.id],
    };
  }
  if (order === 'SALARY_DESC') {
    return {
      name: 'SALARY_DESC',
      key: [Prisma.sql`coalesce(j.salary_max, -1)`, Prisma.sql`j.id`],
      cast: ['int', 'int'],
      fromRow: (r) => [r._sort as number, r.id],
    };
  }
  // RELEVANCE without a search has nothing to rank by: newest first.
  return {
    name: 'NEWEST',
    key: [Prisma.sql`j.created_at`, Prisma.sql`j.id`],
    cast: ['timestamptz', 'int'],
    fromRow: (r) => [(r._sort as Date).toISOString(), r.id],
  };
}

export interface JobPage {
  /** Up to first + 1 rows: the extra one tells whether there is a next page. */
  rows: Joined<JobRow>[];
  first: number;
  cursorOf: (row: JobRow) => string;
  /** All jobs matching the filter, counted only when asked for. */
  count: () => Promise<number>;
  /** For a search: what the page ran (a later statement of the request follows it). */
  decided?: Decided;
}

type PageRow = Joined<JobRow & { _sort: unknown; _q: string | null; _relaxed?: boolean; _kept?: number[] | null; _n?: number | null }>;

/**
 * A search's page and its count in one pass over the matches. Ranking already reads every
 * matching job (the GIN index finds them, each row is rechecked and ranked); counting them in a
 * second statement read them all again, about half of a counted search's PostgreSQL CPU. So
 * the matches' ids and sort keys are kept (`hits`), counted, and only the page's rows are
 * joined back to job for their columns. Only for a search: a list without one reads its page
 * from an index and stops after `first + 1` rows, which keeping every match would undo.
 */
const hitsCte = (name: string, sortKey: Prisma.Sql, where: Prisma.Sql) =>
  Prisma.sql`${Prisma.raw(name)} AS MATERIALIZED (SELECT j.id, ${sortKey} AS _sort FROM job j WHERE ${where})`;
const pageOfHits = (hits: string, columns: readonly JobColumn[] | undefined, seek: Prisma.Sql, limit: number) =>
  Prisma.sql`SELECT ${jobColumns(columns)}, p._sort FROM (SELECT h.id, h._sort FROM ${Prisma.raw(hits)} h WHERE true ${seek}
    ORDER BY h._sort DESC, h.id DESC LIMIT ${pageLimitSql(limit)}) p JOIN job j ON j.id = p.id ORDER BY p._sort DESC, p.id DESC`;
/** The count a page's first row carries, else counted by `recount` (a page after the last one has no row to carry it). */
const countOf = (rows: PageRow[], recount: () => Promise<number>) => (rows[0]?._n != null ? () => Promise.resolve(rows[0]._n!) : recount);

/**
 * A page of active jobs, filtered and ordered, after a cursor: one statement, keyset-paged. A
 * search that may be relaxed (matchQuery) is one statement too: the strict page, and only when
 * it is empty, the relaxed one; a next page follows its cursor's kind.
 */
export async function findJobPage(
  db: Db,
  args: { filter?: JobFilterInput | null; orderBy?: JobOrder | null; first?: number | null; after?: string | null },
  columns?: readonly JobColumn[],
  /** Whether `count` will be asked for: a search then counts its matches in the page's statement. */
  counted = false,
): Promise<JobPage> {
  const first = checkRange(args.first ?? 20, 1, MAX_PAGE, 'first');
  const { filter, after } = args;
  const order = args.orderBy ?? 'NEWEST';
  if (!filter || !relaxable(filter)) return pageOf(db, filter, order, first, after, columns, counted);
  const SQ = Prisma.sql`(SELECT q FROM sq)`;
  const RQ = Prisma.sql`(SELECT q FROM rq)`;
  const strict = orderSpec(order, filter, SQ);
  if (after != null) {
    const relaxed = cursorOrder(after) === `${strict.name}/RELAXED`;
    return pageOf(db, { ...filter, decided: { relaxed, kept: [], query: null } }, order, first, after, columns, counted);
  }
  const looser = orderSpec(order, filter, RQ);
  // The relaxed branch runs only when the strict page is empty (a one-time filter on the
  // materialized page; CTEs are computed when first read): a search some job has every word
  // of costs what it did.
  const strictWhere = jobFilterSql(filter, 'j', SQ);
  const relaxedWhere = Prisma.sql`NOT EXISTS (SELECT 1 FROM s) AND ${jobFilterSql(filter, 'j', RQ)}`;
  // CTEs are computed when first read: rq (the relaxed words' probes) only when s is empty.
  const head = Prisma.sql`WITH sq AS MATERIALIZED (SELECT ${searchQuery(textOf(filter))} AS q),
    rq AS MATERIALIZED (SELECT f.q, f.kept FROM ${relaxedFold(filter)} f)`;
  const tail = (relaxedPart: Prisma.Sql, n: Prisma.Sql, rn: Prisma.Sql) => Prisma.sql`
    SELECT s.*, ${SQ}::text AS _q, false AS _relaxed, NULL::int[] AS _kept, ${n} AS _n FROM s
    UNION ALL
    (SELECT r.*, ${RQ}::text, true, (SELECT kept FROM rq), ${rn} FROM (${relaxedPart}) r)`;
  // Counted, the strict matches, or the relaxed ones when there are none, are kept and counted (hitsCte).
  const rows = counted
    ? await db.$queryRaw<PageRow[]>`${head},
    ${hitsCte('sh', strict.key[0], strictWhere)},
    s AS MATERIALIZED (${pageOfHits('sh', columns, Prisma.empty, first + 1)}),
    ${hitsCte('rh', looser.key[0], relaxedWhere)}
    ${tail(pageOfHits('rh', columns, Prisma.empty, first + 1), Prisma.sql`(SELECT count(*)::int FROM sh)`, Prisma.sql`(SELECT count(*)::int FROM rh)`)}`
    : await db.$queryRaw<PageRow[]>`${head},
    s AS MATERIALIZED (SELECT ${jobColumns(columns)}, ${strict.key[0]} AS _sort
      FROM job j WHERE ${strictWhere} ORDER BY _sort DESC, j.id DESC LIMIT ${pageLimitSql(first + 1)})
    ${tail(
      Prisma.sql`SELECT ${jobColumns(columns)}, ${looser.key[0]} AS _sort FROM job j WHERE ${relaxedWhere} ORDER BY _sort DESC, j.id DESC LIMIT ${pageLimitSql(first + 1)}`,
      Prisma.sql`NULL::int`,
      Prisma.sql`NULL::int`,
    )}`;
  const relaxed = rows[0]?._relaxed ?? false;
  const decided: Decided = { relaxed, kept: rows[0]?._kept ?? [], query: rows[0]?._q ?? null };
  // Nothing strict nor relaxed: nothing to count.
  const count = countOf(rows, async () => (rows.length ? countJobs(db, jobFilterSql({ ...filter, decided })) : 0));
  return pageFrom(rows, first, relaxed ? relaxedOrder(looser) : strict, decided, count);
}

const relaxedOrder = (spec: OrderSpec): OrderSpec => ({ ...spec, name: `${spec.name}/RELAXED` });

const countJobs = async (db: Db, where: Prisma.Sql, cte = Prisma.empty) =>
  (await db.$queryRaw<{ n: number }[]>`${cte} SELECT count(*)::int AS n FROM job j WHERE ${where}`)[0].n;

const pageFrom = (rows: PageRow[], first: number, spec: OrderSpec, decided: Decided | undefined, count: () => Promise<number>): JobPage => ({
  rows,
  first,
  decided,
  count,
  cursorOf: (row) => encodeCursor(spec.name, spec.fromRow(row as JobRow & { _sort: unknown })),
});

async function pageOf(
  db: Db,
  filter: JobFilterInput | null | undefined,
  order: JobOrder,
  first: number,
  after: string | null | undefined,
  columns?: readonly JobColumn[],
  counted = false,
): Promise<JobPage> {
  const base = orderSpec(order, filter, MATCH);
  const spec = filter?.decided?.relaxed ? relaxedOrder(base) : base;
  const where = jobFilterSql(filter, 'j', MATCH);
  const m = matchCte(filter);
  const searched = Boolean(filter && textOf(filter));
  const viaHits = counted && searched;
  let seek = Prisma.empty;
  if (after != null) {
    const key = decodeCursor(after, spec.name);
    if (key.length !== spec.key.length) throw new InvalidInput('`after` is not a cursor this API returned', 'after');
    const values = key.map((v, i) => Prisma.sql`${v}::${Prisma.raw(spec.cast[i])}`);
    seek = Prisma.sql`AND (${viaHits ? Prisma.sql`h._sort, h.id` : Prisma.join(spec.key)}) < (${Prisma.join(values)})`;
  }
  const rows = viaHits
    ? await db.$queryRaw<PageRow[]>`WITH ${m}, ${hitsCte('hits', spec.key[0], where)}
      SELECT page.*, ${MATCH}::text AS _q, (SELECT count(*)::int FROM hits) AS _n FROM (${pageOfHits('hits', columns, seek, first + 1)}) page
      ORDER BY page._sort DESC, page.id DESC`
    : // ORDER BY the output column: the rank expression is computed once per row.
      await db.$queryRaw<PageRow[]>`WITH ${m} SELECT ${jobColumns(columns)}, ${spec.key[0]} AS _sort, ${MATCH}::text AS _q
    FROM job j
    WHERE ${where} ${seek}
    ORDER BY _sort DESC, j.id DESC
    LIMIT ${pageLimitSql(first + 1)}`;
  const decided = searched ? { relaxed: filter!.decided?.relaxed ?? false, kept: filter!.decided?.kept ?? [], query: rows[0]?._q ?? null } : undefined;
  const count = countOf(rows, () =>
    decided?.query != null ? countJobs(db, jobFilterSql({ ...filter, decided })) : countJobs(db, where, Prisma.sql`WITH ${m}`),
  );
  return pageFrom(rows, first, spec, decided, count);
}

/** Jobs by id, with every column (the description too), or only `wanted`. */
export async function jobsByIds(db: Db, ids: readonly number[], wanted?: readonly JobColumn[]): Promise<(Joined<JobRow> | null)[]> {
  return inOrder(ids, await db.$queryRaw<Joined<JobRow>[]>`SELECT ${jobColumns(wanted, true)} FROM job j WHERE ${inBatch('j.id', ids)}`);
}

export async function jobDescriptions(db: Db, ids: readonly number[]): Promise<(string | Error)[]> {
  const rows = await db.$queryRaw<{ id: number; description: string }[]>`SELECT id, description FROM job WHERE ${inBatch('id', ids)}`;
  const map = new Map(rows.map((r) => [r.id, r.description]));
  return ids.map((id) => map.get(id) ?? new Error(`job ${id} is missing`));
}

/** A job by id, read for a write (not through a request's loaders, which may hold an older copy). */
export const findJob = (db: Db, id: number): Promise<Job | null> => db.job.findUnique({ where: { id } });

export const insertJob = (tx: Db, data: CreateJobData & { companyId: number }): Promise<Job> => tx.job.create({ data });

export const updateJob = (tx: Db, id: number, data: UpdateJobData | { isActive: false }): Promise<Job> => tx.job.update({ where: { id }, data });

/**
 * Whether a job is open to applications, holding a FOR SHARE lock to the end of the
 * transaction: a concurrent close waits for the application, or the application sees it
 * closed. Undefined when there is no such job.
 */
export async function lockJobForApplication(tx: Db, id: number): Promise<{ isActive: boolean } | undefined> {
  const [job] = await tx.$queryRaw<{ isActive: boolean }[]>`SELECT is_active AS "isActive" FROM job WHERE id = ${id} FOR SHARE`;
  return job;
}
