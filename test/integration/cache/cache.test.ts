import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@redis/client';
import { ResponseCache } from '../../../src/cache/response-cache';
import { openCacheStore } from '../../../src/cache/store';
import { loadConfig } from '../../../src/config';
import { recordIntent } from '../../../src/data/invalidations';
import { countAtDriver } from '../../helpers/driver-count';
import { holdJobs } from '../../helpers/http';
import { emptyAndClose, hasRedisServer, makeCache, OwnRedis, quiet } from '../../helpers/cache';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy';
import { testGateway, tokenFor, type GqlOptions, type GqlResponse } from '../../helpers/gateway';
import { describeIf } from '../../helpers/skip';

const HEADLINE = `{ jobs(first: 50) { edges { node { id title company { name } applicationCount
  similarJobs(first: 5) { title company { name } } } } } }`;

let db: TestDatabase;
const caches: ResponseCache[] = [];
const cached = async (redisUrl?: string, prefix?: string, timeoutMs?: number) => {
  const cache = makeCache(redisUrl, prefix, timeoutMs);
  caches.push(cache);
  await cache.store.ready();
  return { cache, ...testGateway(db, { responseCache: cache }) };
};

beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await emptyAndClose(caches);
  await db.destroy();
});

/** The response body as sent, without `extensions` (which say hit or miss). */
async function rawBody(gateway: ReturnType<typeof testGateway>['gateway'], query: string, options: GqlOptions = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const text = await (await gateway.fetch('http://gateway.test/graphql', { method: 'POST', headers, body: JSON.stringify({ query }) })).text();
  return text.replace(/,"extensions":\{.*\}\}$/, '}');
}

