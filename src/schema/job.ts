import { GraphQLError } from 'graphql';
import { canManageCompany, forbidden } from '../auth/guards';
import { checkRange } from '../errors';
import { applicationListArgs, applicationPage } from './application';
import { SIMILAR_PER_JOB } from '../similar/sql';
import { builder } from './builder';
import { ExperienceLevelEnum, JobTypeEnum } from './enums';

builder.objectType('Job', {
  description: 'A job posting.',
  fields: (t) => ({
    id: t.id({ resolve: (j) => String(j.id) }),
    title: t.exposeString('title'),
    description: t.exposeString('description'),
    company: t.field({
      type: 'Company',
      resolve: async (j, _args, ctx) => {
        const company = await ctx.loaders.company.load(j.companyId);
        // A foreign key guarantees it; failing loudly beats a silent null in a non-null field.
        if (!company) throw new GraphQLError(`company ${j.companyId} of job ${j.id} is missing`);
        return company;
      },
    }),
    location: t.exposeString('location', { description: 'Display location, e.g. "Austin, TX" or "Remote (Boston, MA)".' }),
    city: t.exposeString('city', { nullable: true }),
    state: t.exposeString('state', { nullable: true }),
    jobType: t.field({ type: JobTypeEnum, resolve: (j) => j.jobType }),
    salaryMin: t.exposeInt('salaryMin', { nullable: true, description: 'Yearly, USD.' }),
    salaryMax: t.exposeInt('salaryMax', { nullable: true, description: 'Yearly, USD.' }),
    remote: t.exposeBoolean('remote'),
    experienceLevel: t.field({ type: ExperienceLevelEnum, nullable: true, resolve: (j) => j.experienceLevel }),
    skills: t.exposeStringList('skills'),
    isActive: t.exposeBoolean('isActive', { description: 'False once the job is closed.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    applicationCount: t.int({
      description: 'Applications to this job: all time, or created within the last `days` days.',
      args: { days: t.arg.int({ required: false, description: '1 to 3650.' }) },
      resolve: (j, { days }, ctx) => {
        if (days != null) checkRange(days, 1, 3650, 'days');
        return ctx.loaders.applicationCount(days ?? null).load(j.id);
      },
    }),
    applications: t.field({
      type: 'ApplicationConnection',
      nullable: true,
      description: 'EMPLOYER of the job’s company or ADMIN: applications to this job, newest first. Others: null and FORBIDDEN.',
      args: applicationListArgs,
      resolve: (j, args, ctx) => {
        if (!canManageCompany(ctx.auth.viewer, j.companyId)) throw forbidden('see applications to another company’s job');
        return applicationPage(ctx, 'job', j.id, args);
      },
    }),
    similarJobs: t.field({
      type: ['Job'],
      description: `Other active jobs most like this one (title, skills, description), best first; at most ${SIMILAR_PER_JOB}.`,
      args: { first: t.arg.int({ required: false, defaultValue: 5 }) },
      resolve: async (j, { first }, ctx) => {
        const n = checkRange(first ?? 5, 1, SIMILAR_PER_JOB, 'first');
        return (await ctx.loaders.similarJobs.load(j.id)).slice(0, n);
      },
    }),
  }),
});
