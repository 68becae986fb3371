// HTTP caching of public persisted reads (http/plugins/http-cache.ts), proven with a real HTTP
// cache in front: Varnish with the repository's VCL (deploy/varnish/chommie.vcl).
import type { IncomingMessage } from 'node:http';
import { loadConfig } from '../../../src/config';
import { readManifest } from '../../../src/http/plugins/documents';
import { RateLimiter } from '../../../src/ops/rate-limiter';
import { tokenFor } from '../../helpers/gateway';
import { useHttpGateways } from '../../helpers/http';
import { describeIf } from '../../helpers/skip';
import { startVarnish, varnishdPath, type Varnish } from '../../helpers/varnish';

/** The edge TTL the gateway under test announces: short, so expiry is waited for, not assumed. */
const EDGE_TTL_S = 2;
const manifest = readManifest();
const idOf = (name: string) => Object.entries(manifest).find(([, doc]) => doc.startsWith(`query ${name}(`) || doc.startsWith(`query ${name} `))![0];
const JOB_PAGE = idOf('JobPage');
const MY_APPLICATIONS = idOf('MyApplications');
const APPLY = Object.entries(manifest).find(([, doc]) => doc.startsWith('mutation ApplyToJob'))![0];

const persistedUrl = (base: string, documentId: string, variables?: Record<string, unknown>) =>
  `${base}?documentId=${encodeURIComponent(documentId)}${variables ? `&variables=${encodeURIComponent(JSON.stringify(variables))}` : ''}`;

const suite = useHttpGateways();
let gatewayUrl: string;
let edge: Varnish | undefined;
let cacheHits: () => number;
/** Requests for /graphql that reached the gateway (whatever answered them there). */
let reached = 0;
/** An active job with no applications from users 20–29, so applying changes what JobPage reads. */
let jobId: string;

