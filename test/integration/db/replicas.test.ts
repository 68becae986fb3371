import pg from 'pg';
import type { ResponseCache } from '../../../src/cache/response-cache';
import { loadConfig } from '../../../src/config';
import { openDatabase, type Database } from '../../../src/db/database';
import { invalidationOf } from '../../../src/cache/tags';
import { Writes } from '../../../src/data/writes';
import { ReplicaSet, type ReplicaStatus } from '../../../src/db/replicas';
import { createGateway, type Gateway } from '../../../src/http/gateway';
import { SimilarJobsRefresher } from '../../../src/similar/refresher';
import { emptyAndClose, makeCache } from '../../helpers/cache';
import { TEST_JWT_SECRET, tokenFor } from '../../helpers/gateway';
import type { ReplicatedPair } from '../../helpers/pg-replica';
import { describeReplicas, seededPair, until } from '../../helpers/replica-suite';
import { itIf } from '../../helpers/skip';
import { uniqueName } from '../../helpers/template';

// A real streaming replica (helpers/pg-replica.ts), its primary seeded from the test template.
const redisUrl = process.env.REDIS_URL || undefined;
const JOB = 'query($id: ID!) { job(id: $id) { id title } }';
const UPDATE = 'mutation($id: ID!, $input: UpdateJobInput!) { updateJob(id: $id, input: $input) { id title } }';

