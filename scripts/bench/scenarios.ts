import pg from 'pg';
import { signToken } from '../../src/auth/viewer';
import { rng } from '../../src/data/seed';
import type { RawSql } from '../../src/db/database';

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

/**
 * The most SQL statements one request of a scenario may send, whatever it draws (a cache hit
 * sends none). `npm run bench -- --quick` fails when any request under load exceeds its
 * scenario's, and test/integration/bench/quick.test.ts when one drawn on the test data does. The
 * reads' figures are those the integration tests assert for the same shapes
 * (test/integration/db/sql-budget.test.ts, schema/search.test.ts).
 */
export const SQL_BUDGET: Record<string, number> = {
  // The page with its companies and counts; the similar lists with their companies.
  headline: 2,
  // The job with its company, count and similar list, as JSON.
  'job page': 1,
  // The ranked page carries the count; a page with no row (nothing matched) counts apart.
  search: 2,
  trending: 1,
  // The ranked page; the facets, which carry the count; searchInfo's reading of the words.
  'search+facets': 3,
  'type-ahead': 1,
  // The job locked, the application inserted; with a response cache, the invalidation intent
  // recorded in the same transaction (data/writes.ts).
  apply: 3,
};
/** A scenario's budget; the mix's is that of the most expensive request it may send. */
export const sqlBudget = (scenario: string): number =>
  scenario === 'mixed' ? Math.max(...['headline', 'job page', 'search', 'trending', 'apply'].map((s) => SQL_BUDGET[s])) : SQL_BUDGET[scenario];

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
export async function loadPools(source: string | Pick<RawSql, 'query'>, jwtSecret: string) {
  // A database URL (the bench), or a database already open (a test's, PGlite's too).
  if (typeof source !== 'string') return readPools((sql, params) => source.query(sql, params), jwtSecret);
  const c = new pg.Client({ connectionString: source });
  await c.connect();
  try {
    return await readPools(async <T>(sql: string, params?: unknown[]) => (await c.query(sql, params)).rows as T[], jwtSecret);
  } finally {
    await c.end();
  }
}

async function readPools(query: <T>(sql: string, params?: unknown[]) => Promise<T[]>, jwtSecret: string) {
  const ids = (await query<{ id: number }>('SELECT id FROM job WHERE is_active ORDER BY id')).map((r) => r.id);
  const titles = (await query<{ title: string }>('SELECT title FROM job WHERE is_active ORDER BY md5(id::text) LIMIT 400')).map((r) => r.title);
  const places = (await query<{ city: string }>("SELECT city FROM job WHERE city <> '' GROUP BY city ORDER BY count(*) DESC LIMIT 30")).map((r) => r.city);
  const users = (await query<{ id: number }>('SELECT id FROM "user" ORDER BY id LIMIT 2000')).map((r) => r.id);
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
  // Who has applied where already: applying twice is a CONFLICT, which the load would count as a failure.
  const applied = (await query<{ pair: string }>("SELECT user_id || ':' || job_id AS pair FROM application WHERE user_id <= $1", [users.at(-1) ?? 0])).map(
    (r) => r.pair,
  );
  return { ids, terms, places, seekers, seekerIds: users, applied };
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
  // Each application by a seeker who has not applied to that job (in the data or earlier in
  // this run), so that every one is an answer; after 50 draws that all had, one that may not be.
  const taken = new Set(p.applied);
  const applyTo = (jobId: number | string): Req => {
    let i = Math.floor(r() * p.seekers.length);
    for (let tries = 0; tries < 50 && taken.has(`${p.seekerIds[i]}:${jobId}`); tries++) i = Math.floor(r() * p.seekers.length);
    taken.add(`${p.seekerIds[i]}:${jobId}`);
    return { body: body(APPLY, { jobId: String(jobId) }), token: p.seekers[i] };
  };
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
  /** `applyToJob` alone, every request a new application: the write path, apart from the mix (the quick run's). */
  const applications: Scenario = { name: 'apply', next: apply };
  return { list, searchCosts, hotJobPages, applyTo, applications, pick };
}