const maxAgeOf = (res: Response) => Number(/max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')?.[1]);

beforeAll(async () => {
  const limiter = new RateLimiter(
    { ...loadConfig({}), RATE_LIMIT_POINTS: 1_000_000, RATE_LIMIT_WINDOW_S: 600, TRUST_PROXY_HOPS: 0, CACHE_PREFIX: 'edge-test' },
    null,
    () => undefined,
  );
  const served = await suite.serve({ rateLimiter: limiter, config: { HTTP_CACHE_MAX_AGE_S: EDGE_TTL_S } });
  gatewayUrl = served.url;
  cacheHits = () => served.cache!.stats().hits;
  // The server looks serveNode up on each request: a wrapper counts what reaches the gateway.
  const { gateway } = served;
  const serveNode = gateway.serveNode.bind(gateway);
  gateway.serveNode = (req: IncomingMessage, res) => {
    if (req.url?.startsWith('/graphql')) reached += 1;
    serveNode(req, res);
  };
  const job = await suite.db.prisma.job.findFirstOrThrow({
    where: { isActive: true, applications: { none: { userId: { gte: 20, lt: 30 } } } },
    orderBy: { id: 'asc' },
  });
  jobId = String(job.id);
});

describe('HTTP caching at the gateway (no edge needed)', () => {
  it('marks a public persisted GET public with the capped TTL, a strong ETag, Vary: Origin, Accept; charges it; uses the response cache', async () => {
    const url = persistedUrl(gatewayUrl, JOB_PAGE, { id: jobId });
    const first = await fetch(url);
    expect(first.status).toBe(200);
    const body = (await first.json()) as { data: { job: { id: string } }; extensions?: unknown };
    expect(body.data.job.id).toBe(jobId);
    expect(first.headers.get('cache-control')).toBe(`public, max-age=${EDGE_TTL_S}, s-maxage=${EDGE_TTL_S}`);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{20,}"$/);
    const vary = (first.headers.get('vary') ?? '').toLowerCase();
    expect(vary).toContain('origin');
    expect(vary).toContain('accept');
    expect(vary).not.toContain('authorization');
    // Charged like a POST: the RateLimit header says what is left.
    const left = (res: Response) => Number(/r=(\d+)/.exec(res.headers.get('ratelimit') ?? '')?.[1]);
    expect(left(first)).toBeGreaterThan(0);

    // The second is a response-cache hit, with the same bytes, so the same ETag.
    const hitsBefore = cacheHits();
    const second = await fetch(url);
    expect(cacheHits()).toBe(hitsBefore + 1);
    expect(second.headers.get('etag')).toBe(etag);
    expect(await second.json()).toEqual(body);
    expect(left(second)).toBeLessThan(left(first));

    // If-None-Match: 304 with no body, the validators and the caching headers kept.
    const revalidated = await fetch(url, { headers: { 'if-none-match': `W/"nope", ${etag}` } });
    expect(revalidated.status).toBe(304);
    expect(await revalidated.text()).toBe('');
    expect(revalidated.headers.get('etag')).toBe(etag);
    expect(revalidated.headers.get('cache-control')).toContain('public');
    expect(revalidated.headers.get('ratelimit')).toBeTruthy();
    const other = await fetch(url, { headers: { 'if-none-match': '"something-else"' } });
    expect(other.status).toBe(200);
  });

  it('answers no-store to POST, to an authorized GET, to text queries and to errors; private, no-store to a result that read the viewer', async () => {
    const token = tokenFor(20, 'SEEKER');
    const post = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ documentId: JOB_PAGE, variables: { id: jobId } }),
    });
    expect(post.status).toBe(200);
    expect(post.headers.get('cache-control')).toContain('no-store');
    expect(post.headers.get('etag')).toBeNull();

    const authorized = await fetch(persistedUrl(gatewayUrl, JOB_PAGE, { id: jobId }), { headers: { authorization: `Bearer ${token}` } });
    expect(authorized.status).toBe(200);
    expect(authorized.headers.get('cache-control')).toBe('no-store');

    const text = await fetch(`${gatewayUrl}?query=${encodeURIComponent('{ __typename }')}`);
    expect(text.headers.get('cache-control')).toBe('no-store');

    const failed = await fetch(persistedUrl(gatewayUrl, JOB_PAGE, {}));
    expect(((await failed.json()) as { errors?: unknown[] }).errors?.length).toBeGreaterThan(0);
    expect(failed.headers.get('cache-control')).toBe('no-store');

    const mine = await fetch(persistedUrl(gatewayUrl, MY_APPLICATIONS), { headers: { authorization: `Bearer ${token}` } });
    expect(((await mine.json()) as { data: { me: { id: string } } }).data.me.id).toBe('20');
    expect(mine.headers.get('cache-control')).toBe('private, no-store');
    // Read the viewer without a token: still never shared (its answer is about who is asking).
    for (let i = 0; i < 2; i += 1) {
      const anonymous = await fetch(persistedUrl(gatewayUrl, MY_APPLICATIONS));
      expect(anonymous.headers.get('cache-control')).toMatch(/no-store/);
      expect(anonymous.headers.get('cache-control')).not.toContain('public');
    }
  });
});

