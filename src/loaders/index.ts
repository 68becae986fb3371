import DataLoader from 'dataloader';
import type { Application, Company, PrismaClient, User } from '../generated/prisma/client';
import { JOB_COLUMNS, type JobRow } from '../queries/columns';
import { decodeCursor, encodeCursor } from '../queries/cursor';

export interface Page<T> {
  rows: T[];
  hasNextPage: boolean;
}

const APPLICATION_COLUMNS = `a.id, a.job_id AS "jobId", a.user_id AS "userId", a.status::text AS status,
  a.created_at AS "createdAt", a.updated_at AS "updatedAt"`;

/**
 * Per-request loaders: each collapses the per-object calls of one execution tick into one SQL
 * statement. They cache by key for the life of one request only, so nothing is shared
 * across requests or viewers.
 */
export function createLoaders(prisma: PrismaClient, onBatch?: (loader: string, size: number) => void, batching = true, signal?: AbortSignal) {
  // batching=false is the naive gateway the benchmark compares with: one statement per load.
  // Once the client has gone (`signal`), a batch still due sends no SQL: nobody will read it.
  const loader = <V>(name: string, batch: DataLoader.BatchLoadFn<number, V>) =>
    new DataLoader<number, V>(
      (ids) => {
        signal?.throwIfAborted();
        onBatch?.(name, ids.length);
        return batch(ids);
      },
      batching ? undefined : { batch: false, cache: false },
    );

  /**
   * A loader per distinct argument list (a `days` window, a page size and cursor): loads with
   * the same arguments batch together, loads with different ones cannot share a statement.
   */
  const keyedLoaders = <A extends unknown[], V>(name: string, batch: (...args: A) => DataLoader.BatchLoadFn<number, V>) => {
    const loaders = new Map<string, DataLoader<number, V>>();
    return (...args: A): DataLoader<number, V> => {
      const key = JSON.stringify(args);
      let found = loaders.get(key);
      if (!found) {
        found = loader(name, batch(...args));
        loaders.set(key, found);
      }
      return found;
    };
  };

  const byId = <T extends { id: number }>(ids: readonly number[], rows: T[]) => {
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  };

  const job = loader<JobRow | null>('job', async (ids) => byId(ids, await prisma.job.findMany({ where: { id: { in: [...ids] } } })));
  const primeJobs = (rows: JobRow[]) => rows.forEach((r) => job.prime(r.id, r));

  const jobDescription = loader<string>('jobDescription', async (ids) => {
    const rows = await prisma.$queryRawUnsafe<{ id: number; description: string }[]>('SELECT id, description FROM job WHERE id = ANY($1::int[])', [...ids]);
    const map = new Map(rows.map((r) => [r.id, r.description]));
    return ids.map((id) => map.get(id) ?? new Error(`job ${id} is missing`));
  });

  const company = loader<Company | null>('company', async (ids) => byId(ids, await prisma.company.findMany({ where: { id: { in: [...ids] } } })));

  /** Row counts per id of `table` grouped by `column`, 0 for ids without rows. */
  const countsBy =
    (table: string, column: string, where: string, ...params: unknown[]) =>
    async (ids: readonly number[]) => {
      const rows = await prisma.$queryRawUnsafe<{ id: number; n: number }[]>(
        `SELECT ${column} AS id, count(*)::int AS n FROM ${table} WHERE ${column} = ANY($1::int[]) ${where} GROUP BY ${column}`,
        [...ids],
        ...params,
      );
      const map = new Map(rows.map((r) => [r.id, r.n]));
      return ids.map((id) => map.get(id) ?? 0);
    };

  const companyJobCount = loader('companyJobCount', countsBy('job', 'company_id', 'AND is_active'));

  // One loader per distinct `days` argument: a batch shares its time window.
  const applicationCount = keyedLoaders('applicationCount', (days: number | null) =>
    countsBy('application', 'job_id', days == null ? '' : `AND created_at >= now() - make_interval(days => ${Number(days)})`),
  );

  // Materialized lists; closed jobs are dropped here, at read time. Only the `first` a request
  // asks for are read: the other rows would cost a full job row each (descriptions included).
  const similarJobs = keyedLoaders('similarJobs', (first: number) => async (ids: readonly number[]) => {
    const rows = await prisma.$queryRawUnsafe<(JobRow & { _source: number; _n: number })[]>(
      `SELECT * FROM (
         SELECT s.job_id AS _source, row_number() OVER (PARTITION BY s.job_id ORDER BY s.rank)::int AS _n, ${JOB_COLUMNS}
         FROM job_similar s JOIN job j ON j.id = s.similar_id AND j.is_active
         WHERE s.job_id = ANY($1::int[])
       ) t WHERE _n <= $2 ORDER BY _source, _n`,
      [...ids],
      first,
    );
    const lists = new Map<number, JobRow[]>(ids.map((id) => [id, []]));
    for (const { _source, _n, ...row } of rows) lists.get(_source)?.push(row);
    primeJobs(rows);
    return ids.map((id) => lists.get(id) ?? []);
  });

  /**
   * Newest-first pages of child rows for many parents at once: one statement numbers each
   * parent's rows and keeps first + 1 of them (the extra one tells whether there is a next
   * page). `extra` adds conditions on the filter arguments, whose parameters start at $4.
   */
  const pagesByParent = <T extends { id: number; createdAt: Date }>(spec: {
    table: string;
    alias: string;
    where?: string;
    columns: string;
    parentColumn: string;
    parentOf: (row: T) => number;
    name: string;
    cursorName: string;
    extra?: (args: unknown[]) => string;
  }) =>
    keyedLoaders(spec.name, (first: number, after: string | null, ...filters: unknown[]) => {
      const cursor = after == null ? null : decodeCursor(after, spec.cursorName);
      return async (ids: readonly number[]): Promise<Page<T>[]> => {
        const x = spec.alias;
        // Unused cursor parameters stay bound (as NULL) so filter parameters keep their numbers.
        const seek = cursor ? `AND (${x}.created_at, ${x}.id) < ($2::timestamptz, $3::int)` : 'AND $2::timestamptz IS NULL AND $3::int IS NULL';
        const rows = await prisma.$queryRawUnsafe<(T & { _n: number })[]>(
          `SELECT * FROM (
             SELECT ${spec.columns}, row_number() OVER (PARTITION BY ${x}.${spec.parentColumn} ORDER BY ${x}.created_at DESC, ${x}.id DESC)::int AS _n
             FROM ${spec.table} ${x} WHERE ${x}.${spec.parentColumn} = ANY($1::int[]) ${spec.where ?? ''} ${seek} ${spec.extra?.(filters) ?? ''}
           ) t WHERE _n <= ${first + 1} ORDER BY _n`,
          [...ids],
          cursor?.[0] ?? null,
          cursor?.[1] ?? null,
          ...filters.filter((f) => f != null),
        );
        const pages = new Map<number, T[]>(ids.map((id) => [id, []]));
        for (const { _n, ...row } of rows) pages.get(spec.parentOf(row as unknown as T))?.push(row as unknown as T);
        return ids.map((id) => {
          const all = pages.get(id) ?? [];
          return { rows: all.slice(0, first), hasNextPage: all.length > first };
        });
      };
    });

  const companyJobs = pagesByParent<JobRow>({
    table: 'job',
    alias: 'j',
    where: 'AND j.is_active',
    columns: JOB_COLUMNS,
    parentColumn: 'company_id',
    parentOf: (r) => r.companyId,
    name: 'companyJobs',
    cursorName: COMPANY_JOBS,
  });

  // `status` is the optional filter: its parameter is $4 when given.
  const byStatus = ([status]: unknown[]) => (status == null ? '' : 'AND a.status = $4::"ApplicationStatus"');
  const applicationPages = (parentColumn: 'user_id' | 'job_id') =>
    pagesByParent<Application>({
      table: 'application',
      alias: 'a',
      columns: APPLICATION_COLUMNS,
      parentColumn,
      parentOf: (r) => (parentColumn === 'user_id' ? r.userId : r.jobId),
      name: parentColumn === 'user_id' ? 'userApplications' : 'jobApplications',
      cursorName: APPLICATIONS,
      extra: byStatus,
    });
  const userApplications = applicationPages('user_id');
  const jobApplications = applicationPages('job_id');
  const applicationTotals = (parentColumn: 'user_id' | 'job_id') =>
    keyedLoaders(`${parentColumn === 'user_id' ? 'user' : 'job'}ApplicationCount`, (status: string | null) =>
      status == null ? countsBy('application', parentColumn, '') : countsBy('application', parentColumn, 'AND status = $2::"ApplicationStatus"', status),
    );

  const user = loader<User | null>('user', async (ids) => byId(ids, await prisma.user.findMany({ where: { id: { in: [...ids] } } })));
  const application = loader<Application | null>('application', async (ids) =>
    byId(ids, await prisma.application.findMany({ where: { id: { in: [...ids] } } })),
  );

  return {
    job,
    jobDescription,
    primeJobs,
    company,
    companyJobCount,
    applicationCount,
    similarJobs,
    companyJobs,
    user,
    application,
    userApplications,
    jobApplications,
    userApplicationCount: applicationTotals('user_id'),
    jobApplicationCount: applicationTotals('job_id'),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

const COMPANY_JOBS = 'COMPANY_NEWEST';
const APPLICATIONS = 'APPLICATION_NEWEST';
export const companyJobCursor = (row: JobRow) => encodeCursor(COMPANY_JOBS, [row.createdAt.toISOString(), row.id]);
export const applicationCursor = (row: Application) => encodeCursor(APPLICATIONS, [row.createdAt.toISOString(), row.id]);
