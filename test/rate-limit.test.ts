import { complexityFromQuery } from '@pothos/plugin-complexity';
import { loadConfig } from '../src/config';
import { readManifest } from '../src/http/plugins/documents';
import { schema } from '../src/schema';
import { RateLimiter } from '../src/ops/rate-limiter';
import { connectRedis } from '../src/redis';
import { hasRedisServer, OwnRedis, quiet } from './helpers/cache';
import { openTestDatabase, type TestDatabase } from './helpers/db';
import { testGateway, tokenFor } from './helpers/gateway';
import { uniqueName } from './helpers/template';

const PAGE = '{ jobs(first: 50) { edges { node { title company { name } } } } }';
const CHEAP = '{ job(id: "1") { id } }';
// The cost the query limit computes (`first` multiplies): two pages fit in BUDGET, three do not.
const COST = complexityFromQuery(PAGE, { schema, ctx: { limits: { cost: 1e9 } } }).complexity;
const BUDGET = Math.floor(2.5 * COST);

let db: TestDatabase;
let ownRedis: OwnRedis | undefined;
const limiters: RateLimiter[] = [];

function limiter(options: { points: number; windowS?: number; hops?: number; redisUrl?: string; prefix?: string }) {
  const config = {
    ...loadConfig({}),
    RATE_LIMIT_POINTS: options.points,
    RATE_LIMIT_WINDOW_S: options.windowS ?? 60,
    TRUST_PROXY_HOPS: options.hops ?? 0,
    CACHE_PREFIX: options.prefix ?? uniqueName('rl'),
  };
  const redis = options.redisUrl ? connectRedis(options.redisUrl, 250, 'test', quiet) : null;
  const l = new RateLimiter(config, redis, quiet);
  limiters.push(l);
  return l;
}

const gatewayWith = (rateLimiter: RateLimiter) => testGateway(db, { rateLimiter, config: { QUERY_MAX_COST: 100_000 } });

beforeAll(async () => {
  db = await openTestDatabase();
  if (!process.env.REDIS_URL && hasRedisServer()) {
    ownRedis = new OwnRedis();
    await ownRedis.start();
  }
});
afterAll(async () => {
  for (const l of limiters) await l.close();
  await ownRedis?.kill();
  await db.destroy();
});

const redisUrl = () => process.env.REDIS_URL ?? ownRedis?.url;

describe('rate limiting by query cost', () => {
  it('refuses a client over its budget with 429, Retry-After and RATE_LIMITED, charging by cost', async () => {
    const { gql } = gatewayWith(limiter({ points: BUDGET }));
    expect(COST).toBeGreaterThan(100);
    // Two pages fit, the third does not: cost, not request count, is what runs out.
    expect((await gql(PAGE)).errors).toBeUndefined();
    expect((await gql(PAGE)).errors).toBeUndefined();
    const refused = await gql(PAGE);
    expect(refused.status).toBe(429);
    expect(refused.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.errors?.[0].extensions?.retryAfter).toBe(retryAfter);
    expect(refused.data).toBeUndefined();
    // A signed-in viewer has a budget of their own.
    expect((await gql(PAGE, undefined, { token: tokenFor(1, 'SEEKER') })).errors).toBeUndefined();
  });

  it('lets cheap queries through long after an expensive one would be refused', async () => {
    const { gql } = gatewayWith(limiter({ points: BUDGET }));
    for (let i = 0; i < 60; i++) expect((await gql(CHEAP)).status).toBe(200);
  });

  it('lets the client in again once Retry-After has passed', async () => {
    const { gql } = gatewayWith(limiter({ points: Math.floor(1.5 * COST), windowS: 1 }));
    await gql(PAGE);
    const refused = await gql(PAGE);
    expect(refused.status).toBe(429);
    await new Promise((r) => setTimeout(r, Number(refused.headers.get('retry-after')) * 1000 + 50));
    const again = await gql(PAGE);
    expect(again.status).toBe(200);
    expect(again.errors).toBeUndefined();
  });

  it('reads the client address from X-Forwarded-For only behind configured proxies', async () => {
    const spoofable = gatewayWith(limiter({ points: Math.floor(1.5 * COST) }));
    await spoofable.gql(PAGE, undefined, { headers: { 'x-forwarded-for': '10.0.0.1' } });
    // Without trusted proxies a forged header does not buy a new budget.
    expect((await spoofable.gql(PAGE, undefined, { headers: { 'x-forwarded-for': '10.0.0.2' } })).status).toBe(429);

    const proxied = gatewayWith(limiter({ points: Math.floor(1.5 * COST), hops: 1 }));
    await proxied.gql(PAGE, undefined, { headers: { 'x-forwarded-for': '10.0.0.1' } });
    expect((await proxied.gql(PAGE, undefined, { headers: { 'x-forwarded-for': '10.0.0.1' } })).status).toBe(429);
    // The proxy appends the address it saw; what the client wrote further left is ignored.
    expect((await proxied.gql(PAGE, undefined, { headers: { 'x-forwarded-for': '10.0.0.1, 10.0.0.2' } })).status).toBe(200);
  });

  it('shares one budget between two gateway instances on the same Redis', async () => {
    const url = redisUrl();
    if (!url) return console.warn('skipped: no REDIS_URL and no redis-server on this machine');
    const prefix = uniqueName('rl');
    const a = gatewayWith(limiter({ points: BUDGET, redisUrl: url, prefix }));
    const b = gatewayWith(limiter({ points: BUDGET, redisUrl: url, prefix }));
    await Promise.all(limiters.slice(-2).map((l) => l.ready()));
    expect((await a.gql(PAGE)).status).toBe(200);
    expect((await b.gql(PAGE)).status).toBe(200);
    // Two pages spent across the two: the third is refused on either.
    expect((await a.gql(PAGE)).status).toBe(429);
    expect((await b.gql(PAGE)).status).toBe(429);
  });

  it('fails open when Redis is unreachable, and counts it', async () => {
    const l = limiter({ points: Math.floor(1.5 * COST), redisUrl: 'redis://127.0.0.1:1' });
    const { gql, gateway } = gatewayWith(l);
    for (let i = 0; i < 3; i++) {
      const res = await gql(PAGE);
      expect(res.status).toBe(200);
      expect(res.errors).toBeUndefined();
    }
    expect(l.counts.storeErrors).toBeGreaterThanOrEqual(3);
    expect(l.counts.limited).toBe(0);
    const metrics = await (await gateway.fetch('http://gateway.test/metrics')).text();
    expect(metrics).toMatch(/^rate_limit_store_errors [1-9]\d*$/m);
  });
});

