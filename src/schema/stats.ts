import { requireRole } from '../auth/guards';
import { checkRange } from '../errors';
import { filterConditions, Params } from '../queries/jobs';
import { builder } from './builder';
import { JobFilter } from './query';

/** The filter, compiled once; each statistic is one statement over it. */
interface StatsScope {
  where: string;
  params: unknown[];
}

const Bucket = builder.objectRef<{ key: string; count: number }>('Bucket').implement({
  description: 'A count of jobs sharing a key.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'What the jobs share (a job type, a place).' }),
    count: t.exposeInt('count', { description: 'How many jobs.' }),
  }),
});
const DayCount = builder.objectRef<{ day: string; count: number }>('DayCount').implement({
  description: 'A count for one day.',
  fields: (t) => ({ day: t.exposeString('day', { description: 'YYYY-MM-DD (UTC).' }), count: t.exposeInt('count', { description: 'How many on that day.' }) }),
});
type Percentiles = { p10: number; p25: number; p50: number; p75: number; p90: number; sampleSize: number };
const SalaryPercentiles = builder.objectRef<Percentiles>('SalaryPercentiles').implement({
  description: 'Percentiles of the midpoints of the jobs’ yearly salary ranges (jobs with a salary only).',
  fields: (t) => ({
    p10: t.exposeFloat('p10', { description: '10th percentile, yearly USD.' }),
    p25: t.exposeFloat('p25', { description: '25th percentile, yearly USD.' }),
    p50: t.exposeFloat('p50', { description: 'Median, yearly USD.' }),
    p75: t.exposeFloat('p75', { description: '75th percentile, yearly USD.' }),
    p90: t.exposeFloat('p90', { description: '90th percentile, yearly USD.' }),
    sampleSize: t.exposeInt('sampleSize', { description: 'Jobs with a salary among those matched.' }),
  }),
});

const JobStats = builder.objectRef<StatsScope>('JobStats').implement({
  description: 'Aggregates over the active jobs matching a filter. Each field is one SQL statement.',
  fields: (t) => ({
    total: t.int({
      description: 'Active jobs matching the filter.',
      resolve: async (s, _a, ctx) =>
        (await ctx.db.prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM job j WHERE ${s.where}`, ...s.params))[0].n,
    }),
    byJobType: t.field({
      type: [Bucket],
      description: 'Matching jobs per job type, most first.',
      resolve: (s, _a, ctx) =>
        ctx.db.prisma.$queryRawUnsafe<{ key: string; count: number }[]>(
          `SELECT j.job_type::text AS key, count(*)::int AS count FROM job j WHERE ${s.where} GROUP BY 1 ORDER BY 2 DESC, 1`,
          ...s.params,
        ),
    }),
    byLocation: t.field({
      type: [Bucket],
      description: 'The `top` cities (with state) by number of jobs.',
      args: { top: t.arg.int({ defaultValue: 10, description: '1 to 100.' }) },
      resolve: (s, { top }, ctx) =>
        ctx.db.prisma.$queryRawUnsafe<{ key: string; count: number }[]>(
          `SELECT coalesce(j.city || ', ' || j.state, j.location) AS key, count(*)::int AS count FROM job j WHERE ${s.where}
           GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${checkRange(top ?? 10, 1, 100, 'top')}`,
          ...s.params,
        ),
    }),
    salaryPercentiles: t.field({
      type: SalaryPercentiles,
      nullable: true,
      description: 'Null when no matching job has a salary.',
      resolve: async (s, _a, ctx) => {
        const [row] = await ctx.db.prisma.$queryRawUnsafe<{ p: number[] | null; n: number }[]>(
          `SELECT percentile_cont(ARRAY[0.1, 0.25, 0.5, 0.75, 0.9]) WITHIN GROUP (
                    ORDER BY (coalesce(j.salary_min, j.salary_max) + coalesce(j.salary_max, j.salary_min)) / 2.0) AS p,
                  count(*)::int AS n
           FROM job j WHERE ${s.where} AND (j.salary_min IS NOT NULL OR j.salary_max IS NOT NULL)`,
          ...s.params,
        );
        if (!row.p || row.n === 0) return null;
        const [p10, p25, p50, p75, p90] = row.p.map(Number);
        return { p10, p25, p50, p75, p90, sampleSize: row.n };
      },
    }),
    applicationsPerDay: t.field({
      type: [DayCount],
      description: 'Applications to the matching jobs per day over the last `days` days, today included; days without any count 0.',
      args: { days: t.arg.int({ defaultValue: 30, description: '1 to 366.' }) },
      resolve: (s, { days }, ctx) => {
        const n = checkRange(days ?? 30, 1, 366, 'days');
        return ctx.db.prisma.$queryRawUnsafe<{ day: string; count: number }[]>(
          `SELECT to_char(d.day, 'YYYY-MM-DD') AS day, count(a.id)::int AS count
           FROM generate_series((now() AT TIME ZONE 'UTC')::date - ${n - 1}, (now() AT TIME ZONE 'UTC')::date, interval '1 day') AS d(day)
           LEFT JOIN (application a JOIN job j ON j.id = a.job_id AND ${s.where})
             ON (a.created_at AT TIME ZONE 'UTC')::date = d.day::date
           GROUP BY d.day ORDER BY d.day`,
          ...s.params,
        );
      },
    }),
  }),
});

builder.queryField('jobStats', (t) =>
  t.field({
    type: JobStats,
    description: 'ANALYST or ADMIN: aggregate figures over the active jobs matching `filter`.',
    args: { filter: t.arg({ type: JobFilter, description: 'Which active jobs to count; all without it.' }) },
    resolve: (_r, { filter }, ctx) => {
      requireRole(ctx.auth.viewer, 'ANALYST', 'ADMIN');
      ctx.cache.tag('stats');
      const p = new Params();
      const where = filterConditions(filter, p).join(' AND ');
      return { where, params: p.values };
    },
  }),
);
