import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../../src/config';
import type { GatewayConfig } from '../../../src/http/gateway';
import { RateLimiter } from '../../../src/ops/rate-limiter';
import { whileStarting } from '../../../src/http/server';
import { quiet } from '../../helpers/cache';
import { holdJobs, until, useHttpGateways } from '../../helpers/http';
import { uniqueName } from '../../helpers/template';

// CORS_ORIGINS (src/http/cors.ts) over real HTTP: whichever path answers a request (Yoga, the
// cache's fast path, a refusal written by hand), a browser sees the same CORS headers, so a
// front end on another origin never fails on exactly the requests a cache answers.
const suite = useHttpGateways();

const APP = 'https://app.example.com';
const DEV = 'http://localhost:5173';
const OTHER = 'https://elsewhere.example.net';
// Two origins: with one, Yoga would send it to every requester (not a refusal).
const LISTED: Partial<GatewayConfig> = { CORS_ORIGINS: [APP, DEV], CORS_MAX_AGE_S: 600 };

/** What a listed origin is granted, written out (not computed by src/http/cors.ts). */
const granted = (origin: string) => ({
  'access-control-allow-origin': origin,
  'access-control-allow-credentials': 'true',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'accept, authorization, content-type, x-request-id, traceparent, tracestate',
  'access-control-expose-headers': 'retry-after, x-request-id, x-trace-id, ratelimit, ratelimit-policy',
  'access-control-max-age': '600',
  vary: 'Origin',
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  json: any;
}

/** A request on a connection of its own (a 413 closes its connection). */
function send(port: number, method: string, path: string, headers: Record<string, string | number> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, json: /json/.test(res.headers['content-type'] ?? '') && text ? JSON.parse(text) : undefined }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const withOrigin = (origin: string | undefined): Record<string, string> => (origin ? { origin } : {});
const post = (port: number, query: string, origin?: string, headers: Record<string, string> = {}) =>
  send(port, 'POST', '/graphql', { 'content-type': 'application/json', ...withOrigin(origin), ...headers }, JSON.stringify({ query }));

/** What a refused origin (or a request without one) gets: no grant, and a Vary for shared caches. */
const REFUSED = { vary: 'Origin' };

/** The response's CORS headers: access-control-* and vary. */
const corsOf = (a: Answer) => Object.fromEntries(Object.entries(a.headers).filter(([k]) => k.startsWith('access-control-') || k === 'vary'));

/** A cached gateway over HTTP; `post` also says whether the cache's fast path answered. */
async function serve(config: Partial<GatewayConfig>, rateLimiter?: RateLimiter) {
  const { port, cache } = await suite.serve({ config, rateLimiter });
  const lookups = jest.spyOn(cache!, 'getJson');
  const answeredFast = async () => typeof (await lookups.mock.results.at(-1)?.value) === 'string';
  return { port, answeredFast };
}

let job = 20;
/** A query no earlier request has cached. */
const fresh = () => `{ job(id: "${job++}") { id title } }`;

/** A miss (executed by Yoga) and then a hit (answered by the fast path) of one query from `origin`. */
async function missThenHit(gateway: Awaited<ReturnType<typeof serve>>, origin: string | undefined) {
  const query = fresh();
  const miss = await post(gateway.port, query, origin);
  expect(miss.status).toBe(200);
  expect(miss.json.extensions.responseCache).toEqual({ hit: false });
  const hit = await post(gateway.port, query, origin);
  expect(hit.status).toBe(200);
  expect(await gateway.answeredFast()).toBe(true);
  return { miss, hit };
}

describe('CORS with listed origins (CORS_ORIGINS)', () => {
  let gateway: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    gateway = await serve(LISTED);
  });

  it.each([APP, DEV])('grants %s the same headers, with credentials, on a miss and on a cache hit', async (origin) => {
    const { miss, hit } = await missThenHit(gateway, origin);
    expect(corsOf(miss)).toEqual(granted(origin));
    expect(corsOf(hit)).toEqual(corsOf(miss));
  });

  it.each([
    ['an origin not listed', OTHER],
    ['a listed origin spelled otherwise', `${APP}/`],
    ['the opaque origin null', 'null'],
    ['no origin (same-origin or not a browser)', undefined],
  ])('sends %s no CORS header, on a miss and on a cache hit', async (_name, origin) => {
    const { miss, hit } = await missThenHit(gateway, origin);
    expect(corsOf(miss)).toEqual(REFUSED);
    expect(corsOf(hit)).toEqual(REFUSED);
  });

  it('answers the preflight with the same rules: 204, headers for a listed origin, none for another', async () => {
    const preflight = (origin: string) =>
      send(gateway.port, 'OPTIONS', '/graphql', {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      });
    const ok = await preflight(APP);
    expect(ok.status).toBe(204);
    expect(corsOf(ok)).toEqual(granted(APP));
    const refused = await preflight(OTHER);
    expect(refused.status).toBe(204);
    expect(corsOf(refused)).toEqual(REFUSED);
  });

  it('sends the same headers with 401, 406, /ready and /metrics (all Yoga’s)', async () => {
    for (const [origin, expected] of [
      [APP, granted(APP)],
      [OTHER, REFUSED],
    ] as const) {
      const unauthorized = await post(gateway.port, fresh(), origin, { authorization: 'Bearer forged' });
      expect(unauthorized.status).toBe(401);
      expect(corsOf(unauthorized)).toEqual(expected);
      const unacceptable = await post(gateway.port, fresh(), origin, { accept: 'text/html' });
      expect(unacceptable.status).toBe(406);
      expect(corsOf(unacceptable)).toEqual(expected);
      for (const path of ['/ready', '/metrics']) expect(corsOf(await send(gateway.port, 'GET', path, { origin }))).toEqual(expected);
    }
  });

  it('sends the same headers with a 413 refused before Yoga reads the body', async () => {
    const { port } = await serve({ ...LISTED, MAX_BODY_BYTES: 1024 });
    const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(2048) } });
    for (const [origin, expected] of [
      [APP, granted(APP)],
      [OTHER, REFUSED],
    ] as const) {
      const res = await send(port, 'POST', '/graphql', { 'content-type': 'application/json', 'content-length': Buffer.byteLength(big), origin }, big);
      expect(res.status).toBe(413);
      expect(res.json.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
      expect(corsOf(res)).toEqual(expected);
    }
  });

  it('sends the same headers on the hits before a 429 and on the 429 (Yoga answers a hit over budget)', async () => {
    const limiter = new RateLimiter({ ...loadConfig({}), RATE_LIMIT_POINTS: 20, CACHE_PREFIX: uniqueName('cors') }, null, quiet);
    const limited = await serve(LISTED, limiter);
    const query = fresh();
    const answers: Answer[] = [];
    for (let i = 0; i < 40 && answers.at(-1)?.status !== 429; i++) answers.push(await post(limited.port, query, APP));
    // The first execution, then hits (fast path), until the budget is spent (Yoga's 429).
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(1);
    expect(answers.at(-1)!.status).toBe(429);
    for (const a of answers) expect(corsOf(a)).toEqual(granted(APP));
    expect(corsOf(await post(limited.port, query, OTHER))).toEqual(REFUSED);
  });

  it('sends the same headers with the 503 of an execution shed before Yoga (admission full)', async () => {
    const { port } = await serve({ ...LISTED, MAX_CONCURRENT_EXECUTIONS: 1, MAX_QUEUED_EXECUTIONS: 0 });
    const release = await holdJobs(suite.db);
    let held: Promise<Answer> | undefined;
    try {
      held = post(port, '{ jobs(first: 1) { edges { node { id } } } }', APP);
      await until(async () => /^graphql_executions_in_flight 1$/m.test(await metricsText(port)));
      for (const [origin, expected] of [
        [APP, granted(APP)],
        [OTHER, REFUSED],
      ] as const) {
        const shed = await post(port, fresh(), origin);
        expect(shed.status).toBe(503);
        expect(shed.json.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
        expect(corsOf(shed)).toEqual(expected);
      }
    } finally {
      await release();
    }
    const done = await held;
    expect(done.status).toBe(200);
    expect(corsOf(done)).toEqual(granted(APP));
  });

  it('sends the same headers with the 503 "starting" answered before the gateway is built', async () => {
    const server: Server = createServer(whileStarting({ CORS_ORIGINS: [APP, DEV], CORS_MAX_AGE_S: 600 }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const starting = await post(port, '{ __typename }', APP);
      expect(starting).toMatchObject({ status: 503, json: { status: 'starting' } });
      expect(corsOf(starting)).toEqual(granted(APP));
      expect(corsOf(await post(port, '{ __typename }', OTHER))).toEqual(REFUSED);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('CORS for any origin (CORS_ORIGINS=*)', () => {
  it('reflects every origin, never with credentials, the same on a miss and a hit; no max-age when CORS_MAX_AGE_S=0', async () => {
    const gateway = await serve({ CORS_ORIGINS: ['*'], CORS_MAX_AGE_S: 0 });
    for (const origin of [APP, OTHER]) {
      const { miss, hit } = await missThenHit(gateway, origin);
      const { 'access-control-allow-credentials': _credentials, 'access-control-max-age': _maxAge, ...rest } = granted(origin);
      expect(corsOf(miss)).toEqual(rest);
      expect(corsOf(hit)).toEqual(corsOf(miss));
    }
  });
});

describe('CORS with no origin listed (the production default)', () => {
  it('grants no origin anything, on a miss or a hit', async () => {
    const gateway = await serve({ CORS_ORIGINS: loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).CORS_ORIGINS });
    const { miss, hit } = await missThenHit(gateway, APP);
    expect(corsOf(miss)).toEqual(REFUSED);
    expect(corsOf(hit)).toEqual(REFUSED);
  });
});

async function metricsText(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end();
  });
}
