import { spawn } from 'node:child_process';
import { request, type IncomingHttpHeaders } from 'node:http';
import type { GatewayConfig } from '../../../src/http/gateway';
import { ioDeadline } from '../../../src/io-deadline';
import { Writable } from 'node:stream';
import { requestDb } from '../../../src/db/request-db';
import { createLoaders } from '../../../src/loaders';
import { createLogger } from '../../../src/log';
import { countAtDriver } from '../../helpers/driver-count';
import { holdJobs, until, useHttpGateways } from '../../helpers/http';

// Admission control (src/ops/admission.ts) over real HTTP, as in production: executions beyond
// the limit are shed with 503, cache hits and the ops endpoints are not, and a request whose
// client left is never executed.
const suite = useHttpGateways();

/** A gateway with a response cache behind a real HTTP server; its port. */
const serve = async (config: Partial<GatewayConfig>) => (await suite.serve({ config })).port;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
}

/** A request on a connection of its own; `sent` gets the client side, to abandon it. */
function send(port: number, method: string, path: string, body?: string, sent?: (req: ReturnType<typeof request>) => void): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          body: text,
          json: /json/.test(res.headers['content-type'] ?? '') ? JSON.parse(text) : undefined,
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
    sent?.(req);
  });
}

const gql = (port: number, query: string, sent?: (req: ReturnType<typeof request>) => void) => send(port, 'POST', '/graphql', JSON.stringify({ query }), sent);
const metrics = async (port: number) => (await send(port, 'GET', '/metrics')).body;
const metric = async (port: number, line: string) => Number(new RegExp(`^${line.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(await metrics(port))?.[1]);

// Reads `job`: held while the table is.
const HELD = '{ jobs(first: 1) { edges { node { id } } } }';

describe('admission control', () => {
  it('sheds executions beyond the limit with 503 SERVICE_UNAVAILABLE, while cache hits, /health, /ready and /metrics still answer', async () => {
    const port = await serve({ MAX_CONCURRENT_EXECUTIONS: 1, MAX_QUEUED_EXECUTIONS: 1, ADMISSION_DEADLINE_MS: 100 });
    const HIT = '{ job(id: "2") { title } }';
    expect((await gql(port, HIT)).json.extensions.responseCache.hit).toBe(false);
    const release = await holdJobs(suite.db);
    let held: Promise<Answer> | undefined;
    try {
      held = gql(port, HELD);
      await until(async () => (await metric(port, 'graphql_executions_in_flight')) === 1);
      // One waits in the queue until its deadline (nothing has finished to predict a wait from)
      // and is shed then; the others at once, the queue being full.
      const excess = await Promise.all(Array.from({ length: 6 }, (_, i) => gql(port, `{ job(id: "${10 + i}") { title } }`)));
      for (const res of excess) {
        expect(res.status).toBe(503);
        expect(res.headers['retry-after']).toBe('1');
        expect(res.json.errors).toEqual([expect.objectContaining({ extensions: { code: 'SERVICE_UNAVAILABLE' } })]);
        expect(res.json.data).toBeUndefined();
      }
      const hit = await gql(port, HIT);
      expect(hit.status).toBe(200);
      expect(hit.json).toMatchObject({ data: { job: { title: expect.any(String) } }, extensions: { responseCache: { hit: true } } });
      expect((await send(port, 'GET', '/health')).status).toBe(200);
      // On PGlite the held transaction is the database's one connection: /ready says so (503) within its bound.
      const ready = await send(port, 'GET', '/ready');
      expect(ready.status).toBe(suite.db.url ? 200 : 503);
      expect(ready.json.status).toBe(suite.db.url ? 'ready' : 'unready');
      const text = await metrics(port);
      expect(text).toMatch(/^graphql_executions_shed_total\{reason="overload"\} 6$/m);
      expect(text).toMatch(/^graphql_executions_shed_total\{reason="client_gone"\} 0$/m);
      expect(text).toMatch(/^graphql_executions_in_flight 1$/m);
      expect(text).toMatch(/^graphql_executions_queued 0$/m);
    } finally {
      await release();
    }
    const done = await held;
    expect(done.status).toBe(200);
    expect(done.json.data.jobs.edges).toHaveLength(1);
    expect(await metric(port, 'graphql_executions_in_flight')).toBe(0);
    // Capacity is back: the shed queries now run.
    expect((await gql(port, '{ job(id: "10") { title } }')).json.data.job.title).toEqual(expect.any(String));
  });

  it('runs a queued execution once a slot frees', async () => {
    const port = await serve({ MAX_CONCURRENT_EXECUTIONS: 1, MAX_QUEUED_EXECUTIONS: 1, ADMISSION_DEADLINE_MS: 60_000 });
    const release = await holdJobs(suite.db);
    let held: Promise<Answer>;
    let queued: Promise<Answer>;
    try {
      held = gql(port, HELD);
      await until(async () => (await metric(port, 'graphql_executions_in_flight')) === 1);
      queued = gql(port, '{ job(id: "4") { id } }');
      await until(async () => (await metric(port, 'graphql_executions_queued')) === 1);
      expect((await gql(port, '{ job(id: "5") { id } }')).status).toBe(503);
    } finally {
      await release();
    }
    expect((await held!).json.data.jobs.edges).toHaveLength(1);
    expect(await queued!).toMatchObject({ status: 200, json: { data: { job: { id: '4' } } } });
    expect(await metric(port, 'graphql_executions_shed_total{reason="overload"}')).toBe(1);
  });

  it('never executes a request whose client left while it waited', async () => {
    const port = await serve({ MAX_CONCURRENT_EXECUTIONS: 1, MAX_QUEUED_EXECUTIONS: 5, ADMISSION_DEADLINE_MS: 60_000 });
    const release = await holdJobs(suite.db);
    let held: Promise<Answer>;
    try {
      held = gql(port, HELD);
      await until(async () => (await metric(port, 'graphql_executions_in_flight')) === 1);
      let client!: ReturnType<typeof request>;
      const abandoned = gql(port, '{ job(id: "6") { id } }', (req) => (client = req)).then(
        () => 'answered',
        () => 'no answer',
      );
      await until(async () => (await metric(port, 'graphql_executions_queued')) === 1);
      client.destroy();
      expect(await abandoned).toBe('no answer');
      // It leaves the queue as its client goes, not when a slot frees.
      await until(async () => (await metric(port, 'graphql_executions_queued')) === 0);
      expect(await metric(port, 'graphql_executions_shed_total{reason="client_gone"}')).toBe(1);
    } finally {
      await release();
    }
    expect((await held!).status).toBe(200);
    const text = await metrics(port);
    // Executions finished: the held one only (statements are observed per executed request).
    expect(text).toMatch(/^graphql_sql_statements_count 1$/m);
    expect(text).toMatch(/^graphql_executions_in_flight 0$/m);
    expect(text).toMatch(/^graphql_executions_shed_total\{reason="overload"\} 0$/m);
  });
});

describe('a closed loop of clients', () => {
  it('many more clients than slots, each asking again once answered, are all answered with the default deadline and queue', async () => {
    // No response cache: every request executes. 2 slots and 12 clients: up to 10 wait at a time.
    const { port } = await suite.serve({ cached: false, config: { MAX_CONCURRENT_EXECUTIONS: 2 } });
    const statuses: number[] = [];
    const client = async (c: number) => {
      for (let i = 0; i < 8; i++) statuses.push((await gql(port, `{ job(id: "${1 + ((c * 8 + i) % 40)}") { id title } }`)).status);
    };
    await Promise.all(Array.from({ length: 12 }, (_, c) => client(c)));
    expect(statuses).toHaveLength(96);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const text = await metrics(port);
    expect(text).toMatch(/^graphql_executions_shed_total\{reason="overload"\} 0$/m);
    expect(text).toMatch(/^graphql_sql_statements_count 96$/m);
  });
});

describe('identical requests waiting on one that never ran', () => {
  it('do not inherit its refusal: when the first client leaves the queue, its twin still connected gets the data', async () => {
    const port = await serve({ MAX_CONCURRENT_EXECUTIONS: 1, MAX_QUEUED_EXECUTIONS: 5, ADMISSION_DEADLINE_MS: 60_000 });
    const release = await holdJobs(suite.db);
    const TWIN = '{ job(id: "7") { id title } }';
    let held: Promise<Answer>;
    let twin: Promise<Answer>;
    try {
      held = gql(port, HELD);
      await until(async () => (await metric(port, 'graphql_executions_in_flight')) === 1);
      let client!: ReturnType<typeof request>;
      const first = gql(port, TWIN, (req) => (client = req)).catch(() => null);
      await until(async () => (await metric(port, 'graphql_executions_queued')) === 1);
      // Same document, same viewer: it waits for the first one's result instead of queueing.
      const misses = await metric(port, 'response_cache_misses');
      twin = gql(port, TWIN);
      await until(async () => (await metric(port, 'response_cache_misses')) > misses);
      client.destroy();
      expect(await first).toBeNull();
      await until(async () => (await metric(port, 'graphql_executions_shed_total{reason="client_gone"}')) === 1);
    } finally {
      await release();
    }
    expect((await held!).status).toBe(200);
    expect(await twin!).toMatchObject({ status: 200, json: { data: { job: { id: '7' } } } });
  });
});

describe('I/O deadlines under a stalled event loop', () => {
  /** Busy for `ms`, as a process saturated with requests is. */
  const stall = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  };

  /** An echo from another process, raced against a deadline armed with `arm`; both settle before it resolves. */
  async function race(cat: ReturnType<typeof spawn>, arm: (fn: () => void, ms: number) => NodeJS.Timeout): Promise<'answer' | 'timeout'> {
    // From a setImmediate callback: the stall ends in the check phase, timers come next.
    await new Promise((r) => setImmediate(r));
    const answer = new Promise<'answer'>((r) => cat.stdout!.once('data', () => r('answer')));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = arm(() => r('timeout'), 50)));
    cat.stdin!.write('ping\n');
    // The echo is back long before this ends; the loop only reads it afterwards.
    stall(300);
    const first = await Promise.race([answer, timeout]);
    clearTimeout(timer);
    await answer;
    return first;
  }

  it('times out a read answered while the loop was busy with a plain timer, but not with ioDeadline', async () => {
    const cat = spawn('cat');
    try {
      expect(await race(cat, setTimeout)).toBe('timeout');
      expect(await race(cat, ioDeadline)).toBe('answer');
    } finally {
      cat.kill();
    }
  });

  it('still times out I/O that does not answer', async () => {
    const fired = await new Promise<boolean>((r) => ioDeadline(() => r(true), 20));
    expect(fired).toBe(true);
  });
});

describe('an execution whose client leaves', () => {
  it('is cancelled, but keeps its slot until the SQL it sent is answered: admission still bounds that work', async () => {
    const port = await serve({ MAX_CONCURRENT_EXECUTIONS: 1, MAX_QUEUED_EXECUTIONS: 0 });
    const release = await holdJobs(suite.db);
    try {
      let client!: ReturnType<typeof request>;
      const abandoned = gql(port, HELD, (req) => (client = req)).catch(() => null);
      await until(async () => (await metric(port, 'graphql_executions_in_flight')) === 1);
      client.destroy();
      expect(await abandoned).toBeNull();
      // Its statement still waits for the held table: the slot is still taken.
      expect(await gql(port, '{ __typename }')).toMatchObject({ status: 503, json: { errors: [{ extensions: { code: 'SERVICE_UNAVAILABLE' } }] } });
    } finally {
      await release();
    }
    await until(async () => (await metric(port, 'graphql_executions_in_flight')) === 0);
    expect(await gql(port, '{ __typename }')).toMatchObject({ status: 200, json: { data: { __typename: 'Query' } } });
  });

  it('is logged as 499 CLIENT_CLOSED_REQUEST, not as a success', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const port = (await suite.serve({ log: createLogger({ LOG_LEVEL: 'info' }, stream) })).port;
    const release = await holdJobs(suite.db);
    try {
      let client!: ReturnType<typeof request>;
      const abandoned = gql(port, 'query Gone { jobs(first: 1) { edges { node { id } } } }', (req) => (client = req)).catch(() => null);
      await until(async () => (await metric(port, 'graphql_executions_in_flight')) === 1);
      client.destroy();
      expect(await abandoned).toBeNull();
      await until(async () => lines.some((l) => l.operation === 'Gone'));
    } finally {
      await release();
    }
    expect(lines.find((l) => l.operation === 'Gone')).toMatchObject({ status: 499, errors: ['CLIENT_CLOSED_REQUEST'] });
  });

  it('does not take its identical twins down with it: the first leads in its place, the others share its result', async () => {
    const port = await serve({ MAX_CONCURRENT_EXECUTIONS: 4, MAX_QUEUED_EXECUTIONS: 5, ADMISSION_DEADLINE_MS: 60_000 });
    const TWIN = '{ jobs(first: 2) { edges { node { id title } } } }';
    const release = await holdJobs(suite.db);
    let twins: Promise<Answer>[];
    try {
      let client!: ReturnType<typeof request>;
      const first = gql(port, TWIN, (req) => (client = req)).catch(() => null);
      await until(async () => (await metric(port, 'graphql_executions_in_flight')) === 1);
      const misses = await metric(port, 'response_cache_misses');
      twins = [gql(port, TWIN), gql(port, TWIN), gql(port, TWIN)];
      await until(async () => (await metric(port, 'response_cache_misses')) >= misses + 3);
      client.destroy();
      expect(await first).toBeNull();
      // One twin executes in its place (the cancelled one keeps its slot until its SQL is answered).
      await until(async () => (await metric(port, 'graphql_executions_in_flight')) === 2);
    } finally {
      await release();
    }
    const answers = await Promise.all(twins!);
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.json.data.jobs.edges).toHaveLength(2);
    }
    // One executed; the other two shared its result.
    expect(answers.filter((a) => a.json.extensions?.responseCache?.coalesced === true)).toHaveLength(2);
    expect(await metric(port, 'graphql_executions_in_flight')).toBe(0);
  });
});

describe('loaders of a request whose client left', () => {
  it('send no SQL', async () => {
    const aborted = new AbortController();
    const loaders = createLoaders({ db: suite.db.prisma, signal: aborted.signal });
    aborted.abort();
    const { result, driverStatements } = await countAtDriver(suite.db, () =>
      loaders.company.load(1).then(
        () => 'loaded',
        () => 'refused',
      ),
    );
    expect(result).toBe('refused');
    expect(driverStatements).toBe(0);
    // The same loader of a request still connected reads the company.
    const live = createLoaders({ db: suite.db.prisma, signal: new AbortController().signal });
    expect((await live.company.load(1))?.id).toBe(1);
  });
});

describe('the database view of a request whose client left', () => {
  it('refuses every read, whoever sends it, and lets writes and transactions finish', async () => {
    const aborted = new AbortController();
    const stats = { statements: 0, ms: 0 };
    const db = requestDb(suite.db.prisma, { stats, signal: aborted.signal });
    aborted.abort();
    const outcome = (p: () => Promise<unknown>) =>
      p().then(
        () => 'ran',
        () => 'refused',
      );
    const { result, driverStatements } = await countAtDriver(suite.db, async () => [
      await outcome(() => db.$queryRaw`SELECT count(*) FROM job`),
      await outcome(() => db.company.findMany({ where: { id: 1 } })),
      await outcome(() => db.job.count()),
    ]);
    expect(result).toEqual(['refused', 'refused', 'refused']);
    expect(driverStatements).toBe(0);
    expect(stats.statements).toBe(0);
    // A transaction already under way is not cut short: its reads and writes are its own.
    const inTx = await db.$transaction(async (tx) => (await tx.$queryRaw<{ n: number }[]>`SELECT 1::int AS n`)[0].n);
    expect(inTx).toBe(1);
    expect(await outcome(() => db.$executeRaw`UPDATE company SET rating = rating WHERE id = 1`)).toBe('ran');
    expect(stats.statements).toBe(2);
  });
});
