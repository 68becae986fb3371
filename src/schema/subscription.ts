import { GraphQLError } from 'graphql';
import { Repeater } from 'graphql-yoga';
import { canManageCompany, canSeeUser, forbidden, requireRole } from '../auth/guards';
import type { Viewer } from '../auth/viewer';
import { matchingJobIds } from '../data/job-matches';
import type { JobFilterInput, JobRow } from '../data/jobs';
import { DomainError } from '../domain/errors';
import { asGraphQLError, parseId, userError } from '../errors';
import type { EventBus, Topic, Topics } from '../events/bus';
import type { Application } from '../generated/prisma/client';
import { createLoaders, type Loaders } from '../loaders';
import { builder } from './builder';
import type { Context } from './context';
import { JobFilter, readFilter } from './query';

/**
 * Subscriptions: each stream hears a topic of the event bus (events/bus.ts: ids of what a
 * committed write changed), keeps what concerns it, and yields the rows loaded afresh for each
 * event, so a subscription's selection resolves as a query's would. What a subscriber may see is
 * checked on every event (the job's company today, not at subscribe time). Never cached: their
 * declarations say only whether the viewer is read. Limits, expiry and shutdown are the HTTP
 * layer's (http/plugins/subscriptions.ts).
 */

builder.subscriptionType({ description: 'Live updates, over Server-Sent Events (GraphQL over SSE: POST or GET /graphql with Accept: text/event-stream).' });

/** The process's bus, or an error saying subscriptions are not served (a test's hand-built services). */
export function busOf(ctx: Context): EventBus {
  if (!ctx.events) throw new GraphQLError('subscriptions are not served by this gateway', { extensions: { code: 'SERVICE_UNAVAILABLE' } });
  return ctx.events;
}

/**
 * The loaders of one event, shared by every stream that hears it (the bus hands each listener
 * the same payload object): a thousand subscribers of a job load it in one statement, not a
 * thousand. Fresh for each event: a stream lives for hours, a loader caches for its life.
 * Loaders hold rows, never a viewer's view of them: what each subscriber may see is decided by
 * its own resolvers (and `pick`), with its own context.
 */
const loadersByEvent = new WeakMap<object, Loaders>();
function loadersOf(ctx: Context, event: object): Loaders {
  let loaders = loadersByEvent.get(event);
  if (!loaders) loadersByEvent.set(event, (loaders = createLoaders({ db: ctx.db.prisma, batching: true })));
  return loaders;
}

/**
 * A stream of what `pick` makes of each event of `topic` (of its channel `id`, when given), in
 * order, read through the event's loaders. A Repeater: when the client leaves, the bus
 * subscription ends at once, not at the next event. Every Subscription field's (saved-search.ts's too).
 */
export function stream<K extends Topic, T>(ctx: Context, topic: K, pick: (event: Topics[K]) => Promise<T[]>, id?: string | number): AsyncIterable<T> {
  const events = busOf(ctx).subscribe(topic, id);
  return new Repeater<T>(async (push, stop) => {
    void stop.then(() => events.return?.());
    for await (const event of events) {
      ctx.loaders = loadersOf(ctx, event);
      let picked: T[];
      try {
        picked = await pick(event);
      } catch (err) {
        // One event that could not be read (the database blinked) is skipped, not the stream ended.
        ctx.log?.warn({ err, topic }, 'subscription event not delivered');
        continue;
      }
      for (const item of picked) await push(item);
    }
    stop();
  });
}

/** What subscribe throws reaches the client as the error it stands for (never "Unexpected error."). */
export async function starting<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    throw err instanceof DomainError ? asGraphQLError(err) : err;
  }
}

/** An application, loaded now, if `viewer` may still see it: the applicant, the employer of its job (today's), ADMIN. */
async function visibleApplication(ctx: Context, viewer: Viewer, id: number): Promise<Application | null> {
  const app = await ctx.loaders.application.load(id);
  if (!app) return null;
  if (canSeeUser(viewer, app.userId)) return app;
  const job = await ctx.loaders.job.load(app.jobId);
  return job && canManageCompany(viewer, job.companyId) ? app : null;
}

/**
 * New jobs a filter takes, asked of the database once per event and filter however many
 * streams share it (the payload object is the same for every listener of one event).
 */
