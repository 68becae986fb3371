import pg from 'pg';
import { signToken } from '../../src/auth/viewer';
import { rng } from '../../src/data/seed';

export const HEADLINE = `query Headline { jobs(first: 50) { edges { node { id title company { name } applicationCount
  similarJobs(first: 5) { title company { name } } } } } }`;
export const JOB_PAGE = `query JobPage($id: ID!) { job(id: $id) { id title description location salaryMin salaryMax
  company { id name } applicationCount similarJobs(first: 5) { id title company { name } } } }`;
export const SEARCH = `query Search($search: String, $location: String, $salaryMin: Int) {
  jobs(first: 20, orderBy: RELEVANCE, filter: { search: $search, location: $location, salaryMin: $salaryMin }) {
    totalCount edges { node { id title location salaryMin salaryMax company { name } } } } }`;
/** A search page as a front end builds it: the list, its facets, and what the search meant. */
export const SEARCH_PAGE = `query SearchPage($search: String) {
  jobs(first: 20, orderBy: RELEVANCE, filter: { search: $search }) {
    totalCount edges { node { id title location salaryMin salaryMax company { name } } }
    facets { jobType { value count } remote { value count } experienceLevel { value count } locations(first: 10) { value count } salaryBands { min max count } }
    searchInfo { understoodAs ignoredWords didYouMean } } }`;
export const SUGGEST = `query Suggest($prefix: String!) { searchSuggestions(prefix: $prefix, first: 8) { kind value jobCount } }`;
/** Words people type that the jobs spell another way (src/domain/search-vocabulary.ts), and one misspelling. */
export const VOCABULARY_SEARCHES = [
  'golang',
  'k8s',
  'ml',
  'full-stack',
  'front-end',
  'sre',
  'js',
  'c++',
  'c#',
  '.net',
  'node.js',
  'rn',
  'qa',
  'swe',
  'python or golang',
  'pyhton',
];
export const TRENDING = `query Trending { trendingJobs(days: 7, first: 20) { id title applicationCount(days: 7) company { name } } }`;
export const APPLY = `mutation Apply($jobId: ID!) { applyToJob(jobId: $jobId) { id } }`;
export const TYPENAME = '{ __typename }';

export interface Req {
  body: string;
  token?: string;
}
export interface Scenario {
  name: string;
  /** What one request is, drawn afresh for every request sent. */
  next: () => Req;
}

const body = (query: string, variables?: Record<string, unknown>) => JSON.stringify(variables ? { query, variables } : { query });

/** What the scenarios draw from: ids, search terms taken from the data's own titles, places, seekers. */
export async function loadPools(url: string, jwtSecret: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const ids = (await c.query<{ id: number }>('SELECT id FROM job WHERE is_active ORDER BY id')).rows.map((r) => r.id);
    const titles = (await c.query<{ title: string }>('SELECT title FROM job WHERE is_active ORDER BY md5(id::text) LIMIT 400')).rows.map((r) => r.title);
    const places = (await c.query<{ city: string }>("SELECT city FROM job WHERE city <> '' GROUP BY city ORDER BY count(*) DESC LIMIT 30")).rows.map(
      (r) => r.city,
    );
    const users = (await c.query<{ id: number }>('SELECT id FROM "user" ORDER BY id LIMIT 2000')).rows.map((r) => r.id);
    // One or two words of a real title: "Senior Data", "Engineer", "Marketing Manager".
    const terms = [
      ...new Set(
        titles
          .map((t, i) =>
            t
              .split(/\s+/)
              .filter((w) => /^[A-Za-z]{3,}$/.test(w))
              .slice(i % 3, (i % 3) + 1 + (i % 2))
              .join(' '),
          )
          .filter(Boolean),
      ),
    ];
    const seekers = users.map((userId) => signToken({ userId, role: 'SEEKER', companyId: null }, jwtSecret, '2h'));
    return { ids, terms, places, seekers };
  } finally {
    await c.end();
  }
}
export type Pools = Awaited<ReturnType<typeof loadPools>>;

export function scenarios(p: Pools, seed = 1) {
  // Deterministic draws, so two runs send the same traffic.
  const { next: r, pick } = rng(seed);
  const search = () => ({
    search: pick(p.terms),
    ...(r() < 0.3 ? { location: pick(p.places) } : {}),
    ...(r() < 0.3 ? { salaryMin: pick([50_000, 80_000, 120_000]) } : {}),
  });

  // Mixed traffic: a catalogue of 1,000 reads, drawn Zipf-like (s = 1.1: a few hot ones, a long
  // tail), plus 2% applications by random seekers to random jobs.
  const catalogue: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const k = r();
    if (k < 0.02) catalogue.push(body(HEADLINE));
    else if (k < 0.04) catalogue.push(body(TRENDING));
    else if (k < 0.5) catalogue.push(body(JOB_PAGE, { id: String(pick(p.ids)) }));
    else catalogue.push(body(SEARCH, search()));
  }
  const weights = catalogue.map((_, i) => 1 / (i + 1) ** 1.1);
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  weights.reduce((acc, w) => (cumulative.push((acc + w) / total), acc + w), 0);
  const zipf = () => {
    const x = r();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return catalogue[lo];
  };
  const applyTo = (jobId: number | string): Req => ({ body: body(APPLY, { jobId: String(jobId) }), token: pick(p.seekers) });
  const apply = () => applyTo(pick(p.ids));

  const list: Scenario[] = [
    { name: 'headline', next: () => ({ body: body(HEADLINE) }) },
    { name: 'job page', next: () => ({ body: body(JOB_PAGE, { id: String(pick(p.ids)) }) }) },
    { name: 'search', next: () => ({ body: body(SEARCH, search()) }) },
    { name: 'trending', next: () => ({ body: body(TRENDING) }) },
    { name: 'search+facets', next: () => ({ body: body(SEARCH_PAGE, { search: pick(VOCABULARY_SEARCHES) }) }) },
    // Keystrokes: the first one to four letters of a real title word.
    { name: 'type-ahead', next: () => ({ body: body(SUGGEST, { prefix: pick(p.terms).slice(0, 1 + Math.floor(r() * 4)) }) }) },
    { name: 'mixed', next: () => (r() < 0.02 ? apply() : { body: zipf() }) },
  ];
  // What people type (issue 27): attribute words and places beside title words, and searches
  // no job has every word of, which are relaxed to the jobs having most of them.
  const ATTRIBUTES = ['remote', 'senior', 'part time', 'contract', 'junior', 'work from home', 'lead'];
  const NOWHERE = ['cape town', 'zanzibar', 'quokka', 'xylophonist', 'pyhton'];
  const searchCosts: Scenario[] = [
    list.find((x) => x.name === 'search')!,
    {
      name: 'search, read as conditions',
      next: () => ({ body: body(SEARCH, { search: `${pick(ATTRIBUTES)} ${pick(p.terms)}${r() < 0.5 ? ` ${pick(p.places).toLowerCase()}` : ''}` }) }),
    },
    { name: 'search, relaxed', next: () => ({ body: body(SEARCH, { search: `${pick(p.terms)} ${pick(NOWHERE)}` }) }) },
    list.find((x) => x.name === 'search+facets')!,
  ];
  /** The hottest job pages of the mix, for the staleness probe. */
  const hotJobPages = catalogue.slice(0, 100).filter((b) => b.includes('JobPage'));
  return { list, searchCosts, hotJobPages, applyTo, pick };
}
