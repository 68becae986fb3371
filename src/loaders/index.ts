import DataLoader from 'dataloader';
import type { Company, PrismaClient } from '../generated/prisma/client';
import { JOB_COLUMNS, type JobRow } from '../queries/columns';
import { decodeCursor, encodeCursor } from '../queries/cursor';

export interface CompanyJobsPage {
  rows: JobRow[];
  hasNextPage: boolean;
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

  const companyJobCount = new DataLoader<number, number>(async (ids) => {
    const rows = await prisma.$queryRawUnsafe<{ id: number; n: number }[]>(
      `SELECT company_id AS id, count(*)::int AS n FROM job WHERE is_active AND company_id = ANY($1::int[]) GROUP BY company_id`,
      [...ids],
    );
    const map = new Map(rows.map((r) => [r.id, r.n]));
    return ids.map((id) => map.get(id) ?? 0);
  });

  // One loader per distinct `days` argument: a batch shares its time window.
  const applicationCounts = new Map<number | 'all', DataLoader<number, number>>();
  const applicationCount = (days: number | null) => {
    const key = days ?? 'all';
    let loader = applicationCounts.get(key);
    if (!loader) {
      loader = new DataLoader<number, number>(async (ids) => {
        const window = days == null ? '' : `AND created_at >= now() - make_interval(days => ${Number(days)})`;
        const rows = await prisma.$queryRawUnsafe<{ id: number; n: number }[]>(
          `SELECT job_id AS id, count(*)::int AS n FROM application WHERE job_id = ANY($1::int[]) ${window} GROUP BY job_id`,
          [...ids],
        );
        const map = new Map(rows.map((r) => [r.id, r.n]));
        return ids.map((id) => map.get(id) ?? 0);
      });
      applicationCounts.set(key, loader);
    }
    return loader;
  };

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
  const companyJobPages = new Map<string, DataLoader<number, CompanyJobsPage>>();
  const companyJobs = (first: number, after: string | null) => {
    const key = `${first}:${after ?? ''}`;
    let loader = companyJobPages.get(key);
    if (!loader) {
      const cursor = after == null ? null : decodeCursor(after, 'COMPANY_NEWEST');
      loader = new DataLoader<number, CompanyJobsPage>(async (ids) => {
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
      });
      companyJobPages.set(key, loader);
    }
    return loader;
  };

  return { job, primeJobs, company, companyJobCount, applicationCount, similarJobs, companyJobs };
}

export type Loaders = ReturnType<typeof createLoaders>;

export const companyJobCursor = (row: JobRow) => encodeCursor('COMPANY_NEWEST', [row.createdAt.toISOString(), row.id]);
