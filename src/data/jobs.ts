import { checkSalaryOrder, LIMITS, type CreateJobData, type UpdateJobData } from '../domain/job-input';
import { prepareSearch } from '../domain/search-vocabulary';
import { badInput, checkRange, parseId } from '../errors';
import { Prisma, type Job } from '../generated/prisma/client';
import type { Db } from './client';
import { inOrder } from './pages';
import type { CompanyRow } from './companies';
import { decodeCursor, encodeCursor, type CursorKey } from './cursor';

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

const chosen = new Map<string, Prisma.Sql>();

/**
 * The columns a read of jobs returns: all of them, or only `wanted` (with the id and company id,
 * which relations and tags need). Reading only what a query shows matters more than it seems:
 * on the headline, wide rows cost the gateway a fifth of its CPU, mostly in parsing timestamps
 * and arrays nobody asked for (docs/BENCHMARKS.md). The query names the job `j`.
 */
export function jobColumns(wanted?: readonly JobColumn[], description = false): Prisma.Sql {
  if (!wanted) return description ? Prisma.raw(`${JOB_COLUMNS.sql}, j.description`) : JOB_COLUMNS;
  const names = (Object.keys(COLUMN_SQL) as (keyof typeof COLUMN_SQL)[]).filter((c) => c === 'id' || c === 'companyId' || wanted.includes(c));
  const extra = [
    description && wanted.includes('description') ? 'j.description' : '',
    wanted.includes('company') ? COMPANY_JSON : '',
    wanted.includes('applicationCount') ? APPLICATIONS : '',
  ].filter(Boolean);
  const key = [...names, ...extra].join();
  let sql = chosen.get(key);
  if (!sql) {
    sql = Prisma.raw([...names.map((c) => COLUMN_SQL[c]), ...extra].join(', '));
    // Combinations come from the queries clients send; past this many, build each anew.
    if (chosen.size < 1000) chosen.set(key, sql);
  }
  return sql;
}

/** A job row with what came along (`company`, `applicationCount`), for the loaders to keep. */
export type Joined<T> = T & { _company?: CompanyRow | null; _applications?: number };

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
}

/**
 * A search as PostgreSQL understands it: normalised like the jobs' text, in web-search syntax,
 * with the vocabulary's synonyms (chommie_tsquery, migration search_vocabulary). A subquery,
 * so that it is computed once per statement (an InitPlan), not once per row.
 */
export const searchQuery = (search: string): Prisma.Sql => Prisma.sql`(SELECT chommie_tsquery(${prepareSearch(search)}))`;

export type JobOrder = 'NEWEST' | 'RELEVANCE' | 'SALARY_DESC';

export const MAX_PAGE = 100;

/**
 * The WHERE condition of a job filter (active jobs only). The salary rule: a job matches a
 * wanted range when its own range overlaps it; a job with only one bound is the range
 * [bound, bound]; a job without salary never matches a salary filter.
 */
export function jobFilterSql(filter: JobFilterInput | null | undefined): Prisma.Sql {
  const where = [Prisma.sql`j.is_active`];
  if (!filter) return where[0];
  const search = filter.search?.trim();
  if (search) {
    if (search.length > 200) throw badInput('`filter.search` is limited to 200 characters', 'filter.search');
    where.push(Prisma.sql`j.search_vector @@ ${searchQuery(search)}`);
  }
  const location = filter.location?.trim().toLowerCase();
  if (location) {
    if (location.length > 100) throw badInput('`filter.location` is limited to 100 characters', 'filter.location');
    const prefix = `${location.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(Prisma.sql`(lower(j.location) LIKE ${prefix} OR lower(j.city) = ${location} OR lower(j.state) = ${location})`);
  }
  if (filter.jobType) where.push(Prisma.sql`j.job_type = ${filter.jobType}::"JobType"`);
  if (filter.remote != null) where.push(Prisma.sql`j.remote = ${filter.remote}`);
  if (filter.companyId != null) where.push(Prisma.sql`j.company_id = ${parseId(filter.companyId, 'filter.companyId')}`);
  const { salaryMin, salaryMax } = filter;
  if (salaryMin != null) checkRange(salaryMin, 0, LIMITS.salary, 'filter.salaryMin');
  if (salaryMax != null) checkRange(salaryMax, 0, LIMITS.salary, 'filter.salaryMax');
  checkSalaryOrder(salaryMin, salaryMax, 'filter');
  if (salaryMin != null) where.push(Prisma.sql`coalesce(j.salary_max, j.salary_min) >= ${salaryMin}`);
  if (salaryMax != null) where.push(Prisma.sql`coalesce(j.salary_min, j.salary_max) <= ${salaryMax}`);
  const { postedAfter, postedBefore } = filter;
  for (const [name, d] of [
    ['postedAfter', postedAfter],
    ['postedBefore', postedBefore],
  ] as const) {
    if (d && (d.getUTCFullYear() < 1 || d.getUTCFullYear() > 9999)) throw badInput(`\`filter.${name}\` must be between the years 1 and 9999`, `filter.${name}`);
  }
  if (postedAfter && postedBefore && postedAfter >= postedBefore) {
    throw badInput('`filter.postedAfter` must be earlier than `filter.postedBefore`', 'filter.postedAfter');
  }
  // As ISO text: a Date would reach PostgreSQL without its time zone, read in the session's.
  if (postedAfter) where.push(Prisma.sql`j.created_at >= ${postedAfter.toISOString()}::timestamptz`);
  if (postedBefore) where.push(Prisma.sql`j.created_at < ${postedBefore.toISOString()}::timestamptz`);
  return Prisma.join(where, ' AND ');
}

