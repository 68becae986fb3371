import { makeCache } from '../../helpers/cache';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';
import { testGateway } from '../../helpers/gateway';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(() => db.destroy());

const get = async (gateway: ReturnType<typeof testGateway>['gateway'], path: string) => {
  const res = await gateway.fetch(`http://gateway.test${path}`);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};

/** Prometheus text format: `name{labels} value` per sample line, `# HELP`/`# TYPE` comments. */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (-?[\d.e+-]+|NaN|[+-]?Inf)$/i.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    samples.set(m[1], Number(m[2]));
  }
  return samples;
}

describe('operations endpoints', () => {
  it('/health answers while the process lives', async () => {
    const { gateway } = testGateway(db);
    expect((await get(gateway, '/health')).status).toBe(200);
  });

  it('/ready checks the database and its migrations, and reports the cache', async () => {
    const cache = makeCache();
    const { gateway } = testGateway(db, { responseCache: cache });
    const ready = await get(gateway, '/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toEqual({ status: 'ready', cache: 'memory', database: 'ok', migrations: 'ok' });
    await cache.store.close();
  });

  it('/ready fails while the database is unreachable and recovers when it returns', async () => {
    const other = await openTestDatabase();
    const { gateway } = testGateway(other);
    expect((await get(gateway, '/ready')).status).toBe(200);
    // Unreachable: the migrations table is gone as if the database were replaced, then restored.
    await other.raw.exec('ALTER TABLE "_prisma_migrations" RENAME TO "_prisma_migrations_away"');
    const down = await get(gateway, '/ready');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.text)).toMatchObject({ status: 'unready', database: expect.stringMatching(/unreachable/) });
    await other.raw.exec('ALTER TABLE "_prisma_migrations_away" RENAME TO "_prisma_migrations"');
    expect((await get(gateway, '/ready')).status).toBe(200);
    await other.raw.exec(`DELETE FROM "_prisma_migrations" WHERE migration_name = (SELECT max(migration_name) FROM "_prisma_migrations")`);
    const behind = await get(gateway, '/ready');
    expect(behind.status).toBe(503);
    expect(JSON.parse(behind.text).migrations.missing).toHaveLength(1);
    await other.destroy();
  });

  it('/metrics is not public in production: absent on the serving port, or behind METRICS_TOKEN', async () => {
    const token = 'metrics-token-of-the-test-0123456789';
    const metricsWith = async (gateway: ReturnType<typeof testGateway>['gateway'], authorization?: string) => {
      const res = await gateway.fetch('http://gateway.test/metrics', { headers: authorization ? { authorization } : {} });
      return { status: res.status, text: await res.text() };
    };
    const production = testGateway(db, { config: { NODE_ENV: 'production' } }).gateway;
    for (const authorization of [undefined, 'Bearer anything', `Bearer ${token}`]) {
      const res = await metricsWith(production, authorization);
      expect({ authorization, status: res.status }).toEqual({ authorization, status: 404 });
      expect(res.text).not.toMatch(/graphql_|process_/);
      expect(res.text).toMatch(/METRICS_PORT/);
    }
    for (const env of ['production', 'development'] as const) {
      const guarded = testGateway(db, { config: { NODE_ENV: env, METRICS_TOKEN: token } }).gateway;
      for (const authorization of [undefined, 'Bearer wrong', `Basic ${token}`, `Bearer ${token}x`]) {
        const res = await metricsWith(guarded, authorization);
        expect({ env, authorization, status: res.status }).toEqual({ env, authorization, status: 401 });
        expect(res.text).not.toMatch(/graphql_|process_/);
      }
      const ok = await metricsWith(guarded, `Bearer ${token}`);
      expect({ env, status: ok.status }).toEqual({ env, status: 200 });
      expect(ok.text).toMatch(/^# HELP graphql_request_duration_seconds/m);
    }
    // Outside production with no token: public, for a developer's curl.
    expect((await metricsWith(testGateway(db).gateway)).status).toBe(200);
  });

  it('/metrics parses as Prometheus text and its counters move with requests', async () => {
    const cache = makeCache();
    const { gateway, gql } = testGateway(db, { responseCache: cache });
    const before = parseMetrics((await get(gateway, '/metrics')).text);
    await gql('query Page { job(id: "1") { title } }');
    await gql('query Page { job(id: "1") { title } }');
    await gql('{ job(id: "x") { title } }');
    const m = await get(gateway, '/metrics');
    expect(m.type).toMatch(/^text\/plain/);
    const after = parseMetrics(m.text);
    const count = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
    expect(count('graphql_request_duration_seconds_count{operation="Page",type="query",cache="miss"}')).toBe(1);
    expect(count('graphql_request_duration_seconds_count{operation="Page",type="query",cache="hit"}')).toBe(1);
    expect(count('graphql_errors_total{code="BAD_USER_INPUT"}')).toBe(1);
    expect(count('graphql_sql_statements_count')).toBeGreaterThanOrEqual(1);
    expect(after.get('response_cache_hits')).toBe(1);
    expect(after.get('nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(after.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect([...after.keys()].some((k) => k.startsWith('db_pool_connections{state="total"}'))).toBe(true);
    await cache.store.close();
  });

  it('/metrics shows DataLoader batch sizes: a page of 20 jobs loads their 7-day counts in one batch', async () => {
    const { gateway, gql } = testGateway(db);
    const res = await gql('{ jobs(first: 20) { edges { node { applicationCount(days: 7) } } } }');
    expect(res.data.jobs.edges).toHaveLength(20);
    const after = parseMetrics((await get(gateway, '/metrics')).text);
    expect(after.get('dataloader_batch_size_count{loader="applicationCount"}')).toBe(1);
    // The batch held every job of the page at once.
    expect(after.get('dataloader_batch_size_sum{loader="applicationCount"}')).toBe(20);
  });
});
