import { canManageCompany, forbidden } from '../../auth/guards';
import type { Viewer } from '../../auth/viewer';
import type { Context } from '../context';
import { brokenRule } from '../../db/errors';
import { checkSalaryOrder, CreateJob, parseInput, UpdateJob } from '../../domain/job-input';
import { parseId, userError } from '../../errors';
import type { Job } from '../../generated/prisma/client';
import type { Db } from '../../data/client';
import { findJob, insertJob, updateJob } from '../../data/jobs';
import { builder } from '../builder';
import { ExperienceLevelEnum, JobTypeEnum } from '../enums';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

// Shared by the create and update inputs; only whether the core fields are required differs.
export const jobFields = (required: boolean) => (t: PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>) => ({
  title: t.string({ required, description: 'Job title, 1 to 200 characters.' }),
  description: t.string({ required, description: 'Full text of the posting, 1 to 20,000 characters.' }),
  location: t.string({ required, description: 'Display location, e.g. "Austin, TX".' }),
  city: t.string({ description: 'City, if any.' }),
  state: t.string({ description: 'US state code, if any.' }),
  jobType: t.field({ type: JobTypeEnum, required, description: 'How the job is employed.' }),
  salaryMin: t.int({ description: 'Yearly, USD; null for unknown.' }),
  salaryMax: t.int({ description: 'Yearly, USD; null for unknown.' }),
  remote: t.boolean({ description: 'Whether the job can be done remotely (default false; read from the text on import).' }),
  experienceLevel: t.field({ type: ExperienceLevelEnum, description: 'Seniority asked for (read from the text on import when omitted).' }),
  skills: t.stringList({ description: 'Skills, at most 50 of up to 60 characters.' }),
});

const CreateJobInput = builder.inputType('CreateJobInput', {
  description: `A new posting. Text is trimmed; title ≤ 200, description ≤ 20,000 characters; at most 50 skills.`,
  fields: (t) => ({
    ...jobFields(true)(t),
    companyId: t.id({ description: 'Required for ADMIN; an EMPLOYER posts for its own company (omit it or give that id).' }),
  }),
});

const UpdateJobInput = builder.inputType('UpdateJobInput', {
  description: 'Fields to change; omitted fields stay as they are, null clears a nullable one.',
  fields: (t) => jobFields(false)(t),
});

async function loadManagedJob(ctx: Context, viewer: Viewer, id: string): Promise<Job> {
  const job = await findJob(ctx.db.prisma, parseId(id));
  if (!job) throw userError('NOT_FOUND', `job ${id} does not exist`);
  if (!canManageCompany(viewer, job.companyId)) throw forbidden('change another company’s job');
  return job;
}

/**
 * The database has the last word on a row's rules (CHECK constraints): input validated here can
 * still break one when another request changed the job between our read and our write (one
 * raises salaryMin while another lowers salaryMax). A new row breaking one is bad input; an
 * existing one, a CONFLICT. Never a stored violation nor an internal error.
 */
export async function checkedWrite<T>(write: Promise<T>, target: { jobId: number } | { argument: string }): Promise<T> {
  try {
    return await write;
  } catch (err) {
    // An import wraps its batch's error (ImportInterrupted, with how much was written).
    const broken = brokenRule(err) ?? brokenRule((err as { cause?: unknown }).cause);
    if (!broken) throw err;
    const { constraint, field, rule } = broken;
    if ('jobId' in target) {
      const what = field ? `\`${field}\` ${rule}` : `the rule ${constraint}`;
      throw userError(
        'CONFLICT',
        `job ${target.jobId} would break a rule with this change: ${what}. It changed while this request ran and nothing was written; read it again`,
        { constraint },
      );
    }
    const argument = field ? `${target.argument}.${field}` : target.argument;
    throw userError('BAD_USER_INPUT', `\`${argument}\` ${field ? rule : `breaks the rule ${constraint}`}`, { argument, constraint });
  }
}

