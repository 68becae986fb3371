import { Writable } from 'node:stream';
import { createEventBus, type EventBus } from '../../../src/events/bus';
import { createLogger } from '../../../src/log';
import { tokenFor } from '../../helpers/gateway';
import { useHttpGateways } from '../../helpers/http';
import { readSse, subscribe, type SseStream } from '../../helpers/sse';

// A subscription at the request edge (http/plugins/subscriptions.ts, gateway.ts): through the
// Node path with its fast path and response cache, admission control and the request log.

const suite = useHttpGateways();
let bus: EventBus;
const streams: SseStream[] = [];
beforeAll(() => {
  bus = createEventBus({ prefix: 'edge-subscriptions', timeoutMs: 250, warn: () => undefined });
});
afterAll(async () => {
  await Promise.all(streams.map((s) => s.close()));
  await bus.close();
});

const JOB_UPDATED = 'subscription JobLive($id: ID!) { jobUpdated(id: $id) { id title } }';
const open = async (url: string, query: string, variables: Record<string, unknown> = {}, token?: string) => {
  const s = await subscribe(fetch, url, query, variables, token);
  streams.push(s);
  return s;
};

function capture() {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { log: createLogger({ LOG_LEVEL: 'info' }, stream), lines };
}

it('is never answered from nor stored in the response cache, on the fast path or in Yoga', async () => {
  const { url, cache } = await suite.serve({ events: bus });
  const job = await suite.db.prisma.job.findFirstOrThrow({ where: { isActive: true } });
  const before = cache!.stats();
  const a = await open(url, JOB_UPDATED, { id: String(job.id) });
  const b = await open(url, JOB_UPDATED, { id: String(job.id) });
  for (const s of [a, b]) {
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(s.headers.get('x-request-id')).toBeTruthy();
  }
  await suite.db.prisma.job.update({ where: { id: job.id }, data: { title: 'Not told: written behind the gateway' } });
  await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenFor(2, 'EMPLOYER', job.companyId)}` },
    body: JSON.stringify({ query: 'mutation($id: ID!) { updateJob(id: $id, input: { title: "Told live" }) { id } }', variables: { id: String(job.id) } }),
  });
  // Each stream resolved the event itself (nothing shared, nothing cached).
  for (const s of [a, b]) expect(await s.next()).toEqual({ event: 'next', data: { data: { jobUpdated: { id: String(job.id), title: 'Told live' } } } });
  const after = cache!.stats();
  expect(after.stores).toBe(before.stores);
  expect(after.hits).toBe(before.hits);
});

it('holds no admission slot: with one slot and no queue, queries still run while streams are open', async () => {
  const { url, gateway } = await suite.serve({ events: bus, cached: false, config: { MAX_CONCURRENT_EXECUTIONS: 1, MAX_QUEUED_EXECUTIONS: 0 } });
  const job = await suite.db.prisma.job.findFirstOrThrow({ where: { isActive: true } });
  for (let i = 0; i < 3; i++) expect((await open(url, JOB_UPDATED, { id: String(job.id) })).status).toBe(200);
  expect(gateway.streams.open).toBe(3);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ jobs(first: 1) { totalCount } }' }),
  });
  expect(res.status).toBe(200);
  expect((await res.json()).data.jobs.totalCount).toBeGreaterThan(0);
});

it('logs the stream’s start as its request line and its end with its events and why it ended', async () => {
  const { log, lines } = capture();
  const { url, gateway } = await suite.serve({ events: bus, cached: false, log });
  const job = await suite.db.prisma.job.findFirstOrThrow({ where: { isActive: true } });
  const s = await open(url, JOB_UPDATED, { id: String(job.id) });
  const start = lines.find((l) => l.msg === 'graphql request' && l.operation === 'JobLive');
  expect(start).toMatchObject({ type: 'subscription', status: 200 });
  await s.close();
  for (let i = 0; i < 100 && gateway.streams.open > 0; i++) await new Promise((r) => setTimeout(r, 20));
  const end = lines.find((l) => l.msg === 'subscription ended');
  expect(end).toMatchObject({ reqId: start!.reqId, operation: 'JobLive', type: 'subscription', events: 0, reason: 'client left' });
});

it('refuses a query or mutation asked for as an event stream (the proxy’s stream backend carries subscriptions only), cached or not', async () => {
  const { url } = await suite.serve({ events: bus });
  const job = await suite.db.prisma.job.findFirstOrThrow({ where: { isActive: true } });
  const post = (query: string, accept: string, token?: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables: { id: String(job.id) } }),
    });
  const QUERY = 'query($id: ID!) { job(id: $id) { id title } }';
  // Stored in the response cache first, so that the fast path would have a hit to answer.
  expect((await (await post(QUERY, 'application/json')).json()).data.job.id).toBe(String(job.id));
  expect((await (await post(QUERY, 'application/json')).json()).extensions.responseCache.hit).toBe(true);
  const refusedBody = async (res: Response) => (/event-stream/.test(res.headers.get('content-type') ?? '') ? readSse(res).next() : res.json());
  for (const accept of ['text/event-stream', 'application/json, text/event-stream']) {
    const res = await post(QUERY, accept);
    expect(res.status).toBe(406);
    const body = await refusedBody(res);
    expect(JSON.stringify(body)).toContain('SUBSCRIPTIONS_ONLY_OVER_SSE');
    expect(JSON.stringify(body)).not.toContain(job.title);
  }
  const mutation = await post('mutation($id: ID!) { closeJob(id: $id) { id } }', 'text/event-stream', tokenFor(2, 'EMPLOYER', job.companyId));
  expect(mutation.status).toBe(406);
  expect(JSON.stringify(await refusedBody(mutation))).toContain('SUBSCRIPTIONS_ONLY_OVER_SSE');
  expect((await suite.db.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).isActive).toBe(true);
  // Subscriptions still stream.
  const s = await open(url, JOB_UPDATED, { id: String(job.id) });
  expect(s.status).toBe(200);
  expect(await s.next(200)).toBe('nothing');
});
