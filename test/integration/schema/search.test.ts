import { ResponseCache } from '../../../src/cache/response-cache';
import { openCacheStore } from '../../../src/cache/store';
import { invalidationOf } from '../../../src/cache/tags';
import { Writes } from '../../../src/data/writes';
import { loadConfig } from '../../../src/config';
import { SALARY_BANDS, refreshSearchTerms } from '../../../src/data/search';
import type { Job } from '../../../src/generated/prisma/client';
import { SearchTermsRefresher } from '../../../src/search/refresher';
import { syncVocabulary } from '../../../src/data/search-vocabulary';
import { prepareSearch } from '../../../src/domain/search-vocabulary';
import { testGateway, useGatewaySuite } from '../../helpers/gateway';

const suite = useGatewaySuite();
const gql: typeof suite.gql = (...args) => suite.gql(...args);
let active: Job[];

beforeAll(async () => {
  active = await suite.db.prisma.job.findMany({ where: { isActive: true } });
});

const SEARCH = `query S($search: String!, $first: Int) {
  jobs(filter: { search: $search }, orderBy: RELEVANCE, first: $first) {
    totalCount edges { node { id title skills } }
    searchInfo { understoodAs ignoredWords didYouMean }
  }
}`;

async function search(q: string, first = 100) {
  const res = await gql(SEARCH, { search: q, first });
  expect(res.errors).toBeUndefined();
  return res.data.jobs as {
    totalCount: number;
    edges: { node: { id: string; title: string; skills: string[] } }[];
    searchInfo: { understoodAs: string; ignoredWords: string[]; didYouMean: string | null };
  };
}

/** Every id a search matches, as the API searches (its count is checked against totalCount by the caller). */
async function idsOf(q: string): Promise<Set<number>> {
  const rows = await suite.db.raw.query<{ id: number }>('SELECT id FROM job WHERE is_active AND search_vector @@ (SELECT chommie_tsquery($1))', [
    prepareSearch(q),
  ]);
  return new Set(rows.map((r) => r.id));
}

const withSkill = (skill: string) => active.filter((j) => j.skills.some((s) => s.toLowerCase() === skill.toLowerCase()));

