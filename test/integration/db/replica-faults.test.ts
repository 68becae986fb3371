import pg from 'pg';
import { loadConfig } from '../../../src/config';
import { openDatabase, type Database } from '../../../src/db/database';
import { Writes } from '../../../src/data/writes';
import { ReplicaSet, type ReplicaStatus } from '../../../src/db/replicas';
import { createGateway, type Gateway } from '../../../src/http/gateway';
import { SimilarJobsRefresher } from '../../../src/similar/refresher';
import { emptyAndClose, makeCache } from '../../helpers/cache';
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy';
import { TEST_JWT_SECRET } from '../../helpers/gateway';
import type { ReplicatedPair } from '../../helpers/pg-replica';
import { describeReplicas, seededPair, until } from '../../helpers/replica-suite';
import { uniqueName } from '../../helpers/template';
import type { ResponseCache } from '../../../src/cache/response-cache';

// Read replicas under faults, on a real pg_basebackup standby (helpers/pg-replica.ts): a replica
// that hangs without closing its connections, replication broken and resumed, and a replica
// promoted while it serves. What must hold throughout: every read answers, with the primary's
// current data, and the replica serves again once it can.
const JOB = 'query($id: ID!) { job(id: $id) { id title } }';

describeReplicas('read replicas under faults (a real streaming standby)', () => {
  let pair: ReplicatedPair | undefined;
  let primaryUrl = '';
  let replicaUrl = '';
  let db: Database;
  let replicaAdmin: pg.Client;
  /** Between the gateway and the replica: a replica that hangs. */
  let readProxy: FaultProxy;
  /** Between the replica and the primary: its replication connection. */
  let streamProxy: FaultProxy;
  let replicas: ReplicaSet;
  let gateway: Gateway;
  const caches: ResponseCache[] = [];
  let jobId: number;

  const status = (): ReplicaStatus => replicas.status()[0];
  // Uncached: each read is a statement the router sends somewhere.
  const read = async (id: number) => {
    const res = await gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: JOB, variables: { id: String(id) } }),
    });
    const body = (await res.json()) as { data?: { job: { title: string } }; errors?: unknown[] };
    return { status: res.status, errors: body.errors, title: body.data?.job.title };
  };
  const primaryTitle = async (id: number) => (await db.raw.query<{ title: string }>('SELECT title FROM job WHERE id = $1', [id]))[0].title;
  // As a mutation's invalidation would, the write moves the router's fence.
  const setTitle = async (id: number, title: string) => {
    await db.raw.query('UPDATE job SET title = $2 WHERE id = $1', [id, title]);
    replicas.noteWrite();
  };
  /** Reads until the replica serves one (its read count goes up). */
  const servedByReplica = () =>
    until('a read served by the replica', async () => {
      const before = status().reads;
      const r = await read(jobId + Math.floor(Math.random() * 20));
      expect(r.errors).toBeUndefined();
      return status().reads > before;
    });
  /** Reads jobId and its neighbours: every answer is the primary's current title. */
  const readsAreCurrent = async (rounds: number) => {
    for (let i = 0; i < rounds; i += 1) {
      const id = jobId + (i % 3);
      const [r, expected] = [await read(id), await primaryTitle(id)];
      expect({ id, status: r.status, errors: r.errors, title: r.title }).toEqual({ id, status: 200, errors: undefined, title: expected });
    }
  };

  beforeAll(async () => {
    ({ pair, primaryUrl, replicaUrl } = await seededPair('chommie-replica-faults-', 'chommie_replica_faults'));
    db = await openDatabase({ url: primaryUrl, poolSize: 5 });
    replicaAdmin = new pg.Client({ connectionString: replicaUrl });
    await replicaAdmin.connect();
    // The standby streams through a proxy of ours, so that replication can be broken alone.
    streamProxy = await startFaultProxy(pair.primaryPort);
    await replicaAdmin.query(`ALTER SYSTEM SET primary_conninfo = 'host=127.0.0.1 port=${streamProxy.port} user=postgres'`);
    await replicaAdmin.query('SELECT pg_reload_conf()');
    readProxy = await startFaultProxy(pair.replicaPort);
    replicas = new ReplicaSet(primaryUrl, [readProxy.url(replicaUrl)], { maxLagMs: 1000, pollMs: 100, poolSize: 3, readTimeoutMs: 2000 }).start();
    const cache = makeCache(undefined, uniqueName('replica_faults'));
    caches.push(cache);
    cache.onInvalidation = () => replicas.noteWrite();
    gateway = createGateway(
      { db, replicas, similar: new SimilarJobsRefresher(db.prisma, { intervalMs: 60_000 }), responseCache: null, writes: new Writes(null, replicas) },
      { ...loadConfig({}), SQL_STATS: true, NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET },
    );
    jobId = (await db.prisma.job.findFirstOrThrow({ where: { isActive: true }, select: { id: true }, orderBy: { id: 'asc' } })).id;
    await until('the replica streaming through the proxy', async () => streamProxy.connections() > 0);
    await until('the replica to be up', () => status().state === 'up');
  }, 120_000);

  afterAll(async () => {
    await replicas?.close();
    await emptyAndClose(caches);
    await replicaAdmin?.end().catch(() => undefined);
    await readProxy?.close();
    await streamProxy?.close();
    await db?.close();
    pair?.teardown();
  }, 60_000);

  it('a replica that hangs without closing its connections: reads answer from the primary, it is reported down, and serves again once it answers', async () => {
    await servedByReplica();
    readProxy.stall();
    try {
      // Reads sent to it while it was still thought up wait for its timeout, then go to the primary.
      await readsAreCurrent(6);
      const down = await until('the replica reported down', () => replicas.status().find((r) => r.state === 'down'));
      expect(down.error).toBeTruthy();
      await setTitle(jobId, 'Written While Hung');
      await readsAreCurrent(6);
    } finally {
      readProxy.restore();
    }
    // Answers held while it hung arrive late, to connections that gave up on them: the pool
    // must not hand those connections out again as if nothing had happened.
    await until('the replica up again', () => status().state === 'up');
    await servedByReplica();
    await readsAreCurrent(20);
    expect((await read(jobId)).title).toBe('Written While Hung');
  }, 90_000);

  const replicaTitle = async () => (await replicaAdmin.query<{ title: string }>('SELECT title FROM job WHERE id = $1', [jobId])).rows[0].title;

  /** Replication faulted by `fault` while a write happens, then restored: reads stay current throughout. */
  async function faultedAndResumed(fault: () => void, title: string, { cut }: { cut: boolean }) {
    await servedByReplica();
    fault();
    try {
      await setTitle(jobId, title);
      // A cut replica still answers, with the old title: the router must not send reads there.
      if (cut) expect(await replicaTitle()).not.toBe(title);
      await readsAreCurrent(10);
      await until('the replica reported lagging', () => status().state === 'lagging');
      const before = status().reads;
      await readsAreCurrent(10);
      expect(status().reads).toBe(before);
    } finally {
      streamProxy.restore();
    }
    await until('the replica caught up', () => status().state === 'up');
    await servedByReplica();
    expect(await replicaTitle()).toBe(title);
    await readsAreCurrent(10);
  }

  it('replication broken (its connection cut) and resumed: no read older than the primary, reported lagging, caught up again', async () => {
    await faultedAndResumed(() => streamProxy.cut(), 'Written While Cut', { cut: true });
  }, 90_000);

  it('replication hanging (its connection silent, not closed) and released: the same', async () => {
    await faultedAndResumed(() => streamProxy.stall(), 'Written While Silent', { cut: false });
  }, 90_000);

  it('a replica promoted while serving: reported down (not a standby), never read again, even when written to', async () => {
    await servedByReplica();
    // Reads keep coming while it is promoted.
    let stop = false;
    const failures: unknown[] = [];
    const load = (async () => {
      while (!stop) {
        const r = await read(jobId + 1);
        if (r.status !== 200 || r.errors) failures.push(r.errors ?? r.status);
      }
    })();
    await replicaAdmin.query('SELECT pg_promote(true, 60)');
    const down = await until('the promoted replica reported down', () => replicas.status().find((r) => r.state === 'down'));
    expect(down.error).toMatch(/not a standby/);
    stop = true;
    await load;
    expect(failures).toEqual([]);
    // Now two primaries: what the old one's clients write is never read from the new one, and
    // what someone writes on the promoted one is never served.
    await replicaAdmin.query('UPDATE job SET title = $2 WHERE id = $1', [jobId, 'Split Brain']);
    await setTitle(jobId, 'Written After Promotion');
    const before = status().reads;
    await readsAreCurrent(20);
    expect(status().reads).toBe(before);
    expect(status().state).toBe('down');
  }, 90_000);
});
