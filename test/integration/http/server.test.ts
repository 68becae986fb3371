import type { ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { rmSync } from 'node:fs';
import { EXAMPLE_QUERY } from '../../../src/http/graphiql';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';
import { startGateway, type GatewayProcess } from '../../helpers/process';
import { pgUrl, tempDir } from '../../helpers/template';

// Starts the gateway the way `npm start` does: on PostgreSQL when the suite runs against it,
// else on a brand-new embedded data directory (which it must create, migrate and seed itself).
let gateway: GatewayProcess;
let child: ChildProcess;
let base: string;
let db: TestDatabase | undefined;
const dataDir = tempDir('chommie-start');

beforeAll(async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, SHUTDOWN_GRACE_MS: '300', METRICS_PORT: '0' };
  delete env.DATABASE_URL;
  if (pgUrl()) {
    db = await openTestDatabase();
    const url = new URL(pgUrl()!);
    url.pathname = `/${(await db.raw.query<{ d: string }>('SELECT current_database() AS d'))[0].d}`;
    env.DATABASE_URL = url.toString();
  }
  gateway = await startGateway(env);
  ({ child, base } = gateway);
}, 120_000);

afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await db?.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the gateway as started by npm start', () => {
  it('says how far seeding an empty embedded database has got, then what it wrote', () => {
    // Its stdout and stderr are pipes here: progress comes as log entries, not a rewritten line.
    const out = gateway.output();
    if (pgUrl()) expect(out).not.toContain('seeding:');
    else {
      expect(out).toMatch(/"msg":"seeding: jobs 0\/\d+"/);
      expect(out).toMatch(/"msg":"seeding: search terms \d\/1"/);
      expect(out).toMatch(/"jobs":\d+,"companies":\d+,"users":\d+,"applications":\d+,"ms":\d+,"msg":"seeded [\d,]+ jobs, .* in [\d.]+ s"/);
    }
  });

  it('serves GraphiQL to a browser, with its assets from the gateway rather than a CDN', async () => {
    const res = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<title>Chommie Gateway</title>');
    expect(html).toContain('NewestJobs');
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="https?:\/\//);
  });

  it('answers the example query', async () => {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: EXAMPLE_QUERY }),
    });
    const body = await res.json();
    expect(body.errors).toBeUndefined();
    expect(body.data.jobs.edges).toHaveLength(10);
    expect(body.data.jobs.totalCount).toBeGreaterThan(2000);
    expect(body.extensions.sql.statements).toBeLessThanOrEqual(6);
  });

  it('answers malformed requests with a GraphQL error, not a crash', async () => {
    const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "{ jobs(first: ' });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.errors[0].message).toEqual(expect.any(String));
    const next = await fetch(`${base}/graphql?query=${encodeURIComponent('{ job(id: "1") { id } }')}`);
    expect((await next.json()).data.job.id).toBe('1');
  });

  it('serves its metrics on METRICS_PORT, a port of their own', async () => {
    const port = /"port":(\d+)[^\n]*"msg":"metrics served on METRICS_PORT"/.exec(gateway.output())?.[1];
    expect(port).toMatch(/^\d+$/);
    expect(port).not.toBe(new URL(base).port);
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^graphql_request_duration_seconds_count\{/m);
    expect((await fetch(`http://127.0.0.1:${port}/graphql`)).status).toBe(404);
  });

  it('finishes a request in flight on SIGTERM, then exits 0', async () => {
    const query =
      '{ jobs(first: 100, filter: { search: "engineer or developer or manager" }, orderBy: RELEVANCE) { totalCount edges { node { title company { name jobCount } applicationCount(days: 30) similarJobs(first: 10) { title company { name } } } } } }';
    // A client on keep-alive connections, as a load balancer or an HTTP client library is.
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const health = () =>
      new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        const req = request(`${base}/health`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
        });
        // Whether the request went on a kept-alive connection: only those are the server's to keep.
        req.on('error', (err: NodeJS.ErrnoException & { reused?: boolean }) => reject(Object.assign(err, { reused: req.reusedSocket }))).end();
      });
    expect(await health()).toEqual({ status: 200, connection: 'keep-alive' });
    const inFlight = fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGTERM');
    // Until the process goes, the client keeps asking on its keep-alive connections: every
    // answer after the signal says `Connection: close`, and no request meets a reset.
    const afterSignal: { status: number; connection: string | undefined }[] = [];
    const errors: string[] = [];
    const asking = (async () => {
      while (child.exitCode === null && afterSignal.length < 2000) {
        try {
          afterSignal.push(await health());
        } catch (err) {
          // Refused once the server stopped listening is expected, and so is a reset of a new
          // connection still in the listen backlog when it closed (the kernel resets those:
          // the request was never read, as if refused). A reset of a kept-alive one is not.
          const { code, reused } = err as NodeJS.ErrnoException & { reused?: boolean };
          if (code === 'ECONNREFUSED' || (code === 'ECONNRESET' && !reused)) break;
          errors.push(code ?? String(err));
        }
      }
    })();
    // Within the grace period: still answering, but no longer ready (the event loop may first
    // finish the query in flight, so ask until it says so).
    let ready = 200;
    for (let i = 0; i < 20 && ready === 200; i++) {
      ready = (await fetch(`${base}/ready`)).status;
      if (ready === 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(ready).toBe(503);
    const res = await inFlight;
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.errors).toBeUndefined();
    expect(body.data.jobs.edges.length).toBeGreaterThan(0);
    expect(await gateway.exited).toBe(0);
    await asking;
    agent.destroy();
    expect(errors).toEqual([]);
    // Those answered before the process handled the signal (one or two, as the loop's turns
    // fall) keep their connection; from the first that closes, every answer closes.
    const first = afterSignal.findIndex((a) => a.connection === 'close');
    expect(first).toBeGreaterThanOrEqual(0);
    expect(afterSignal.slice(first).filter((a) => a.connection !== 'close' || a.status !== 200)).toEqual([]);
    expect(afterSignal.every((a) => a.status === 200)).toBe(true);
    expect(gateway.output()).toMatch(/SIGTERM: finishing in-flight requests[\s\S]*"msg":"stopped"/);
  });
});
