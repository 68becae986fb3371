import { forbidden, requireViewer } from '../auth/guards';
import { checkRange } from '../errors';
import { jobsByIds, MAX_PAGE, type JobRow } from '../data/jobs';
import { findSavedSearch, jobAlertsOfUser, savedFilter, savedSearchJobCursor, type JobAlertRow, type SavedSearchRow } from '../data/saved-searches';
import type { Context } from './context';
import { builder, listCost } from './builder';
import { toConnection } from './connection';
import { ExperienceLevelEnum, JobTypeEnum } from './enums';
import { jobColumnsOf } from './job';
import { existing } from '../loaders/batch';
import { starting, stream } from './subscription';

export const SavedSearchAlertsEnum = builder.enumType('SavedSearchAlerts', {
  description: 'Whether a saved search sends job alerts.',
  values: {
    NONE: { description: 'No alerts: its new jobs show in `newJobCount` and `jobs` only.' },
    DAILY: { description: 'A daily digest of its new jobs (`me.alerts`), one per user per day for all their DAILY searches.' },
  },
});

type Filter = ReturnType<typeof savedFilter>;

const SavedJobFilter = builder.objectRef<Filter>('SavedJobFilter').implement({
  description: 'A JobFilter as it was saved (the fields it was given).',
  fields: (t) => ({
    search: t.string({ nullable: true, description: 'See JobFilter.search.', resolve: (f) => f.search ?? null }),
    understandSearch: t.boolean({
      nullable: true,
      description: 'See JobFilter.understandSearch.',
      resolve: (f) => (f as { understandSearch?: boolean }).understandSearch ?? null,
    }),
    experienceLevel: t.field({
      type: [ExperienceLevelEnum],
      nullable: true,
      description: 'See JobFilter.experienceLevel.',
      resolve: (f) => (f.experienceLevel as ('INTERN' | 'ENTRY' | 'MID' | 'SENIOR' | 'LEAD' | 'EXECUTIVE')[] | undefined) ?? null,
    }),
    location: t.string({ nullable: true, description: 'See JobFilter.location.', resolve: (f) => f.location ?? null }),
    jobType: t.field({
      type: JobTypeEnum,
      nullable: true,
      description: 'See JobFilter.jobType.',
      resolve: (f) => (f.jobType as 'FULL_TIME' | undefined) ?? null,
    }),
    salaryMin: t.int({ nullable: true, description: 'See JobFilter.salaryMin.', resolve: (f) => f.salaryMin ?? null }),
    salaryMax: t.int({ nullable: true, description: 'See JobFilter.salaryMax.', resolve: (f) => f.salaryMax ?? null }),
    remote: t.boolean({ nullable: true, description: 'See JobFilter.remote.', resolve: (f) => f.remote ?? null }),
    companyId: t.id({ nullable: true, description: 'See JobFilter.companyId.', resolve: (f) => (f.companyId == null ? null : String(f.companyId)) }),
    postedAfter: t.field({ type: 'DateTime', nullable: true, description: 'See JobFilter.postedAfter.', resolve: (f) => f.postedAfter ?? null }),
    postedBefore: t.field({ type: 'DateTime', nullable: true, description: 'See JobFilter.postedBefore.', resolve: (f) => f.postedBefore ?? null }),
  }),
});

