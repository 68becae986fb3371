import type { Context } from './context';
import { requireRole } from '../auth/guards';
import { InvalidInput } from '../domain/errors';
import { checkRange, parseId } from '../errors';
import { findJobPage, MAX_PAGE } from '../data/jobs';
import { trendingJobs } from '../data/trending';
import type { Entity } from '../domain/changes';
import { builder, listCost } from './builder';
import { toConnection } from './connection';
import { ExperienceLevelEnum, JobOrderEnum, JobTypeEnum } from './enums';
import { readSearch } from '../domain/search-understanding';
import type { JobFilterInput } from '../data/jobs';
import { markSearched } from './search';
import { jobColumnsOf, similarWantedOf } from './job';
import { selectedFields } from './selection';
import { jobFacets, type Facets } from '../data/search';
import type { Read } from './cache-declaration';

type Filter = (JobFilterInput & { understandSearch?: boolean | null }) | null | undefined;

/** The search of a filter that is read for attribute words, if any (see readFilter). */
function understood(filter: Filter): string | undefined {
  const search = filter?.search?.trim();
  return filter && search && filter.understandSearch !== false && search.length <= 200 ? search : undefined;
}

/** A field taking a JobFilter reads the places jobs are in when its search is understood: it goes stale with the search terms. */
export const filterReads = (filter: Filter): Read[] => (understood(filter) ? ['searchTerms'] : []);

/**
 * A filter as the data layer runs it: with what its search was taken to mean (attribute words
 * as conditions), unless the filter turns that off. The same reading everywhere a JobFilter is
 * taken: lists, their facets and explanations, figures and exports.
 */
export async function readFilter(ctx: Context, filter: Filter, closed: 'allowed' | 'refused' = 'refused'): Promise<JobFilterInput | null | undefined> {
  // Closed jobs are history for analysts' figures and lists (their callers check the role and
  // pass 'allowed'); a saved search or a stream of new jobs has no past to include.
  if (filter?.includeClosed && closed === 'refused')
    throw new InvalidInput('`includeClosed` is for ANALYST and ADMIN figures, job lists and exports only', 'filter.includeClosed');
  const search = understood(filter);
  if (!filter || !search) return filter;
  // Read with the places jobs were in a moment ago (search/places.ts): see filterReads.
  return { ...filter, reading: readSearch(search, filter, await ctx.places.get()) };
}

export const JobFilter = builder.inputType('JobFilter', {
  description: 'Conditions a job must all meet. Only active jobs are listed, unless an ANALYST or ADMIN asks for closed ones too (`includeClosed`).',
  fields: (t) => ({
    includeClosed: t.boolean({
      description:
        'ANALYST or ADMIN, on `jobs` (and so CSV exports), `jobStats` and `Company.stats`: closed jobs too, so history counts what was posted whatever became of it. FORBIDDEN for anyone else; BAD_USER_INPUT where it means nothing (saved searches, new-job streams). False or absent: active jobs only.',
    }),
    search: t.string({
      description:
        'What a person types: words that name a job\'s attributes ("remote", "part time", "senior", "austin tx") become conditions on them (see `understandSearch`, `searchInfo.conditions`); the rest is full-text search over title, company, skills and description (web-search syntax: "exact phrase", -exclude, or). When no job has every word, the words no job has together with the words typed before them are left out (`searchInfo.relaxed`, `relaxedWords`). At most 200 characters.',
    }),
    understandSearch: t.boolean({
      defaultValue: true,
      description:
        'false: every word of `search` is text, none becomes a condition. (A word in quotes is always text: `python "remote"`.) An explicit argument (remote, jobType, experienceLevel, location) always wins over words: its words stay text.',
    }),
    experienceLevel: t.field({ type: [ExperienceLevelEnum], description: 'Only jobs of one of these experience levels (jobs that give none never match).' }),
    location: t.string({ description: 'City or state (exact, any case), or the start of the display location ("San Fran", "Remote").' }),
    jobType: t.field({ type: JobTypeEnum, description: 'Only jobs of this type.' }),
    salaryMin: t.int({ description: 'Jobs whose yearly salary range reaches at least this. Jobs without salary are excluded.' }),
    salaryMax: t.int({ description: 'Jobs whose yearly salary range starts at most at this. Jobs without salary are excluded.' }),
    remote: t.boolean({ description: 'Only remote jobs (true) or only on-site ones (false).' }),
    companyId: t.id({ description: 'Only jobs of this company.' }),
    postedAfter: t.field({ type: 'DateTime', description: 'Only jobs posted at or after this instant (ISO 8601, e.g. 2026-10-01T00:00:00Z).' }),
    postedBefore: t.field({ type: 'DateTime', description: 'Only jobs posted before this instant.' }),
  }),
});

/**
 * What a field answering an entity by id reads: the id asked for, whether it exists or not. A
 * cached null then goes stale when whatever creates that id says so (createJob and imports for
 * jobs and companies, applyToJob for applications: see the changes in domain/changes.ts).
 */
