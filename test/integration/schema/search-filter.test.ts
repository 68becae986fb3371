import { parse } from 'csv-parse/sync';
import type { ResponseCache } from '../../../src/cache/response-cache';
import { emptyAndClose, makeCache } from '../../helpers/cache';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';
import { testGateway, tokenFor } from '../../helpers/gateway';

// What a search's words were read as, used everywhere a JobFilter is: lists, their counts and
// facets, figures and CSV exports; explicit arguments over words; and the cache.

let db: TestDatabase;
let gw: ReturnType<typeof testGateway>;
const caches: ResponseCache[] = [];
const analyst = { token: tokenFor(5, 'ANALYST') };

beforeAll(async () => {
  db = await openTestDatabase();
  gw = testGateway(db);
});
afterAll(async () => {
  await emptyAndClose(caches);
  await db.destroy();
});

const LIST = `query($f: JobFilter, $after: String) { jobs(filter: $f, first: 50, after: $after) {
  totalCount edges { node { id remote jobType experienceLevel city state } } pageInfo { hasNextPage endCursor }
  facets { jobType { value count } experienceLevel { value count } remote { value count } }
  searchInfo { conditions { field value words searchWithout } text relaxed } } }`;

async function list(filter: Record<string, unknown>) {
  const res = await gw.gql(LIST, { f: filter });
  expect(res.errors).toBeUndefined();
  return res.data.jobs;
}

/** Every job of a list, page after page. */
async function everyJob(filter: Record<string, unknown>) {
  const jobs: { id: string; remote: boolean; jobType: string; experienceLevel: string | null; city: string | null; state: string | null }[] = [];
  let after: string | null = null;
  for (;;) {
    const page: any = (await gw.gql(LIST, { f: filter, after })).data.jobs;
    jobs.push(...page.edges.map((e: any) => e.node));
    if (!page.pageInfo.hasNextPage) return jobs;
    after = page.pageInfo.endCursor;
  }
}

const sqlCount = async (where: string, params: unknown[] = []) =>
  (await db.raw.query<{ n: number }>(`SELECT count(*)::int AS n FROM job j WHERE j.is_active AND ${where}`, params))[0].n;

