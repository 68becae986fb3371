import DataLoader from 'dataloader';
import type { Company, PrismaClient } from '../generated/prisma/client';
import { JOB_COLUMNS, type JobRow } from '../queries/columns';
import { decodeCursor, encodeCursor } from '../queries/cursor';

export interface CompanyJobsPage {
  rows: JobRow[];
  hasNextPage: boolean;
}

/**
 * A loader per distinct argument list (a `days` window, a page size and cursor): loads with
 * the same arguments batch together, loads with different ones cannot share a statement.
 */
function keyedLoaders<A extends unknown[], V>(batch: (...args: A) => DataLoader.BatchLoadFn<number, V>) {
  const loaders = new Map<string, DataLoader<number, V>>();
  return (...args: A): DataLoader<number, V> => {
    const key = JSON.stringify(args);
    let loader = loaders.get(key);
    if (!loader) {
      loader = new DataLoader(batch(...args));
      loaders.set(key, loader);
    }
    return loader;
  };
}

/**
 * Per-request loaders: each collapses the per-object calls of one execution tick into one SQL
 * statement. They cache by key for the life of one request only, so nothing is shared
 * across requests or viewers.
 */
export function createLoaders(prisma: PrismaClient) {
  const byId = <T extends { id: number }>(ids: readonly number[], rows: T[]) => {
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  };

  const job = new DataLoader<number, JobRow | null>(async (ids) =>
    byId(ids, await prisma.job.findMany({ where: { id: { in: [...ids] } } })),
  );
  const primeJobs = (rows: JobRow[]) => rows.forEach((r) => job.prime(r.id, r));

  const company = new DataLoader<number, Company | null>(async (ids) =>
    byId(ids, await prisma.company.findMany({ where: { id: { in: [...ids] } } })),
  );

  /** Row counts per id of `table` grouped by `column`, 0 for ids without rows. */
  const countsBy = (table: string, column: string, where: string) =>
    async (ids: readonly number[]) => {
      const rows = await prisma.$queryRawUnsafe<{ id: number; n: number }[]>(
        `SELECT ${column} AS id, count(*)::int AS n FROM ${table} WHERE ${column} = ANY($1::int[]) ${where} GROUP BY ${column}`,
        [...ids],
      );
      const map = new Map(rows.map((r) => [r.id, r.n]));
      return ids.map((id) => map.get(id) ?? 0);
    };

  const companyJobCount = new DataLoader(countsBy('job', 'company_id', 'AND is_active'));

  // One loader per distinct `days` argument: a batch shares its time window.
  const applicationCount = keyedLoaders((days: number | null) =>
    countsBy('application', 'job_id', days == null ? '' : `AND created_at >= now() - make_interval(days => ${Number(days)})`),
  );

  // Materialized lists; closed jobs are dropped here, at read time.
  const similarJobs = new DataLoader<number, JobRow[]>(async (ids) => {
    const rows = await prisma.$queryRawUnsafe<(JobRow & { _source: number })[]>(
      `SELECT s.job_id AS _source, ${JOB_COLUMNS}
       FROM job_similar s JOIN job j ON j.id = s.similar_id AND j.is_active
       WHERE s.job_id = ANY($1::int[]) ORDER BY s.job_id, s.rank`,
      [...ids],
    );
    const lists = new Map<number, JobRow[]>(ids.map((id) => [id, []]));
    for (const { _source, ...row } of rows) lists.get(_source)?.push(row);
    primeJobs(rows);
    return ids.map((id) => lists.get(id) ?? []);
  });

  // Keyed by page arguments: every company asked for with the same page shares one statement.
  const companyJobs = keyedLoaders((first: number, after: string | null) => {
    const cursor = after == null ? null : decodeCursor(after, 'COMPANY_NEWEST');
    return async (ids: readonly number[]): Promise<CompanyJobsPage[]> => {
      const params: unknown[] = [[...ids]];
      let seek = '';
      if (cursor) {
        params.push(cursor[0], cursor[1]);
        seek = 'AND (j.created_at, j.id) < ($2::timestamptz, $3::int)';
      }
      const rows = await prisma.$queryRawUnsafe<(JobRow & { _n: number })[]>(
        `SELECT * FROM (
           SELECT ${JOB_COLUMNS}, row_number() OVER (PARTITION BY j.company_id ORDER BY j.created_at DESC, j.id DESC)::int AS _n
           FROM job j WHERE j.is_active AND j.company_id = ANY($1::int[]) ${seek}
         ) t WHERE _n <= ${first + 1} ORDER BY "companyId", _n`,
        ...params,
      );
      const pages = new Map<number, JobRow[]>(ids.map((id) => [id, []]));
      for (const { _n, ...row } of rows) pages.get(row.companyId)?.push(row);
      return ids.map((id) => {
        const all = pages.get(id) ?? [];
        const page = all.slice(0, first);
        primeJobs(page);
        return { rows: page, hasNextPage: all.length > first };
      });
    };
  });

  return { job, primeJobs, company, companyJobCount, applicationCount, similarJobs, companyJobs };
}

export type Loaders = ReturnType<typeof createLoaders>;

export const companyJobCursor = (row: JobRow) => encodeCursor('COMPANY_NEWEST', [row.createdAt.toISOString(), row.id]);
