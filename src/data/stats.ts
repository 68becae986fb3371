import { Prisma } from '../generated/prisma/client';
import type { Db } from './client';
import { jobFilterSql, type JobFilterInput } from './jobs';

/** The jobs an analyst's figures are over (active ones, closed too with `includeClosed`): those matching a job filter, of one company when it says so. */
export interface StatsScope {
  readonly filter: JobFilterInput | null | undefined;
  readonly companyId?: number;
}

// Compiled once per scope for all its figures (each a statement of its own).
const compiled = new WeakMap<StatsScope, Prisma.Sql>();

/** The condition on `job j` of a scope's jobs. */
function whereOf(scope: StatsScope): Prisma.Sql {
  let sql = compiled.get(scope);
  if (!sql) {
    const matching = jobFilterSql(scope.filter);
    compiled.set(scope, (sql = scope.companyId == null ? matching : Prisma.sql`${matching} AND j.company_id = ${scope.companyId}`));
  }
  return sql;
}

/** The scope of a filter, checked now: a filter the figures cannot run is the asking field's error, not each figure's. */
export function statsScope(filter: JobFilterInput | null | undefined): StatsScope {
  const scope = { filter };
  whereOf(scope);
  return scope;
}

/** The same jobs, of one company only. */
export function companyScope(scope: StatsScope, companyId: number): StatsScope {
  const company = { filter: scope.filter, companyId };
  compiled.set(company, Prisma.sql`${whereOf(scope)} AND j.company_id = ${companyId}`);
  return company;
}

export interface Bucket {
  key: string;
  count: number;
}

/** Yearly dollars, rounded to whole dollars: percentiles interpolate between salaries. */
export interface Percentiles {
  p10: number;
  p25: number;
  p50: number;
  p75: number;
  p90: number;
  sampleSize: number;
}

export interface SalaryGroup {
  key: string;
  percentiles: Percentiles;
}

export interface CompanyFigures {
  companyId: number;
  count: number;
  medianSalary: number | null;
  applicationCount: number;
}

export interface FunnelStep {
  status: string;
  reached: number;
  medianHoursFromPrevious: number | null;
}

export interface Funnel {
  applications: number;
  steps: FunnelStep[];
}

/** A job's salary as one number: the midpoint of its range (a single bound is the range). */
const MIDPOINT = Prisma.sql`(coalesce(j.salary_min, j.salary_max) + coalesce(j.salary_max, j.salary_min)) / 2.0`;
const HAS_SALARY = Prisma.sql`(j.salary_min IS NOT NULL OR j.salary_max IS NOT NULL)`;
const PERCENTILES = Prisma.sql`percentile_cont(ARRAY[0.1, 0.25, 0.5, 0.75, 0.9]) WITHIN GROUP (ORDER BY ${MIDPOINT})`;

function percentiles(p: (number | string)[], sampleSize: number): Percentiles {
  const [p10, p25, p50, p75, p90] = p.map((v) => Math.round(Number(v)));
  return { p10, p25, p50, p75, p90, sampleSize };
}