describe('experienceLevel', () => {
  it('lists the jobs of the levels asked for, as SQL counts them, and each level of the facet is a filter', async () => {
    const both = await list({ experienceLevel: ['SENIOR', 'LEAD'] });
    expect(both.totalCount).toBe(await sqlCount(`j.experience_level IN ('SENIOR', 'LEAD')`));
    for (const e of both.edges) expect(['SENIOR', 'LEAD']).toContain(e.node.experienceLevel);
    const facet = (await list({})).facets.experienceLevel as { value: string; count: number }[];
    expect(facet.length).toBeGreaterThan(3);
    for (const { value, count } of facet) expect((await list({ experienceLevel: [value] })).totalCount).toBe(count);
  });

  it('refuses an empty list and an unknown level with BAD_USER_INPUT or a validation error, never a 500', async () => {
    const empty = await gw.gql(LIST, { f: { experienceLevel: [] } });
    expect(empty.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const unknown = await gw.gql(LIST, { f: { experienceLevel: ['WIZARD'] } });
    expect(unknown.status).toBe(400);
    expect(unknown.errors?.[0].message).toMatch(/ExperienceLevel/);
  });
});

describe('words read as conditions', () => {
  it('agree with the list: every page, totalCount and facets', async () => {
    const filter = { search: 'senior data scientist remote' };
    const first = await list(filter);
    expect(first.searchInfo.conditions.map((c: any) => c.field).sort()).toEqual(['EXPERIENCE_LEVEL', 'REMOTE']);
    const jobs = await everyJob(filter);
    expect(jobs.length).toBe(first.totalCount);
    expect(jobs.length).toBeGreaterThan(0);
    for (const j of jobs) expect(j.remote).toBe(true);
    expect(first.facets.jobType.reduce((n: number, f: any) => n + f.count, 0)).toBe(first.totalCount);
    expect(first.facets.remote).toEqual([{ value: true, count: first.totalCount }]);
    // The same jobs as the explicit filter (senior by level, or "senior" in the title).
    const explicit = await list({ search: 'data scientist', remote: true });
    expect(first.totalCount).toBeLessThanOrEqual(explicit.totalCount);
  });

  it('agree with a relaxed list too: every page, totalCount and facets follow the page', async () => {
    const filter = { search: 'devops engineer cape town' };
    const first = await list(filter);
    expect(first.searchInfo.relaxed).toBe(true);
    const jobs = await everyJob(filter);
    expect(jobs.length).toBe(first.totalCount);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length);
    expect(first.facets.jobType.reduce((n: number, f: any) => n + f.count, 0)).toBe(first.totalCount);
    expect(first.totalCount).toBe(await sqlCount(`j.search_vector @@ chommie_tsquery('devops engineer')`));
  });

  it('never override an explicit argument: the words stay text', async () => {
    const res = await list({ search: 'remote nurse', remote: false });
    expect(res.searchInfo.conditions).toEqual([]);
    expect(res.searchInfo.text).toBe('remote nurse');
    const onsite = await everyJob({ search: 'remote nurse', remote: false });
    for (const j of onsite) expect(j.remote).toBe(false);
  });

  it('can be turned off (understandSearch: false) or per word (quotes)', async () => {
    const off = await list({ search: 'sf', understandSearch: false });
    expect(off.searchInfo.conditions).toEqual([]);
    const quoted = await list({ search: '"sf"' });
    expect(quoted.searchInfo.conditions).toEqual([]);
    // As text, the postings that say "sf" (none); as a place, every job in San Francisco.
    expect(off.totalCount).toBe(await sqlCount(`j.search_vector @@ chommie_tsquery('sf')`));
    expect(quoted.totalCount).toBe(off.totalCount);
    const place = await list({ search: 'sf' });
    expect(place.totalCount).toBe(await sqlCount(`lower(j.city) = 'san francisco'`));
    expect(place.totalCount).toBeGreaterThan(off.totalCount);
    expect(place.searchInfo.conditions).toEqual([{ field: 'LOCATION', value: 'San Francisco, CA', words: ['sf'], searchWithout: '' }]);
  });

  it('leave no stop word behind to empty the list, and keep an excluded phrase excluded', async () => {
    const joined = await list({ search: 'part time in austin' });
    expect(joined.searchInfo.text).toBe('');
    expect(joined.totalCount).toBe(await sqlCount(`j.job_type = 'PART_TIME' AND lower(j.city) = 'austin'`));
    expect(joined.totalCount).toBeGreaterThan(0);
    const excluded = await everyJob({ search: 'remote -"sales representative"' });
    expect(excluded.length).toBe(await sqlCount(`j.remote AND NOT j.search_vector @@ chommie_tsquery('"sales representative"')`));
    expect(excluded.every((j) => j.remote)).toBe(true);
  });

  it('say how to undo each condition', async () => {
    const res = await list({ search: 'python developer remote austin' });
    const without = Object.fromEntries(res.searchInfo.conditions.map((c: any) => [c.field, c.searchWithout]));
    expect(without).toEqual({ REMOTE: 'python developer austin', LOCATION: 'python developer remote' });
  });

  it('apply to analysts’ figures and CSV exports the same way', async () => {
    const stats = await gw.gql('query($f: JobFilter) { jobStats(filter: $f) { total } }', { f: { search: 'remote' } }, analyst);
    expect(stats.errors).toBeUndefined();
    expect(stats.data.jobStats.total).toBe(await sqlCount('j.remote'));
    const res = await gw.gateway.fetch(`http://gateway.test/export/jobs.csv?search=${encodeURIComponent('senior nurse')}&experienceLevel=SENIOR,LEAD`, {
      headers: { authorization: `Bearer ${analyst.token}` },
    });
    expect(res.status).toBe(200);
    const [, ...rows]: string[][] = parse(Buffer.from(await res.arrayBuffer()), { bom: true });
    const listed = await list({ search: 'senior nurse', experienceLevel: ['SENIOR', 'LEAD'] });
    expect(rows.length).toBe(listed.totalCount);
    expect(rows.length).toBeGreaterThan(0);
    const bad = await gw.gateway.fetch('http://gateway.test/export/jobs.csv?experienceLevel=WIZARD', { headers: { authorization: `Bearer ${analyst.token}` } });
    expect(bad.status).toBe(400);
  });

  it('stay bounded and safe on hostile input', async () => {
    for (const search of ['remote '.repeat(28), 'a '.repeat(99), '"remote', 'nyc '.repeat(40), '- - - remote', 'or remote or', 'remote\u3000nurse']) {
      const res = await gw.gql(LIST, { f: { search: search.slice(0, 200) } });
      expect({ search, errors: res.errors }).toEqual({ search, errors: undefined });
    }
    for (const search of ['remote '.repeat(40), '\u0000remote']) {
      const refused = await gw.gql(LIST, { f: { search } });
      expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('highlights', () => {
  it('mark the words searched for in each title and snippet, as plain-text parts that spell the title', async () => {
    const res = await gw.gql(`{ jobs(filter: { search: "registered nurse remote" }, first: 5) {
      edges { node { title searchHighlight { title { text matched } snippet { text matched } } } } } }`);
    expect(res.errors).toBeUndefined();
    for (const { node } of res.data.jobs.edges) {
      const { title, snippet } = node.searchHighlight;
      expect(title.map((p: { text: string }) => p.text).join('')).toBe(node.title);
      const marked = title.filter((p: { matched: boolean }) => p.matched).map((p: { text: string }) => p.text.toLowerCase());
      expect(marked).toEqual(expect.arrayContaining(['registered', 'nurse']));
      expect(snippet.length).toBeGreaterThan(0);
    }
    // Outside a searched list there is nothing to mark.
    const page = await gw.gql('{ jobs(first: 1) { edges { node { searchHighlight { title { text } } } } } }');
    expect(page.data.jobs.edges[0].node.searchHighlight).toBeNull();
  });
});

describe('the statements a search page costs', () => {
  it('are those of a plain search, relaxed or read as conditions: the page, the facets (with totalCount), the explanation, the highlights', async () => {
    const PAGE = `query($s: String) { jobs(filter: { search: $s }, orderBy: RELEVANCE, first: 20) {
      totalCount edges { node { id title searchHighlight { title { text matched } } } }
      facets { jobType { value count } experienceLevel { value count } }
      searchInfo { relaxed conditions { field } } } }`;
    for (const s of ['registered nurse', 'devops engineer cape town', 'senior data scientist remote austin']) {
      const res = await gw.gql(PAGE, { s });
      expect(res.errors).toBeUndefined();
      expect(res.data.jobs.edges.length).toBeGreaterThan(0);
      expect({ s, statements: res.extensions?.sql?.statements }).toEqual({ s, statements: 4 });
      const bare = await gw.gql('query($s: String) { jobs(filter: { search: $s }, first: 20) { totalCount edges { node { id } } } }', { s });
      // The page counts its matches as it ranks them, relaxed or not: one statement.
      expect({ s, statements: bare.extensions?.sql?.statements }).toEqual({ s, statements: 1 });
      expect(bare.data.jobs.totalCount).toBe(res.data.jobs.totalCount);
    }
  });
});

describe('a cached search read as conditions', () => {
  it('goes stale when a job it now lists is created, like any list', async () => {
    const cache = makeCache(process.env.REDIS_URL);
    caches.push(cache);
    await cache.store.ready();
    const cached = testGateway(db, { responseCache: cache });
    const SEARCH = '{ jobs(filter: { search: "zephyrologist remote" }) { totalCount edges { node { title remote } } } }';
    const before = await cached.gql(SEARCH);
    expect((await cached.gql(SEARCH)).extensions?.responseCache).toEqual({ hit: true });
    const created = await cached.gql(
      'mutation { createJob(input: { title: "Zephyrologist", description: "Wind studies.", location: "Remote", remote: true, jobType: CONTRACT }) { id } }',
      {},
      { token: tokenFor(1, 'EMPLOYER', 2) },
    );
    expect(created.errors).toBeUndefined();
    const after = await cached.gql(SEARCH);
    expect(after.extensions?.responseCache).toEqual({ hit: false });
    expect(after.data.jobs.totalCount).toBe(before.data.jobs.totalCount + 1);
    expect(after.data.jobs.edges[0].node).toEqual({ title: 'Zephyrologist', remote: true });
  });
});