const matchesByEvent = new WeakMap<object, Map<string, Promise<number[]>>>();
function newMatches(ctx: Context, event: Topics['jobs'], filter: JobFilterInput | null | undefined): Promise<number[]> {
  let byFilter = matchesByEvent.get(event);
  if (!byFilter) matchesByEvent.set(event, (byFilter = new Map<string, Promise<number[]>>()));
  const key = JSON.stringify(filter ?? null);
  let matches = byFilter.get(key);
  if (!matches) byFilter.set(key, (matches = matchingJobIds(ctx.db.prisma, event.created, filter)));
  // Another stream's query may have been cancelled with its client: then this one asks itself.
  return matches.catch(() => matchingJobIds(ctx.db.prisma, event.created, filter));
}

const loadJobs = async (ctx: Context, ids: number[]): Promise<JobRow[]> =>
  (await Promise.all(ids.map((id) => ctx.loaders.job.load(id)))).filter((j): j is JobRow => j != null);

builder.subscriptionFields((t) => ({
  myApplicationUpdates: t.field({
    type: 'Application',
    cache: { viewer: true },
    description: 'SEEKER: your applications, each time its status changes (an employer moves it on, you withdraw it). Anonymous: UNAUTHENTICATED.',
    subscribe: (_root, _args, ctx) =>
      starting(async () => {
        const viewer = requireRole(ctx.auth.viewer, 'SEEKER');
        return stream(ctx, 'application', async (event) => {
          if (event.created || event.userId !== viewer.userId) return [];
          const app = await visibleApplication(ctx, viewer, event.id);
          return app ? [app] : [];
        });
      }),
    resolve: (app: Application) => app,
  }),
  applicationReceived: t.field({
    type: 'Application',
    cache: { viewer: true },
    description: 'EMPLOYER (or ADMIN): new applications to your company’s jobs, or to one of them (`jobId`).',
    args: { jobId: t.arg.id({ description: 'Only applications to this job (one of your company’s).' }) },
    subscribe: (_root, args, ctx) =>
      starting(async () => {
        const viewer = requireRole(ctx.auth.viewer, 'EMPLOYER', 'ADMIN');
        const jobId = args.jobId != null ? parseId(args.jobId, 'jobId') : null;
        if (jobId != null) {
          const job = await ctx.loaders.job.load(jobId);
          if (!job) throw userError('NOT_FOUND', `job ${jobId} does not exist`);
          if (!canManageCompany(viewer, job.companyId)) throw forbidden('follow applications to another company’s job');
        }
        return stream(ctx, 'application', async (event) => {
          if (!event.created || (jobId != null && event.jobId !== jobId)) return [];
          const job = await ctx.loaders.job.load(event.jobId);
          if (!job || !canManageCompany(viewer, job.companyId)) return [];
          const app = await ctx.loaders.application.load(event.id);
          return app ? [app] : [];
        });
      }),
    resolve: (app: Application) => app,
  }),
  jobUpdated: t.field({
    type: 'Job',
    cache: {},
    description: 'A job, each time it changes: edited, closed, re-imported, or its applications counted anew.',
    args: { id: t.arg.id({ required: true, description: 'Id of the job.' }) },
    subscribe: (_root, args, ctx) =>
      starting(async () => {
        const id = parseId(args.id, 'id');
        if (!(await ctx.loaders.job.load(id))) throw userError('NOT_FOUND', `job ${id} does not exist`);
        return stream(ctx, 'jobs', async (event) => (event.changed.includes(id) ? loadJobs(ctx, [id]) : []));
      }),
    resolve: (job: JobRow) => job,
  }),
  newJobs: t.field({
    type: 'Job',
    cache: {},
    description:
      'Jobs as they are posted or imported that match `filter`, with the same matching as `jobs(filter)` (a search is never relaxed here: a new job must have every word). All new jobs without it.',
    args: { filter: t.arg({ type: JobFilter, description: 'Conditions the new jobs must meet.' }) },
    subscribe: (_root, args, ctx) =>
      starting(async () => {
        const filter = await readFilter(ctx, args.filter);
        // Checked now, as `jobs(filter)` would: a bad filter is refused at subscribe, not at the first job.
        await matchingJobIds(ctx.db.prisma, [0], filter);
        return stream(ctx, 'jobs', async (event) => (event.created.length ? loadJobs(ctx, await newMatches(ctx, event, filter)) : []));
      }),
    resolve: (job: JobRow) => job,
  }),
}));
