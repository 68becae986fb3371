import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { complexityFromQuery } from '@pothos/plugin-complexity';
import type { ResponseCache } from '../../../src/cache/response-cache';
import { loadConfig } from '../../../src/config';
import type { GatewayConfig } from '../../../src/http/gateway';
import { readManifest } from '../../../src/http/plugins/documents';
import { schema } from '../../../src/schema';
import { RateLimiter } from '../../../src/ops/rate-limiter';
import { connectRedis } from '../../../src/redis';
import { hasRedisServer, makeCache, OwnRedis, quiet } from '../../helpers/cache';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';
import { testGateway, tokenFor, type GqlResponse } from '../../helpers/gateway';
import { holdJobs, until } from '../../helpers/http';
import { uniqueName } from '../../helpers/template';

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
const servers: Server[] = [];
const caches: ResponseCache[] = [];

afterAll(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  for (const c of caches) await c.store.close();
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
      // The policy still, but no budget: nobody counted this request.
      expect(res.headers.get('ratelimit-policy')).toBe(`"query-cost";q=${Math.floor(1.5 * COST)};w=60`);
      expect(res.headers.has('ratelimit')).toBe(false);
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

// The IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers-11) on every /graphql answer.
describe.each(['memory', 'redis'] as const)('RateLimit and RateLimit-Policy headers (limiter in %s)', (kind) => {
  /** A limiter of this block's kind, ready; undefined (and the test says why) when there is no Redis. */
  async function budgetOf(points: number, windowS = 60) {
    if (kind === 'redis' && !redisUrl()) {
      console.warn('skipped: no REDIS_URL and no redis-server on this machine');
      return undefined;
    }
    const l = limiter({ points, windowS, redisUrl: kind === 'redis' ? redisUrl() : undefined });
    await l.ready();
    return l;
  }

  const policy = (points: number, windowS = 60) => `"query-cost";q=${points};w=${windowS}`;
  /** The RateLimit field's remaining points and seconds to the window's end. */
  function left(headers: Headers): { r: number; t: number } {
    const m = /^"query-cost";r=(\d+);t=(\d+)$/.exec(headers.get('ratelimit') ?? '');
    if (!m) throw new Error(`no well-formed RateLimit field: ${headers.get('ratelimit')}`);
    return { r: Number(m[1]), t: Number(m[2]) };
  }

  /** A gateway with a response cache behind a real HTTP server (serveNode: the fast path, the body limit). */
  async function serve(rateLimiter: RateLimiter, config: Partial<GatewayConfig> = {}) {
    const cache = makeCache(process.env.REDIS_URL);
    caches.push(cache);
    await cache.store.ready();
    const { gateway } = testGateway(db, { rateLimiter, responseCache: cache, config: { QUERY_MAX_COST: 100_000, ...config } });
    const server = createServer((req, res) => gateway.serveNode(req, res));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    const post = async (body: string | object, headers: Record<string, string> = {}) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: res.status, headers: res.headers, json: await res.json() };
    };
    return { post, gateway };
  }

  it('says the policy and what is left after each charge, decreasing, and 0 with Retry-After on the 429', async () => {
    const l = await budgetOf(BUDGET);
    if (!l) return;
    const { gql } = gatewayWith(l);
    const first = await gql(PAGE);
    const second = await gql(PAGE);
    const refused = await gql(PAGE);
    for (const res of [first, second, refused]) expect(res.headers.get('ratelimit-policy')).toBe(policy(BUDGET));
    // Remaining after the whole charge: the arrival point and the rest of the query's cost.
    expect(left(first.headers).r).toBe(BUDGET - COST);
    expect(left(second.headers).r).toBe(BUDGET - 2 * COST);
    for (const res of [first, second]) expect(left(res.headers).t).toBeGreaterThanOrEqual(1);
    for (const res of [first, second]) expect(left(res.headers).t).toBeLessThanOrEqual(60);
    expect(refused.status).toBe(429);
    // Retry-After and the window's end are the same instant.
    expect(left(refused.headers)).toEqual({ r: 0, t: Number(refused.headers.get('retry-after')) });
  });

  it('sends the same fields on a cache hit (answered before Yoga) as on the miss before it, charging the hit 1 point', async () => {
    const l = await budgetOf(10_000);
    if (!l) return;
    const { post } = await serve(l);
    const query = '{ job(id: "7") { id title company { name } } }';
    const cost = complexityFromQuery(query, { schema, ctx: { limits: { cost: 1e9 } } }).complexity;
    const miss = await post({ query });
    const hit = await post({ query });
    expect(miss.json.extensions.responseCache).toEqual({ hit: false });
    expect(hit.json.extensions.responseCache).toEqual({ hit: true });
    const names = (h: Headers) => [...h.keys()].filter((k) => k.startsWith('ratelimit')).sort();
    expect(names(hit.headers)).toEqual(['ratelimit', 'ratelimit-policy']);
    expect(names(hit.headers)).toEqual(names(miss.headers));
    expect(hit.headers.get('ratelimit-policy')).toBe(miss.headers.get('ratelimit-policy'));
    expect(left(miss.headers).r).toBe(10_000 - cost);
    expect(left(hit.headers).r).toBe(10_000 - cost - 1);
  });

  it('sends them with a 429 of a hit over budget, a 400, a 401 and a 413', async () => {
    const l = await budgetOf(40);
    if (!l) return;
    const { post } = await serve(l, { MAX_BODY_BYTES: 1024 });
    // A GraphQL-over-HTTP client's 400 (with application/json, validation errors come with 200).
    const invalid = await post({ query: '{ jobs { nope } }' }, { accept: 'application/graphql-response+json' });
    expect(invalid.status).toBe(400);
    expect(invalid.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(left(invalid.headers).r).toBe(39);
    // A bad token is charged to its address, like an anonymous request.
    const unauthorized = await post({ query: CHEAP }, { authorization: 'Bearer forged' });
    expect(unauthorized.status).toBe(401);
    expect(left(unauthorized.headers).r).toBe(38);
    const tooLarge = await post(JSON.stringify({ query: CHEAP, variables: { pad: 'x'.repeat(2048) } }));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect(left(tooLarge.headers).r).toBe(37);
    for (const res of [invalid, unauthorized, tooLarge]) expect(res.headers.get('ratelimit-policy')).toBe(policy(40));
    // Then hits of one query (the fast path) until the budget is spent: Yoga's 429.
    const answers = [];
    for (let i = 0; i < 50 && answers.at(-1)?.status !== 429; i++) answers.push(await post({ query: CHEAP }));
    expect(answers.filter((a) => a.json.extensions?.responseCache?.hit).length).toBeGreaterThan(10);
    const remaining = answers.map((a) => left(a.headers).r);
    for (let i = 1; i < remaining.length - 1; i++) expect(remaining[i]).toBe(remaining[i - 1] - 1);
    const refused = answers.at(-1)!;
    expect(refused.status).toBe(429);
    expect(refused.json.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(left(refused.headers)).toEqual({ r: 0, t: Number(refused.headers.get('retry-after')) });
  });

  it('sends them with the 503 of an execution shed before Yoga (admission full), charging its arrival point', async () => {
    const l = await budgetOf(10_000);
    if (!l) return;
    const { post, gateway } = await serve(l, { MAX_CONCURRENT_EXECUTIONS: 1, MAX_QUEUED_EXECUTIONS: 0 });
    const release = await holdJobs(db);
    let held: ReturnType<typeof post> | undefined;
    try {
      held = post({ query: '{ jobs(first: 1) { edges { node { id } } } }' });
      await until(async () => /^graphql_executions_in_flight 1$/m.test(await (await gateway.fetch('http://gateway.test/metrics')).text()));
      const shed = await post({ query: '{ job(id: "100") { id } }' });
      expect(shed.status).toBe(503);
      expect(shed.json.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
      expect(shed.headers.get('ratelimit-policy')).toBe(policy(10_000));
      // Below the held request's charge: the shed one was charged its point too.
      expect(left(shed.headers).r).toBeLessThan(10_000 - 1);
    } finally {
      await release();
    }
    expect((await held).status).toBe(200);
  });

  it('lets a crawler that paces itself by the headers page the whole catalogue without a 429', async () => {
    // The production setting: trusted documents only, so the crawler sends JobSearch by id.
    const [id, text] = Object.entries(readManifest()).find(([, t]) => t.startsWith('query JobSearch('))!;
    const PAGE_COST = complexityFromQuery(text, { schema, ctx: { limits: { cost: 1e9 } }, variables: { first: 100 } }).complexity;
    expect(PAGE_COST).toBe(2 + 15 * 100); // the figure docs/OPERATIONS.md's crawling budget is computed from
    // Three pages a 1 s window: the crawl cannot finish in one window, it has to wait.
    const l = await budgetOf(3 * PAGE_COST + 10, 1);
    if (!l) return;
    const { gql } = testGateway(db, { rateLimiter: l, config: { TRUSTED_DOCUMENTS: true, QUERY_MAX_COST: PAGE_COST } });
    const seen = new Set<string>();
    const statuses: number[] = [];
    let after: string | null = null;
    let total = 0;
    let known: { r: number; t: number } | undefined;
    let waits = 0;
    for (let page = 0; page < 1000; page++) {
      // Polite: not enough left for a page, so wait until the window ends (and a little more).
      if (known && known.r < PAGE_COST) {
        waits += 1;
        await new Promise((r) => setTimeout(r, known!.t * 1000 + 50));
      }
      const res: GqlResponse = await gql('', undefined, { body: { documentId: id, variables: { first: 100, after } } });
      statuses.push(res.status);
      if (res.status !== 200) break;
      expect(res.errors).toBeUndefined();
      known = res.headers.has('ratelimit') ? left(res.headers) : undefined;
      total = res.data.jobs.totalCount;
      for (const e of res.data.jobs.edges) seen.add(e.node.id);
      if (!res.data.jobs.pageInfo.hasNextPage) break;
      after = res.data.jobs.pageInfo.endCursor;
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(total).toBeGreaterThan(300);
    expect(seen.size).toBe(total);
    expect(statuses.length).toBe(Math.ceil(total / 100));
    // It did have to pace itself: more pages than one window's budget.
    expect(waits).toBeGreaterThanOrEqual(Math.floor(statuses.length / 3) - 1);
  });
});