interface OrderSpec {
  name: string;
  /** Expressions of the sort key, all descending; the last is always the id. */
  key: Prisma.Sql[];
  cast: string[];
  fromRow: (row: { _sort: unknown; id: number }) => CursorKey;
}

function orderSpec(order: JobOrder, search: string | undefined): OrderSpec {
  if (order === 'RELEVANCE' && search) {
    return {
      name: 'RELEVANCE',
      key: [Prisma.sql`ts_rank(j.search_vector, ${searchQuery(search)})::float8`, Prisma.sql`j.id`],
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
}

/** A page of active jobs, filtered and ordered, after a cursor: one statement, keyset-paged. */
export async function findJobPage(
  db: Db,
  args: { filter?: JobFilterInput | null; orderBy?: JobOrder | null; first?: number | null; after?: string | null },
  columns?: readonly JobColumn[],
): Promise<JobPage> {
  const first = checkRange(args.first ?? 20, 1, MAX_PAGE, 'first');
  const where = jobFilterSql(args.filter);
  const spec = orderSpec(args.orderBy ?? 'NEWEST', args.filter?.search?.trim() || undefined);
  let seek = Prisma.empty;
  if (args.after != null) {
    const key = decodeCursor(args.after, spec.name);
    if (key.length !== spec.key.length) throw badInput('`after` is not a cursor this API returned', 'after');
    const values = key.map((v, i) => Prisma.sql`${v}::${Prisma.raw(spec.cast[i])}`);
    seek = Prisma.sql`AND (${Prisma.join(spec.key)}) < (${Prisma.join(values)})`;
  }
  // ORDER BY the output column: the rank expression is computed once per row.
  const rows = await db.$queryRaw<Joined<JobRow & { _sort: unknown }>[]>`SELECT ${jobColumns(columns)}, ${spec.key[0]} AS _sort
    FROM job j
    WHERE ${where} ${seek}
    ORDER BY _sort DESC, j.id DESC
    LIMIT ${first + 1}`;
  return {
    rows,
    first,
    cursorOf: (row) => encodeCursor(spec.name, spec.fromRow(row as JobRow & { _sort: unknown })),
    count: async () => (await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM job j WHERE ${where}`)[0].n,
  };
}

/** Jobs by id, with every column (the description too), or only `wanted`. */
export async function jobsByIds(db: Db, ids: readonly number[], wanted?: readonly JobColumn[]): Promise<(Joined<JobRow> | null)[]> {
  return inOrder(ids, await db.$queryRaw<Joined<JobRow>[]>`SELECT ${jobColumns(wanted, true)} FROM job j WHERE j.id = ANY(${[...ids]}::int[])`);
}

export async function jobDescriptions(db: Db, ids: readonly number[]): Promise<(string | Error)[]> {
  const rows = await db.$queryRaw<{ id: number; description: string }[]>`SELECT id, description FROM job WHERE id = ANY(${[...ids]}::int[])`;
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