export const askedFor = (entity: Entity, id: string | number): Read[] => [{ entity, id: typeof id === 'number' ? id : parseId(id) }];

builder.queryFields((t) => ({
  job: t.field({
    type: 'Job',
    nullable: true,
    description: 'A job by id, open or closed; null if there is none.',
    args: { id: t.arg.id({ required: true, description: 'Id of the job.' }) },
    cache: { freshness: 'page', tags: ({ args }) => askedFor('Job', args.id) },
    resolve: async (_r, { id }, ctx, info) => {
      const columns = jobColumnsOf(info);
      // The job page: the job, its company, count and similar list in one statement.
      const similar = similarWantedOf(info);
      const job = await ctx.loaders.jobWith(columns, similar).load(parseId(id));
      ctx.loaders.prime([job], columns, similar);
      return job;
    },
  }),
  company: t.field({
    type: 'Company',
    nullable: true,
    description: 'A company by id; null if there is none.',
    args: { id: t.arg.id({ required: true, description: 'Id of the company.' }) },
    cache: { freshness: 'page', tags: ({ args }) => askedFor('Company', args.id) },
    resolve: (_r, { id }, ctx) => ctx.loaders.company.load(parseId(id)),
  }),
  jobs: t.field({
    type: 'JobConnection',
    description: `Active jobs, filtered and ordered, by pages of at most ${MAX_PAGE} (cursor pagination).`,
    complexity: listCost(2, 20),
    args: {
      filter: t.arg({ type: JobFilter, description: 'Conditions the jobs must meet; all jobs without it.' }),
      orderBy: t.arg({ type: JobOrderEnum, defaultValue: 'NEWEST', description: 'Order of the list.' }),
      first: t.arg.int({ defaultValue: 20, description: `1 to ${MAX_PAGE}.` }),
      after: t.arg.string({ description: '`pageInfo.endCursor` of the previous page.' }),
    },
    cache: {
      freshness: ({ args }) => (args.filter?.search?.trim() ? 'search' : 'list'),
      tags: ({ args }) => [{ jobList: args.filter ?? {} }, ...filterReads(args.filter)],
      // Closed jobs are for some roles only: that answer is the asker's alone.
      viewer: (args) => args.filter?.includeClosed === true,
    },
    resolve: async (_r, args, ctx, info) => {
      const columns = jobColumnsOf(info, ['edges', 'node']);
      if (args.filter?.includeClosed) requireRole(ctx.auth.viewer, 'ANALYST', 'ADMIN');
      const read = await readFilter(ctx, args.filter, 'allowed');
      const selected = selectedFields(info);
      // With facets, totalCount is their sum (below); without, the page's statement counts.
      const counted = selected.has('totalCount') && !selected.has('facets');
      const page = await findJobPage(ctx.db.prisma, { ...args, filter: read }, columns, counted);
      // Whether the page was relaxed: its facets and explanation follow it, not a guess of their own.
      const filter = read && page.decided ? { ...read, decided: page.decided } : read;
      markSearched(page.rows, filter);
      ctx.loaders.prime(page.rows, columns);
      const connection = { ...toConnection(page.rows, page.first, args.after, page.cursorOf, page.count), filter };
      // Facets count every matching job by type: when both are asked for, that is totalCount,
      // and one statement (one pass over the matches) instead of two.
      if (!selected.has('facets')) return connection;
      let facets: Promise<Facets> | undefined;
      const once = () => (facets ??= jobFacets(ctx.db.prisma, filter));
      return {
        ...connection,
        facets: once,
        totalCount: selected.has('totalCount') ? async () => (await once()).jobType.reduce((n, f) => n + f.count, 0) : connection.totalCount,
      };
    },
  }),
  trendingJobs: t.field({
    type: ['Job'],
    description:
      'Active jobs with the most applications created in the last `days` days. The windows a deployment keeps precomputed (TRENDING_WINDOWS; 1, 7 and 30 days by default) lag new applications by up to TRENDING_REFRESH_S (15 s by default).',
    complexity: listCost(5, 20),
    args: {
      days: t.arg.int({ defaultValue: 7, description: '1 to 365.' }),
      first: t.arg.int({ defaultValue: 20, description: `1 to ${MAX_PAGE}.` }),
    },
    cache: { freshness: 'trending', tags: () => ['trending'] },
    resolve: async (_r, args, ctx, info) => {
      const days = checkRange(args.days ?? 7, 1, 365, 'days');
      const first = checkRange(args.first ?? 20, 1, MAX_PAGE, 'first');
      const columns = jobColumnsOf(info);
      const rows = await trendingJobs(ctx.db.prisma, days, first, columns);
      ctx.loaders.prime(rows, columns);
      // The counts are already known: a client asking applicationCount(days) gets them free.
      for (const r of rows) ctx.loaders.applicationCount(days).prime(r.id, r.recentApplications);
      return rows;
    },
  }),
}));
