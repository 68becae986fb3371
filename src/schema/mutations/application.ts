import { canManageCompany, forbidden, requireRole, requireViewer } from '../../auth/guards';
import { WRITE_TX } from '../../db/database';
import { isForeignKeyViolation, isUniqueViolation } from '../../db/errors';
import { EMPLOYER_TRANSITIONS, WITHDRAWABLE } from '../../domain/application-status';
import { parseId, userError } from '../../errors';
import type { Application } from '../../generated/prisma/client';
import type { ApplicationStatus } from '../../generated/prisma/enums';
import type { Context } from '../../context';
import { builder } from '../builder';
import { ApplicationStatusEnum } from '../application';

const notFound = (what: string) => userError('NOT_FOUND', `${what} does not exist`);

/**
 * Moves an application from the status it was read in to `to`, only if nobody moved it in
 * between (compare-and-set): two concurrent moves cannot both succeed from the same state.
 */
async function moveStatus(ctx: Context, app: Application, to: ApplicationStatus): Promise<Application> {
  const { count, intent } = await ctx.db.prisma.$transaction(async (tx) => {
    const { count } = await tx.application.updateMany({ where: { id: app.id, status: app.status }, data: { status: to } });
    return { count, intent: count ? await ctx.owe(tx) : undefined };
  }, WRITE_TX);
  if (count === 0) throw userError('CONFLICT', `application ${app.id} changed while this request ran; read it again`);
  await ctx.invalidate([`Application:${app.id}`, `User:${app.userId}`, `Job:${app.jobId}`, 'stats'], intent);
  return ctx.db.prisma.application.findUniqueOrThrow({ where: { id: app.id } });
}

async function loadApplication(ctx: Context, id: string): Promise<Application> {
  const app = await ctx.db.prisma.application.findUnique({ where: { id: parseId(id) } });
  if (!app) throw notFound(`application ${id}`);
  return app;
}

builder.mutationFields((t) => ({
  applyToJob: t.field({
    type: 'Application',
    description: 'SEEKER: apply to an active job, once. Applying again is CONFLICT.',
    args: { jobId: t.arg.id({ required: true, description: 'Id of the job.' }) },
    resolve: async (_r, args, ctx) => {
      const viewer = requireRole(ctx.auth.viewer, 'SEEKER');
      const jobId = parseId(args.jobId, 'jobId');
      try {
        const { application, intent } = await ctx.db.prisma.$transaction(async (tx) => {
          // FOR SHARE: a concurrent closeJob waits for this application, or this sees it closed.
          const [job] = await tx.$queryRawUnsafe<{ is_active: boolean }[]>('SELECT is_active FROM job WHERE id = $1 FOR SHARE', jobId);
          if (!job) throw notFound(`job ${jobId}`);
          if (!job.is_active) throw userError('CONFLICT', `job ${jobId} is closed to applications`);
          const application = await tx.application.create({ data: { jobId, userId: viewer.userId } });
          return { application, intent: await ctx.owe(tx) };
        }, WRITE_TX);
        // The job's application counts, the applicant's list, trending and analyst figures
        // changed, and the new id exists now: cached nulls for it go (query.ts loadById).
        await ctx.invalidate([`Job:${jobId}`, `User:${viewer.userId}`, `Application:${application.id}`, 'trending', 'stats'], intent);
        return application;
      } catch (err) {
        if (isUniqueViolation(err)) throw userError('CONFLICT', `you have already applied to job ${jobId}`);
        if (isForeignKeyViolation(err)) throw userError('UNAUTHENTICATED', `the token's user ${viewer.userId} does not exist`);
        throw err;
      }
    },
  }),
  withdrawApplication: t.field({
    type: 'Application',
    description: 'The applicant withdraws an open application (SUBMITTED, REVIEWING, INTERVIEWING or OFFERED).',
    args: { id: t.arg.id({ required: true, description: 'Id of the application.' }) },
    resolve: async (_r, { id }, ctx) => {
      const viewer = requireViewer(ctx.auth.viewer);
      const app = await loadApplication(ctx, id);
      if (app.userId !== viewer.userId) throw forbidden('withdraw another user’s application');
      if (!WITHDRAWABLE.includes(app.status)) throw userError('CONFLICT', `application ${app.id} is ${app.status} and can no longer be withdrawn`);
      return moveStatus(ctx, app, 'WITHDRAWN');
    },
  }),
  updateApplicationStatus: t.field({
    type: 'Application',
    description:
      'The employer of the job (or ADMIN) moves an application on: SUBMITTED → REVIEWING → INTERVIEWING → OFFERED → HIRED, or to REJECTED from any open status.',
    args: {
      id: t.arg.id({ required: true, description: 'Id of the application.' }),
      status: t.arg({ type: ApplicationStatusEnum, required: true, description: 'The new status.' }),
    },
    resolve: async (_r, { id, status }, ctx) => {
      const viewer = requireRole(ctx.auth.viewer, 'EMPLOYER', 'ADMIN');
      const app = await loadApplication(ctx, id);
      const job = await ctx.loaders.job.load(app.jobId);
      if (!job || !canManageCompany(viewer, job.companyId)) throw forbidden('change applications to another company’s job');
      if (!EMPLOYER_TRANSITIONS[app.status].includes(status)) {
        const allowed = EMPLOYER_TRANSITIONS[app.status];
        throw userError(
          'CONFLICT',
          `application ${app.id} cannot go from ${app.status} to ${status}${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ' (it is final)'}`,
        );
      }
      return moveStatus(ctx, app, status);
    },
  }),
}));
