import type { ApplicationStatus } from '../generated/prisma/enums';
import { checkRange } from '../errors';
import { InvalidInput } from '../domain/errors';
import {
  applicationFunnel,
  applicationsPerDay,
  companyScope,
  countJobs,
  jobsByCompany,
  jobsByExperienceLevel,
  jobsByLocation,
  jobsByRemote,
  jobsBySkill,
  jobsByType,
  jobsPostedPerDay,
  salaryByJobType,
  salaryByExperienceLevel,
  salaryByLocation,
  salaryPercentiles,
  statsScope,
  type Bucket,
  type CompanyFigures,
  type Funnel,
  type Percentiles,
  type SalaryGroup,
  type StatsScope,
} from '../data/stats';
import { builder } from './builder';
import { ApplicationStatusEnum } from './enums';
import { filterReads, JobFilter, readFilter } from './query';

const BucketRef = builder.objectRef<Bucket>('Bucket').implement({
  description: 'A count of jobs sharing a key.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'What the jobs share (a job type, a place, a skill…).' }),
    count: t.exposeInt('count', { description: 'How many jobs.' }),
  }),
});
const DayCount = builder.objectRef<{ day: string; count: number }>('DayCount').implement({
  description: 'A count for one day.',
  fields: (t) => ({ day: t.exposeString('day', { description: 'YYYY-MM-DD (UTC).' }), count: t.exposeInt('count', { description: 'How many on that day.' }) }),
});
const SalaryPercentiles = builder.objectRef<Percentiles>('SalaryPercentiles').implement({
  description: 'Percentiles of the midpoints of the jobs’ yearly salary ranges (jobs with a salary only), in whole US dollars.',
  fields: (t) => ({
    p10: t.exposeInt('p10', { description: '10th percentile.' }),
    p25: t.exposeInt('p25', { description: '25th percentile.' }),
    p50: t.exposeInt('p50', { description: 'Median.' }),
    p75: t.exposeInt('p75', { description: '75th percentile.' }),
    p90: t.exposeInt('p90', { description: '90th percentile.' }),
    sampleSize: t.exposeInt('sampleSize', { description: 'Jobs with a salary among those matched.' }),
  }),
});
const SalaryGroupRef = builder.objectRef<SalaryGroup>('SalaryGroup').implement({
  description: 'Salary percentiles of the jobs sharing a key.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'What the jobs share (a job type, a place).' }),
    percentiles: t.field({ type: SalaryPercentiles, description: 'Their salaries.', resolve: (g) => g.percentiles }),
  }),
});
const FunnelStepRef = builder.objectRef<Funnel['steps'][number]>('FunnelStep').implement({
  description: 'How many applications reached a status, and how long it took them.',
  fields: (t) => ({
    status: t.field({ type: ApplicationStatusEnum, description: 'The status.', resolve: (s) => s.status as ApplicationStatus }),
    reached: t.exposeInt('reached', {
      description:
        'SUBMITTED to HIRED: applications that reached this status or a later one (statuses only move forward). REJECTED, WITHDRAWN: applications that ended there.',
    }),
    medianHoursFromPrevious: t.exposeFloat('medianHoursFromPrevious', {
      nullable: true,
      description: 'Median hours from the application’s previous recorded status to this one; null when no application has both recorded.',
    }),
  }),
});
const FunnelRef = builder.objectRef<Funnel>('ApplicationFunnel').implement({
  description: 'How far the applications to the jobs got, from their status history.',
  fields: (t) => ({
    applications: t.exposeInt('applications', { description: 'All applications to the jobs.' }),
    steps: t.field({
      type: [FunnelStepRef],
      description: 'SUBMITTED, REVIEWING, INTERVIEWING, OFFERED, HIRED, then REJECTED and WITHDRAWN.',
      resolve: (f) => f.steps,
    }),
  }),
});

