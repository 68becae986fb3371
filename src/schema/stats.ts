import { checkRange } from '../errors';
import {
  applicationsPerDay,
  countJobs,
  jobsByLocation,
  jobsByType,
  salaryPercentiles,
  statsScope,
  type Bucket,
  type Percentiles,
  type StatsScope,
} from '../data/stats';
import { builder } from './builder';
import { JobFilter } from './query';

const BucketRef = builder.objectRef<Bucket>('Bucket').implement({
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
    total: t.int({ description: 'Active jobs matching the filter.', resolve: (s, _a, ctx) => countJobs(ctx.db.prisma, s) }),
    byJobType: t.field({ type: [BucketRef], description: 'Matching jobs per job type, most first.', resolve: (s, _a, ctx) => jobsByType(ctx.db.prisma, s) }),
    byLocation: t.field({
      type: [BucketRef],
      description: 'The `top` cities (with state) by number of jobs.',
      args: { top: t.arg.int({ defaultValue: 10, description: '1 to 100.' }) },
      resolve: (s, { top }, ctx) => jobsByLocation(ctx.db.prisma, s, checkRange(top ?? 10, 1, 100, 'top')),
    }),
    salaryPercentiles: t.field({
      type: SalaryPercentiles,
      nullable: true,
      description: 'Null when no matching job has a salary.',
      resolve: (s, _a, ctx) => salaryPercentiles(ctx.db.prisma, s),
    }),
    applicationsPerDay: t.field({
      type: [DayCount],
      description: 'Applications to the matching jobs per day over the last `days` days, today included; days without any count 0.',
      args: { days: t.arg.int({ defaultValue: 30, description: '1 to 366.' }) },
      resolve: (s, { days }, ctx) => applicationsPerDay(ctx.db.prisma, s, checkRange(days ?? 30, 1, 366, 'days')),
    }),
  }),
});

builder.queryField('jobStats', (t) =>
  t.field({
    type: JobStats,
    description: 'ANALYST or ADMIN: aggregate figures over the active jobs matching `filter`.',
    authScopes: { role: ['ANALYST', 'ADMIN'] },
    args: { filter: t.arg({ type: JobFilter, description: 'Which active jobs to count; all without it.' }) },
    resolve: (_r, { filter }, ctx) => {
      ctx.cache.stats();
      return statsScope(filter);
    },
  }),
);
