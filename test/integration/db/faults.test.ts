import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, type Database } from '../../../src/db/database';
import { SimilarJobsRefresher } from '../../../src/similar/refresher';
import { hasRedisServer, makeCache, OwnRedis } from '../../helpers/cache';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy';
import { TEST_JWT_SECRET, testGateway, tokenFor } from '../../helpers/gateway';
import { startGateway, type GatewayProcess } from '../../helpers/process';
import { pgUrl, uniqueName } from '../../helpers/template';
import { describeIf } from '../../helpers/skip';

// Breaking the database under the gateway, on purpose: connections terminated by the server,
// a database unreachable or hanging, a connection dying under a mutation or an import. These
// need a real PostgreSQL (and a Redis server of their own); on embedded PGlite there is no
// connection to lose.
const ready = !!pgUrl() && hasRedisServer();
const describeFaults = describeIf(ready, 'needs TEST_DATABASE_URL (a real PostgreSQL) and redis-server; on PGlite there is no connection to lose');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WORDS = ['engineer', 'nurse', 'python', 'sales', 'data', 'manager', 'react', 'analyst', 'remote', 'senior', 'java', 'designer'];
const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];

let db: TestDatabase;
let admin: pg.Client;
beforeAll(async () => {
  if (!ready) return;
  db = await openTestDatabase();
  admin = new pg.Client({ connectionString: pgUrl() });
  await admin.connect();
}, 60_000);
afterAll(async () => {
  await admin?.end();
  await db?.destroy();
});

const dbName = () => new URL(db.url!).pathname.slice(1);
/** What a server restart or an idle-connection reaper does to every connection of the database. */
const terminateBackends = async () =>
  (
    await admin.query<{ n: number }>('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
      dbName(),
    ])
  ).rows[0].n;

function gatewayEnv(databaseUrl: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '5',
    CACHE_ENABLED: 'false',
    RATE_LIMIT_ENABLED: 'false',
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'info',
    SHUTDOWN_GRACE_MS: '0',
  };
  delete env.REDIS_URL;
  return env;
}

/** 'ok', 'no answer', `HTTP <status>`, or the comma-joined error codes of a GraphQL answer. */
type Outcome = string;

