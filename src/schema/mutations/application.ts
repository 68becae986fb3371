import { canManageCompany, forbidden } from '../../auth/guards';
import { findApplication, insertApplication, moveApplicationStatus, reloadApplication } from '../../data/applications';
import { lockJobForApplication } from '../../data/jobs';
import { isForeignKeyViolation, isUniqueViolation } from '../../db/errors';
import { checkEmployerMove, checkWithdrawable } from '../../domain/application-status';
import { Conflict, NotFound } from '../../domain/errors';
import { parseId, userError } from '../../errors';
import type { Application } from '../../generated/prisma/client';
import type { ApplicationStatus } from '../../generated/prisma/enums';
import type { Context } from '../context';
import { builder } from '../builder';
import { ApplicationStatusEnum } from '../enums';

const notFound = (what: string) => new NotFound(`${what} does not exist`);

/** Moves an application on, unless it moved since it was read (CONFLICT then). */
async function moveStatus(ctx: Context, app: Application, to: ApplicationStatus): Promise<Application> {
  const moved = await ctx.writes.transaction(
    ctx.db.prisma,
    (tx) => moveApplicationStatus(tx, app, to),
    (moved) => (moved ? [{ application: app }] : []),
  );
  if (!moved) throw new Conflict(`application ${app.id} changed while this request ran; read it again`);
  return reloadApplication(ctx.db.prisma, app.id);
}

async function loadApplication(ctx: Context, id: string): Promise<Application> {
  const app = await findApplication(ctx.db.prisma, parseId(id));
  if (!app) throw notFound(`application ${id}`);
  return app;
}

builder.mutationFields((t) => ({
  applyToJob: t.withAuth({ role: ['SEEKER'] }).field({
    cache: { write: true, viewer: true },
    type: 'Application',
    description: 'SEEKER: apply to an active job, once. Applying again is CONFLICT.',
    args: { jobId: t.arg.id({ required: true, description: 'Id of the job.' }) },
    resolve: async (_r, args, ctx) => {
      const viewer = ctx.auth.viewer;
      const jobId = parseId(args.jobId, 'jobId');
      try {
        return await ctx.writes.transaction(
          ctx.db.prisma,
          async (tx) => {
            const job = await lockJobForApplication(tx, jobId);
            if (!job) throw notFound(`job ${jobId}`);
            if (!job.isActive) throw new Conflict(`job ${jobId} is closed to applications`);
            return insertApplication(tx, jobId, viewer.userId);
          },
          // The job's application counts, the applicant's list, trending and analyst figures
          // changed, and the new id exists now: cached nulls for it go (query.ts askedFor).
          (application) => [{ application, created: true }],
        );
      } catch (err) {
        if (isUniqueViolation(err)) throw new Conflict(`you have already applied to job ${jobId}`);
        if (isForeignKeyViolation(err)) throw userError('UNAUTHENTICATED', `the token's user ${viewer.userId} does not exist`);
        throw err;
      }
    },
  }),
  withdrawApplication: t.withAuth({ signedIn: true }).field({
    cache: { write: true, viewer: true },
    type: 'Application',
    description: 'The applicant withdraws an open application (SUBMITTED, REVIEWING, INTERVIEWING or OFFERED).',
    args: { id: t.arg.id({ required: true, description: 'Id of the application.' }) },
    resolve: async (_r, { id }, ctx) => {
      const viewer = ctx.auth.viewer;
      const app = await loadApplication(ctx, id);
      if (app.userId !== viewer.userId) throw forbidden('withdraw another user’s application');
      checkWithdrawable(app);
      return moveStatus(ctx, app, 'WITHDRAWN');
    },
  }),
  updateApplicationStatus: t.withAuth({ role: ['EMPLOYER', 'ADMIN'] }).field({
    cache: { write: true, viewer: true },
    type: 'Application',
    description:
      'The employer of the job (or ADMIN) moves an application on: SUBMITTED → REVIEWING → INTERVIEWING → OFFERED → HIRED, or to REJECTED from any open status.',
    args: {
      id: t.arg.id({ required: true, description: 'Id of the application.' }),
      status: t.arg({ type: ApplicationStatusEnum, required: true, description: 'The new status.' }),
    },
    resolve: async (_r, { id, status }, ctx) => {
      const viewer = ctx.auth.viewer;
      const app = await loadApplication(ctx, id);
      const job = await ctx.loaders.job.load(app.jobId);
      if (!job || !canManageCompany(viewer, job.companyId)) throw forbidden('change applications to another company’s job');
      checkEmployerMove(app, status);
      return moveStatus(ctx, app, status);
    },
  }),
}));
