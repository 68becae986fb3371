import { Prisma } from '../generated/prisma/client';
import type { Db } from './client';
import { jobFilterSql, type JobFilterInput } from './jobs';

/** The active jobs an analyst's figures are over: a job filter, compiled once for every figure. */
export type StatsScope = Prisma.Sql;

export const statsScope = (filter: JobFilterInput | null | undefined): StatsScope => jobFilterSql(filter);

export interface Bucket {
  key: string;
  count: number;
}

export interface Percentiles {
  p10: number;
  p25: number;
  p50: number;
  p75: number;
  p90: number;
  sampleSize: number;
}

export async function countJobs(db: Db, where: StatsScope): Promise<number> {
  return (await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM job j WHERE ${where}`)[0].n;
}

export const jobsByType = (db: Db, where: StatsScope) =>
  db.$queryRaw<Bucket[]>`SELECT j.job_type::text AS key, count(*)::int AS count FROM job j WHERE ${where} GROUP BY 1 ORDER BY 2 DESC, 1`;

/** The `top` cities (with state) by number of jobs. */
export const jobsByLocation = (db: Db, where: StatsScope, top: number) =>
  db.$queryRaw<Bucket[]>`SELECT coalesce(j.city || ', ' || j.state, j.location) AS key, count(*)::int AS count FROM job j WHERE ${where}
    GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${top}::int`;

/** Percentiles of the midpoints of the jobs' salary ranges; null when none has a salary. */
export async function salaryPercentiles(db: Db, where: StatsScope): Promise<Percentiles | null> {
  const [row] = await db.$queryRaw<{ p: number[] | null; n: number }[]>`SELECT percentile_cont(ARRAY[0.1, 0.25, 0.5, 0.75, 0.9]) WITHIN GROUP (
        ORDER BY (coalesce(j.salary_min, j.salary_max) + coalesce(j.salary_max, j.salary_min)) / 2.0) AS p,
      count(*)::int AS n
    FROM job j WHERE ${where} AND (j.salary_min IS NOT NULL OR j.salary_max IS NOT NULL)`;
  if (!row.p || row.n === 0) return null;
  const [p10, p25, p50, p75, p90] = row.p.map(Number);
  return { p10, p25, p50, p75, p90, sampleSize: row.n };
}

/** Applications to the jobs per UTC day over the last `days` days, today included, 0 for days without any. */
export const applicationsPerDay = (db: Db, where: StatsScope, days: number) =>
  db.$queryRaw<{ day: string; count: number }[]>`SELECT to_char(d.day, 'YYYY-MM-DD') AS day, count(a.id)::int AS count
    FROM generate_series((now() AT TIME ZONE 'UTC')::date - ${days - 1}::int, (now() AT TIME ZONE 'UTC')::date, interval '1 day') AS d(day)
    LEFT JOIN (application a JOIN job j ON j.id = a.job_id AND ${where})
      ON (a.created_at AT TIME ZONE 'UTC')::date = d.day::date
    GROUP BY d.day ORDER BY d.day`;