const top = (what: string) => ({ defaultValue: 10, description: `How many ${what}, 1 to 100.` });

const JobStats = builder.objectRef<StatsScope>('JobStats');

const CompanyBucket = builder.objectRef<CompanyFigures & { scope: StatsScope }>('CompanyFigures').implement({
  description: 'A company’s share of the matching jobs.',
  fields: (t) => ({
    company: t.field({ type: 'Company', description: 'The company.', resolve: (b, _a, ctx) => ctx.loaders.company.load(b.companyId) as never }),
    count: t.exposeInt('count', { description: 'Its matching jobs.' }),
    medianSalary: t.exposeInt('medianSalary', { nullable: true, description: 'Median of their salary midpoints, whole dollars; null when none has a salary.' }),
    applicationCount: t.exposeInt('applicationCount', { description: 'Applications to them, of all time.' }),
    stats: t.field({
      type: JobStats,
      description: 'Every figure over the same jobs of this company only (each field one SQL statement per company).',
      resolve: (b) => companyScope(b.scope, b.companyId),
    }),
  }),
});

JobStats.implement({
  description: 'Aggregates over the jobs matching a filter (active ones; closed ones too with `includeClosed`). Each field is one SQL statement.',
  fields: (t) => ({
    total: t.int({
      description: 'Jobs matching the filter (active ones; closed ones too with `includeClosed`).',
      resolve: (s, _a, ctx) => countJobs(ctx.db.prisma, s),
    }),
    byJobType: t.field({ type: [BucketRef], description: 'Matching jobs per job type, most first.', resolve: (s, _a, ctx) => jobsByType(ctx.db.prisma, s) }),
    byLocation: t.field({
      type: [BucketRef],
      description:
        'The `top` places by number of jobs: the parsed "City, ST" where there is one, else the location as posted. A remote job that names a place ("Remote (Dallas, TX)") counts under that place; `byRemote` separates them.',
      args: { top: t.arg.int(top('places')) },
      resolve: (s, args, ctx) => jobsByLocation(ctx.db.prisma, s, checkRange(args.top ?? 10, 1, 100, 'top')),
    }),
    byCompany: t.field({
      type: [CompanyBucket],
      description: 'The `top` companies by number of matching jobs, with their median salary and applications.',
      args: { top: t.arg.int(top('companies')) },
      // Each company's `stats` is a statement per figure: the selection costs `top` times.
      complexity: (args: { top?: number | null }) => ({ field: 2, multiplier: Math.min(100, Math.max(1, args.top ?? 10)) }),
      resolve: async (s, args, ctx) => (await jobsByCompany(ctx.db.prisma, s, checkRange(args.top ?? 10, 1, 100, 'top'))).map((b) => ({ ...b, scope: s })),
    }),
    bySkill: t.field({
      type: [BucketRef],
      description: 'The `top` skills by number of matching jobs listing them.',
      args: { top: t.arg.int(top('skills')) },
      resolve: (s, args, ctx) => jobsBySkill(ctx.db.prisma, s, checkRange(args.top ?? 10, 1, 100, 'top')),
    }),
    byExperienceLevel: t.field({
      type: [BucketRef],
      description: 'Matching jobs per experience level (UNSPECIFIED where the posting does not say), most first.',
      resolve: (s, _a, ctx) => jobsByExperienceLevel(ctx.db.prisma, s),
    }),
    byRemote: t.field({
      type: [BucketRef],
      description: 'Matching jobs that are REMOTE and ON_SITE.',
      resolve: (s, _a, ctx) => jobsByRemote(ctx.db.prisma, s),
    }),
    salaryPercentiles: t.field({
      type: SalaryPercentiles,
      nullable: true,
      description: 'Null when no matching job has a salary.',
      resolve: (s, _a, ctx) => salaryPercentiles(ctx.db.prisma, s),
    }),
    salaryByJobType: t.field({
      type: [SalaryGroupRef],
      description: 'Salary percentiles per job type (types with a salaried job only), most salaried jobs first.',
      resolve: (s, _a, ctx) => salaryByJobType(ctx.db.prisma, s),
    }),
    salaryByLocation: t.field({
      type: [SalaryGroupRef],
      description: 'Salary percentiles of the `top` places (as in `byLocation`) by number of salaried jobs.',
      args: { top: t.arg.int(top('places')) },
      resolve: (s, args, ctx) => salaryByLocation(ctx.db.prisma, s, checkRange(args.top ?? 10, 1, 100, 'top')),
    }),
    salaryByExperienceLevel: t.field({
      type: [SalaryGroupRef],
      description:
        'Salary percentiles per experience level (UNSPECIFIED where the posting does not say; levels with a salaried job only), most salaried jobs first.',
      resolve: (s, _a, ctx) => salaryByExperienceLevel(ctx.db.prisma, s),
    }),
    jobsPostedPerDay: t.field({
      type: [DayCount],
      description: 'Matching jobs by the day they were posted, over the last `days` days, today included; days without any count 0.',
      args: { days: t.arg.int({ defaultValue: 30, description: '1 to 366.' }) },
      resolve: (s, { days }, ctx) => jobsPostedPerDay(ctx.db.prisma, s, checkRange(days ?? 30, 1, 366, 'days')),
    }),
    applicationsPerDay: t.field({
      type: [DayCount],
      description: 'Applications to the matching jobs per day over the last `days` days, today included; days without any count 0.',
      args: { days: t.arg.int({ defaultValue: 30, description: '1 to 366.' }) },
      resolve: (s, { days }, ctx) => applicationsPerDay(ctx.db.prisma, s, checkRange(days ?? 30, 1, 366, 'days')),
    }),
    applicationFunnel: t.field({
      type: FunnelRef,
      description:
        'How far the applications to the matching jobs got: how many reached each status and how long each step took. `appliedAfter`/`appliedBefore` keep the applications made in that period (at or after, before).',
      args: {
        appliedAfter: t.arg({ type: 'DateTime', description: 'Only applications made at or after this instant.' }),
        appliedBefore: t.arg({ type: 'DateTime', description: 'Only applications made before this instant.' }),
      },
      resolve: (s, { appliedAfter, appliedBefore }, ctx) => {
        if (appliedAfter && appliedBefore && appliedAfter >= appliedBefore)
          throw new InvalidInput('`appliedAfter` must be before `appliedBefore`', 'appliedAfter');
        return applicationFunnel(ctx.db.prisma, s, { after: appliedAfter, before: appliedBefore });
      },
    }),
  }),
});

const FILTER = { type: JobFilter, description: 'Which jobs to count (active ones, closed ones too with `includeClosed`); all active jobs without it.' };

builder.queryField('jobStats', (t) =>
  t.field({
    type: JobStats,
    description: 'ANALYST or ADMIN: aggregate figures over the active jobs matching `filter`.',
    authScopes: { role: ['ANALYST', 'ADMIN'] },
    cache: { viewer: true, tags: ({ args }) => ['stats', ...filterReads(args.filter)] },
    args: { filter: t.arg(FILTER) },
    resolve: async (_r, { filter }, ctx) => statsScope(await readFilter(ctx, filter, 'allowed')),
  }),
);

builder.objectField('Company', 'stats', (t) =>
  t.field({
    type: JobStats,
    description: 'ANALYST or ADMIN: the figures of `jobStats` over this company’s active jobs matching `filter`.',
    authScopes: { role: ['ANALYST', 'ADMIN'] },
    cache: { viewer: true, tags: ({ args }) => ['stats', ...filterReads(args.filter)] },
    args: { filter: t.arg(FILTER) },
    resolve: async (c, { filter }, ctx) => companyScope(statsScope(await readFilter(ctx, filter, 'allowed')), c.id),
  }),
);