describeIf(varnishdPath(), 'varnishd is not installed (apt-get install varnish)')('through Varnish with deploy/varnish/chommie.vcl', () => {
  beforeAll(async () => {
    edge = await startVarnish(Number(new URL(gatewayUrl).port));
  }, 30_000);
  afterAll(async () => {
    await edge?.stop();
  });

  const viaEdge = (path: string, init?: RequestInit) => fetch(`${edge!.url}${path}`, init);
  const jobPage = () => persistedUrl('', JOB_PAGE, { id: jobId });

  it('serves a hot public read from the edge without reaching the gateway', async () => {
    await viaEdge(jobPage()); // fills the edge (or finds it filled)
    const before = reached;
    let hits = 0;
    let misses = 0;
    for (let i = 0; i < 20; i += 1) {
      const res = await viaEdge(jobPage());
      expect(res.status).toBe(200);
      expect(Number(res.headers.get('age'))).toBeLessThanOrEqual(EDGE_TTL_S);
      // A shared copy carries nobody's budget or request id.
      expect([res.headers.get('ratelimit'), res.headers.get('x-request-id')]).toEqual([null, null]);
      expect(res.headers.get('ratelimit-policy')).toBeTruthy();
      if (res.headers.get('x-cache') === 'HIT') hits += 1;
      else misses += 1;
      await res.arrayBuffer();
    }
    // Only a copy expiring mid-loop can send one to the gateway; every hit stayed at the edge.
    expect(hits).toBeGreaterThan(0);
    expect(reached - before).toBe(misses);
  });

  it('never passes /metrics, with or without a token (the gateway itself would answer it here, outside production)', async () => {
    expect((await fetch(`${new URL(gatewayUrl).origin}/metrics`)).status).toBe(200);
    for (const path of ['/metrics', '/metrics?x=1', '/metrics/'])
      for (const headers of [{}, { authorization: 'Bearer some-token-of-sixteen+' }] as Record<string, string>[]) {
        const res = await viaEdge(path, { headers });
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
        expect(await res.text()).not.toMatch(/graphql_/);
      }
  });

  it('never answers a request with Authorization from the edge, nor shares a result that read the viewer', async () => {
    await viaEdge(jobPage());
    const before = reached;
    const authorized = await viaEdge(jobPage(), { headers: { authorization: `Bearer ${tokenFor(21, 'SEEKER')}` } });
    expect(authorized.headers.get('x-cache')).toBe('MISS');
    expect(authorized.headers.get('cache-control')).toBe('no-store');
    expect(reached).toBe(before + 1);

    const seen = new Map<string, string>();
    for (const userId of [21, 22, 21, 22]) {
      const res = await viaEdge(persistedUrl('', MY_APPLICATIONS), { headers: { authorization: `Bearer ${tokenFor(userId, 'SEEKER')}` } });
      expect(res.headers.get('x-cache')).toBe('MISS');
      const me = ((await res.json()) as { data: { me: { id: string } } }).data.me;
      expect(me.id).toBe(String(userId));
      seen.set(String(userId), JSON.stringify(me));
    }
    // Anonymous requests for the same URL get neither viewer's answer, and are never edge hits.
    for (let i = 0; i < 3; i += 1) {
      const anonymous = await viaEdge(persistedUrl('', MY_APPLICATIONS));
      expect(anonymous.headers.get('x-cache')).toBe('MISS');
      const text = await anonymous.text();
      for (const mine of seen.values()) expect(text).not.toContain(mine);
    }
  });

  it('after a write, serves copies no older than max-age until the copy expires, then the new result', async () => {
    type Page = { data: { job: { applicationCount: number } } };
    const count = async (res: Response) => ((await res.json()) as Page).data.job.applicationCount;
    const before = await count(await viaEdge(jobPage()));

    const applied = await viaEdge('', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenFor(23, 'SEEKER')}` },
      body: JSON.stringify({ documentId: APPLY, variables: { jobId } }),
    });
    expect(((await applied.json()) as { errors?: unknown }).errors).toBeUndefined();
    expect(applied.headers.get('x-cache')).toBe('MISS');
    // The gateway itself answers the new count at once (its response cache is invalidated by tags).
    expect(await count(await fetch(persistedUrl(gatewayUrl, JOB_PAGE, { id: jobId })))).toBe(before + 1);

    // The edge may serve the old count, but only from a copy within its max-age; then the new one.
    let seen = before;
    while (seen === before) {
      const res = await viaEdge(jobPage());
      expect(res.headers.get('cache-control')).toBe(`public, max-age=${EDGE_TTL_S}, s-maxage=${EDGE_TTL_S}`);
      expect(Number(res.headers.get('age'))).toBeLessThanOrEqual(maxAgeOf(res));
      seen = await count(res);
      if (seen !== before) break;
      expect(res.headers.get('x-cache')).toBe('HIT');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen).toBe(before + 1);
  }, 30_000);
});