/**
 * A job write (data/writes.ts): once committed, cached results holding the job (before and
 * after) or its lists are stale. Without `before`, the job is new.
 */
const write = (ctx: Context, fn: (tx: Db) => Promise<Job>, before?: Job): Promise<Job> =>
  ctx.writes.transaction(ctx.db.prisma, fn, (job) => [before ? { job, before } : { job, created: true }]);

/**
 * After a committed job write, similar-jobs lists follow. Those are derived data, so a failure
 * to refresh them is logged and retried by the refresher, never undoes the write.
 */
async function afterWrite(ctx: Context, job: Job): Promise<Job> {
  await ctx.similar.jobsChanged([job.id]).catch((err) => ctx.log?.error({ err, jobId: job.id }, 'similar jobs not refreshed now (the queue has them)'));
  return job;
}

builder.mutationFields((t) => ({
  createJob: t.withAuth({ role: ['EMPLOYER', 'ADMIN'] }).field({
    cache: { write: true, viewer: true },
    type: 'Job',
    description: 'EMPLOYER (for its company) or ADMIN: post a job.',
    args: { input: t.arg({ type: CreateJobInput, required: true, description: 'The posting.' }) },
    resolve: async (_r, { input }, ctx) => {
      const viewer = ctx.auth.viewer;
      const data = parseInput(CreateJob, input, 'input');
      checkSalaryOrder(data.salaryMin, data.salaryMax, 'input');
      const companyId = input.companyId != null ? parseId(input.companyId, 'input.companyId') : viewer.companyId;
      if (companyId == null) throw userError('BAD_USER_INPUT', '`input.companyId` is required', { argument: 'input.companyId' });
      if (!canManageCompany(viewer, companyId)) throw forbidden('post jobs for another company');
      if (!(await ctx.loaders.company.load(companyId))) throw userError('NOT_FOUND', `company ${companyId} does not exist`);
      return afterWrite(
        ctx,
        await checkedWrite(
          write(ctx, (tx) => insertJob(tx, { ...data, companyId })),
          { argument: 'input' },
        ),
      );
    },
  }),
  updateJob: t.withAuth({ role: ['EMPLOYER', 'ADMIN'] }).field({
    cache: { write: true, viewer: true },
    type: 'Job',
    description: 'EMPLOYER of the job’s company or ADMIN: change a job. Search and similar jobs follow.',
    args: {
      id: t.arg.id({ required: true, description: 'Id of the job.' }),
      input: t.arg({ type: UpdateJobInput, required: true, description: 'The changes.' }),
    },
    resolve: async (_r, { id, input }, ctx) => {
      const viewer = ctx.auth.viewer;
      const data = parseInput(UpdateJob, input, 'input');
      const job = await loadManagedJob(ctx, viewer, id);
      checkSalaryOrder(data.salaryMin === undefined ? job.salaryMin : data.salaryMin, data.salaryMax === undefined ? job.salaryMax : data.salaryMax, 'input');
      return afterWrite(
        ctx,
        await checkedWrite(
          write(ctx, (tx) => updateJob(tx, job.id, data), job),
          { jobId: job.id },
        ),
      );
    },
  }),
  closeJob: t.withAuth({ role: ['EMPLOYER', 'ADMIN'] }).field({
    cache: { write: true, viewer: true },
    type: 'Job',
    description: 'EMPLOYER of the job’s company or ADMIN: close a job (it leaves lists and search). Closing a closed job changes nothing.',
    args: { id: t.arg.id({ required: true, description: 'Id of the job.' }) },
    resolve: async (_r, { id }, ctx) => {
      const viewer = ctx.auth.viewer;
      const job = await loadManagedJob(ctx, viewer, id);
      if (!job.isActive) return job;
      return afterWrite(
        ctx,
        await checkedWrite(
          write(ctx, (tx) => updateJob(tx, job.id, { isActive: false }), job),
          { jobId: job.id },
        ),
      );
    },
  }),
}));
