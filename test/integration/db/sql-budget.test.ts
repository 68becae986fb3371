import { countAtDriver } from '../../helpers/driver-count';
import { openDatabase } from '../../../src/db/database';
import { testGateway, useGatewaySuite } from '../../helpers/gateway';
import { itIf } from '../../helpers/skip';

const HEADLINE = `{ jobs(first: 50) { edges { node { title company { name } applicationCount
  similarJobs(first: 5) { title company { name } } } } } }`;

const suite = useGatewaySuite();
const gql: typeof suite.gql = (...args) => suite.gql(...args);

/** The end cursor of the last page of the search the budget test runs. */
async function lastCursor(): Promise<string> {
  let after: string | null = null;
  for (;;) {
    const page = await gql(
      `query($after: String) { jobs(first: 100, after: $after, filter: { search: "engineer", remote: false, salaryMin: 80000 }) { pageInfo { hasNextPage endCursor } } }`,
      { after },
    );
    const info = page.data.jobs.pageInfo as { hasNextPage: boolean; endCursor: string };
    if (!info.hasNextPage) return info.endCursor;
    after = info.endCursor;
  }
}

describe('SQL budget per request', () => {
  it('answers the headline page of 50 jobs with companies, counts and similar jobs in 2 statements', async () => {
    const res = await gql(HEADLINE);
    expect(res.errors).toBeUndefined();
    const edges = res.data.jobs.edges;
    expect(edges).toHaveLength(50);
    expect(edges.some((e: any) => e.node.similarJobs.length > 0)).toBe(true);
    expect(edges.every((e: any) => typeof e.node.company.name === 'string')).toBe(true);
    // The page with its companies and counts, the similar lists with their companies.
    expect(res.extensions?.sql?.statements).toBe(2);
  });

  it('loads a job with its company in 1 statement, and the job page in 1 too', async () => {
    const res = await gql('{ job(id: "7") { title company { name } } }');
    expect(res.data.job.company.name).toEqual(expect.any(String));
    expect(res.extensions?.sql?.statements).toBe(1);
    const page = await gql(`{ job(id: "7") { id title description location salaryMin salaryMax
      company { id name } applicationCount similarJobs(first: 5) { id title company { name } } } }`);
    expect(page.errors).toBeUndefined();
    expect(page.data.job.description).toEqual(expect.any(String));
    expect(page.data.job.similarJobs.length).toBeGreaterThan(0);
    expect(page.data.job.similarJobs.every((s: any) => typeof s.company.name === 'string')).toBe(true);
    // The job with its company and count, and its similar list with theirs, as JSON.
    expect(page.extensions?.sql?.statements).toBe(1);
  });

  it('answers a search with totalCount in 1 statement (counted as ranked), a list without a search in 2', async () => {
    const res = await gql(`{ jobs(first: 20, filter: { search: "engineer", remote: false, salaryMin: 80000 }) {
      totalCount edges { node { id title } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.jobs.totalCount).toBeGreaterThan(20);
    expect(res.extensions?.sql?.statements).toBe(1);
    // Past the last page there is no row to carry the count: it is counted apart, and the same.
    const beyond = await gql(
      `query($after: String) { jobs(first: 20, after: $after, filter: { search: "engineer", remote: false, salaryMin: 80000 }) {
      totalCount edges { node { id } } } }`,
      { after: await lastCursor() },
    );
    expect(beyond.data.jobs.edges).toEqual([]);
    expect(beyond.data.jobs.totalCount).toBe(res.data.jobs.totalCount);
    const list = await gql(`{ jobs(first: 20, filter: { remote: false }) { totalCount edges { node { id } } } }`);
    expect(list.extensions?.sql?.statements).toBe(2);
  });

  it('counts honestly: extensions.sql.statements equals what reaches the driver', async () => {
    for (const query of [
      HEADLINE,
      '{ job(id: "3") { company { name jobCount jobs(first: 3) { totalCount edges { node { title } } } } } }',
      '{ trendingJobs { title applicationCount(days: 7) } }',
    ]) {
      const { result, driverStatements } = await countAtDriver(suite.db, () => gql(query));
      expect(result.errors).toBeUndefined();
      expect(result.extensions?.sql?.statements).toBe(driverStatements);
    }
  });

  it('keeps concurrent requests’ counts apart', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => gql(i % 2 ? HEADLINE : '{ job(id: "9") { title } }')));
    results.forEach((r, i) => {
      if (i % 2) expect(r.extensions?.sql?.statements).toBe(2);
      else expect(r.extensions?.sql?.statements).toBe(1);
    });
  });

  it('can be turned off', async () => {
    const quiet = testGateway(suite.db, { SQL_STATS: false }).gql;
    const res = await quiet('{ job(id: "7") { title } }');
    expect(res.data.job.title).toEqual(expect.any(String));
    expect(res.extensions?.sql).toBeUndefined();
  });

  it('issues one statement per field without batching (the benchmark’s naive baseline), with the same data', async () => {
    const naive = await testGateway(suite.db, { batching: false }).gql(HEADLINE);
    const batched = await gql(HEADLINE);
    expect(naive.data).toEqual(batched.data);
    // The list, then per job its company, its count and its similar jobs, and each similar job's company.
    const similar = batched.data.jobs.edges.reduce((n: number, e: any) => n + e.node.similarJobs.length, 0);
    expect(naive.extensions!.sql!.statements).toBe(1 + 50 * 3 + similar);
  });

  // Named statements are pg's: PGlite has no pool to keep them in.
  const onPostgres = itIf(process.env.TEST_DATABASE_URL, 'runs on PostgreSQL (TEST_DATABASE_URL): PGlite has no pool to keep named statements in');
  onPostgres('with DATABASE_NAMED_STATEMENTS, prepares the data layer’s statements once per connection, never one whose plan depends on a value', async () => {
    const db = await openDatabase({ url: suite.db.url!, poolSize: 1, namedStatements: true });
    try {
      const { gql: named } = testGateway(db);
      const page = '{ job(id: "7") { title company { name } applicationCount similarJobs(first: 3) { title } } }';
      const first = await named(page);
      expect((await named(page)).data).toEqual(first.data);
      const search = '{ jobs(first: 3, filter: { search: "engineer" }) { edges { node { id } } } }';
      expect((await named(search)).data).toEqual((await gql(search)).data);
      // A place is a LIKE prefix: how selective it is decides the plan.
      const placed = '{ jobs(first: 3, filter: { search: "engineer", location: "Austin" }) { edges { node { id } } } }';
      expect((await named(placed)).data).toEqual((await gql(placed)).data);
      // One connection: the statements it prepared are the ones the gateway sent.
      const prepared = await db.prisma.$queryRaw<{ name: string; statement: string }[]>`SELECT name, statement FROM pg_prepared_statements`;
      expect(prepared.filter((p) => p.name.startsWith('chommie_') && p.statement.includes('job_similar'))).toHaveLength(1);
      expect(prepared.filter((p) => p.statement.includes('chommie_tsquery'))).toHaveLength(1);
      expect(prepared.some((p) => /\bLIKE\b/.test(p.statement))).toBe(false);
    } finally {
      await db.close();
    }
  });

  onPostgres('plans each read once per connection: no statement is planned anew at every execution', async () => {
    const db = await openDatabase({ url: suite.db.url!, poolSize: 1, namedStatements: true });
    try {
      const { gql: named } = testGateway(db);
      const reads = [
        (id: number) =>
          named(`{ job(id: "${id}") { id title description company { id name } applicationCount similarJobs(first: 5) { id title company { name } } } }`),
        (id: number) => named(`{ company(id: "${id}") { name jobCount jobs(first: 3) { edges { node { title } } } } }`),
        (id: number) => named(`{ job(id: "${id}") { title } }`),
        () => named(HEADLINE),
        // Its words are computed in an InitPlan, which no plan looks into: one plan for any words.
        (i: number) =>
          named(`{ jobs(first: 20, filter: { search: "${['engineer', 'nurse', 'sales', 'manager'][i % 4]}" }) { totalCount edges { node { title } } } }`),
      ];
      // PostgreSQL plans a prepared statement for its parameters 5 times, then keeps a generic
      // plan unless it looks dearer: then every execution is planned again.
      for (let i = 1; i <= 8; i++) for (const read of reads) expect((await read(i)).errors).toBeUndefined();
      const prepared = await db.prisma.$queryRaw<{ statement: string; generic: number; custom: number }[]>`
        SELECT statement, generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE name LIKE 'chommie_%'`;
      const reused = prepared.filter((p) => p.generic + p.custom >= 8);
      // The job page, its by-id reads, the company's count and page, the headline's two.
      expect(reused.length).toBeGreaterThanOrEqual(5);
      // A statement without parameters has only a generic plan; one with, 5 custom plans at most.
      for (const p of reused) expect({ statement: p.statement, plannedEachTime: p.custom > 5 }).toEqual({ statement: p.statement, plannedEachTime: false });
    } finally {
      await db.close();
    }
  });
});