export async function countJobs(db: Db, scope: StatsScope): Promise<number> {
  return (await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM job j WHERE ${whereOf(scope)}`)[0].n;
}

/** Matching jobs counted by `key`, most first. */
const countedBy = (db: Db, scope: StatsScope, key: Prisma.Sql, top = 1000) =>
  db.$queryRaw<Bucket[]>`SELECT ${key} AS key, count(*)::int AS count FROM job j WHERE ${whereOf(scope)} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${top}::int`;

export const jobsByType = (db: Db, scope: StatsScope) => countedBy(db, scope, Prisma.sql`j.job_type::text`);

/**
 * The place a job is counted under: its parsed city and state, else its location as the feed
 * wrote it. A remote job that names a place ("Remote (Dallas, TX)") counts under that place;
 * `byRemote` tells remote from on-site.
 */
const PLACE = Prisma.sql`coalesce(j.city || ', ' || j.state, j.location)`;

/** The `top` places by number of jobs. */
export const jobsByLocation = (db: Db, scope: StatsScope, top: number) => countedBy(db, scope, PLACE, top);

const LEVEL = Prisma.sql`coalesce(j.experience_level::text, 'UNSPECIFIED')`;

export const jobsByExperienceLevel = (db: Db, scope: StatsScope) => countedBy(db, scope, LEVEL);

export const jobsByRemote = (db: Db, scope: StatsScope) => countedBy(db, scope, Prisma.sql`CASE WHEN j.remote THEN 'REMOTE' ELSE 'ON_SITE' END`);

/** The `top` skills by number of jobs listing them. */
export const jobsBySkill = (db: Db, scope: StatsScope, top: number) =>
  db.$queryRaw<Bucket[]>`SELECT s AS key, count(*)::int AS count FROM job j CROSS JOIN unnest(j.skills) AS s WHERE ${whereOf(scope)}
    GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${top}::int`;

/** The `top` companies by number of matching jobs, with their median salary and applications. */
export const jobsByCompany = (db: Db, scope: StatsScope, top: number) =>
  db.$queryRaw<CompanyFigures[]>`SELECT j.company_id AS "companyId", count(*)::int AS count,
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ${MIDPOINT}))::int AS "medianSalary",
      sum((SELECT count(*) FROM application a WHERE a.job_id = j.id))::int AS "applicationCount"
    FROM job j WHERE ${whereOf(scope)} GROUP BY j.company_id ORDER BY 2 DESC, 1 LIMIT ${top}::int`;

/** Percentiles of the midpoints of the jobs' salary ranges; null when none has a salary. */
export async function salaryPercentiles(db: Db, scope: StatsScope): Promise<Percentiles | null> {
  const [row] = await db.$queryRaw<{ p: number[] | null; n: number }[]>`SELECT ${PERCENTILES} AS p, count(*)::int AS n
    FROM job j WHERE ${whereOf(scope)} AND ${HAS_SALARY}`;
  return row.p && row.n > 0 ? percentiles(row.p, row.n) : null;
}

/** Salary percentiles per `key`, for the `top` keys with most salaried jobs. */
async function salaryBy(db: Db, scope: StatsScope, key: Prisma.Sql, top: number): Promise<SalaryGroup[]> {
  const rows = await db.$queryRaw<{ key: string; p: number[]; n: number }[]>`SELECT ${key} AS key, ${PERCENTILES} AS p, count(*)::int AS n
    FROM job j WHERE ${whereOf(scope)} AND ${HAS_SALARY} GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT ${top}::int`;
  return rows.map((r) => ({ key: r.key, percentiles: percentiles(r.p, r.n) }));
}

export const salaryByJobType = (db: Db, scope: StatsScope) => salaryBy(db, scope, Prisma.sql`j.job_type::text`, 100);

export const salaryByLocation = (db: Db, scope: StatsScope, top: number) => salaryBy(db, scope, PLACE, top);

export const salaryByExperienceLevel = (db: Db, scope: StatsScope) => salaryBy(db, scope, LEVEL, 100);

/** `rows` per UTC day over the last `days` days, today included, 0 for days without any. */
const perDay = (db: Db, days: number, rows: Prisma.Sql, at: Prisma.Sql) =>
  db.$queryRaw<{ day: string; count: number }[]>`SELECT to_char(d.day, 'YYYY-MM-DD') AS day, count(x.at)::int AS count
    FROM generate_series((now() AT TIME ZONE 'UTC')::date - ${days - 1}::int, (now() AT TIME ZONE 'UTC')::date, interval '1 day') AS d(day)
    LEFT JOIN (SELECT ${at} AS at FROM ${rows}) x ON (x.at AT TIME ZONE 'UTC')::date = d.day::date
    GROUP BY d.day ORDER BY d.day`;

/** Applications to the jobs per UTC day. */
export const applicationsPerDay = (db: Db, scope: StatsScope, days: number) =>
  perDay(db, days, Prisma.sql`application a JOIN job j ON j.id = a.job_id WHERE ${whereOf(scope)}`, Prisma.sql`a.created_at`);

/** Jobs posted per UTC day: those still active, or with `includeClosed` every job posted that day. */
export const jobsPostedPerDay = (db: Db, scope: StatsScope, days: number) =>
  perDay(db, days, Prisma.sql`job j WHERE ${whereOf(scope)}`, Prisma.sql`j.created_at`);

/** The statuses an application moves through, in order; REJECTED and WITHDRAWN leave it. */
const PIPELINE = ['SUBMITTED', 'REVIEWING', 'INTERVIEWING', 'OFFERED', 'HIRED'] as const;
const EXITS = ['REJECTED', 'WITHDRAWN'] as const;

/**
 * How far the applications to the jobs (made within `applied`, when given) got, from their status history
 * (application_status_change): per pipeline status, the applications that reached it or a
 * later one (statuses only move forward, so an OFFERED application was interviewed even where
 * the step was not recorded); per exit, those that ended there. The time of a step is from the
 * application's previous recorded status.
 */
export async function applicationFunnel(db: Db, scope: StatsScope, applied: { after?: Date | null; before?: Date | null } = {}): Promise<Funnel> {
  const when = [
    applied.after ? Prisma.sql`AND a.created_at >= ${applied.after}` : Prisma.empty,
    applied.before ? Prisma.sql`AND a.created_at < ${applied.before}` : Prisma.empty,
  ];
  const stage = Prisma.raw(`CASE h.status ${PIPELINE.map((s, i) => `WHEN '${s}' THEN ${i + 1}`).join(' ')} ELSE 0 END`);
  const steps = Prisma.raw(`(VALUES ${[...PIPELINE, ...EXITS].map((s, i) => `('${s}', ${i + 1})`).join(', ')}) AS s(status, ord)`);
  const rows = await db.$queryRaw<{ status: string; reached: number; hours: number | null; applications: number }[]>`WITH h AS MATERIALIZED (
      SELECT c.application_id, c.status::text AS status,
        extract(epoch FROM c.changed_at - lag(c.changed_at) OVER (PARTITION BY c.application_id ORDER BY c.changed_at, c.status)) / 3600 AS hours
      FROM application a JOIN job j ON j.id = a.job_id JOIN application_status_change c ON c.application_id = a.id
      WHERE ${whereOf(scope)} ${when[0]} ${when[1]}),
    furthest AS MATERIALIZED (SELECT h.application_id, max(${stage}) AS stage FROM h GROUP BY 1)
    SELECT s.status,
      CASE WHEN s.ord <= ${PIPELINE.length} THEN (SELECT count(*) FROM furthest f WHERE f.stage >= s.ord)
        ELSE (SELECT count(*) FROM h WHERE h.status = s.status) END::int AS reached,
      (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY h.hours) FROM h WHERE h.status = s.status AND h.hours IS NOT NULL) AS hours,
      (SELECT count(*) FROM furthest)::int AS applications
    FROM ${steps} ORDER BY s.ord`;
  return {
    applications: rows[0]?.applications ?? 0,
    steps: rows.map((r) => ({ status: r.status, reached: r.reached, medianHoursFromPrevious: r.hours == null ? null : Math.round(Number(r.hours) * 10) / 10 })),
  };
}