/** One request: 'ok', the error codes it got, its HTTP status if it was not a GraphQL answer, or 'no answer'. */
async function ask(base: string, query: string, variables?: Record<string, unknown>, token?: string): Promise<Outcome> {
  try {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
    const res = await fetch(`${base}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }), signal: AbortSignal.timeout(30_000) });
    if (res.status >= 500 && res.status !== 503) return `HTTP ${res.status}`;
    const body = (await res.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
    return body.errors ? body.errors.map((e) => e.extensions?.code ?? 'no code').join(',') : 'ok';
  } catch {
    return 'no answer';
  }
}

const SEARCH = 'query ($q: String) { jobs(filter: { search: $q }, first: 20) { totalCount edges { node { title company { name } } } } }';
const JOB = 'query ($id: ID!) { job(id: $id) { title company { name } similarJobs(first: 3) { title } } }';
const APPLY = 'mutation ($id: ID!) { applyToJob(jobId: $id) { id } }';
const randomJob = () => String(1 + Math.floor(Math.random() * 2400));

/** Concurrent clients sending searches, job pages and applications (transactions) until `stop` is set; every outcome counted. */
function load(base: string, clients: number) {
  const outcomes = new Map<Outcome, number>();
  let stopped = false;
  const runs = Array.from({ length: clients }, async () => {
    while (!stopped) {
      const dice = Math.random();
      const o =
        dice < 0.6
          ? await ask(base, SEARCH, { q: `${pick(WORDS)} ${pick(WORDS)}` })
          : dice < 0.85
            ? await ask(base, JOB, { id: randomJob() })
            : await ask(base, APPLY, { id: randomJob() }, tokenFor(1 + Math.floor(Math.random() * 600), 'SEEKER'));
      outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
    }
  });
  return {
    outcomes,
    stop: async () => {
      stopped = true;
      await Promise.all(runs);
    },
  };
}

describeFaults('faults: the database drops, hangs or goes away', () => {
  let gateway: GatewayProcess;
  afterEach(() => {
    if (gateway?.child.exitCode === null) gateway.child.kill('SIGKILL');
  });

  it('connections terminated by the server during load, 10 times: the process lives, hit requests fail cleanly, every later request is answered', async () => {
    gateway = await startGateway(gatewayEnv(db.url!));
    const seen = new Map<Outcome, number>();
    let terminated = 0;
    for (let trial = 0; trial < 10; trial++) {
      const l = load(gateway.base, 30);
      await sleep(300 + Math.random() * 300);
      terminated += await terminateBackends();
      await sleep(400);
      await l.stop();
      for (const [o, n] of l.outcomes) seen.set(o, (seen.get(o) ?? 0) + n);
      expect(gateway.child.exitCode).toBeNull();
      expect(await ask(gateway.base, SEARCH, { q: 'engineer' })).toBe('ok');
    }
    console.log(`10 trials, ${terminated} connections terminated under load: outcomes ${JSON.stringify(Object.fromEntries(seen))}`);
    expect(terminated).toBeGreaterThanOrEqual(10);
    // Every request got an answer: data, or a retryable SERVICE_UNAVAILABLE for those whose
    // connection died under them (reads are retried once, so most never notice); a repeated
    // application is CONFLICT.
    for (const o of seen.keys()) expect([o, o.split(',').every((code) => ['ok', 'SERVICE_UNAVAILABLE', 'CONFLICT'].includes(code))]).toEqual([o, true]);
    expect(seen.get('ok')).toBeGreaterThan(100);
    expect(gateway.output()).not.toMatch(/Unhandled 'error' event|uncaught/i);
  }, 180_000);

  describe('through a proxy that can cut or stall the database', () => {
    let proxy: FaultProxy;
    beforeEach(async () => {
      proxy = await startFaultProxy(Number(new URL(pgUrl()!).port || 5432));
    });
    afterEach(() => proxy.close());

    const readiness = async (base: string) => {
      const res = await fetch(`${base}/ready`, { signal: AbortSignal.timeout(10_000) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const until = async (what: () => Promise<boolean>, seconds: number) => {
      for (let i = 0; i < seconds * 5; i++)
        if (await what()) return true;
        else await sleep(200);
      return false;
    };

    it('unreachable for seconds, then back: not ready and SERVICE_UNAVAILABLE meanwhile, ready and serving after, alive throughout', async () => {
      gateway = await startGateway(gatewayEnv(proxy.url(db.url!)));
      expect(await ask(gateway.base, SEARCH, { q: 'nurse' })).toBe('ok');
      proxy.cut();
      const down = await readiness(gateway.base);
      expect(down.status).toBe(503);
      expect(String(down.body.database)).toMatch(/^unreachable/);
      const during: Outcome[] = [];
      for (const started = Date.now(); Date.now() - started < 3000;) during.push(await ask(gateway.base, SEARCH, { q: pick(WORDS) }));
      expect(new Set(during)).toEqual(new Set(['SERVICE_UNAVAILABLE']));
      expect(gateway.child.exitCode).toBeNull();
      proxy.restore();
      expect(await until(async () => (await readiness(gateway.base)).status === 200, 15)).toBe(true);
      expect(await ask(gateway.base, SEARCH, { q: 'nurse' })).toBe('ok');
    }, 120_000);

    it('hanging (packets held, nothing refused): /ready says so within its bound; requests complete once it answers again', async () => {
      gateway = await startGateway(gatewayEnv(proxy.url(db.url!)));
      expect(await ask(gateway.base, JOB, { id: '5' })).toBe('ok');
      proxy.stall();
      const pending = ask(gateway.base, JOB, { id: '6' });
      const stalled = await readiness(gateway.base);
      expect(stalled.status).toBe(503);
      expect(String(stalled.body.database)).toContain('no answer within');
      proxy.restore();
      expect(await pending).toBe('ok');
      expect((await readiness(gateway.base)).status).toBe(200);
    }, 60_000);

    it('a mutation whose connection dies in flight is all or nothing, and what it acknowledged is stored', async () => {
      const viaProxy: Database = await openDatabase({ url: proxy.url(db.url!), poolSize: 3 });
      const { gql } = testGateway(viaProxy);
      const asAdmin = tokenFor(1, 'ADMIN');
      const IMPORT = 'mutation ($jobs: [JobInput!]!) { importJobs(jobs: $jobs) { created } }';
      const posting = (trial: number, i: number) => ({
        companyName: 'Fault Mutation Co',
        externalId: `fault-${trial}-${i}`,
        title: `Platform Engineer ${i}`,
        description: `Builds ${pick(WORDS)} services and ${pick(WORDS)} pipelines.`,
        location: 'Austin, TX',
        jobType: 'FULL_TIME',
      });
      const stored = async (trial: number) =>
        (await db.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM job WHERE external_id LIKE $1', [`fault-${trial}-%`]))[0].n;
      const codes = new Set<string>();
      const interrupted: number[] = [];
      const company = await db.prisma.company.create({ data: { name: 'Fault Mutation Co' } });
      const locker = new pg.Client({ connectionString: db.url });
      await locker.connect();
      try {
        for (let trial = 0; trial < 10; trial++) {
          // The first trial is made to die inside its transaction: the company row it upserts
          // is locked, so it waits there until its connection is reset. The others die wherever
          // a random moment finds them.
          if (trial === 0) {
            await locker.query('BEGIN');
            await locker.query('SELECT id FROM company WHERE id = $1 FOR UPDATE', [company.id]);
          }
          const sent = gql(IMPORT, { jobs: Array.from({ length: 30 }, (_, i) => posting(trial, i)) }, { token: asAdmin });
          if (trial === 0) {
            const waiting = async () =>
              (await admin.query("SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", [dbName()])).rowCount! > 0;
            for (let i = 0; i < 300 && !(await waiting()); i++) await sleep(50);
            expect(await waiting()).toBe(true);
          } else await sleep(Math.random() * 60);
          proxy.reset();
          if (trial === 0) await locker.query('ROLLBACK');
          const res = await sent;
          const n = await stored(trial);
          expect([0, 30]).toContain(n);
          if (res.data?.importJobs) expect(n).toBe(30);
          else {
            interrupted.push(trial);
            for (const e of res.errors ?? []) codes.add(e.extensions?.code ?? 'no code');
          }
        }
      } finally {
        await locker.end();
        await viaProxy.close();
      }
      expect(interrupted).toContain(0);
      expect([...codes]).toEqual(['SERVICE_UNAVAILABLE']);
    }, 120_000);

    it('Redis cut, hanging, then back: every request is answered (uncached meanwhile), and the cache serves again after', async () => {
      const redis = new OwnRedis();
      await redis.start();
      const redisProxy = await startFaultProxy(redis.port);
      const cache = makeCache(redisProxy.url(redis.url), uniqueName('faults'), 1000);
      const { gql } = testGateway(db, { responseCache: cache });
      const JOB5 = '{ job(id: "5") { title } }';
      /** Whether the cache answers again (its writes and its recovery are not instant). */
      const servesHits = async () => {
        for (let i = 0; i < 50; i++) {
          if (((await gql(JOB5)).extensions?.responseCache as { hit?: boolean } | undefined)?.hit) return true;
          await sleep(200);
        }
        return false;
      };
      try {
        expect(await servesHits()).toBe(true);
        for (const fault of ['cut', 'stall'] as const) {
          redisProxy[fault]();
          for (let i = 0; i < 5; i++) {
            const res = await gql(JOB5);
            expect(res.errors).toBeUndefined();
            expect(res.data.job.title).toEqual(expect.any(String));
          }
          redisProxy.restore();
          redisProxy.reset();
          expect({ fault, hits: await servesHits() }).toEqual({ fault, hits: true });
        }
      } finally {
        await cache.store.close();
        await redisProxy.close();
        await redis.kill();
      }
    }, 120_000);

    it('an import whose connection is killed mid-way, then run again: every row ends with keywords and similar jobs, and the cached results it touched are invalidated', async () => {
      const redis = new OwnRedis();
      await redis.start();
      const prefix = uniqueName('faults');
      const cache = makeCache(redis.url, prefix);
      const { gql } = testGateway(db, { responseCache: cache });
      const dir = mkdtempSync(join(tmpdir(), 'chommie-faults-'));
      const locker = new pg.Client({ connectionString: db.url });
      await locker.connect();
      try {
        const [a, b] = await Promise.all(['Fault Import A', 'Fault Import B'].map((name) => db.prisma.company.create({ data: { name } })));
        const roles = ['Backend Engineer', 'Registered Nurse', 'Data Analyst', 'Sales Manager', 'Product Designer'];
        const feed = Array.from({ length: 200 }, (_, i) => ({
          companyName: i < 100 ? a.name : b.name,
          externalId: `row-${i}`,
          title: `${roles[i % roles.length]} ${['I', 'II', 'III'][i % 3]}`,
          description: `Join us as a ${roles[i % roles.length]} working with ${WORDS[i % WORDS.length]} and ${WORDS[(i * 7) % WORDS.length]} every day.`,
          location: 'Denver, CO',
          jobType: 'FULL_TIME',
        }));
        const file = join(dir, 'feed.jsonl');
        writeFileSync(file, feed.map((r) => JSON.stringify(r)).join('\n') + '\n');
        const COUNT = (id: number) => `{ jobs(filter: { companyId: "${id}" }, first: 1) { totalCount } }`;
        for (const c of [a, b]) {
          await gql(COUNT(c.id));
          expect((await gql(COUNT(c.id))).extensions?.responseCache).toEqual({ hit: true });
        }

        const runImporter = () => {
          const env = { ...process.env, DATABASE_URL: proxy.url(db.url!), REDIS_URL: redis.url, CACHE_PREFIX: prefix, NODE_OPTIONS: '' };
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', 'scripts/import.ts', file, '--format', 'jsonl', '--source', 'faults', '--batch-size', '20'],
            { cwd: join(__dirname, '../../..'), env },
          );
          let output = '';
          child.stdout.on('data', (d: Buffer) => (output += d.toString()));
          child.stderr.on('data', (d: Buffer) => (output += d.toString()));
          return { exited: new Promise<number | null>((resolve) => child.on('exit', resolve)), output: () => output };
        };
        const written = async () => (await db.raw.query<{ n: number }>("SELECT count(*)::int AS n FROM job WHERE source = 'faults'"))[0].n;

        // Company B's row locked: the batch that reaches its first posting waits, after five
        // batches (100 rows) have committed. Then the importer's connections are killed.
        await locker.query('BEGIN');
        await locker.query('SELECT id FROM company WHERE id = $1 FOR UPDATE', [b.id]);
        const first = runImporter();
        const waiting = async () =>
          (await written()) === 100 &&
          (await admin.query("SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", [dbName()])).rowCount! > 0;
        for (let i = 0; i < 600 && !(await waiting()); i++) await sleep(100);
        expect(await waiting()).toBe(true);
        proxy.reset();
        expect({ code: await first.exited, output: first.output() }).toMatchObject({ code: 1 });
        await locker.query('ROLLBACK');
        expect(first.output()).toContain('the import stopped after 100 of 200 postings were written');
        expect(first.output()).toContain('Run it again');
        expect(first.output()).not.toMatch(/Unhandled|\n\s+at /);
        expect(await written()).toBe(100);
        // The committed rows' cached lists are invalidated; their derived data is queued in the database.
        expect(await gql(COUNT(a.id))).toMatchObject({ data: { jobs: { totalCount: 100 } }, extensions: { responseCache: { hit: false } } });
        const queued = await db.raw.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM job_similar_queue q JOIN job j ON j.id = q.job_id WHERE j.source = 'faults' AND q.reindex",
        );
        expect(queued[0].n).toBe(100);

        const second = runImporter();
        expect({ code: await second.exited, output: second.output() }).toMatchObject({ code: 0 });
        expect(second.output()).toContain('100 created, 0 updated, 100 unchanged');
        // What a gateway's background refresher does with the queue.
        await new SimilarJobsRefresher(db.prisma, { intervalMs: 60_000 }).drain();
        const incomplete = await db.raw.query<{ id: number }>(
          `SELECT j.id FROM job j WHERE j.source = 'faults'
             AND (NOT EXISTS (SELECT 1 FROM job_keyword k WHERE k.job_id = j.id) OR NOT EXISTS (SELECT 1 FROM job_similar s WHERE s.job_id = j.id))`,
        );
        expect(incomplete).toEqual([]);
        expect(await written()).toBe(200);
        // B's jobs arrived with the rerun: its list is invalidated; A's, unchanged since, may be served.
        expect(await gql(COUNT(b.id))).toMatchObject({ data: { jobs: { totalCount: 100 } }, extensions: { responseCache: { hit: false } } });
        expect(await gql(COUNT(a.id))).toMatchObject({ data: { jobs: { totalCount: 100 } } });
      } finally {
        await locker.end();
        await cache.store.close();
        await redis.kill();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 240_000);
  });
});
