import {
  MAX_FACET_LOCATIONS,
  MAX_SUGGESTIONS,
  explainSearch,
  jobFacets,
  searchSuggestions,
  type Facets,
  type Highlight,
  type SearchInfo,
  type Suggestion,
} from '../data/search';
import { checkRange } from '../errors';
import type { JobFilterInput, JobRow } from '../data/jobs';
import { searchTokens, type SearchCondition } from '../domain/search-understanding';
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

const ConditionFieldEnum = builder.enumType('SearchConditionField', {
  description: 'What a condition read from the words of a search is on.',
  values: {
    REMOTE: { description: '`remote`: "remote", "work from home", "wfh", "telecommute", "anywhere" (true); "on site", "onsite", "in office" (false).' },
    JOB_TYPE: { description: '`jobType`: "full time", "part time", "contract(or)", "temporary"/"temp", "internship"/"intern".' },
    EXPERIENCE_LEVEL: {
      description:
        '`experienceLevel`: "entry level", "junior", "graduate" (ENTRY), "mid level" (MID), "senior" (SENIOR), "lead" (LEAD), "principal", "executive" (EXECUTIVE).',
    },
    LOCATION: { description: 'A city or state jobs are in ("austin", "tx", "texas", "new york", "nyc", "sf", "dc").' },
  },
});

const SearchConditionRef = builder.objectRef<SearchCondition>('SearchCondition').implement({
  description:
    'Words of a search read as a condition on a job attribute, to show as a chip. An attribute word also matches jobs whose title has it ("senior living nurse" still finds a Senior Living Nurse of another level). Places must be in the data (a place no job is in stays text).',
  fields: (t) => ({
    field: t.field({ type: ConditionFieldEnum, description: 'The attribute.', resolve: (c) => c.field }),
    value: t.exposeString('value', {
      description:
        'Its value: "true"/"false" for REMOTE, a JobType, an ExperienceLevel, or a place ("Austin, TX", or a state code such as "NY", whose cities are included).',
    }),
    words: t.exposeStringList('words', { description: 'The words of the search read as this condition, as typed.' }),
    searchWithout: t.exposeString('searchWithout', {
      description: 'The search without these words: what to send to undo the condition. (To keep them as text instead, quote them.)',
    }),
  }),
});

const SearchInfoRef = builder.objectRef<SearchInfo & { conditions: SearchCondition[]; text: string }>('SearchInfo').implement({
  description: 'How a search was understood and, when it found nothing or was relaxed, what would find more.',
  fields: (t) => ({
    conditions: t.field({
      type: [SearchConditionRef],
      description:
        'Words read as conditions on job attributes (remote, job type, experience level, place), in the order typed. Empty with `understandSearch: false`.',
      resolve: (i) => i.conditions,
    }),
    text: t.exposeString('text', { description: "What was left to find in the jobs' text once the conditions were taken out (empty: nothing)." }),
    understoodAs: t.exposeString('understoodAs', {
      description:
        "The text as PostgreSQL ran it: a tsquery of stemmed words after the search vocabulary (`golang` → `'golang' | 'go':AB`: `:AB` matches titles, companies and skills only). Empty when no word is left to search for.",
    }),
    ignoredWords: t.exposeStringList('ignoredWords', { description: 'Words the search left out: too common to search for (stop words such as "the", "or").' }),
    relaxed: t.exposeBoolean('relaxed', {
      description:
        'True when no job (under the other conditions) had every word, so the list was relaxed: each word was kept, in the order typed, if some job has it together with the words kept before it, and the list holds the jobs with every word kept. Quoted phrases and -exclusions still apply whole.',
    }),
    relaxedWords: t.exposeStringList('relaxedWords', {
      description: 'When relaxed: the words left out, as typed ("devops engineer cape town" → ["cape", "town"]).',
    }),
    didYouMean: t.exposeString('didYouMean', {
      nullable: true,
      description:
        "When nothing matched or the search was relaxed: the search with misspelt words replaced by the closest word of job titles and skills (`pyhton developer` → `python developer`), offered only when jobs under the list's other conditions have all its words. Null when there is nothing better to offer.",
    }),
  }),
});

const HighlightPart = builder.objectRef<Highlight['title'][number]>('HighlightPart').implement({
  description: 'A piece of text, and whether it is a word the search matched (to show marked).',
  fields: (t) => ({
    text: t.exposeString('text', { description: 'The text, as posted (plain text, never markup).' }),
    matched: t.exposeBoolean('matched', { description: 'True for a word the search matched.' }),
  }),
});

const JobHighlight = builder.objectRef<Highlight>('JobHighlight').implement({
  description: 'Where a job matched the search of the list it is in.',
  fields: (t) => ({
    title: t.field({ type: [HighlightPart], description: 'The whole title, in parts.', resolve: (h) => h.title }),
    snippet: t.field({
      type: [HighlightPart],
      nullable: true,
      description: 'Up to two short extracts of the description around matched words (its start when none matched), in parts; " … " between extracts.',
      resolve: (h) => h.snippet,
    }),
  }),
});

/** The text each listed job was searched for with: its highlights mark those words. */
const searchedFor = new WeakMap<object, string>();

/** Remembers what the jobs of a list were found by, for `Job.searchHighlight`. */
export function markSearched(rows: readonly JobRow[], filter: JobFilterInput | null | undefined): void {
  const searched = filter?.reading ? filter.reading.text : filter?.search?.trim();
  // Any word or phrase it asked for (a relaxed list's jobs lack some), never an excluded one.
  const text = searchTokens(searched ?? '')
    .filter((t) => !t.excluded && !t.operator)
    .map((t) => t.raw)
    .join(' or ');
  if (!text) return;
  for (const row of rows) searchedFor.set(row, text);
}

builder.objectField('Job', 'searchHighlight', (t) =>
  t.field({
    type: JobHighlight,
    nullable: true,
    description:
      'In a list searched with `filter.search`: the title and a short extract of the description with the words matched marked. Null elsewhere. One statement for a page; ask for it only where shown.',
    complexity: 3,
    resolve: (j, _a, ctx) => {
      const text = searchedFor.get(j);
      return text ? ctx.loaders.jobHighlights(text).load(j.id) : null;
    },
  }),
);

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
    // A suggestion is counted under the list's own filter (its tags already) and read from the
    // search terms, when there is text to suggest for.
    cache: { tags: ({ result }) => (result?.text ? ['searchTerms'] : []) },
    resolve: async (c, _a, ctx) => {
      const search = c.filter?.search?.trim();
      if (!c.filter || !search) return null;
      const conditions = c.filter.reading?.conditions ?? [];
      const text = c.filter.reading ? c.filter.reading.text : search;
      if (!text) return { conditions, text, understoodAs: '', ignoredWords: [], relaxed: false, relaxedWords: [], didYouMean: null };
      // "Found nothing" is this list being empty, asked for from its start.
      const empty = c.edges.length === 0 && !c.pageInfo.hasPreviousPage;
      return { ...(await explainSearch(ctx.db.prisma, c.filter, empty)), conditions, text };
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
    cache: { freshness: 'search', tags: () => ['searchTerms'] },
    resolve: (_r, { prefix, first }, ctx) => searchSuggestions(ctx.db.prisma, prefix, first ?? 8),
  }),
}));
