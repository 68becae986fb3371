import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';
import { startGateway, type GatewayProcess } from '../../helpers/process';
import { TEST_JWT_SECRET, tokenFor } from '../../helpers/gateway';
import { readSse } from '../../helpers/sse';
import { pgUrl, tempDir, uniqueName } from '../../helpers/template';

// A gateway process as an operator runs it with OTEL_* set, exporting OTLP/HTTP (JSON, so the
// test can read it) to a collector of the test's own: a request sent with a traceparent comes
// back as one trace, from the HTTP edge down to each SQL statement.

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}
const attr = (span: OtlpSpan, key: string) => {
  const found = span.attributes.find((a) => a.key === key);
  return found && Object.values(found.value)[0];
};

let collector: Server;
const spans: OtlpSpan[] = [];
let gateway: GatewayProcess;
let db: TestDatabase | undefined;
const dataDir = tempDir('chommie-tracing');
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

beforeAll(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_FORMAT: 'json',
    MAX_BODY_BYTES: '20000',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '50',
    OTEL_SERVICE_NAME: 'gateway-under-test',
    JWT_SECRET: TEST_JWT_SECRET,
    CACHE_PREFIX: uniqueName('tracing'),
  };
  delete env.DATABASE_URL;
  if (pgUrl()) {
    db = await openTestDatabase();
    env.DATABASE_URL = db.url!;
    env.DATABASE_NAMED_STATEMENTS = 'true';
  }
  gateway = await startGateway(env);
}, 120_000);

