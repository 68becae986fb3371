import {
  MAX_FACET_LOCATIONS,
  MAX_SUGGESTIONS,
  explainSearch,
  jobFacets,
  searchSuggestions,
  type Facets,
  type SearchInfo,
  type Suggestion,
} from '../data/search';
import { checkRange } from '../errors';
import { builder, listCost } from './builder';
import { ExperienceLevelEnum, JobTypeEnum } from './enums';

// Search beside the list: facet counts and why a search found what it found (on JobConnection),
// and type-ahead (Query.searchSuggestions). The data side is data/search.ts.

const facet = <T extends 'JobType' | 'Boolean' | 'ExperienceLevel' | 'String'>(name: string, type: T, description: string) =>
  builder.objectRef<{ value: unknown; count: number }>(name).implement({
    description,
    fields: (t) => ({
      value: t.field({
        type: type === 'JobType' ? JobTypeEnum : type === 'ExperienceLevel' ? ExperienceLevelEnum : type,
        resolve: (f) => f.value as never,
        description: 'The value, as the matching filter takes it.',
      }),
      count: t.exposeInt('count', { description: 'Active jobs matching the filter that have this value.' }),
    }),
  });

const JobTypeFacet = facet('JobTypeFacet', 'JobType', 'Jobs of one job type.');
const RemoteFacet = facet('RemoteFacet', 'Boolean', 'Remote (true) or on-site (false) jobs.');
const ExperienceLevelFacet = facet('ExperienceLevelFacet', 'ExperienceLevel', 'Jobs of one experience level (jobs without one are in none).');
const LocationFacet = facet(
  'LocationFacet',
  'String',
  'Jobs of one display location; `value` works as `filter.location` (which also takes the locations that start with it, so it may list more).',
);

const SalaryBand = builder.objectRef<Facets['salaryBands'][number]>('SalaryBand').implement({
  description:
    'A yearly salary band: `count` is what `filter: { salaryMin: min, salaryMax: max }` would list (ranges overlapping the band), so a job can be in several bands; jobs without a salary are in none.',
  fields: (t) => ({
    min: t.exposeInt('min', { description: 'Lowest yearly salary of the band.' }),
    max: t.exposeInt('max', { nullable: true, description: 'Highest yearly salary of the band; null for the top band.' }),
    count: t.exposeInt('count', { description: 'Active jobs matching the filter whose range overlaps the band.' }),
  }),
});

const JobFacets = builder.objectRef<Facets>('JobFacets').implement({
  description:
    "Counts over every active job matching the list's filter (not only this page), to build a filter sidebar from: one SQL statement for all of them, cached with the list. Each count is over the whole filter, the facet's own condition included.",
  fields: (t) => ({
    jobType: t.field({ type: [JobTypeFacet], description: 'By job type, most jobs first.', resolve: (f) => f.jobType }),
    remote: t.field({ type: [RemoteFacet], description: 'Remote and on-site, most jobs first.', resolve: (f) => f.remote }),
    experienceLevel: t.field({ type: [ExperienceLevelFacet], description: 'By experience level, most jobs first.', resolve: (f) => f.experienceLevel }),
    locations: t.field({
      type: [LocationFacet],
      description: 'The display locations with most jobs, most first.',
      args: { first: t.arg.int({ defaultValue: 10, description: `1 to ${MAX_FACET_LOCATIONS}.` }) },
      resolve: (f, { first }) => f.locations.slice(0, checkRange(first ?? 10, 1, MAX_FACET_LOCATIONS, 'first')),
    }),
    salaryBands: t.field({
      type: [SalaryBand],
      description: 'Fixed yearly bands, lowest first, every band listed (count 0 included).',
      resolve: (f) => f.salaryBands,
    }),
  }),
});

const SearchInfoRef = builder.objectRef<SearchInfo>('SearchInfo').implement({
  description: 'How a search was understood, and, when it found nothing, what would find something.',
  fields: (t) => ({
    understoodAs: t.exposeString('understoodAs', {
      description:
        "The search as PostgreSQL ran it: a tsquery of stemmed words after the search vocabulary (`golang` → `'golang' | 'go':AB`: `:AB` matches titles, companies and skills only). Empty when every word was ignored.",
    }),
    ignoredWords: t.exposeStringList('ignoredWords', { description: 'Words the search left out: too common to search for (stop words such as "the", "or").' }),
    didYouMean: t.exposeString('didYouMean', {
      nullable: true,
      description:
        "Only when nothing matched: a search that finds jobs under the list's other conditions, from the jobs' own words. Misspelt words replaced by the closest word of job titles and skills (`pyhton` → `python`), or, when each word matches some job but none has them all, the words joined by `or` (exclusions kept; not for searches with a quoted phrase). Null when there is nothing better to offer.",
    }),
  }),
});

builder.objectFields('JobConnection', (t) => ({
  facets: t.field({
    type: JobFacets,
    description: 'Counts by job type, remote, experience level, location and salary band over every job of this list.',
    complexity: 20,
    resolve: (c, _a, ctx) => c.facets?.() ?? jobFacets(ctx.db.prisma, c.filter),
  }),
  searchInfo: t.field({
    type: SearchInfoRef,
    nullable: true,
    description: 'How `filter.search` was understood and, when it found nothing, a suggestion; null without a search.',
    complexity: 20,
    resolve: (c, _a, ctx) => {
      if (!c.filter?.search?.trim()) return null;
      // "Found nothing" is this list being empty, asked for from its start. A suggestion is
      // counted under the list's own filter (its tags already) and read from the search terms.
      const empty = c.edges.length === 0 && !c.pageInfo.hasPreviousPage;
      if (empty) ctx.cache.searchTerms();
      return explainSearch(ctx.db.prisma, c.filter, empty);
    },
  }),
}));

const SuggestionKindEnum = builder.enumType('SuggestionKind', {
  description: 'What a type-ahead suggestion is.',
  values: {
    TITLE: { description: 'A job title.' },
    SKILL: { description: 'A skill jobs ask for.' },
    COMPANY: { description: 'A company name.' },
    LOCATION: { description: 'A display location (works as `filter.location`).' },
  },
});

const SearchSuggestionRef = builder.objectRef<Suggestion>('SearchSuggestion').implement({
  description: 'A term of the active jobs that starts with or contains what was typed.',
  fields: (t) => ({
    kind: t.field({ type: SuggestionKindEnum, description: 'Title, skill, company or location.', resolve: (s) => s.kind }),
    value: t.exposeString('value', { description: 'The term, spelt as most jobs spell it.' }),
    jobCount: t.exposeInt('jobCount', { description: 'Active jobs that have it (as of the last refresh of the terms).' }),
  }),
});

builder.queryFields((t) => ({
  searchSuggestions: t.field({
    type: [SearchSuggestionRef],
    description:
      'Type-ahead: titles, skills, companies and locations of active jobs starting with `prefix` (then, from three characters on, containing it), each ranked by how many active jobs have it. Fast enough for every keystroke (one indexed statement); the terms are recomputed every SEARCH_TERMS_REFRESH_S (60 s by default).',
    complexity: listCost(1, 8, MAX_SUGGESTIONS),
    args: {
      prefix: t.arg.string({ required: true, description: 'What was typed so far (at most 100 characters; empty: no suggestions).' }),
      first: t.arg.int({ defaultValue: 8, description: `1 to ${MAX_SUGGESTIONS}.` }),
    },
    resolve: (_r, { prefix, first }, ctx) => {
      ctx.cache.searchTerms();
      ctx.cache.freshness('search');
      return searchSuggestions(ctx.db.prisma, prefix, first ?? 8);
    },
  }),
}));