describeReplicas('read replicas (a real streaming standby)', () => {
  let pair: ReplicatedPair | undefined;
  let primaryUrl = '';
  let replicaUrl = '';
  let db: Database;
  const caches: ResponseCache[] = [];
  const sets: ReplicaSet[] = [];
  let a: { gateway: Gateway; replicas: ReplicaSet; gql: (q: string, v: Record<string, unknown>, token?: string) => Promise<any> };
  let job: { id: number; companyId: number };
  let replicaAdmin: pg.Client;

  /** A gateway process as server.ts wires one: its own replica monitor, the cache told of invalidations. */
  function instance(cache: ResponseCache, watchCache = true) {
    const replicas = new ReplicaSet(primaryUrl, [replicaUrl], { maxLagMs: 1000, pollMs: 100, poolSize: 3 }).start();
    sets.push(replicas);
    if (watchCache) cache.onInvalidation = () => replicas.noteWrite();
    const similar = new SimilarJobsRefresher(db.prisma, { intervalMs: 60_000 });
    const gateway = createGateway(
      { db, replicas, similar, responseCache: cache, writes: new Writes(invalidationOf(cache), replicas) },
      { ...loadConfig({}), SQL_STATS: true, NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET },
    );
    const gql = async (query: string, variables: Record<string, unknown>, token?: string) => {
      const res = await gateway.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, ...((await res.json()) as object) } as any;
    };
    return { gateway, replicas, gql };
  }

  // Set while a test holds replay paused: the next ones need it resumed even if that test failed.
  let resumeAfter = false;
  afterEach(async () => {
    if (resumeAfter) await replicaAdmin.query('SELECT pg_wal_replay_resume()');
    resumeAfter = false;
  });

  const status = (set: ReplicaSet): ReplicaStatus => set.status()[0];
  const ready = async (gateway: Gateway) => (await (await gateway.fetch('http://gateway.test/ready')).json()) as { replicas: ReplicaStatus[] };
  const title = async (gql: typeof a.gql, token?: string) => {
    const res = await gql(JOB, { id: String(job.id) }, token);
    expect(res.errors).toBeUndefined();
    return { title: res.data.job.title as string, hit: Boolean(res.extensions?.responseCache?.hit) };
  };
  /** Waits until a read of a job is served by the replica (its read count goes up). */
  const readsFromReplica = (set: ReplicaSet, gql: typeof a.gql) =>
    until('a read served by the replica', async () => {
      const before = status(set).reads;
      // A job page nobody cached: a fresh id each time (one of the seeded ones).
      await gql('query($id: ID!) { job(id: $id) { id } }', { id: String(1 + Math.floor(Math.random() * 50)) });
      return status(set).reads > before;
    });

  beforeAll(async () => {
    ({ pair, primaryUrl, replicaUrl } = await seededPair('chommie-replicas-', 'chommie_replicated'));
    db = await openDatabase({ url: primaryUrl, poolSize: 5 });
    replicaAdmin = new pg.Client({ connectionString: replicaUrl });
    await replicaAdmin.connect();
    const cache = makeCache(redisUrl, uniqueName('replicas'));
    caches.push(cache);
    a = instance(cache);
    job = await db.prisma.job.findFirstOrThrow({ where: { isActive: true }, select: { id: true, companyId: true }, orderBy: { id: 'asc' } });
    await until('the replica to be up', () => status(a.replicas).state === 'up');
  }, 90_000);

  afterAll(async () => {
    await Promise.all(sets.map((s) => s.close()));
    await emptyAndClose(caches);
    await replicaAdmin?.end().catch(() => undefined);
    await db?.close();
    pair?.teardown();
  }, 60_000);

  it('serves queries from the replica: its read connections are there, and its read count goes up', async () => {
    await readsFromReplica(a.replicas, a.gql);
    const { rows } = await replicaAdmin.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'chommie-replica-reads'",
    );
    expect(rows[0].n).toBeGreaterThan(0);
    const r = (await ready(a.gateway)).replicas[0];
    expect(r).toMatchObject({ state: 'up', name: `127.0.0.1:${pair!.replicaPort}/${new URL(replicaUrl).pathname.slice(1)}` });
    // How far behind is measured and reported; 'up' is the verdict on it (not a time asserted here).
    expect(r.lagMs).toEqual(expect.any(Number));
    const lags: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      lags.push(status(a.replicas).lagMs!);
      await new Promise((res) => setTimeout(res, 25));
    }
    process.stdout.write(`healthy replica lag, sampled every 25 ms: ${Math.min(...lags)}–${Math.max(...lags)} ms\n`);
    const metrics = await (await a.gateway.fetch('http://gateway.test/metrics')).text();
    expect(metrics).toMatch(/db_replica_up\{replica="[^"]+",state="up"\} 1/);
    expect(metrics).toMatch(/db_replica_lag_seconds\{replica="[^"]+"\} 0\.\d+/);
  });

  it('a viewer who wrote reads the write at once; the replica serves again once it has replayed it', async () => {
    const token = tokenFor(50, 'EMPLOYER', job.companyId);
    expect((await title(a.gql, token)).title).not.toBe('Replayed Pilot');
    const res = await a.gql(UPDATE, { id: String(job.id), input: { title: 'Replayed Pilot' } }, token);
    expect(res.data.updateJob.title).toBe('Replayed Pilot');
    expect((await title(a.gql, token)).title).toBe('Replayed Pilot');
    expect((await title(a.gql)).title).toBe('Replayed Pilot');
    await readsFromReplica(a.replicas, a.gql);
    const { rows } = await replicaAdmin.query<{ title: string }>('SELECT title FROM job WHERE id = $1', [job.id]);
    expect(rows[0].title).toBe('Replayed Pilot');
  });

  it('replay paused, then a write: no stale result served or cached; the replica is reported lagging and takes no reads until it resumes', async () => {
    const token = tokenFor(50, 'EMPLOYER', job.companyId);
    await readsFromReplica(a.replicas, a.gql);
    // Cached (by the test before, or now).
    expect((await title(a.gql)).title).toBe('Replayed Pilot');
    expect(await title(a.gql)).toEqual({ title: 'Replayed Pilot', hit: true });
    await replicaAdmin.query('SELECT pg_wal_replay_pause()');
    resumeAfter = true;
    const paused = Date.now();
    await a.gql(UPDATE, { id: String(job.id), input: { title: 'Paused Pilot' } }, token);
    // The viewer, the public and the cache: all see the write.
    expect((await title(a.gql, token)).title).toBe('Paused Pilot'); // a public result, which the cache now holds
    expect(await title(a.gql)).toEqual({ title: 'Paused Pilot', hit: true });
    expect((await a.gql('query($id: ID!) { job(id: $id) { title id } }', { id: String(job.id) })).data.job.title).toBe('Paused Pilot');
    const { rows } = await replicaAdmin.query<{ title: string }>('SELECT title FROM job WHERE id = $1', [job.id]);
    expect(rows[0].title).toBe('Replayed Pilot'); // the replica really is behind
    const lagging = await until('the replica reported lagging', async () => (await ready(a.gateway)).replicas.find((r) => r.state === 'lagging'));
    expect(lagging.lagMs).toBeGreaterThan(1000);
    process.stdout.write(`replica reported lagging ${Date.now() - paused} ms after replay was paused\n`);
    const before = status(a.replicas).reads;
    await a.gql('query($id: ID!) { job(id: $id) { id title } }', { id: String(job.id + 1) });
    expect(status(a.replicas).reads).toBe(before);
    await replicaAdmin.query('SELECT pg_wal_replay_resume()');
    resumeAfter = false;
    const resumed = Date.now();
    await until('the replica up again', () => status(a.replicas).state === 'up');
    process.stdout.write(`replica up again ${Date.now() - resumed} ms after replay resumed\n`);
    await readsFromReplica(a.replicas, a.gql);
    expect((await title(a.gql)).title).toBe('Paused Pilot');
  });

  itIf(redisUrl, 'needs REDIS_URL: instances share invalidations only through Redis')(
    'across instances sharing the cache: a read on another instance after a write sees it, and an instance that missed the write never caches its stale read',
    async () => {
      const token = tokenFor(50, 'EMPLOYER', job.companyId);
      const prefix = uniqueName('replicas_shared');
      const [ca, cb, cc] = [makeCache(redisUrl, prefix), makeCache(redisUrl, prefix), makeCache(redisUrl, prefix)];
      caches.push(ca, cb, cc);
      const writer = instance(ca);
      const reader = instance(cb);
      // One told of nothing (as if its cache could not say): it may read the replica's older
      // state within the lag bound, but must never cache it as current.
      const blind = instance(cc, false);
      await until('the replicas up', () => [writer, reader, blind].every((i) => status(i.replicas).state === 'up'));
      await readsFromReplica(blind.replicas, blind.gql);
      await replicaAdmin.query('SELECT pg_wal_replay_pause()');
      try {
        await writer.gql(UPDATE, { id: String(job.id), input: { title: 'Shared Pilot' } }, token);
        // First, so that it executes rather than hits what the others cache.
        const before = status(blind.replicas).reads;
        const seen = await title(blind.gql); // perhaps the replica's 'Paused Pilot' (within the lag bound), never cached
        process.stdout.write(`uninformed instance read ${JSON.stringify(seen)} from the ${status(blind.replicas).reads > before ? 'replica' : 'primary'}\n`);
        expect((await title(reader.gql)).title).toBe('Shared Pilot');
        expect((await title(writer.gql)).title).toBe('Shared Pilot');
        expect((await title(reader.gql)).title).toBe('Shared Pilot');
      } finally {
        await replicaAdmin.query('SELECT pg_wal_replay_resume()');
      }
    },
  );

  it('a stopped replica: reads still succeed from the primary and /ready says it is down; restarted, it serves again', async () => {
    await readsFromReplica(a.replicas, a.gql);
    await replicaAdmin.end();
    pair!.control('replica', 'stop');
    const down = await until('the replica reported down', async () => (await ready(a.gateway)).replicas.find((r) => r.state === 'down'));
    expect(down.error).toBeTruthy();
    const readyRes = await a.gateway.fetch('http://gateway.test/ready');
    expect(readyRes.status).toBe(200); // the primary takes the reads
    for (let id = job.id; id < job.id + 5; id += 1) {
      const res = await a.gql('query($id: ID!) { job(id: $id) { id } }', { id: String(id) });
      expect(res.errors).toBeUndefined();
      expect(res.data.job.id).toBe(String(id));
    }
    pair!.control('replica', 'start');
    replicaAdmin = new pg.Client({ connectionString: replicaUrl });
    await replicaAdmin.connect();
    await until('the replica up again', () => status(a.replicas).state === 'up');
    await readsFromReplica(a.replicas, a.gql);
  });
});
