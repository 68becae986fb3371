import { refreshSearchTerms } from '../../../src/data/search';
import { migrate } from '../../../src/data/migrate';
import { openFeed } from '../../../src/ingest/feeds';
import { runImport } from '../../../src/ingest/pipeline';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';
import { describeWithFeeds, GLASSDOOR, LINKEDIN } from '../../helpers/feeds';
import { testGateway } from '../../helpers/gateway';

// Search relevance on the real feeds (35k postings): what a person typing each query expects
// in the top 10, and what must not be there. `want` is matched against each result's title
// and skills (what a job seeker reads in a result list); `share` is how many of the top 10
// must match it. The table is printed, pass or fail.
const CASES: { q: string; want: RegExp; share: number; never?: RegExp }[] = [
  // One of the top 10 has "golang" only in its description.
  { q: 'golang', want: /\bgo(lang)?\b/i, share: 9 },
  { q: 'python or golang', want: /\b(python|go(lang)?)\b/i, share: 10 },
  { q: 'full-stack', want: /full[\s-]?stack/i, share: 10 },
  { q: 'fullstack developer', want: /full[\s-]?stack/i, share: 10 },
  { q: 'front-end', want: /front[\s-]?end|\bui\b/i, share: 10 },
  { q: 'sre', want: /site reliability|\bsre\b/i, share: 10 },
  { q: 'ml', want: /machine learning|\bml\b/i, share: 10 },
  { q: 'machine learning engineer', want: /machine learning|\bml\b/i, share: 10, never: /nurse|accountant/i },
  { q: 'k8s', want: /kubernetes|\bk8s\b/i, share: 10 },
  { q: 'js', want: /javascript|\bjs\b/i, share: 10 },
  { q: 'c++', want: /c\+\+/i, share: 10 },
  { q: 'c#', want: /c#/i, share: 10 },
  { q: '.net', want: /\.net\b/i, share: 10 },
  { q: 'node.js', want: /node\.?js/i, share: 10 },
  { q: 'rn', want: /registered nurse|\brn\b/i, share: 10 },
  { q: 'registered nurse -travel', want: /nurse|\brn\b/i, share: 10, never: /travel/i },
  { q: 'qa', want: /quality|\bqa\b|test/i, share: 10 },
  { q: 'ux designer', want: /\bux\b|user experience/i, share: 10 },
  { q: 'devops', want: /dev\s?ops/i, share: 10 },
  { q: 'data scientist', want: /data scien/i, share: 8 },
  { q: 'sales manager', want: /sales|account/i, share: 8 },
  // English stemming makes "accountant" "account": an account executive comes up too.
  { q: 'senior accountant', want: /accountant|accounting/i, share: 7, never: /nurse|engineer/i },
  { q: 'truck driver', want: /driver/i, share: 10 },
  // English stemming makes "international" "intern": kept whole (as "intl") in the index.
  { q: 'international sales', want: /international|intl/i, share: 8, never: /\bintern(ship)?s?\b|trainee/i },
  { q: '"react native"', want: /react native/i, share: 4 },
];

describeWithFeeds('search relevance on the real feeds', () => {
  let db: TestDatabase;
  let gql: ReturnType<typeof testGateway>['gql'];
  const table: string[] = [];

  beforeAll(async () => {
    db = await openTestDatabase({ empty: true });
    await migrate(db.raw);
    for (const [path, format] of [
      [GLASSDOOR, 'glassdoor'],
      [LINKEDIN, 'linkedin'],
    ]) {
      await runImport(db, openFeed(path, format).rows, { source: format });
    }
    await refreshSearchTerms(db.prisma, { minAgeS: 0 });
    gql = testGateway(db).gql;
  }, 300_000);

  afterAll(async () => {
    console.log(`Search relevance, real feeds (top 10 by RELEVANCE):\n${['query | matches | top 10 as wanted | top 3', ...table].join('\n')}`);
    await db?.destroy();
  });

  it.each(CASES)('$q', async ({ q, want, share, never }) => {
    const res = await gql(
      `query($q: String!) { jobs(filter: { search: $q }, orderBy: RELEVANCE, first: 10) { totalCount edges { node { title skills } } searchInfo { didYouMean } } }`,
      { q },
    );
    expect(res.errors).toBeUndefined();
    const shown = res.data.jobs.edges.map((e: { node: { title: string; skills: string[] } }) => `${e.node.title} | ${e.node.skills.join(', ')}`) as string[];
    const good = shown.filter((s) => want.test(s)).length;
    table.push(
      `${q} | ${res.data.jobs.totalCount} | ${good}/10 | ${shown
        .slice(0, 3)
        .map((s) => s.split(' | ')[0])
        .join('; ')}`,
    );
    expect(shown).toHaveLength(Math.min(10, res.data.jobs.totalCount));
    expect(good).toBeGreaterThanOrEqual(share);
    if (never) expect(shown.filter((s) => never.test(s))).toEqual([]);
  });

  it('leaves out a misspelt word no job has, and says what was meant', async () => {
    // "pyhton" is in one posting's description (with an engineer's title): "devloper" in none.
    const res = await gql(`{ jobs(filter: { search: "pyhton devloper" }) { totalCount searchInfo { relaxed relaxedWords didYouMean } } }`);
    expect(res.data.jobs.searchInfo).toEqual({ relaxed: true, relaxedWords: ['devloper'], didYouMean: 'python developer' });
    expect(res.data.jobs.totalCount).toBeGreaterThan(0);
  });
});
