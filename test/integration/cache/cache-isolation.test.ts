import { createHash } from 'node:crypto';
import { createClient } from '@redis/client';
import { ResponseCache } from '../../../src/cache/response-cache';
import { openCacheStore } from '../../../src/cache/store';
import { loadConfig } from '../../../src/config';
import { RateLimiter } from '../../../src/ops/rate-limiter';
import { connectRedis } from '../../../src/redis';
import { hasRedisServer, OwnRedis, quiet } from '../../helpers/cache';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';
import { testGateway, tokenFor } from '../../helpers/gateway';
import { describeIf } from '../../helpers/skip';

// Two deployments (own databases, own CACHE_PREFIX) on one Redis: they must share nothing.
const describeRedis = describeIf(hasRedisServer(), 'needs redis-server (/usr/bin/redis-server)');
if (!hasRedisServer()) console.warn('Skipping the cache isolation tests: no /usr/bin/redis-server on this machine.');

const hit = (res: { extensions?: Record<string, unknown> }) => (res.extensions?.responseCache as { hit?: boolean } | undefined)?.hit;

describeRedis('two deployments on one Redis, with different CACHE_PREFIX', () => {
  const redis = new OwnRedis();
  const deployments: { db: TestDatabase; cache: ResponseCache; limiter: RateLimiter; gql: ReturnType<typeof testGateway>['gql'] }[] = [];
  const PREFIXES = ['deploy-a', 'deploy-b'];
  const ME = '{ me { email } }';
  const JOB = '{ job(id: "5") { title } }';
  const seeker = tokenFor(3, 'SEEKER');

  beforeAll(async () => {
    await redis.start();
    for (const prefix of PREFIXES) {
      const db = await openTestDatabase();
      const config = { ...loadConfig({}), REDIS_URL: redis.url, CACHE_PREFIX: prefix };
      const cache = new ResponseCache(openCacheStore(config, quiet), config, quiet, db);
      const limiter = new RateLimiter(config, connectRedis(redis.url, 250, 'test', quiet), quiet);
      await Promise.all([cache.store.ready(), limiter.ready()]);
      deployments.push({ db, cache, limiter, ...testGateway(db, { responseCache: cache, rateLimiter: limiter }) });
    }
    // Same ids, different data: an answer from the other deployment's cache would show.
    const b = deployments[1].db.prisma;
    await b.user.update({ where: { id: 3 }, data: { email: 'b-only@example.com' } });
    await b.job.update({ where: { id: 5 }, data: { title: 'Deployment B Title' } });
  }, 120_000);
  afterAll(async () => {
    for (const d of deployments) {
      await d.cache.close();
      await d.limiter.close();
      await d.db.destroy();
    }
    await redis.kill();
  });

  it('never answers one deployment from the other’s cached private or public results', async () => {
    const [a, b] = deployments;
    const aEmail = (await a.db.prisma.user.findUniqueOrThrow({ where: { id: 3 } })).email;
    const aTitle = (await a.db.prisma.job.findUniqueOrThrow({ where: { id: 5 } })).title;
    expect(aEmail).not.toBe('b-only@example.com');
    for (const [query, token] of [
      [ME, seeker],
      [JOB, undefined],
    ] as const) {
      await a.gql(query, {}, { token });
      expect(hit(await a.gql(query, {}, { token }))).toBe(true);
    }
    const me = await b.gql(ME, {}, { token: seeker });
    expect({ email: me.data.me.email, hit: hit(me) }).toEqual({ email: 'b-only@example.com', hit: false });
    const job = await b.gql(JOB);
    expect({ title: job.data.job.title, hit: hit(job) }).toEqual({ title: 'Deployment B Title', hit: false });
    // And the other way round: B's entries are not A's either.
    expect((await a.gql(JOB)).data.job.title).toBe(aTitle);
  });

  it('keeps one deployment’s entries through the other’s invalidations (a mutation, then invalidateAll)', async () => {
    const [a, b] = deployments;
    const Q = '{ job(id: "6") { title applicationCount } }';
    for (const d of [a, b]) {
      await d.gql(Q);
      expect(hit(await d.gql(Q))).toBe(true);
    }
    const job6 = await a.db.prisma.job.findUniqueOrThrow({ where: { id: 6 } });
    const renamed = await a.gql(
      'mutation { updateJob(id: "6", input: { title: "Renamed In A" }) { title } }',
      {},
      { token: tokenFor(1, 'EMPLOYER', job6.companyId) },
    );
    expect(renamed.data.updateJob.title).toBe('Renamed In A');
    expect(hit(await a.gql(Q))).toBe(false);
    expect(hit(await b.gql(Q))).toBe(true);
    await a.cache.invalidateAll();
    expect(hit(await a.gql(JOB))).toBe(false);
    const fromB = await b.gql(Q);
    expect({ title: fromB.data.job.title, hit: hit(fromB) }).toEqual({ title: job6.title, hit: true });
  });

  it('writes every key (entries, tag versions, the last-write key, APQ documents, rate limits) under its deployment’s prefix', async () => {
    for (const [i, d] of deployments.entries()) {
      await d.cache.invalidate(['Job:1', '*']);
      const query = `{ jobs(first: ${i + 2}) { totalCount } }`;
      const hash = createHash('sha256').update(query).digest('hex');
      const res = await d.gql('', undefined, { body: { query, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } } });
      expect(res.errors).toBeUndefined();
    }
    const client = createClient({ url: redis.url });
    await client.connect();
    const keys: string[] = [];
    try {
      for await (const batch of client.scanIterator({ COUNT: 1000 })) keys.push(...(Array.isArray(batch) ? batch : [batch]));
    } finally {
      client.destroy();
    }
    expect(keys.length).toBeGreaterThan(10);
    expect(keys.filter((k) => !PREFIXES.some((p) => k.startsWith(`${p}:`)))).toEqual([]);
    for (const p of PREFIXES) {
      const kinds = ['r:', 't:Job:', 't:*', 't:#last', 'apq:sha256:', 'rl:'].filter((kind) => keys.some((k) => k.startsWith(`${p}:${kind}`)));
      expect({ prefix: p, kinds }).toEqual({ prefix: p, kinds: ['r:', 't:Job:', 't:*', 't:#last', 'apq:sha256:', 'rl:'] });
    }
  });
});