describe('refusals cost their arrival point only, and say why', () => {
  // The follow-up: a manifest document (allowed in trusted mode too) whose cost is the whole limit.
  const JOB_PAGE = Object.entries(readManifest()).find(([, text]) => text.startsWith('query JobPage('))!;
  const follow = { documentId: JOB_PAGE[0], variables: { id: '1' } };
  const FOLLOW_COST = complexityFromQuery(JOB_PAGE[1], { schema, ctx: { limits: { cost: 1e9 } }, variables: follow.variables }).complexity;
  // Refused, such a query used to be charged its whole cost and lock its address out for the window.
  const OVER =
    '{ jobs(first: 100) { edges { node { company { jobs(first: 100) { edges { node { company { jobs(first: 100) { edges { node { id } } } } } } } } } } } }';

  it.each([
    ['an over-cost query', OVER, undefined, {}, 'QUERY_TOO_COMPLEX'],
    ['an invalid document', '{ jobs { nope } }', undefined, {}, 'GRAPHQL_VALIDATION_FAILED'],
    ['variables that do not fit their types', 'query ($id: ID!) { job(id: $id) { id } }', { id: { not: 'an id' } }, {}, 'BAD_USER_INPUT'],
    ['a query outside the trusted documents', CHEAP, undefined, { TRUSTED_DOCUMENTS: true }, 'PERSISTED_QUERY_ONLY'],
  ] as const)('%s is refused with its own code and charged 1 point', async (_name, query, variables, config, code) => {
    // Room for the refusal's point and one follow-up, nothing more.
    const { gql } = testGateway(db, { rateLimiter: limiter({ points: FOLLOW_COST + 1 }), config: { QUERY_MAX_COST: FOLLOW_COST, ...config } });
    const refused = await gql(query, variables);
    expect(refused.status).not.toBe(429);
    expect(refused.errors?.map((e) => e.extensions?.code)).toEqual([code]);
    // A refusal charged more than its point would leave too little for the follow-up; one charged
    // nothing would leave room for a second.
    const next = await gql('', undefined, { body: follow });
    expect(next.status).toBe(200);
    expect(next.errors).toBeUndefined();
    expect(next.data.job.id).toBe('1');
    const after = await gql('', undefined, { body: follow });
    expect(after.status).toBe(429);
    expect(after.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
  });

  it('lets the same client go on with cheap requests after an over-cost query', async () => {
    expect(complexityFromQuery(OVER, { schema, ctx: { limits: { cost: 1e9 } } }).complexity).toBeGreaterThan(60_000);
    const { gql } = testGateway(db, { rateLimiter: limiter({ points: 60_000 }), config: { QUERY_MAX_COST: 5000 } });
    const refused = await gql(OVER);
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 5000 });
    for (let i = 0; i < 20; i++) {
      const res = await gql(CHEAP);
      expect(res.status).toBe(200);
      expect(res.errors).toBeUndefined();
    }
  });
});
