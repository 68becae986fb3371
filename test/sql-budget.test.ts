import pg from 'pg';
import { testGateway, useGatewaySuite } from './helpers/gateway';

const HEADLINE = `{ jobs(first: 50) { edges { node { title company { name } applicationCount
  similarJobs(first: 5) { title company { name } } } } } }`;


const suite = useGatewaySuite();
const gql: typeof suite.gql = (...args) => suite.gql(...args);

/** Counts statements where they reach the database driver, independently of extensions.sql. */
async function countAtDriver<T>(fn: () => Promise<T>): Promise<{ result: T; driverStatements: number }> {
  let driverStatements = 0;
  const restore: (() => void)[] = [];
  if (suite.db.driver.pool) {
    const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
    const original = proto.query;
    proto.query = function (this: unknown, ...args: unknown[]) {
      driverStatements += 1;
      return original.apply(this, args);
    };
    restore.push(() => (proto.query = original));
  }
  if (suite.db.driver.pglite) {
    const lite = suite.db.driver.pglite as unknown as Record<'query' | 'exec', (...a: unknown[]) => unknown>;
    for (const method of ['query', 'exec'] as const) {
      const original = lite[method];
      lite[method] = function (this: unknown, ...args: unknown[]) {
        driverStatements += 1;
        return original.apply(this, args);
      };
      restore.push(() => (lite[method] = original));
    }
  }
  try {
    return { result: await fn(), driverStatements };
  } finally {
    restore.forEach((r) => r());
  }
}

describe('SQL budget per request', () => {
  it('answers the headline page of 50 jobs with companies, counts and similar jobs in at most 6 statements', async () => {
    const res = await gql(HEADLINE);
    expect(res.errors).toBeUndefined();
    const edges = res.data.jobs.edges;
    expect(edges).toHaveLength(50);
    expect(edges.some((e: any) => e.node.similarJobs.length > 0)).toBe(true);
    expect(edges.every((e: any) => typeof e.node.company.name === 'string')).toBe(true);
    expect(res.extensions?.sql?.statements).toBeLessThanOrEqual(6);
    expect(res.extensions?.sql?.statements).toBeGreaterThanOrEqual(4);
  });

  it('loads a job with its company in at most 2 statements', async () => {
    const res = await gql('{ job(id: "7") { title company { name } } }');
    expect(res.data.job.company.name).toEqual(expect.any(String));
    expect(res.extensions?.sql?.statements).toBeLessThanOrEqual(2);
  });

  it('answers a filtered list with totalCount in at most 2 statements', async () => {
    const res = await gql(`{ jobs(first: 20, filter: { search: "engineer", remote: false, salaryMin: 80000 }) {
      totalCount edges { node { id title } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.jobs.totalCount).toBeGreaterThan(20);
    expect(res.extensions?.sql?.statements).toBeLessThanOrEqual(2);
  });

  it('counts honestly: extensions.sql.statements equals what reaches the driver', async () => {
    for (const query of [HEADLINE, '{ job(id: "3") { company { name jobCount jobs(first: 3) { totalCount edges { node { title } } } } } }', '{ trendingJobs { title applicationCount(days: 7) } }']) {
      const { result, driverStatements } = await countAtDriver(() => gql(query));
      expect(result.errors).toBeUndefined();
      expect(result.extensions?.sql?.statements).toBe(driverStatements);
    }
  });

  it('keeps concurrent requests’ counts apart', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => gql(i % 2 ? HEADLINE : '{ job(id: "9") { title } }')));
    results.forEach((r, i) => {
      if (i % 2) expect(r.extensions?.sql?.statements).toBeGreaterThanOrEqual(4);
      else expect(r.extensions?.sql?.statements).toBe(1);
    });
  });

  it('can be turned off', async () => {
    const quiet = testGateway(suite.db, { SQL_STATS: false }).gql;
    const res = await quiet('{ job(id: "7") { title } }');
    expect(res.data.job.title).toEqual(expect.any(String));
    expect(res.extensions?.sql).toBeUndefined();
  });
});
