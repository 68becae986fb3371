import { canManageCompany, canSeeUser, forbidden } from '../auth/guards';
import type { Viewer } from '../auth/viewer';
import type { Context } from './context';
import { checkRange, parseId, required } from '../errors';
import type { Application } from '../generated/prisma/client';
import type { ApplicationStatus } from '../generated/prisma/enums';
import { applicationCursor } from '../data/applications';
import { MAX_PAGE } from '../data/jobs';
import { builder } from './builder';
import { ApplicationStatusEnum } from './enums';
import { toConnection } from './connection';
import { askedFor } from './query';

/** Whether the right to see an application is decided by its job's company: an employer's who is not the applicant. */
const decidedByJob = (viewer: Viewer | null, app: Application) => !canSeeUser(viewer, app.userId) && viewer?.role === 'EMPLOYER';

/** An application is visible to its applicant, the employer of its job, and ADMIN. */
export async function canSeeApplication(ctx: Context, viewer: Viewer | null, app: Application): Promise<boolean> {
  if (!decidedByJob(viewer, app)) return canSeeUser(viewer, app.userId);
  const job = await ctx.loaders.job.load(app.jobId);
  return job != null && canManageCompany(viewer, job.companyId);
}

builder.objectType('Application', {
  description: 'A user’s application to a job. Visible to the applicant, the employer of the job and ADMIN.',
  fields: (t) => ({
    id: t.id({ description: 'Stable id of the application.', resolve: (a) => String(a.id) }),
    job: t.field({
      type: 'Job',
      description: 'The job applied to (also once it is closed).',
      resolve: (a, _args, ctx) => required(ctx.loaders.job.load(a.jobId), `job ${a.jobId} of application ${a.id}`),
    }),
    user: t.field({
      type: 'User',
      description: 'The applicant (their private fields stay private).',
      resolve: (a, _args, ctx) => required(ctx.loaders.user.load(a.userId), `user ${a.userId} of application ${a.id}`),
    }),
    status: t.field({ type: ApplicationStatusEnum, description: 'Where the application stands.', resolve: (a) => a.status }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the user applied.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the status last changed.' }),
  }),
});

builder.queryField('application', (t) =>
  t.field({
    type: 'Application',
    nullable: true,
    description: 'An application by id: null if there is none, FORBIDDEN if it is not yours to see.',
    // A null depends on who asks too (guards.ts); an employer's answer read the job's company,
    // so it follows the job.
    cache: {
      viewer: true,
      tags: ({ args, result, viewer }) => [
        ...askedFor('Application', args.id),
        ...(result && decidedByJob(viewer, result) ? askedFor('Job', result.jobId) : []),
      ],
    },
    args: { id: t.arg.id({ required: true, description: 'Id of the application.' }) },
    resolve: async (_r, { id }, ctx) => {
      const viewer = ctx.auth.viewer;
      const app = await ctx.loaders.application.load(parseId(id));
      if (app && !(await canSeeApplication(ctx, viewer, app))) throw forbidden('see this application');
      return app;
    },
  }),
);

/** Arguments of the application lists (`User.applications`, `Job.applications`). */
export const applicationListArgs = builder.args((t) => ({
  first: t.int({ defaultValue: 20, description: `1 to ${MAX_PAGE}.` }),
  after: t.string({ description: '`pageInfo.endCursor` of the previous page.' }),
  status: t.field({ type: ApplicationStatusEnum, description: 'Only applications in this status.' }),
}));

/** A page of a user's or a job's applications, newest first; access is checked by the caller. */
export async function applicationPage(
  ctx: Context,
  of: 'user' | 'job',
  id: number,
  args: { first?: number | null; after?: string | null; status?: ApplicationStatus | null },
) {
  const first = checkRange(args.first ?? 20, 1, MAX_PAGE, 'first');
  const status = args.status ?? null;
  const [pages, totals] =
    of === 'user' ? [ctx.loaders.userApplications, ctx.loaders.userApplicationCount] : [ctx.loaders.jobApplications, ctx.loaders.jobApplicationCount];
  const page = await pages(first, args.after ?? null, status).load(id);
  return toConnection(page.rows, first, args.after, applicationCursor, () => totals(status).load(id), page.hasNextPage);
}