describe(`response cache (${process.env.REDIS_URL ? 'Redis' : 'in memory'})`, () => {
  it('serves a repeated headline query from the cache with no SQL, byte-identical to the executed one', async () => {
    const { gql, gateway } = await cached(process.env.REDIS_URL);
    const first = await gql(HEADLINE);
    expect(first.extensions).toMatchObject({ responseCache: { hit: false } });
    expect(first.extensions?.sql?.statements).toBeGreaterThan(0);
    const second = await gql(HEADLINE);
    expect(second.extensions).toMatchObject({ responseCache: { hit: true }, sql: { statements: 0 } });
    expect(second.data).toEqual(first.data);
    const executed = await rawBody(testGateway(db).gateway, HEADLINE);
    expect(await rawBody(gateway, HEADLINE)).toBe(executed);
    expect(executed.length).toBeGreaterThan(5000); // large enough to be stored compressed
  });

  it('shows a write in the very next read: applyToJob and updateJob', async () => {
    const { gql } = await cached(process.env.REDIS_URL);
    const warm = await gql(HEADLINE);
    const job = warm.data.jobs.edges[0].node;
    expect((await gql(HEADLINE)).extensions?.responseCache).toEqual({ hit: true });
    const user = await db.prisma.user.findFirstOrThrow({ where: { applications: { none: { jobId: Number(job.id) } } } });
    const applied = await gql(`mutation { applyToJob(jobId: "${job.id}") { id } }`, {}, { token: tokenFor(user.id, 'SEEKER') });
    expect(applied.errors).toBeUndefined();
    const after = await gql(HEADLINE);
    expect(after.extensions?.responseCache).toEqual({ hit: false });
    expect(after.data.jobs.edges[0].node.applicationCount).toBe(job.applicationCount + 1);

    const full = await db.prisma.job.findUniqueOrThrow({ where: { id: Number(job.id) } });
    await gql(
      `mutation { updateJob(id: "${job.id}", input: { title: "Renamed In Cache Test" }) { id } }`,
      {},
      { token: tokenFor(1, 'EMPLOYER', full.companyId) },
    );
    expect((await gql(HEADLINE)).data.jobs.edges[0].node.title).toBe('Renamed In Cache Test');
  });

  it('purges only the lists a new job can enter', async () => {
    const { gql } = await cached(process.env.REDIS_URL);
    const LIST = (type: string) => `{ jobs(first: 100, filter: { jobType: ${type} }) { totalCount } }`;
    const contracts = (await gql(LIST('CONTRACT'))).data.jobs.totalCount;
    await gql(LIST('INTERNSHIP'));
    expect((await gql(LIST('CONTRACT'))).extensions?.responseCache).toEqual({ hit: true });
    const created = await gql(
      'mutation { createJob(input: { title: "Cache Contractor", description: "Short gig.", location: "Austin, TX", jobType: CONTRACT }) { id } }',
      {},
      { token: tokenFor(1, 'EMPLOYER', 2) },
    );
    expect(created.errors).toBeUndefined();
    const after = await gql(LIST('CONTRACT'));
    expect(after).toMatchObject({ data: { jobs: { totalCount: contracts + 1 } }, extensions: { responseCache: { hit: false } } });
    expect((await gql(LIST('INTERNSHIP'))).extensions?.responseCache).toEqual({ hit: true });
  });

  it('never shows one viewer’s private data to another, while sharing public results', async () => {
    const { gql } = await cached(process.env.REDIS_URL);
    const ME = '{ me { id email } }';
    const [a, b] = await db.prisma.user.findMany({ take: 2, orderBy: { id: 'asc' } });
    const asA = { token: tokenFor(a.id, 'SEEKER') };
    const asB = { token: tokenFor(b.id, 'SEEKER') };
    expect((await gql(ME, {}, asA)).data.me).toEqual({ id: String(a.id), email: a.email });
    expect((await gql(ME, {}, asA)).extensions?.responseCache).toEqual({ hit: true });
    const other = await gql(ME, {}, asB);
    expect(other.data.me).toEqual({ id: String(b.id), email: b.email });
    expect(JSON.stringify(other)).not.toContain(a.email);
    const anonymous = await gql(ME);
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(anonymous)).not.toContain(a.email);
    // Analyst figures are role-dependent: cached per viewer, refused to others.
    const STATS = '{ jobStats { total } }';
    expect((await gql(STATS, {}, { token: tokenFor(9, 'ANALYST') })).data.jobStats.total).toBeGreaterThan(0);
    expect((await gql(STATS, {}, asA)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    // A public query is one entry, whoever asked first.
    await gql('{ job(id: "3") { title } }', {}, asA);
    expect((await gql('{ job(id: "3") { title } }', {}, asB)).extensions?.responseCache).toEqual({ hit: true });
    expect((await gql('{ job(id: "3") { title } }')).extensions?.responseCache).toEqual({ hit: true });
  });

  it('never answers a bad token from the cache', async () => {
    const { gql } = await cached(process.env.REDIS_URL);
    await gql('{ job(id: "4") { title } }');
    const res = await gql('{ job(id: "4") { title } }', {}, { authorization: 'Bearer tampered.token.here' });
    expect(res.status).toBe(401);
    expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('runs 100 identical concurrent cold requests once', async () => {
    const { gql, cache } = await cached(process.env.REDIS_URL);
    const Q = '{ jobs(first: 30, filter: { remote: true }) { totalCount edges { node { title company { name } } } } }';
    const single = await countAtDriver(db, () => testGateway(db).gql(Q));
    // "At once": the first one's SQL is held until all have arrived (each looks the cache up
    // first, in Redis on the second CI pass; under load a late one used to find the first one
    // finished but its result not yet stored, and ran again).
    const release = await holdJobs(db);
    const all = countAtDriver(db, () => Promise.all(Array.from({ length: 100 }, () => gql(Q))));
    await new Promise((r) => setTimeout(r, 500));
    await release();
    const { result, texts } = await all;
    expect(result.every((r) => JSON.stringify(r.data) === JSON.stringify(single.result.data))).toBe(true);
    // The hold's own COMMIT passes the same driver.
    expect(texts.filter((t) => t !== 'COMMIT')).toHaveLength(single.driverStatements);
    expect(cache.stats().coalesced).toBe(99);
  });

  it('does not share mutations between concurrent identical requests', async () => {
    const { gql } = await cached(process.env.REDIS_URL);
    const job = await db.prisma.job.findFirstOrThrow({ where: { isActive: true, applications: { none: { userId: 77 } } } });
    const results = await Promise.all([1, 2].map(() => gql(`mutation { applyToJob(jobId: "${job.id}") { id } }`, {}, { token: tokenFor(77, 'SEEKER') })));
    expect(results.filter((r) => r.errors?.[0].extensions?.code === 'CONFLICT')).toHaveLength(1);
  });
});

const describeRedis = describeIf(hasRedisServer(), 'needs redis-server (/usr/bin/redis-server)');

describeRedis('response cache on a Redis that fails', () => {
  const redis = new OwnRedis();
  beforeAll(() => redis.start());
  afterAll(() => redis.kill());

  it('is shared by two gateway instances: a write on one is seen on the other', async () => {
    const prefix = `shared-${Date.now()}`;
    const a = await cached(redis.url, prefix);
    const b = await cached(redis.url, prefix);
    const Q = '{ job(id: "5") { title applicationCount } }';
    const before = await a.gql(Q);
    expect((await b.gql(Q)).extensions?.responseCache).toEqual({ hit: true });
    const job = await db.prisma.job.findUniqueOrThrow({ where: { id: 5 } });
    await a.gql('mutation { updateJob(id: "5", input: { title: "Seen Everywhere" }) { id } }', {}, { token: tokenFor(1, 'EMPLOYER', job.companyId) });
    const seen = await b.gql(Q);
    expect(seen.data.job.title).toBe('Seen Everywhere');
    expect(seen.data.job.applicationCount).toBe(before.data.job.applicationCount);
  });

  it('keeps serving while Redis is dead, resumes when it returns, and lets no stale entry survive a write made meanwhile', async () => {
    const { gql, cache } = await cached(redis.url, `outage-${Date.now()}`, 200);
    const Q = '{ job(id: "6") { title } }';
    const original = (await gql(Q)).data.job.title;
    expect((await gql(Q)).extensions?.responseCache).toEqual({ hit: true });

    await redis.kill();
    const during = await gql(Q);
    expect(during.data.job.title).toBe(original);
    expect(during.extensions?.responseCache).toEqual({ hit: false });
    const job = await db.prisma.job.findUniqueOrThrow({ where: { id: 6 } });
    const write = await gql(
      'mutation { updateJob(id: "6", input: { title: "Changed During Outage" }) { title } }',
      {},
      { token: tokenFor(1, 'EMPLOYER', job.companyId) },
    );
    expect(write.data.updateJob.title).toBe('Changed During Outage');
    expect(cache.stats()).toMatchObject({ degraded: true });
    expect(cache.stats().errors).toBeGreaterThan(0);

    await redis.start(); // with its data: the entry cached before the outage is back in Redis
    let after: GqlResponse | undefined;
    for (let i = 0; i < 50; i++) {
      after = await gql(Q);
      expect(after.data.job.title).toBe('Changed During Outage');
      if (after.extensions?.responseCache && (after.extensions.responseCache as { hit: boolean }).hit) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(after!.extensions?.responseCache).toEqual({ hit: true });
    expect(cache.stats().degraded).toBe(false);
  });
});

describeRedis('response cache on a Redis that comes back with older data', () => {
  const redis = new OwnRedis();
  beforeAll(() => redis.start());
  afterAll(() => redis.kill());

  it('serves no entry an invalidation that Redis lost had made stale (a restore from a snapshot, a failover to a lagging replica)', async () => {
    const { gql } = await cached(redis.url, `rollback-${Date.now()}`, 200);
    const Q = '{ job(id: "8") { title } }';
    await gql(Q);
    expect((await gql(Q)).extensions?.responseCache).toEqual({ hit: true });
    // Redis as it is now: the title cached, no invalidation yet (append-only, fsync always).
    const snapshot = mkdtempSync(join(tmpdir(), 'chommie-redis-snapshot-'));
    cpSync(redis.dir, snapshot, { recursive: true });
    const job = await db.prisma.job.findUniqueOrThrow({ where: { id: 8 } });
    await gql('mutation { updateJob(id: "8", input: { title: "Renamed After The Snapshot" }) { id } }', {}, { token: tokenFor(1, 'EMPLOYER', job.companyId) });
    expect((await gql(Q)).data.job.title).toBe('Renamed After The Snapshot');

    await redis.kill();
    rmSync(redis.dir, { recursive: true, force: true });
    cpSync(snapshot, redis.dir, { recursive: true });
    rmSync(snapshot, { recursive: true, force: true });
    await redis.start();
    let hit = false;
    for (let i = 0; i < 50 && !hit; i++) {
      const res = await gql(Q);
      expect(res.data.job.title).toBe('Renamed After The Snapshot');
      hit = (res.extensions?.responseCache as { hit?: boolean } | undefined)?.hit === true;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(hit).toBe(true);
  });
});

describe('the in-memory cache under eviction pressure', () => {
  it('never serves an entry whose invalidation was evicted from the LRU', async () => {
    const config = { ...loadConfig({}), CACHE_MAX_ENTRIES: 4 };
    const cache = new ResponseCache(openCacheStore(config, quiet), config, quiet);
    const at = Date.now() - 10;
    await cache.invalidate(['Job:1']);
    // As when a write lands between an execution's freshness check and its store: the stale
    // entry is stored after (so is newer in the LRU than) the version that makes it stale.
    await cache.store.keyv.set('r:op', { at, tags: ['*', 'Job:1'], data: { title: 'old' } });
    for (let i = 0; i < 3; i++) await cache.store.keyv.set(`r:filler${i}`, { at, tags: ['*'], data: {} });
    expect(await cache.store.keyv.get('t:Job:1')).toBeUndefined(); // the version is gone…
    expect(await cache.get('op', 'anonymous')).toBeUndefined(); // …and the entry is still not served
    // Entries newer than every forgotten version are served as before (a millisecond later than
    // the invalidation: the same millisecond is not newer).
    await new Promise((r) => setTimeout(r, 5));
    await cache.set('fresh', 'anonymous', { data: { title: 'new' }, at: Date.now(), tags: ['Job:1'], private: false, ttlMs: 60_000 });
    expect(await cache.get('fresh', 'anonymous')).toEqual({ data: { title: 'new' } });
  });
});

describe('repeated hits', () => {
  it('reuse this instance’s checked copy until any invalidation anywhere, then check again', async () => {
    const cache = makeCache();
    const tagReads = jest.spyOn(cache.store.keyv, 'getMany');
    await cache.set('op', 'anonymous', { data: { title: 'old' }, at: Date.now() - 5, tags: ['Job:1'], private: false, ttlMs: 60_000 });
    const checksAfterSet = tagReads.mock.calls.length;
    expect(await cache.get('op', 'anonymous')).toEqual({ data: { title: 'old' } });
    expect(tagReads.mock.calls.length).toBe(checksAfterSet + 1); // the first hit checks the tags
    expect(await cache.get('op', 'anonymous')).toEqual({ data: { title: 'old' } });
    expect(tagReads.mock.calls.length).toBe(checksAfterSet + 1); // the second does not
    await cache.invalidate(['Job:2']);
    expect(await cache.get('op', 'anonymous')).toEqual({ data: { title: 'old' } }); // checked again: still fresh
    expect(tagReads.mock.calls.length).toBe(checksAfterSet + 2);
    await cache.invalidate(['Job:1']);
    expect(await cache.get('op', 'anonymous')).toBeUndefined();
    await cache.store.close();
  });

  it('share the last-write read between concurrent lookups: 200 hits at once cost at most two reads of it', async () => {
    const cache = makeCache();
    await cache.set('op', 'anonymous', { data: { n: 1 }, at: Date.now() - 5, tags: ['Job:1'], private: false, ttlMs: 60_000 });
    expect(await cache.get('op', 'anonymous')).toEqual({ data: { n: 1 } }); // a checked copy now
    const reads = jest.spyOn(cache.store.keyv, 'get');
    const hits = await Promise.all(Array.from({ length: 200 }, () => cache.get('op', 'anonymous')));
    expect(hits.every((h) => (h?.data as { n: number }).n === 1)).toBe(true);
    expect(reads.mock.calls.length).toBeGreaterThan(0);
    expect(reads.mock.calls.length).toBeLessThanOrEqual(2);
    await cache.store.close();
  });

  it('never share a last-write read sent before they began: an invalidation finished meanwhile is seen', async () => {
    const cache = makeCache();
    await cache.set('op', 'anonymous', { data: { title: 'old' }, at: Date.now() - 5, tags: ['Job:1'], private: false, ttlMs: 60_000 });
    expect(await cache.get('op', 'anonymous')).toEqual({ data: { title: 'old' } });
    // The next read of the last-write key answers with what it held when it was sent, late.
    const get = cache.store.keyv.get.bind(cache.store.keyv);
    let answer!: () => void;
    const late = new Promise<void>((r) => (answer = r));
    const spy = jest.spyOn(cache.store.keyv, 'get').mockImplementationOnce((async (key: string) => {
      const value = await get(key);
      await late;
      return value;
    }) as never);
    const before = cache.get('op', 'anonymous'); // its read is in flight
    await new Promise((r) => setImmediate(r));
    await cache.invalidate(['Job:1']); // completes while that read is still out
    const after = cache.get('op', 'anonymous'); // began after the invalidation
    answer();
    // The first lookup began before the invalidation finished: either answer is allowed for it.
    await before;
    expect(await after).toBeUndefined();
    spy.mockRestore();
    await cache.store.close();
  });
});

describe('a writer killed between its commit and its invalidation', () => {
  const count = async (table: string) => (await db.raw.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n;

  it('leaves an intent that another instance turns into an emptied cache; a live writer settles its own and empties nothing', async () => {
    const config = { ...loadConfig({}), REDIS_URL: process.env.REDIS_URL, CACHE_PREFIX: `intent-${Date.now()}`, CACHE_TIMEOUT_MS: 250 };
    // Intents are taken for orphaned after 5 s here (11 s by default).
    const cache = new ResponseCache(openCacheStore(config, quiet), config, quiet, db, 5000);
    try {
      await readAfterKill(cache);
    } finally {
      // Its checks would pay other tests' debts (one database, another prefix).
      await emptyAndClose([cache]);
    }
  });

  async function readAfterKill(cache: ResponseCache) {
    await cache.store.ready();
    const { gql } = testGateway(db, { responseCache: cache });
    const title = async (id: number) => {
      const res = await gql(`{ job(id: "${id}") { title } }`);
      return { title: res.data?.job.title as string, hit: hitOf(res) };
    };
    const [nine, ten] = await Promise.all([9, 10].map((id) => db.prisma.job.findUniqueOrThrow({ where: { id } })));
    // Polled: a new instance reads nothing from the cache until its first debt check is done.
    const warm = async (id: number) => {
      for (let i = 0; i < 100 && !(await title(id)).hit; i++) await new Promise((r) => setTimeout(r, 50));
    };
    await warm(9);
    await warm(10);
    expect(await title(9)).toEqual({ title: nine.title, hit: true });

    // A live writer: its intent is settled, and the cache is not emptied for it.
    await gql(`mutation { updateJob(id: "9", input: { title: "Live Writer" }) { id } }`, {}, { token: tokenFor(1, 'EMPLOYER', nine.companyId) });
    // Settled in the background, right after the response.
    while ((await count('cache_invalidation_intent')) > 0) await new Promise((r) => setTimeout(r, 20));
    expect(await title(9)).toEqual({ title: 'Live Writer', hit: false });
    expect(await title(10)).toEqual({ title: ten.title, hit: true });

    // A writer that committed, with its intent, and died before invalidating anything.
    await db.prisma.$transaction(async (tx) => {
      await tx.job.update({ where: { id: 10 }, data: { title: 'Written Then Killed' } });
      await recordIntent(tx);
    });
    // Within the orphan window plus one check, every read shows the write.
    let read = await title(10);
    while (read.title !== 'Written Then Killed') {
      await new Promise((r) => setTimeout(r, 50));
      read = await title(10);
    }
    expect(read.hit).toBe(false);
    // The orphan became a debt, and the debt was paid: nothing is left owing.
    while ((await count('cache_invalidation_intent')) + (await count('cache_invalidation_debt')) > 0) await new Promise((r) => setTimeout(r, 50));
    // Paying the debt empties the cache, perhaps after the read above stored its answer: the
    // cache serves the new title again once a read has stored it since.
    await warm(10);
    expect(await title(10)).toEqual({ title: 'Written Then Killed', hit: true });
  }
});

/** Every key under `prefix` in the Redis at `url`, with its remaining time to live (ms). */
async function redisKeys(url: string, prefix: string): Promise<Map<string, number>> {
  const client = createClient({ url });
  await client.connect();
  try {
    const found = new Map<string, number>();
    for await (const batch of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) {
      for (const key of Array.isArray(batch) ? batch : [batch]) found.set(key, await client.pTTL(key));
    }
    return found;
  } finally {
    client.destroy();
  }
}

const hitOf = (res: { extensions?: Record<string, unknown> }) => (res.extensions?.responseCache as { hit?: boolean } | undefined)?.hit;

describeRedis('an invalidation lost while Redis is unreachable', () => {
  const redis = new OwnRedis();
  let proxy: FaultProxy;
  beforeAll(async () => {
    await redis.start();
    proxy = await startFaultProxy(redis.port);
  });
  afterAll(async () => {
    await proxy.close();
    await redis.kill();
  });

  const debts = async () => (await db.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM cache_invalidation_debt'))[0].n;

  it('survives a restart of the writer: no instance serves the old title, before or after Redis is back', async () => {
    const config = { ...loadConfig({}), REDIS_URL: proxy.url(redis.url), CACHE_PREFIX: `debt-${Date.now()}`, CACHE_TIMEOUT_MS: 500 };
    const instance = () => {
      const cache = new ResponseCache(openCacheStore(config, quiet), config, quiet, db);
      return { cache, ...testGateway(db, { responseCache: cache }) };
    };
    const Q = '{ job(id: "8") { title } }';
    const job = await db.prisma.job.findUniqueOrThrow({ where: { id: 8 } });
    let expected = job.title;
    const reads: { instance: number; hit?: boolean }[] = [];
    /** One read, asserted: the title the database holds now, whether cached or not. */
    const read = async (i: number, gql: ReturnType<typeof testGateway>['gql']) => {
      const res = await gql(Q);
      expect({ instance: i, title: res.data?.job.title }).toEqual({ instance: i, title: expected });
      reads.push({ instance: i, hit: hitOf(res) });
      return hitOf(res);
    };
    const untilHits = async (...gqls: ReturnType<typeof testGateway>['gql'][]) => {
      for (let round = 0; round < 150; round++) {
        const hits = [];
        for (const [i, gql] of gqls.entries()) hits.push(await read(i + 1, gql));
        if (hits.every(Boolean)) return true;
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    };
    let one = instance();
    const two = instance();
    try {
      expect(await untilHits(one.gql, two.gql)).toBe(true);

      proxy.cut();
      const renamed = await one.gql(
        'mutation { updateJob(id: "8", input: { title: "Renamed While Redis Was Down" }) { title } }',
        {},
        { token: tokenFor(1, 'EMPLOYER', job.companyId) },
      );
      expect(renamed.data.updateJob.title).toBe('Renamed While Redis Was Down');
      expected = 'Renamed While Redis Was Down';
      expect(await debts()).toBeGreaterThan(0);
      // The stale entry is still in Redis, and nothing there says it is stale.
      expect([...(await redisKeys(redis.url, config.CACHE_PREFIX)).keys()].filter((k) => k.includes(':r:')).length).toBeGreaterThan(0);

      await one.cache.close(); // "restart" instance 1: its memory of the lost invalidation is gone
      one = instance();
      for (let i = 0; i < 3; i++) expect([await read(1, one.gql), await read(2, two.gql)]).toEqual([false, false]);

      proxy.restore();
      expect(await untilHits(one.gql, two.gql)).toBe(true);
      expect(await debts()).toBe(0);
      expect(reads.filter((r) => r.hit).length).toBeGreaterThan(2);
    } finally {
      await one.cache.close();
      await two.cache.close();
    }
  }, 60_000);

  it('is honoured within a second by an instance whose Redis never failed, which pays it', async () => {
    const prefix = `debt-direct-${Date.now()}`;
    const via = (url: string) => {
      const config = { ...loadConfig({}), REDIS_URL: url, CACHE_PREFIX: prefix, CACHE_TIMEOUT_MS: 500 };
      const cache = new ResponseCache(openCacheStore(config, quiet), config, quiet, db);
      return { cache, ...testGateway(db, { responseCache: cache }) };
    };
    const cutOff = via(proxy.url(redis.url));
    const healthy = via(redis.url);
    const Q = '{ job(id: "10") { title } }';
    const job = await db.prisma.job.findUniqueOrThrow({ where: { id: 10 } });
    try {
      for (let i = 0; i < 50 && !hitOf(await healthy.gql(Q)); i++) await new Promise((r) => setTimeout(r, 100));
      expect(hitOf(await healthy.gql(Q))).toBe(true);
      proxy.cut();
      await cutOff.gql(
        'mutation { updateJob(id: "10", input: { title: "Renamed Behind A Partition" }) { id } }',
        {},
        { token: tokenFor(1, 'EMPLOYER', job.companyId) },
      );
      expect(await debts()).toBeGreaterThan(0);
      // Polled, not timed: the healthy instance's periodic check (every second) must find the debt.
      let title = job.title;
      for (let i = 0; i < 50 && title !== 'Renamed Behind A Partition'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        title = (await healthy.gql(Q)).data.job.title;
      }
      expect(title).toBe('Renamed Behind A Partition');
      for (let i = 0; i < 50 && (await debts()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await debts()).toBe(0);
    } finally {
      proxy.restore();
      await cutOff.cache.close();
      await healthy.cache.close();
    }
  }, 60_000);
});

describeRedis('time to live', () => {
  const redis = new OwnRedis();
  beforeAll(() => redis.start());
  afterAll(() => redis.kill());

  it('keeps tag versions and the last-write key longer than the longest entry (CACHE_TTL_PAGE_S=86400, CACHE_TTL_TRENDING_S=60)', async () => {
    const config = { ...loadConfig({ CACHE_TTL_PAGE_S: '86400', CACHE_TTL_TRENDING_S: '60' }), REDIS_URL: redis.url, CACHE_PREFIX: 'ttl' };
    const cache = new ResponseCache(openCacheStore(config, quiet), config, quiet);
    const { gql } = testGateway(db, { responseCache: cache });
    const Q = '{ job(id: "9") { title } }';
    try {
      await cache.store.ready();
      await gql(Q);
      expect(hitOf(await gql(Q))).toBe(true);
      const job = await db.prisma.job.findUniqueOrThrow({ where: { id: 9 } });
      await gql('mutation { updateJob(id: "9", input: { title: "Renamed For TTL" }) { id } }', {}, { token: tokenFor(1, 'EMPLOYER', job.companyId) });
      const after = await gql(Q);
      expect({ title: after.data.job.title, hit: hitOf(after) }).toEqual({ title: 'Renamed For TTL', hit: false });
      expect(hitOf(await gql(Q))).toBe(true);
      // Even asked for more, an entry never outlives the versions it depends on.
      await cache.set('too-long', 'anonymous', { data: {}, at: Date.now(), tags: ['Job:9'], private: false, ttlMs: 10 * 86_400_000 });

      const keys = await redisKeys(redis.url, 'ttl');
      const entries = [...keys].filter(([k]) => k.startsWith('ttl:r:')).map(([, ms]) => ms);
      expect(entries.length).toBeGreaterThan(1);
      const longestEntry = Math.max(...entries);
      expect(longestEntry).toBeGreaterThan(86_000_000); // the page TTL, not the trending one
      expect(longestEntry).toBeLessThanOrEqual(86_400_000);
      for (const tag of ['ttl:t:Job:9', 'ttl:t:#last']) {
        expect({ tag, longer: keys.get(tag)! > longestEntry }).toEqual({ tag, longer: true });
      }
    } finally {
      await cache.close();
    }
  });
});