describe('the search vocabulary, on the demo data', () => {
  it('finds the jobs listing the skill "Go" for golang, ranked by title and skills, not descriptions', async () => {
    const golang = await search('golang');
    const go = withSkill('Go').map((j) => j.id);
    expect(go.length).toBeGreaterThan(50);
    const found = await idsOf('golang');
    for (const id of go) expect(found).toContain(id);
    expect(golang.totalCount).toBe(found.size);
    // "go" counts only in titles and skills: a job whose only "go" is its description is not found.
    for (const id of found) {
      const job = active.find((j) => j.id === id)!;
      expect(`${job.title} ${job.skills.join(' ')} ${job.companyName}`).toMatch(/\bgo(lang)?\b/i);
    }
    expect(golang.edges[0].node.skills).toContain('Go');
  });

  it.each([
    ['k8s', 'kubernetes'],
    ['fullstack', 'full stack'],
    ['full-stack', 'full stack'],
    ['front-end', 'frontend'],
    ['front end', 'frontend'],
  ])('"%s" finds what "%s" finds', async (a, b) => {
    const [x, y] = [await idsOf(a), await idsOf(b)];
    expect(x.size).toBeGreaterThan(10);
    expect([...x].sort()).toEqual([...y].sort());
  });

  it.each([
    ['sre', /site reliability/i],
    ['ml', /machine learning/i],
    ['rn', /registered nurse/i],
    ['full-stack', /full stack/i],
    ['front-end', /frontend/i],
    ['ux', /\bux\b/i],
  ])('"%s" finds %s jobs, best first', async (q, title) => {
    const res = await search(q, 10);
    expect(res.totalCount).toBeGreaterThan(10);
    for (const e of res.edges.slice(0, 5)) expect(e.node.title).toMatch(title);
  });

  it('"python or golang" is both, not just python', async () => {
    const either = await idsOf('python or golang');
    const python = await idsOf('python');
    const golang = await idsOf('golang');
    expect(golang.size).toBeGreaterThan(0);
    expect([...either].sort()).toEqual([...new Set([...python, ...golang])].sort());
  });

  it('keeps technical names whole: c++, c#, .net, node.js, ci/cd are not "c", "net" or "node"', async () => {
    const company = active[0].companyId;
    const make = (title: string, skills: string[]) =>
      suite.db.prisma.job.create({
        data: { title, description: `${title} wanted.`, companyId: company, location: 'Austin, TX', jobType: 'FULL_TIME', skills },
      });
    const cpp = await make('Zqx C++ Engineer', ['C++']);
    const csharp = await make('Zqx C# Engineer', ['C#']);
    const c = await make('Zqx C Engineer', ['C']);
    const dotnet = await make('Zqx .NET Engineer', ['ASP.NET']);
    const net = await make('Zqx Net Promoter Analyst', ['Surveys']);
    const node = await make('Zqx Node.js Engineer', ['Node.js']);
    const cicd = await make('Zqx Release Engineer', ['CI/CD']);
    const both = await make('Zqx C#/.NET Developer', ['C#', '.NET']);
    const ids = async (q: string) => [...(await idsOf(`zqx ${q}`))].sort();
    try {
      expect(await ids('c++')).toEqual([cpp.id]);
      expect(await ids('cpp')).toEqual([cpp.id]);
      expect(await ids('c#')).toEqual([csharp.id, both.id]);
      expect(await ids('c')).toEqual([c.id]);
      expect(await ids('.net')).toEqual([dotnet.id, both.id]);
      expect(await ids('asp.net')).toEqual([dotnet.id]);
      expect(await ids('net')).toEqual([net.id]);
      expect(await ids('node.js')).toEqual([node.id]);
      expect(await ids('nodejs')).toEqual([node.id]);
      expect(await ids('ci/cd')).toEqual([cicd.id]);
      expect(await ids('"continuous integration"')).toEqual([cicd.id]);
    } finally {
      await suite.db.prisma.job.deleteMany({ where: { title: { startsWith: 'Zqx ' } } });
    }
  });

  it('excludes a hyphenated or slashed word whole, and survives hostile syntax', async () => {
    const company = active[0].companyId;
    const make = (description: string) =>
      suite.db.prisma.job.create({ data: { title: 'Qzv Nurse', description, companyId: company, location: 'Austin, TX', jobType: 'FULL_TIME' } });
    const partTime = await make('A part-time role.');
    const partOf = await make('Part of our team, every time.');
    const aiml = await make('Our AI/ML platform.');
    try {
      const ids = async (q: string) => [...(await idsOf(q))].sort();
      expect(await ids('qzv nurse -part-time')).toEqual([partOf.id, aiml.id].sort());
      expect(await ids('qzv nurse -"part time"')).toEqual([partOf.id, aiml.id].sort());
      expect(await ids('qzv nurse -ai/ml')).toEqual([partTime.id, partOf.id].sort());
      expect(await ids('qzv part-time')).toEqual([partTime.id]);
      for (const q of ['-'.repeat(199) + 'x', '- '.repeat(60) + 'x', '"'.repeat(5), 'or or or', '-"-"-', 'a/b/c/d-e-f-g']) {
        const res = await gql(SEARCH, { search: q, first: 1 });
        expect(res.errors).toBeUndefined();
      }
    } finally {
      await suite.db.prisma.job.deleteMany({ where: { title: 'Qzv Nurse' } });
    }
  });

  it('says what it made of a search', async () => {
    const res = await search('golang');
    expect(res.searchInfo.understoodAs).toBe("'golang' | 'go':AB");
    expect(res.searchInfo.didYouMean).toBeNull();
  });
});

