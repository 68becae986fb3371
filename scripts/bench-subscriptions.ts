// npm run bench:subscriptions [-- --subscribers 1000 --events 5 --database-url postgres://…]
//
// Opens N SSE subscribers (`jobUpdated` of one job) on one gateway process and reports:
// - memory: the process's RSS before and with them open, and the difference per subscriber;
// - fan-out: for each of `--events` writes to that job (updateJob), the delay from sending the
//   mutation to each subscriber's receipt of its event, p50 / p99 / max over all receipts.
// The gateway runs on a fresh embedded database (seeded on start) unless --database-url is
// given, with the in-memory event bus (one instance; REDIS_URL is passed through if set, then
// events travel through Redis). The subscribers run in this process: on a small machine they
// share its cores with the gateway, so the latencies include their own parsing.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signToken } from '../src/auth/viewer';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000' },
    events: { type: 'string', default: '5' },
    'database-url': { type: 'string' },
  },
});
const SUBSCRIBERS = Number(values.subscribers);
const EVENTS = Number(values.events);
const SECRET = 'bench-subscriptions-secret-of-32-characters!';
const root = join(__dirname, '..');

async function startGateway(): Promise<{ base: string; stop: () => Promise<void> }> {
  const dataDir = values['database-url'] ? null : mkdtempSync(join(tmpdir(), 'chommie-bench-subs-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      PORT: '0',
      HOST: '127.0.0.1',
      // The ready line is at info; the request lines after it are not read.
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      JWT_SECRET: SECRET,
      RATE_LIMIT_ENABLED: 'false',
      SUBSCRIPTIONS_MAX: String(SUBSCRIBERS + 100),
      // All subscribers come from this one address, anonymous.
      SUBSCRIPTIONS_MAX_PER_VIEWER: String(SUBSCRIBERS + 100),
      ...(dataDir ? { DATA_DIR: dataDir, DATABASE_URL: '' } : { DATABASE_URL: values['database-url'] }),
    },
  });
  let output = '';
  const base = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /ready: (http:\/\/localhost:\d+)\/graphql/.exec(output);
      if (!m) return;
      child.stdout.off('data', onData).resume();
      child.stderr.off('data', onData).resume();
      resolve(m[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`gateway exited with ${code}:\n${output}`)));
  });
  return {
    base,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function rssBytes(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^process_resident_memory_bytes (\d+)/m.exec(text)![1]);
}

interface Answer<T> {
  data?: T;
  errors?: unknown[];
}

async function gql<T = unknown>(base: string, query: string, variables: object, token?: string): Promise<Answer<T>> {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Answer<T>;
}

/** One subscriber: calls `onEvent` with the time each `next` event arrived. */
async function subscriber(base: string, jobId: number, onEvent: (at: number) => void, signal: AbortSignal): Promise<void> {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    signal,
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: 'subscription($id: ID!) { jobUpdated(id: $id) { id title } }', variables: { id: String(jobId) } }),
  });
  if (res.status !== 200) throw new Error(`subscription refused: HTTP ${res.status} ${await res.text()}`);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let at: number;
      while ((at = buffer.indexOf('\n\n')) >= 0) {
        if (buffer.slice(0, at).startsWith('event: next')) onEvent(performance.now());
        buffer = buffer.slice(at + 2);
      }
    }
  })();
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main() {
  console.error(`starting a gateway (${values['database-url'] ? 'PostgreSQL' : 'a fresh embedded database, seeded first'})…`);
  const gateway = await startGateway();
  const { base } = gateway;
  try {
    type Jobs = { jobs: { edges: { node: { id: string; company: { id: string } } }[] } };
    const job = (await gql<Jobs>(base, '{ jobs(first: 1) { edges { node { id company { id } } } } }', {})).data!.jobs.edges[0].node;
    const employer = signToken({ userId: 2, role: 'EMPLOYER', companyId: Number(job.company.id) }, SECRET);
    // Warm up: one subscription, one write, so the first measured event pays no compilation.
    const controller = new AbortController();
    let received: number[] = [];
    await subscriber(base, Number(job.id), () => undefined, controller.signal);
    await gql(base, 'mutation($id: ID!, $t: String!) { updateJob(id: $id, input: { title: $t }) { id } }', { id: job.id, t: 'Bench warm-up' }, employer);
    await new Promise((r) => setTimeout(r, 1000));
    global.gc?.();
    const rssBefore = await rssBytes(base);
    console.error(`opening ${SUBSCRIBERS} subscribers…`);
    for (let i = 0; i < SUBSCRIBERS; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, SUBSCRIBERS - i) }, () => subscriber(base, Number(job.id), (at) => received.push(at), controller.signal)),
      );
    }
    await new Promise((r) => setTimeout(r, 2000));
    const rssOpen = await rssBytes(base);
    const open = Number(/^graphql_subscriptions_open (\d+)/m.exec(await (await fetch(`${base}/metrics`)).text())![1]);

    const latencies: number[] = [];
    const mutationMs: number[] = [];
    for (let e = 0; e < EVENTS; e++) {
      received = [];
      const sent = performance.now();
      const res = await gql(
        base,
        'mutation($id: ID!, $t: String!) { updateJob(id: $id, input: { title: $t }) { id } }',
        { id: job.id, t: `Bench event ${e}` },
        employer,
      );
      if (res.errors) throw new Error(JSON.stringify(res.errors));
      mutationMs.push(performance.now() - sent);
      const deadline = performance.now() + 30_000;
      while (received.length < SUBSCRIBERS && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      if (received.length < SUBSCRIBERS) throw new Error(`event ${e}: ${received.length} of ${SUBSCRIBERS} subscribers heard it within 30 s`);
      latencies.push(...received.map((at) => at - sent));
      await new Promise((r) => setTimeout(r, 500));
    }
    controller.abort();
    latencies.sort((a, b) => a - b);
    mutationMs.sort((a, b) => a - b);
    const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
    console.log(
      JSON.stringify(
        {
          subscribers: SUBSCRIBERS,
          open,
          rssBeforeMB: Number(mb(rssBefore)),
          rssOpenMB: Number(mb(rssOpen)),
          rssPerSubscriberKB: Math.round((rssOpen - rssBefore) / SUBSCRIBERS / 1024),
          events: EVENTS,
          mutationMsP50: Math.round(percentile(mutationMs, 50)),
          fanOutMs: {
            p50: Math.round(percentile(latencies, 50)),
            p99: Math.round(percentile(latencies, 99)),
            max: Math.round(latencies[latencies.length - 1]),
          },
        },
        null,
        2,
      ),
    );
  } finally {
    await gateway.stop();
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exitCode = 1;
});