afterAll(async () => {
  if (gateway?.child.exitCode === null) gateway.child.kill('SIGKILL');
  await new Promise((resolve) => collector.close(resolve));
  await db?.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${gateway.base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

/**
 * The spans of `traceId` once its server span (the last to end) has arrived, and one more
 * export interval (50 ms) for any sent in a later batch.
 */
async function trace(traceId: string): Promise<OtlpSpan[]> {
  const pause = () => new Promise((r) => setTimeout(r, 100));
  for (let i = 0; i < 50 && !spans.some((s) => s.traceId === traceId && s.kind === 2); i += 1) await pause();
  await pause();
  return spans.filter((s) => s.traceId === traceId);
}

const JOB_PAGE = `query TracedJobs($q: String!) { jobs(first: 3, filter: { search: $q }) { edges { node { id title company { name } similarJobs(first: 2) { id } } } } }`;

describe('a traced request', () => {
  it('continues the caller’s trace: edge, operation, loader batches and SQL statements, nested; its id in the answer and the log', async () => {
    const res = await post(JSON.stringify({ query: JOB_PAGE, variables: { q: 'engineer' } }), {
      traceparent: `00-${TRACE}-${CALLER_SPAN}-01`,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data?: { jobs: { edges: unknown[] } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data?.jobs.edges.length).toBeGreaterThan(0);
    expect(res.headers.get('x-trace-id')).toBe(TRACE);

    const got = await trace(TRACE);
    const server = got.find((s) => s.name === 'POST /graphql');
    expect(server).toBeDefined();
    expect(server!.parentSpanId).toBe(CALLER_SPAN);
    expect(attr(server!, 'http.response.status_code')).toBe(200);
    expect(attr(server!, 'chommie.outcome')).toBe('answered');
    expect(attr(server!, 'chommie.request_id')).toBe(res.headers.get('x-request-id'));

    const operation = got.find((s) => s.name === 'query TracedJobs');
    expect(operation?.parentSpanId).toBe(server!.spanId);
    expect(attr(operation!, 'graphql.operation.type')).toBe('query');
    expect(typeof attr(operation!, 'chommie.admission.wait_ms')).toBe('number');

    const batches = got.filter((s) => s.name.startsWith('dataloader.batch '));
    expect(batches.length).toBeGreaterThan(0);
    const statements = got.filter((s) => attr(s, 'db.system') === 'postgresql');
    expect(statements.length).toBeGreaterThanOrEqual(2);
    const inTrace = new Set(got.map((s) => s.spanId));
    for (const s of statements) {
      expect(inTrace.has(s.parentSpanId!)).toBe(true);
      expect(attr(s, 'chommie.db.role')).toBe('primary');
      // The statement without its values: the search words are a bound parameter.
      expect(String(attr(s, 'db.query.text')).toLowerCase()).not.toContain('engineer');
    }
    // A batch's statements are its children.
    expect(statements.some((s) => batches.some((b) => b.spanId === s.parentSpanId))).toBe(true);
    // The request's own (extensions.sql's count), and what it waited for beyond them: the search
    // vocabulary, loaded once per process by the first search.
    expect(attr(operation!, 'chommie.sql.statements')).toBeGreaterThanOrEqual(2);
    expect(attr(operation!, 'chommie.sql.statements')).toBeLessThanOrEqual(statements.length);

    const line = gateway
      .output()
      .split('\n')
      .find((l) => l.includes(`"reqId":"${res.headers.get('x-request-id')}"`));
    expect(line && JSON.parse(line)).toMatchObject({ traceId: TRACE, operation: 'TracedJobs' });
  });

  it('starts a trace of its own without a traceparent, and a cache hit and a refusal get their span', async () => {
    const first = await post(JSON.stringify({ query: '{ jobs(first: 1) { totalCount } }' }));
    const again = await post(JSON.stringify({ query: '{ jobs(first: 1) { totalCount } }' }));
    const tooBig = await post(JSON.stringify({ query: `{ jobs(first: 1) { totalCount } } #${'x'.repeat(30_000)}` }));
    expect([first.status, again.status, tooBig.status]).toEqual([200, 200, 413]);
    const ids = [first, again, tooBig].map((r) => r.headers.get('x-trace-id'));
    expect(ids.every((id) => /^[0-9a-f]{32}$/.test(id ?? '') && id !== TRACE)).toBe(true);
    expect(new Set(ids).size).toBe(3);
    const [, hit, refused] = await Promise.all(ids.map((id) => trace(id!)));
    const cached = hit.find((s) => s.name === 'POST /graphql');
    expect(cached && attr(cached, 'chommie.cache')).toBe('hit');
    expect(hit.some((s) => attr(s, 'db.system'))).toBe(false);
    expect(refused.map((s) => [s.name, attr(s, 'http.response.status_code')])).toEqual([['POST /graphql', 413]]);
  });

  it('names an operation that is no GraphQL name (invalid) instead of carrying it whole into spans and metrics', async () => {
    const garbage = 'x-'.repeat(8_000); // under the test's MAX_BODY_BYTES
    const res = await post(JSON.stringify({ query: '{ jobs(first: 1) { totalCount } }', operationName: garbage }), {
      traceparent: `00-${TRACE.replace('4', '7')}-${CALLER_SPAN}-01`,
    });
    await res.text();
    const got = await trace(TRACE.replace('4', '7'));
    expect(got.length).toBeGreaterThan(0);
    for (const s of got) {
      expect(s.name.length).toBeLessThan(200);
      for (const a of s.attributes) expect(JSON.stringify(a.value).length).toBeLessThan(5000);
    }
    expect(got.find((s) => s.kind === 2)).toMatchObject({ name: 'POST /graphql' });
    expect(
      attr(
        got.find((s) => s.kind === 2)!,
        'graphql.operation.name',
      ),
    ).toBe('(invalid)');
  });

  it('traces a CSV download as one request: its pages are children of its span', async () => {
    const downloadTrace = TRACE.replace('4', '8');
    const res = await fetch(`${gateway.base}/export/jobs.csv?search=engineer`, {
      headers: { authorization: `Bearer ${tokenFor(1, 'ANALYST')}`, traceparent: `00-${downloadTrace}-${CALLER_SPAN}-01` },
    });
    expect(res.status).toBe(200);
    expect((await res.text()).split('\n').length).toBeGreaterThan(1);
    expect(res.headers.get('x-trace-id')).toBe(downloadTrace);
    const got = await trace(downloadTrace);
    const server = got.find((s) => s.kind === 2);
    expect(server?.name).toBe('GET /export/jobs.csv');
    const pages = got.filter((s) => s.parentSpanId === server!.spanId && s.name.startsWith('query'));
    expect(pages.length).toBeGreaterThan(0);
    expect(got.some((s) => attr(s, 'db.system') === 'postgresql')).toBe(true);
  });

  it('gives a subscription’s events no spans in the subscription’s trace, however long it stays open', async () => {
    const streamTrace = TRACE.replace('4', '9');
    const res = await post(JSON.stringify({ query: 'subscription { jobUpdated(id: "6") { id title company { name } } }' }), {
      accept: 'text/event-stream',
      traceparent: `00-${streamTrace}-${CALLER_SPAN}-01`,
    });
    expect(res.status).toBe(200);
    const stream = readSse(res);
    const before = (await trace(streamTrace)).length;
    expect(before).toBeGreaterThan(0);
    const write = await post(JSON.stringify({ query: 'mutation { updateJob(id: "6", input: { title: "Traced Rename" }) { id } }' }), {
      authorization: `Bearer ${tokenFor(1, 'ADMIN')}`,
    });
    expect(((await write.json()) as { errors?: unknown }).errors).toBeUndefined();
    const event = await stream.next(10_000);
    expect(event).toMatchObject({ event: 'next', data: { data: { jobUpdated: { title: 'Traced Rename' } } } });
    await stream.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(spans.filter((s) => s.traceId === streamTrace)).toHaveLength(before);
  });

  if (pgUrl())
    it('tells PostgreSQL which trace a statement belongs to (pg_stat_activity), and leaves those of an unsampled trace as they are, to be prepared by name', async () => {
      const unsampled = '5bf92f3577b34da6a3ce929d0e0e4736';
      // A backend shows its last statement only until its connection runs another (a background
      // refresh may take it at once on a loaded machine): a few traces, each its own id.
      let seen = false;
      for (let attempt = 0; attempt < 5 && !seen; attempt++) {
        const traceId = `${TRACE.slice(0, -2)}a${attempt}`;
        const res = await post(JSON.stringify({ query: JOB_PAGE, variables: { q: 'pg' } }), { traceparent: `00-${traceId}-${CALLER_SPAN}-01` });
        expect(res.status).toBe(200);
        const activity = await db!.raw.query<{ query: string }>(
          "SELECT query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%traceparent=%'",
        );
        seen = activity.some((a) => a.query.includes(`/*traceparent='00-${traceId}-`));
      }
      expect(seen).toBe(true);
      await post(JSON.stringify({ query: JOB_PAGE, variables: { q: 'pg' } }), { traceparent: `00-${unsampled}-${CALLER_SPAN}-00` });
      await new Promise((r) => setTimeout(r, 300));
      expect(spans.filter((s) => s.traceId === unsampled)).toEqual([]);
      const again = await db!.raw.query<{ query: string }>('SELECT query FROM pg_stat_activity WHERE datname = current_database() AND query LIKE $1', [
        `%${unsampled}%`,
      ]);
      expect(again).toEqual([]);
    });
});