describe('honest empty results', () => {
  it('names the words it ignored when only stop words were typed', async () => {
    const res = await search('the or');
    expect(res.totalCount).toBe(0);
    expect(res.searchInfo).toEqual({ understoodAs: '', ignoredWords: ['the', 'or'], didYouMean: null });
  });

  it('suggests the data’s own word for a misspelling, and the suggestion finds jobs', async () => {
    for (const [typo, fixed] of [
      ['pyhton', 'python'],
      ['kuberntes', 'kubernetes'],
      ['acountant', 'accountant'],
    ]) {
      const res = await search(typo);
      expect(res.totalCount).toBe(0);
      expect(res.searchInfo.didYouMean).toBe(fixed);
      expect((await search(res.searchInfo.didYouMean!)).totalCount).toBeGreaterThan(0);
    }
    // Only the misspelt word changes; the rest of the search stays as typed.
    expect((await search('senior pyhton -java')).searchInfo.didYouMean).toBe('senior python -java');
  });

  it('keeps the words some job has with those typed before when none has them all, saying which it left out', async () => {
    const query = `query($f: JobFilter, $after: String) { jobs(filter: $f, orderBy: RELEVANCE, first: 50, after: $after) {
      totalCount edges { node { id title skills } } pageInfo { hasNextPage endCursor }
      searchInfo { relaxed relaxedWords didYouMean } } }`;
    const nurses = await idsOf('nurse');
    const first = (await gql(query, { f: { search: 'nurse kubernetes' } })).data.jobs;
    expect(first.searchInfo).toEqual({ relaxed: true, relaxedWords: ['kubernetes'], didYouMean: null });
    expect(first.totalCount).toBe(nurses.size);
    // Every page lists nurses, none twice, until the count is reached.
    const seen = new Set<string>();
    let page = first;
    for (;;) {
      for (const e of page.edges) {
        expect(nurses).toContain(Number(e.node.id));
        expect(seen).not.toContain(e.node.id);
        seen.add(e.node.id);
      }
      if (!page.pageInfo.hasNextPage) break;
      page = (await gql(query, { f: { search: 'nurse kubernetes' }, after: page.pageInfo.endCursor })).data.jobs;
    }
    expect(seen.size).toBe(nurses.size);
    // The words typed first count first.
    const reversed = (await gql(query, { f: { search: 'kubernetes nurse' } })).data.jobs;
    expect(reversed.searchInfo.relaxedWords).toEqual(['nurse']);
    expect(reversed.totalCount).toBe((await idsOf('kubernetes')).size);
    // Exclusions stay whole: no listed job has python.
    const excluded = await search('nurse kubernetes -python');
    const python = await idsOf('python');
    expect(excluded.totalCount).toBeGreaterThan(0);
    for (const e of excluded.edges) expect(python).not.toContain(Number(e.node.id));
    // A quoted phrase is meant as typed, and one free word is not relaxed: nothing.
    expect((await search('"registered nurse" kubernetes')).totalCount).toBe(0);
    // With every word found together, nothing is relaxed.
    const plain = (await gql(query, { f: { search: 'registered nurse' } })).data.jobs;
    expect(plain.searchInfo).toEqual({ relaxed: false, relaxedWords: [], didYouMean: null });
    expect(plain.totalCount).toBe((await idsOf('registered nurse')).size);
  });

  it('relaxes under the rest of the filter, leaving out the words no job there has', async () => {
    const query = `query($f: JobFilter) { jobs(filter: $f, orderBy: NEWEST, first: 100) { totalCount edges { node { id location city } } searchInfo { relaxed relaxedWords didYouMean } } }`;
    // Nowhere: nothing to relax to, and nothing to suggest.
    const nowhere = await gql(query, { f: { search: 'nurse kubernetes', location: 'Nowhereville' } });
    expect(nowhere.data.jobs).toEqual({ totalCount: 0, edges: [], searchInfo: { relaxed: false, relaxedWords: [], didYouMean: null } });
    // In Austin: the Austin nurses.
    const austin = (await gql(query, { f: { search: 'nurse kubernetes', location: 'austin' } })).data.jobs;
    expect(austin.searchInfo.relaxed).toBe(true);
    expect(austin.totalCount).toBeGreaterThan(0);
    for (const e of austin.edges) expect(e.node.city).toBe('Austin');
    // A word no job has is left out wherever it stands.
    const res = await search('devops zzyzx engineer', 20);
    const devops = await idsOf('devops engineer');
    expect(res.totalCount).toBe(devops.size);
    for (const e of res.edges) expect(devops).toContain(Number(e.node.id));
  });

  it('looks at a bounded number of words', async () => {
    const many = Array.from({ length: 30 }, (_, i) => `z${i}q`).join(' ');
    const res = await search(many);
    expect(res.totalCount).toBe(0);
    expect(res.searchInfo.didYouMean).toBeNull();
  });

  it('has no suggestion for gibberish, and none when something was found', async () => {
    expect((await search('xqzvvw')).searchInfo.didYouMean).toBeNull();
    expect((await search('python')).searchInfo.didYouMean).toBeNull();
  });
});

const FACETS = `query F($filter: JobFilter, $n: Int) {
  jobs(filter: $filter, first: 1) {
    totalCount
    facets {
      jobType { value count } remote { value count } experienceLevel { value count }
      locations(first: $n) { value count } salaryBands { min max count }
    }
  }
}`;