export const SavedSearch = builder.objectRef<SavedSearchRow>('SavedSearch').implement({
  description:
    'A search a user saved: the jobs posted since it was saved or last seen that match its filter (with the same matching as `jobs(filter)`), found by a background matcher a few seconds after they are posted or imported (SAVED_SEARCH_MATCH_MS).',
  fields: (t) => ({
    id: t.id({ description: 'Stable id of the saved search.', resolve: (s) => String(s.id) }),
    name: t.exposeString('name', { description: 'Its name, unique among the user’s saved searches.' }),
    filter: t.field({ type: SavedJobFilter, description: 'The filter, as saved.', resolve: (s) => savedFilter(s) }),
    alerts: t.field({ type: SavedSearchAlertsEnum, description: 'Whether it sends daily job alerts.', resolve: (s) => s.alerts }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was saved.' }),
    lastSeenAt: t.expose('lastSeenAt', {
      type: 'DateTime',
      description: 'When its new jobs were last marked seen (`markSavedSearchSeen`); when it was saved, before that.',
    }),
    newJobCount: t.exposeInt('newJobCount', { description: 'Active jobs it matched since it was saved or last seen: `jobs.totalCount`.' }),
    jobs: t.field({
      type: 'JobConnection',
      description: `Active jobs it matched since it was saved or last seen, newest first, by pages of at most ${MAX_PAGE}.`,
      complexity: listCost(2, 20),
      args: {
        first: t.arg.int({ defaultValue: 20, description: `1 to ${MAX_PAGE}.` }),
        after: t.arg.string({ description: '`pageInfo.endCursor` of the previous page.' }),
      },
      resolve: async (s, args, ctx, info) => {
        const first = checkRange(args.first ?? 20, 1, MAX_PAGE, 'first');
        const columns = jobColumnsOf(info, ['edges', 'node']);
        const page = await ctx.loaders.savedSearchJobs(first, args.after ?? null, columns).load(s.id);
        ctx.loaders.prime(page.rows, columns);
        return toConnection(page.rows, first, args.after, savedSearchJobCursor, async () => s.newJobCount, page.hasNextPage);
      },
    }),
  }),
});

type AlertSearch = JobAlertRow['searches'][number];

const JobAlertSearch = builder.objectRef<AlertSearch>('JobAlertSearch').implement({
  description: 'One saved search’s part of a digest.',
  fields: (t) => ({
    savedSearchId: t.id({ description: 'The saved search (gone from `savedSearches` if deleted since).', resolve: (s) => String(s.savedSearchId) }),
    name: t.exposeString('name', { description: 'Its name when the digest was written.' }),
    jobCount: t.exposeInt('jobCount', { description: 'Its new jobs that day.' }),
    jobs: t.field({
      type: ['Job'],
      description: 'The newest of them (at most 20), as they are now.',
      resolve: (s, _a, ctx) => existing(ctx.loaders.job, s.jobIds),
    }),
  }),
});

const JobAlert = builder.objectRef<JobAlertRow>('JobAlert').implement({
  description: 'A daily job-alert digest: what a mailer sends a user about their DAILY saved searches’ new jobs of one day.',
  fields: (t) => ({
    id: t.id({ description: 'Stable id of the digest.', resolve: (a) => String(a.id) }),
    day: t.exposeString('day', { description: 'The UTC day (YYYY-MM-DD) whose new jobs it lists.' }),
    jobCount: t.exposeInt('jobCount', { description: 'New jobs across its saved searches (a job matching two counts twice).' }),
    searches: t.field({ type: [JobAlertSearch], description: 'Per saved search with new jobs that day.', resolve: (a) => a.searches }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was written.' }),
    sentAt: t.expose('sentAt', { type: 'DateTime', nullable: true, description: 'When the mailer sent it; null until then.' }),
  }),
});

/** The user's own: not even ADMIN reads someone's saved searches. */
const ownOnly = (what: string) => ({
  cache: { viewer: true },
  authScopes: (u: { id: number }, _a: unknown, ctx: Context) => ctx.auth.viewer?.userId === u.id,
  unauthorizedError: () => forbidden(`see another user's ${what}`),
});

builder.objectFields('User', (t) => ({
  savedSearches: t.field({
    type: [SavedSearch],
    nullable: true,
    description: 'Private to the user (null and FORBIDDEN for anyone else, ADMIN included). Oldest first.',
    ...ownOnly('saved searches'),
    // Their new jobs leave when a job closes: every job write reaches them (the matcher's by the user).
    cache: { viewer: true, tags: () => [{ jobList: {} }] },
    resolve: (u, _a, ctx) => ctx.loaders.savedSearchesOfUser.load(u.id),
  }),
  alerts: t.field({
    type: [JobAlert],
    nullable: true,
    description: 'Private like savedSearches: the user’s daily job-alert digests, newest day first.',
    args: { first: t.arg.int({ defaultValue: 7, description: '1 to 100.' }) },
    ...ownOnly('job alerts'),
    resolve: (u, args, ctx) => jobAlertsOfUser(ctx.db.prisma, u.id, checkRange(args.first ?? 7, 1, 100, 'first')),
  }),
}));

interface Match {
  savedSearch: SavedSearchRow;
  job: JobRow;
}

const SavedSearchMatch = builder.objectRef<Match>('SavedSearchMatch').implement({
  description: 'A new job one of your saved searches matched.',
  fields: (t) => ({
    savedSearch: t.field({
      type: SavedSearch,
      description: 'The saved search (as it is now: its newJobCount counts this job).',
      resolve: (m) => m.savedSearch,
    }),
    job: t.field({ type: 'Job', description: 'The new job.', resolve: (m) => m.job }),
  }),
});

/**
 * The viewer's saved searches' matches as the matcher records them (search/saved-searches.ts
 * publishes each committed batch on the owner's channel). Each event is read afresh: the saved
 * search must still be the viewer's, the job still there and active. Through subscription.ts's
 * `stream`, so it shares its bounds and endings, and its loaders per event: the channel is the
 * user's, so the streams sharing an event's loaders are that user's own (and loaders hold no
 * viewer anyway, loaders/index.ts).
 */
function matchesOf(ctx: Context, userId: number): AsyncIterable<Match> {
  return stream(
    ctx,
    'savedSearchMatch',
    async (event) => {
      const savedSearch = await findSavedSearch(ctx.db.prisma, event.savedSearchId);
      if (savedSearch?.userId !== userId) return [];
      const jobs = await jobsByIds(ctx.db.prisma, event.jobIds);
      return jobs.filter((j): j is JobRow => j?.isActive === true).map((job) => ({ savedSearch, job }));
    },
    userId,
  );
}

builder.subscriptionField('savedSearchMatches', (t) =>
  t.field({
    type: SavedSearchMatch,
    cache: { viewer: true },
    description: `Your saved searches' new matches, as the background matcher records them (within SAVED_SEARCH_MATCH_MS of a job's posting or import). Anonymous: UNAUTHENTICATED.`,
    subscribe: (_root, _args, ctx) => starting(async () => matchesOf(ctx, requireViewer(ctx.auth.viewer).userId)),
    resolve: (m: Match) => m,
  }),
);
