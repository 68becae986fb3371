import { createHash } from 'node:crypto';
import { ResponseCache } from '../../../src/cache/response-cache';
import { openCacheStore } from '../../../src/cache/store';
import { loadConfig } from '../../../src/config';
import { RateLimiter } from '../../../src/ops/rate-limiter';
import { connectRedis } from '../../../src/redis';
import { parseRedisUrl } from '../../../src/redis-url';
import { quiet } from '../../helpers/cache';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';
import { testGateway, tokenFor } from '../../helpers/gateway';
import { hasRedisClusterTools, OwnRedisCluster, OwnRedisSentinel } from '../../helpers/redis-cluster';
import { describeIf } from '../../helpers/skip';
import { uniqueName } from '../../helpers/template';

describe('REDIS_URL forms', () => {
  it('takes one node, a cluster’s seeds (two spellings) and a Sentinel-managed primary', () => {
    expect(parseRedisUrl('redis://cache:6379')).toEqual({ kind: 'single', url: 'redis://cache:6379' });
    expect(parseRedisUrl('redis://a:7000, redis://b:7001')).toEqual({ kind: 'cluster', seeds: ['redis://a:7000', 'redis://b:7001'] });
    expect(parseRedisUrl('rediss+cluster://u:p@a:7000,[::1]:7001')).toEqual({ kind: 'cluster', seeds: ['rediss://u:p@a:7000', 'rediss://u:p@[::1]:7001'] });
    expect(parseRedisUrl('redis+sentinel://:secret@s1:26379,s2:26380/mymaster')).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      masterName: 'mymaster',
      tls: false,
      username: undefined,
      password: 'secret',
    });
    expect(loadConfig({ REDIS_URL: 'redis+cluster://a:7000,b:7000' }).REDIS_URL).toBe('redis+cluster://a:7000,b:7000');
  });

  it('refuses a malformed value at startup, saying what is wrong', () => {
    for (const [bad, why] of [
      ['http://cache:6379', /must start with redis:\/\/ or rediss:\/\//],
      ['redis+sentinel://s1:26379', /needs the primary's name/],
      ['redis+cluster://a:7000,b', /"b" is not host:port/],
      ['redis+cluster://a:7000/2', /takes no path/],
      ['redis://a:7000,rediss://b:7000', /must all be redis:\/\/ or all rediss:\/\//],
      ['cache:6379', /not a URL/],
    ] as const)
      expect(() => loadConfig({ REDIS_URL: bad })).toThrow(new RegExp(`REDIS_URL[\\s\\S]*${why.source}`));
  });
});

const describeCluster = describeIf(hasRedisClusterTools(), 'needs redis-server and redis-cli (/usr/bin) to start a Redis Cluster');
const hit = (res: { extensions?: Record<string, unknown> }) => (res.extensions?.responseCache as { hit?: boolean } | undefined)?.hit;
const Q = (id: number) => `{ job(id: "${id}") { id title } }`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Instance = { cache: ResponseCache; limiter: RateLimiter; gql: ReturnType<typeof testGateway>['gql'] };

/**
 * Reads of job `jobId` on both instances, and renames through them, until `stop()`: every
 * read that began after a rename was answered must show that rename (or a later one).
 */
/**
 * Reads the traffic had answered when the fault begins (at least one): the test then asserts
 * reads went on after it, whatever their rate on a loaded machine.
 */
async function readsSoFar(load: { seen: { reads: number } }): Promise<number> {
  while (load.seen.reads === 0) await sleep(20);
  return load.seen.reads;
}

function trafficOn(instances: Instance[], employer: (jobId: number) => Promise<string>, jobId: number) {
  let stopped = false;
  let committed = { n: 0, title: '' };
  const seen = { reads: 0, failed: [] as unknown[], stale: [] as string[], hits: 0 };
  const reader = async (via: number) => {
    while (!stopped) {
      const expected = committed;
      const res = await instances[via].gql(Q(jobId));
      seen.reads += 1;
      if (res.errors || res.status !== 200) seen.failed.push(res.errors ?? res.status);
      else {
        if (hit(res)) seen.hits += 1;
        const n = Number(/#(\d+)$/.exec(res.data.job.title)?.[1] ?? 0);
        if (n < expected.n) seen.stale.push(`${res.data.job.title} after ${expected.title}`);
      }
      await sleep(5);
    }
  };
  const writer = async () => {
    for (let n = 1; !stopped; n++) {
      const title = `Failover #${n}`;
      const res = await instances[n % 2].gql(
        `mutation { updateJob(id: "${jobId}", input: { title: "${title}" }) { title } }`,
        {},
        {
          token: await employer(jobId),
        },
      );
      if (res.errors) seen.failed.push(res.errors);
      else committed = { n, title };
      await sleep(50);
    }
  };
  const running = Promise.all([reader(0), reader(1), writer()]);
  return {
    seen,
    stop: async () => {
      stopped = true;
      await running;
      return seen;
    },
  };
}

/**
 * Two gateway instances on one database, sharing `redis` (started and stopped with the suite)
 * for their cache and rate limits under `prefix`; ready once both serve cache hits.
 */
function twoInstances(redis: OwnRedisCluster | OwnRedisSentinel, prefix: string) {
  let db: TestDatabase;
  const instances: Instance[] = [];
  const employer = async (jobId: number) => tokenFor(1, 'EMPLOYER', (await db.prisma.job.findUniqueOrThrow({ where: { id: jobId } })).companyId);
  beforeAll(async () => {
    await redis.start();
    db = await openTestDatabase();
    for (let i = 0; i < 2; i++) {
      const config = { ...loadConfig({}), REDIS_URL: redis.url, CACHE_PREFIX: prefix, CACHE_TIMEOUT_MS: 500, RATE_LIMIT_POINTS: 1_000_000 };
      const cache = new ResponseCache(openCacheStore(config, quiet), config, quiet, db);
      const limiter = new RateLimiter(config, connectRedis(redis.url, 500, 'test', quiet), quiet);
      await Promise.all([cache.store.ready(), limiter.ready()]);
      instances.push({ cache, limiter, ...testGateway(db, { responseCache: cache, rateLimiter: limiter }) });
    }
    // The first debt check opens each cache: wait until both serve hits.
    for (const { gql } of instances) await redis.waitFor(async () => (await gql(Q(1)), hit(await gql(Q(1))) === true), 'the cache to open');
  }, 60_000);
  afterAll(async () => {
    for (const i of instances) {
      await i.cache.close();
      await i.limiter.close();
    }
    await db?.destroy();
    await redis.stop();
  });
  return { instances, employer };
}

describeCluster('on a Redis Cluster of 3 primaries and 3 replicas, two gateway instances', () => {
  const cluster = new OwnRedisCluster(3, true);
  const prefix = uniqueName('cluster');
  const { instances, employer } = twoInstances(cluster, prefix);

  const rename = async (via: number, jobId: number, title: string) => {
    const res = await instances[via].gql(
      `mutation { updateJob(id: "${jobId}", input: { title: "${title}" }) { title } }`,
      {},
      { token: await employer(jobId) },
    );
    expect(res.errors).toBeUndefined();
  };

  it('shares entries between instances, and a write on one is never answered stale by the other', async () => {
    const [a, b] = instances;
    await a.gql(Q(2));
    expect(hit(await a.gql(Q(2)))).toBe(true);
    expect(hit(await b.gql(Q(2)))).toBe(true);
    await rename(0, 2, 'Renamed On A');
    const fromB = await b.gql(Q(2));
    expect({ title: fromB.data.job.title, hit: hit(fromB) }).toEqual({ title: 'Renamed On A', hit: false });
    expect(hit(await a.gql(Q(2)))).toBe(true);
    // Every tag version sits in the slot of the hash tag {t}: one MGET, on one node, per lookup.
    const last = await cluster.cli((await cluster.primaryOf('{t}')).port, 'get', `${prefix}:{t}:#last`);
    expect(last.trim()).not.toBe('');
  });

  it('shares APQ registrations: a hash registered on one instance runs on the other', async () => {
    const query = '{ jobs(first: 3) { totalCount } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const persistedQuery = { version: 1, sha256Hash };
    expect((await instances[1].gql('', undefined, { body: { extensions: { persistedQuery } } })).errors?.[0]?.extensions?.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
    expect((await instances[0].gql('', undefined, { body: { query, extensions: { persistedQuery } } })).errors).toBeUndefined();
    const other = await instances[1].gql('', undefined, { body: { extensions: { persistedQuery } } });
    expect({ errors: other.errors, total: typeof other.data?.jobs?.totalCount }).toEqual({ errors: undefined, total: 'number' });
  });

  it('draws every instance’s rate limit from one budget', async () => {
    const config = { ...loadConfig({}), CACHE_PREFIX: prefix, RATE_LIMIT_POINTS: 10, RATE_LIMIT_WINDOW_S: 60, CACHE_TIMEOUT_MS: 500 };
    const [x, y] = [0, 1].map(() => new RateLimiter(config, connectRedis(cluster.url, 500, 'test', quiet), quiet));
    try {
      await x.ready();
      await y.ready();
      expect(await x.take('10.0.0.9', 6)).toMatchObject({ allowed: true, budget: { remaining: 4 } });
      expect(await y.take('10.0.0.9', 6)).toMatchObject({ allowed: false });
      expect(await y.take('10.0.0.10', 6)).toMatchObject({ allowed: true, budget: { remaining: 4 } });
      expect(x.counts.storeErrors + y.counts.storeErrors).toBe(0);
    } finally {
      await x.close();
      await y.close();
    }
  });

  const traffic = (jobId: number) => trafficOn(instances, employer, jobId);

  it('fails over a killed primary (the one holding the tag versions): no stale read, no failed request, caching back after', async () => {
    const victim = await cluster.primaryOf('{t}');
    const replica = (await cluster.nodes()).find((n) => n.masterId === victim.id)!;
    expect(replica).toBeDefined();
    const load = traffic(3);
    await sleep(300);
    const killedAt = Date.now();
    const readsBefore = await readsSoFar(load);
    await cluster.kill(victim.port);
    // Both instances see the primary gone (and read nothing from the cache until it is replaced).
    await cluster.waitFor(() => instances.every((i) => i.cache.store.isDown()), 'both instances to see the primary down', 5000);
    await cluster.waitFor(async () => (await cluster.nodes()).some((n) => n.port === replica.port && n.master), 'the replica’s promotion');
    await cluster.waitFor(async () => (await cluster.info(replica.port)).includes('cluster_state:ok'), 'cluster_state:ok');
    // Back in service on both instances: a hit again.
    for (const { gql } of instances) await cluster.waitFor(async () => (await gql(Q(4)), hit(await gql(Q(4))) === true), 'hits after the failover');
    const seen = await load.stop();
    expect({ stale: seen.stale, failed: seen.failed }).toEqual({ stale: [], failed: [] });
    expect(seen.reads).toBeGreaterThan(readsBefore);
    // Back up on both (a slot-map refresh that still names the dead node may flip one for a moment).
    await cluster.waitFor(() => instances.every(({ cache }) => !cache.store.isDown()), 'both instances to see the cluster up', 5000);
    // Whatever bumps the promoted replica had missed, the cache was emptied once more (ALL, `*`,
    // bumped after the kill) before anything was read from it again.
    expect((await cluster.primaryOf('{t}')).port).toBe(replica.port);
    const all = await cluster.cli(replica.port, 'get', `${prefix}:{t}:*`);
    expect(Number(/"value":(\d+)/.exec(all)?.[1])).toBeGreaterThanOrEqual(killedAt);
  }, 40_000);

  it('with a primary down and no replica to promote, keeps answering (uncached), never stale', async () => {
    // The promoted replica has no replica of its own: killing it leaves its slots uncovered.
    const victim = await cluster.primaryOf('{t}');
    expect((await cluster.nodes()).some((n) => n.masterId === victim.id && !n.failed)).toBe(false);
    const load = traffic(5);
    await sleep(300);
    const readsBefore = await readsSoFar(load);
    await cluster.kill(victim.port);
    await cluster.waitFor(async () => (await cluster.info(cluster.livePorts()[0])).includes('cluster_state:fail'), 'cluster_state:fail');
    await sleep(1500);
    const seen = await load.stop();
    expect({ stale: seen.stale, failed: seen.failed }).toEqual({ stale: [], failed: [] });
    expect(seen.reads).toBeGreaterThan(readsBefore);
    const res = await instances[0].gql(Q(5));
    expect({ title: res.data.job.title, hit: hit(res) }).toEqual({ title: expect.stringMatching(/^Failover #\d+$/), hit: false });
  }, 30_000);
});

describeCluster('on a Sentinel-managed primary (a primary, a replica, one sentinel), two gateway instances', () => {
  const sentinel = new OwnRedisSentinel();
  const prefix = uniqueName('sentinel');
  const { instances, employer } = twoInstances(sentinel, prefix);

  it('shares entries and invalidations, then follows SENTINEL FAILOVER with no stale read, and caches again on the new primary', async () => {
    const [a, b] = instances;
    await a.gql(Q(7));
    expect(hit(await b.gql(Q(7)))).toBe(true);
    const old = await sentinel.primaryPort();
    const load = trafficOn(instances, employer, 8);
    await sleep(300);
    const failoverAt = Date.now();
    const readsBefore = await readsSoFar(load);
    expect((await sentinel.cli(sentinel.ports.sentinel, 'sentinel', 'failover', sentinel.masterName)).trim()).toBe('OK');
    await sentinel.waitFor(async () => (await sentinel.primaryPort()) !== old, 'the replica’s promotion');
    // The instances hear of the new primary from the sentinel (+switch-master), which may come
    // a moment after the promotion: each then empties the cache once on the new primary (`*`
    // bumped after the failover began), whatever it had missed, and caches again there.
    const allBumped = async () => Number(/"value":(\d+)/.exec(await sentinel.cli(await sentinel.primaryPort(), 'get', `${prefix}:t:*`))?.[1]) >= failoverAt;
    await sentinel.waitFor(allBumped, 'the cache emptied on the new primary', 10_000);
    for (const { gql } of instances) await sentinel.waitFor(async () => (await gql(Q(9)), hit(await gql(Q(9))) === true), 'hits after the failover');
    const seen = await load.stop();
    expect({ stale: seen.stale, failed: seen.failed }).toEqual({ stale: [], failed: [] });
    expect(seen.reads).toBeGreaterThan(readsBefore);
  }, 40_000);
});