describe('facets', () => {
  const count = <K>(jobs: Job[], key: (j: Job) => K | null) => {
    const m = new Map<K, number>();
    for (const j of jobs) {
      const k = key(j);
      if (k != null) m.set(k, (m.get(k) ?? 0) + 1);
    }
    return m;
  };

  it.each([
    ['no filter', {}],
    ['a search', { search: 'python' }],
    ['remote contracts', { remote: true, jobType: 'CONTRACT' }],
  ])('counts every job matching %s, in the statement that counts the list', async (_name, filter: { search?: string; remote?: boolean; jobType?: string }) => {
    const searched = filter.search ? await idsOf(filter.search) : null;
    const matching = active.filter(
      (j) => (!searched || searched.has(j.id)) && (filter.remote == null || j.remote === filter.remote) && (!filter.jobType || j.jobType === filter.jobType),
    );
    expect(matching.length).toBeGreaterThan(10);
    const res = await gql(FACETS, { filter, n: 100 });
    expect(res.errors).toBeUndefined();
    const f = res.data.jobs.facets;
    expect(res.data.jobs.totalCount).toBe(matching.length);
    const asMap = (list: { value: unknown; count: number }[]) => new Map(list.map((x) => [x.value, x.count]));
    expect(asMap(f.jobType)).toEqual(count(matching, (j) => j.jobType));
    expect(asMap(f.remote)).toEqual(count(matching, (j) => j.remote));
    expect(asMap(f.experienceLevel)).toEqual(count(matching, (j) => j.experienceLevel));
    const locations = count(matching, (j) => j.location);
    expect(f.locations.length).toBe(Math.min(100, locations.size));
    for (const l of f.locations) expect(l.count).toBe(locations.get(l.value));
    expect(f.locations[0].count).toBe(Math.max(...locations.values()));
    expect(f.salaryBands.map((b: { min: number; max: number | null }) => [b.min, b.max])).toEqual(SALARY_BANDS);
    for (const b of f.salaryBands) {
      const inBand = matching.filter(
        (j) =>
          (j.salaryMin != null || j.salaryMax != null) && (j.salaryMax ?? j.salaryMin)! >= b.min && (b.max == null || (j.salaryMin ?? j.salaryMax)! <= b.max),
      );
      expect(b.count).toBe(inBand.length);
    }
    // A band's count is what filtering by it lists.
    const band = f.salaryBands.find((b: { count: number }) => b.count > 0);
    const listed = await gql('query($f: JobFilter) { jobs(filter: $f) { totalCount } }', { f: { ...filter, salaryMin: band.min, salaryMax: band.max } });
    expect(listed.data.jobs.totalCount).toBe(band.count);
    // totalCount comes from the facets' statement: no statement more than the list and its facets.
    const facetsOnly = await gql('query($f: JobFilter) { jobs(filter: $f, first: 1) { facets { remote { count } } } }', { f: filter });
    expect(res.extensions?.sql?.statements).toBe(facetsOnly.extensions!.sql!.statements);
    // Without facets, a search's page counts its matches as it ranks them (one statement); a
    // list without a search reads its page off an index and counts apart (two).
    const without = await gql('query($f: JobFilter) { jobs(filter: $f, first: 1) { totalCount } }', { f: filter });
    expect(without.extensions?.sql?.statements).toBe('search' in filter ? 1 : 2);
    expect(without.data.jobs.totalCount).toBe(res.data.jobs.totalCount);
  });

  it('bounds locations(first)', async () => {
    const res = await gql(FACETS, { n: 3 });
    expect(res.data.jobs.facets.locations).toHaveLength(3);
    const bad = await gql(FACETS, { n: 101 });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

const SUGGEST = `query T($prefix: String!, $first: Int) { searchSuggestions(prefix: $prefix, first: $first) { kind value jobCount } }`;

describe('the synonyms in the database', () => {
  it('are written once per vocabulary, and never replaced by an older one', async () => {
    const rules = () => suite.db.raw.query<{ n: number; v: string }>('SELECT count(*)::int AS n, min(vocabulary) AS v FROM search_synonym');
    const [before] = await rules();
    expect(before.n).toBeGreaterThan(100);
    expect(await suite.db.raw.transaction((tx) => syncVocabulary(tx))).toBe(false);
    await suite.db.raw.query(`UPDATE search_synonym SET vocabulary = 'v999:newer'`);
    expect(await suite.db.raw.transaction((tx) => syncVocabulary(tx))).toBe(false);
    expect((await rules())[0]).toEqual({ n: before.n, v: 'v999:newer' });
    await suite.db.raw.query(`UPDATE search_synonym SET vocabulary = 'v0:older'`);
    expect(await suite.db.raw.transaction((tx) => syncVocabulary(tx))).toBe(true);
    expect((await rules())[0]).toEqual(before);
  });
});

describe('type-ahead', () => {
  it('suggests skills, titles, companies and locations starting with the prefix, most jobs first, in one statement', async () => {
    const res = await gql(SUGGEST, { prefix: 'Py', first: 8 });
    expect(res.errors).toBeUndefined();
    const list = res.data.searchSuggestions as { kind: string; value: string; jobCount: number }[];
    expect(list[0]).toEqual({ kind: 'SKILL', value: 'Python', jobCount: withSkill('Python').length });
    for (const s of list) expect(s.value.toLowerCase().startsWith('py')).toBe(true);
    expect(list.map((s) => s.jobCount)).toEqual([...list.map((s) => s.jobCount)].sort((a, b) => b - a));
    expect(res.extensions?.sql?.statements).toBe(1);
  });

  it('from three characters on, also what contains it, after what starts with it', async () => {
    const list = (await gql(SUGGEST, { prefix: 'engineer', first: 20 })).data.searchSuggestions as { kind: string; value: string; jobCount: number }[];
    expect(list.length).toBe(20);
    for (const s of list) expect(s.value.toLowerCase()).toContain('engineer');
    const title = list.find((s) => s.kind === 'TITLE')!;
    expect(title.jobCount).toBe(active.filter((j) => j.title.toLowerCase() === title.value.toLowerCase()).length);
    const company = (await gql(SUGGEST, { prefix: active[0].companyName.slice(0, 5) })).data.searchSuggestions;
    expect(company.some((s: { kind: string }) => s.kind === 'COMPANY')).toBe(true);
    const location = (await gql(SUGGEST, { prefix: 'austin' })).data.searchSuggestions;
    expect(location.some((s: { kind: string; value: string }) => s.kind === 'LOCATION' && s.value.startsWith('Austin'))).toBe(true);
  });

  it('takes any text literally and bounds its arguments', async () => {
    for (const prefix of ['%', '_', '\\', "o'", '   ']) expect((await gql(SUGGEST, { prefix })).data.searchSuggestions).toEqual([]);
    for (const [prefix, first] of [
      ['py', 0],
      ['py', 51],
      ['x'.repeat(101), 8],
    ] as const) {
      const res = await gql(SUGGEST, { prefix, first });
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('is cached, and goes stale when the terms are recomputed with something new', async () => {
    const config = loadConfig({});
    const cache = new ResponseCache(
      openCacheStore({ ...config, REDIS_URL: undefined }, () => undefined),
      config,
    );
    const { gql: cached } = testGateway(suite.db, { responseCache: cache });
    const first = await cached(SUGGEST, { prefix: 'Wxyv' });
    expect(first.data.searchSuggestions).toEqual([]);
    expect((await cached(SUGGEST, { prefix: 'Wxyv' })).extensions?.responseCache).toMatchObject({ hit: true });
    await suite.db.prisma.job.create({
      data: { title: 'Wxyvian Translator', description: 'Translate.', companyId: active[0].companyId, location: 'Austin, TX', jobType: 'FULL_TIME' },
    });
    const refresher = new SearchTermsRefresher(suite.db.prisma, { refreshS: 3600, writes: new Writes(invalidationOf(cache)) });
    await suite.db.raw.query("UPDATE search_term_state SET computed_at = now() - interval '1 day'");
    await refresher.refresh();
    const after = await cached(SUGGEST, { prefix: 'Wxyv' });
    expect(after.extensions?.responseCache).toMatchObject({ hit: false });
    expect(after.data.searchSuggestions).toEqual([{ kind: 'TITLE', value: 'Wxyvian Translator', jobCount: 1 }]);
    // A refresh that finds nothing new changes nothing (and invalidates nothing).
    expect(await refreshSearchTerms(suite.db.prisma, { minAgeS: 0 })).toEqual({ changed: false });
    await cache.close();
  });
});
