import { openTestDatabase, type TestDatabase } from '../helpers/db';
import { TEST_JWT_SECRET, tokenFor } from '../helpers/gateway';
import { startGateway, type GatewayProcess } from '../helpers/process';
import { describeIf } from '../helpers/skip';
import { pgUrl, uniqueName, withDatabase } from '../helpers/template';

// Workers share what they must through PostgreSQL and Redis, so this runs where both are
// (CI's second pass sets TEST_DATABASE_URL and REDIS_URL).
const shared = pgUrl() && process.env.REDIS_URL;
const describeShared = describeIf(shared, 'needs TEST_DATABASE_URL and REDIS_URL: several processes cannot share an embedded database');

let db: TestDatabase;
let gateway: GatewayProcess;

describeShared('npm start -- --workers 2', () => {
  beforeAll(async () => {
    db = await openTestDatabase();
    const name = (await db.raw.query<{ d: string }>('SELECT current_database() AS d'))[0].d;
    gateway = await startGateway(
      {
        ...process.env,
        PORT: String(30_000 + Math.floor(Math.random() * 20_000)),
        HOST: '127.0.0.1',
        DATABASE_URL: withDatabase(pgUrl()!, name),
        CACHE_PREFIX: uniqueName('cluster'),
        JWT_SECRET: TEST_JWT_SECRET,
        RATE_LIMIT_ENABLED: 'false',
        SHUTDOWN_GRACE_MS: '0',
      },
      ['--workers', '2'],
      2,
    );
  }, 120_000);
  afterAll(async () => {
    if (gateway?.child.exitCode === null) gateway.child.kill('SIGKILL');
    await db?.destroy();
  });

  /** One request on a connection of its own, so the primary hands it to the next worker. */
  async function post(body: unknown, token?: string) {
    const res = await fetch(`${gateway.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', connection: 'close', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { worker: res.headers.get('x-gateway-worker'), body: await res.json() };
  }

  it('serves from both workers, and a write on one is read on the other at once', async () => {
    const [{ id, companyId }] = await db.raw.query<{ id: number; companyId: number }>(
      'SELECT id, company_id AS "companyId" FROM job WHERE is_active ORDER BY id LIMIT 1',
    );
    const read = { query: 'query Title($id: ID!) { job(id: $id) { title } }', variables: { id: String(id) } };
    // Warm both workers' view (and the shared cache) with the old title.
    const seen = new Set<string | null>();
    for (let i = 0; i < 6; i++) seen.add((await post(read)).worker);
    expect([...seen].sort()).toEqual(['1', '2']);

    const employer = tokenFor(9_000, 'EMPLOYER', companyId);
    for (let round = 0; round < 4; round++) {
      const title = `Renamed in round ${round}`;
      const write = await post(
        { query: 'mutation R($id: ID!, $t: String!) { updateJob(id: $id, input: { title: $t }) { title } }', variables: { id: String(id), t: title } },
        employer,
      );
      expect(write.body.errors).toBeUndefined();
      // The next two reads land on both workers, one of them not the writer.
      const reads = [await post(read), await post(read)];
      expect(reads.map((r) => r.worker).sort()).toEqual(['1', '2']);
      for (const r of reads) expect(r.body.data.job.title).toBe(title);
    }
  });

  it('stops every worker on SIGTERM and exits 0', async () => {
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    expect(gateway.output()).toContain('all workers stopped');
  });
});

describe('--workers on the embedded database', () => {
  it('is refused with a clear message, exit code 1', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
    delete env.DATABASE_URL;
    await expect(startGateway(env, ['--workers', '2'])).rejects.toThrow(/exited with 1[\s\S]*--workers\/WEB_CONCURRENCY above 1 needs DATABASE_URL/);
  });
});
