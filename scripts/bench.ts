// npm run bench — load benchmark of the gateway on real PostgreSQL (and Redis when REDIS_URL is
// set): naive, batched and cached modes side by side, floors, and PostGraphile as a peer.
// Prints a table and writes docs/BENCHMARKS.md and docs/benchmarks.json. See docs/BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { datasetSize, ensureDataset, timeRebuild } from './bench/dataset';
import { freshnessAfterImport } from './bench/freshness';
import { load, metrics, METRICS_TOKEN, once, summary, type LoadResult } from './bench/load';
import {
  bareHttp,
  BENCH_JWT_SECRET as JWT_SECRET,
  benchGatewayEnv,
  buildGateway,
  gateway,
  haproxy,
  haproxyBinary,
  node22,
  type Served,
} from './bench/processes';
import { startPeer, PEER_QUERIES } from './bench/peer';
import { overload, overloadMarkdown, overloadTargets, type OverloadResult } from './bench/overload';
import { markdown, targets, type Results, type Row } from './bench/report';
import { cost } from './bench/cost';
import { abBench, buildRevision } from './bench/ab';
import { quickBench } from './bench/quick';
import { edgeBench } from './bench/edge';
import { replicaBench } from './bench/replica';
import { UNCACHED_HEADING, uncachedMarkdown, uncachedTargets, writeSection, type UncachedCell, type UncachedRun } from './bench/uncached';
import { loadPools, scenarios, TYPENAME, type Req } from './bench/scenarios';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '20000' },
    // Defaults below: 10, 3 and 100; with --quick 3, 1 and 10.
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    // CPU per request (bench/cost.ts): requests billed per cell, and at how many connections.
    'cost-requests': { type: 'string', default: '1000' },
    'cost-connections': { type: 'string', default: '10' },
    fresh: { type: 'boolean', default: false },
    // The Node the gateways run on: 22 (LTS, the peer's too, installed into .bench/) or `current` (this one).
    'gateway-node': { type: 'string', default: '22' },
    'no-peer': { type: 'boolean', default: false },
    // `--only overload`: just the 1,000-connection overload cells (docs/BENCHMARKS-OVERLOAD.md);
    // `--only edge`: just the hot persisted read through Varnish beside the cached gateway (bench/edge.ts);
    // `--only replica`: just the uncached reads on a private primary alone and with a streaming replica (bench/replica.ts).
    // `--only search`: just the CPU per request of searches, uncached: plain, read as conditions, relaxed, with facets.
    // `--only uncached`: just the uncached (batched) cells of `--scenarios`, each with its CPU per answer, and the
    // peer's headline and job page (unless --no-peer): the section of docs/BENCHMARKS.md that bench/uncached.ts writes.
    only: { type: 'string' },
    scenarios: { type: 'string', default: 'headline,job page,search' },
    'overload-seconds': { type: 'string', default: '30' },
    out: { type: 'string', default: join(__dirname, '..', 'docs') },
    // Every scenario briefly on a small database of its own, for CI: fails on a broken scenario or
    // an SQL budget exceeded, prints the figures and writes nothing (bench/quick.ts).
    quick: { type: 'boolean', default: false },
    // `--ab <revision>`: the checkout against that revision, uncached, cells alternating for
    // `--rounds` rounds: answers/s and CPU per answer of `--scenarios`; prints, writes nothing (bench/ab.ts).
    ab: { type: 'string' },
    rounds: { type: 'string', default: '3' },
  },
});
const seconds = Number(args.seconds ?? (args.quick ? 3 : 10));
const warmup = Number(args.warmup ?? (args.quick ? 1 : 3));
const connections = Number(args.connections ?? (args.quick ? 10 : 100));
const costConnections = Number(args['cost-connections']);
/** Requests billed for a cell: fewer for the slow uncached headline, more for cache hits (each is cheap, so ticks weigh more). */
const costRequests = (scenario: string, mode: string) => {
  const n = Number(args['cost-requests']);
  return mode === 'cached' ? n * 5 : scenario === 'headline' ? Math.ceil(n / 3) : n;
};
// At 100 connections the naive gateway completes nothing within a cell (each headline is 401
// statements, all interleaved): it is driven with at most 10, which is its best case.
const NAIVE_CONNECTIONS = Math.min(connections, 10);
const say = (msg: string) => console.log(msg);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real feed the freshness step imports (../shared/data/jobs beside the checkout; never copied into it). */
const GLASSDOOR = resolve(__dirname, '../../shared/data/jobs/glassdoor-2020/jobs.csv');
/** Where the overload report's hand-written analysis begins (kept across reruns). */
const ANALYSIS = '## What limits';
const MODES = {
  naive: { LOADER_BATCHING: 'false', CACHE_ENABLED: 'false' },
  batched: { CACHE_ENABLED: 'false' },
  cached: { CACHE_ENABLED: 'true' },
} as const;
type Mode = keyof typeof MODES;

async function main() {
  const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  if (args.quick) process.exit(await quickBench({ server, seconds, warmup, connections, say }));
  const size = datasetSize(Number(args.jobs));
  const dbUrl = await ensureDataset(server, size, args.fresh, say);
  const pools = await loadPools(dbUrl, JWT_SECRET);
  const { list, searchCosts, hotJobPages, applyTo, pick } = scenarios(pools);
  const common = benchGatewayEnv(dbUrl, METRICS_TOKEN);
  say('compiling the gateway (npm run build, as production runs it)…');
  const main = buildGateway();
  const gatewayNode = args['gateway-node'] === 'current' ? process.execPath : node22(say);
  const nodeVersions = `${execFileSync(gatewayNode, ['--version'], { encoding: 'utf8' }).trim()} for the gateways and the peer, ${process.version} for the load generator`;
  if (args.ab) {
    const base = buildRevision(args.ab, say);
    const names = args.scenarios.split(',').map((n) => n.trim());
    const unknown = names.filter((n) => !list.some((s) => s.name === n));
    if (unknown.length) throw new Error(`--scenarios: no scenario named ${unknown.join(', ')}`);
    say(`${args.ab} (${base.commit}) against the checkout, uncached, ${connections} connections, ${nodeVersions}…`);
    return abBench(
      {
        dbUrl,
        node: gatewayNode,
        metricsToken: METRICS_TOKEN,
        builds: [
          { name: base.commit, main: base.main },
          { name: 'checkout', main },
        ],
        scenarios: list.filter((s) => names.includes(s.name)),
        rounds: Number(args.rounds),
        seconds,
        connections,
        costRequests: (scenario) => costRequests(scenario, 'batched'),
        costConnections,
        port: 20_000 + Math.floor(Math.random() * 10_000),
      },
      say,
    );
  }
  const starting = { edge: 'cached', search: 'batched', uncached: 'batched', overload: 'batched, cached' }[args.only ?? ''] ?? 'naive, batched, cached';
  if (args.only !== 'replica')
    say(`starting gateways (${starting}${process.env.REDIS_URL ? ' on Redis' : ' in memory'})${args.only ? '' : ' and the bare HTTP floor'}…`);
  const served: Served[] = [];
  // Interrupted, take the servers down too: left running they would hold their ports.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void Promise.all(served.map((s) => s.stop())).then(() => process.exit(130)));
  const gw = {} as Record<Mode, Served>;
  try {
    // Ports of our own, clear of a gateway a developer may be running on 4000.
    let port = 20_000 + Math.floor(Math.random() * 10_000); // below the ephemeral range (32768+)
    const onlyOverload = args.only === 'overload';
    const onlyEdge = args.only === 'edge';
    const onlyReplica = args.only === 'replica';
    const onlySearch = args.only === 'search';
    const onlyUncached = args.only === 'uncached';

    for (const mode of Object.keys(MODES) as Mode[]) {
      if ((onlyOverload && mode === 'naive') || (onlyEdge && mode !== 'cached') || onlyReplica || ((onlySearch || onlyUncached) && mode !== 'batched'))
        continue;
      served.push((gw[mode] = await gateway(main, mode, port++, { ...common, ...MODES[mode] }, gatewayNode)));
    }
    // Past capacity: the cached headline, and searches that miss the cache (the batched gateway).
    const runOverload = async () => {
      const secs = Number(args['overload-seconds']);
      say(`overload: 1,000 connections for ${secs} s each…`);
      const searches = list.find((x) => x.name === 'search')!;
      // Each cell twice: straight at the gateway, and through the documented production front
      // (deploy/haproxy/haproxy.cfg), which the targets are checked on.
      const binary = haproxyBinary();
      if (!binary) say('  haproxy is not installed (apt-get install haproxy): only the cells straight at the gateway run');
      const front = async (target: Served) => (binary ? served[served.push(await haproxy(binary, target.url, port++)) - 1] : null);
      const cachedFront = await front(gw.cached);
      const batchedFront = await front(gw.batched);
      const rows: OverloadResult[] = [];
      const run = async (url: string, scenario: string, next: () => Req) => {
        const r = await overload(url, scenario, next, 1000, secs);
        say(`  ${JSON.stringify(r)}`);
        rows.push(r);
        return r;
      };
      let cachedHeadline = await run(gw.cached.url, 'cached headline', list[0].next);
      let uncached = await run(gw.batched.url, 'uncached searches', searches.next);
      if (cachedFront && batchedFront) {
        cachedHeadline = await run(cachedFront.url, 'cached headline, behind HAProxy', list[0].next);
        uncached = await run(batchedFront.url, 'uncached searches, behind HAProxy', searches.next);
      }
      const checks = overloadTargets(cachedHeadline, uncached);
      for (const t of checks) console.log(`${t.met ? 'met    ' : 'MISSED '} ${t.target}: ${t.value}`);
      const machine = await machineLine(dbUrl, nodeVersions);
      const command = commandLine();
      writeFileSync(
        join(args.out, 'benchmarks-overload.json'),
        `${JSON.stringify({ when: new Date().toISOString(), command, machine, rows, targets: checks }, null, 2)}\n`,
      );
      const file = join(args.out, 'BENCHMARKS-OVERLOAD.md');
      // The hand-written analysis after the tables is kept: only the measurements are rewritten.
      const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
      const analysis = previous.includes(ANALYSIS) ? previous.slice(previous.indexOf(ANALYSIS)) : '';
      writeFileSync(
        file,
        `# Overload: 1,000 connections\n\n\`${command}\` on ${machine}, ${new Date().toISOString().slice(0, 10)}; dataset ${size.jobs} jobs. ` +
          'The load generator (autocannon, 10 s client timeout) runs on the same 2 cores as the gateway and PostgreSQL. ' +
          'Answered: 2xx with no GraphQL errors; shed: 503 (admission control) or 429; failed: any other response. ' +
          'Latencies of answers and of refusals are kept apart. ' +
          'Each cell follows a 3 s warm-up at 100 connections that is not counted. ' +
          'Each cell runs straight at the gateway and, where HAProxy is installed, through the documented production front ' +
          '(deploy/haproxy/haproxy.cfg: it holds the 1,000 connections and keeps at most 128 requests at the gateway); the targets are checked on the latter.\n\n' +
          `${overloadMarkdown(rows, checks)}\n${analysis ? `\n${analysis}` : ''}`,
      );
      say(`wrote ${join(args.out, 'BENCHMARKS-OVERLOAD.md')}`);
    };
    if (onlyOverload) {
      await runOverload();
      return;
    }
    // A hot public read served by an HTTP cache (Varnish) in front of the cached gateway.
    const runEdge = () => {
      say('edge cache: a hot persisted JobPage, GET through Varnish beside POST to the cached gateway…');
      return edgeBench({ url: gw.cached.url, pid: gw.cached.child.pid! }, String(pools.ids[0]), { seconds, connections }, say);
    };
    if (onlyEdge) {
      await runEdge();
      return;
    }
    // Reads on a streaming replica: a private primary and standby with a copy of the dataset (bench/replica.ts).
    const runReplica = () => {
      say('read replica: uncached headline and job page, a gateway on the primary alone beside one with a streaming replica…');
      const reads = list.filter((s) => s.name === 'headline' || s.name === 'job page');
      return replicaBench(dbUrl, { main, node: gatewayNode, env: common }, reads, { seconds, warmup, connections }, say);
    };
    if (onlyReplica) {
      await runReplica();
      return;
    }
    const settle = idle(
      dbUrl,
      Object.values(gw).map((g) => g.url),
    );
    const cell = async (
      scenario: string,
      mode: string,
      url: string,
      next: () => { body: string; token?: string },
      conns = connections,
    ): Promise<LoadResult> => {
      await load(url, next, conns, warmup);
      await settle();
      const r = await load(url, next, conns, seconds);
      await settle();
      say(`  ${scenario.padEnd(10)} ${mode.padEnd(12)} ${summary(r)}`);
      return r;
    };

    const billedCost = async (scenario: string, server: Served, next: () => { body: string; token?: string }) => {
      const c = await cost(server, dbUrl, next, costRequests(scenario, 'batched'), costConnections);
      await settle();
      say(`  ${scenario.padEnd(10)} ${server.name.padEnd(12)} CPU ${c.serverMs.toFixed(2)} + PostgreSQL ${c.postgresMs.toFixed(2)} ms/answer`);
      return c;
    };

    // PostGraphile on the same database, asked the headline and the job page.
    const measurePeer = async (): Promise<NonNullable<Results['peer']>> => {
      say('peer: PostGraphile v5 on the same database…');
      const p = await startPeer(dbUrl, port++, say);
      served.push(p);
      const headline = () => ({ body: JSON.stringify({ query: PEER_QUERIES.headline }) });
      const jobPage = () => ({ body: JSON.stringify({ query: PEER_QUERIES.jobPage, variables: { id: pick(pools.ids) } }) });
      return {
        headline: { ...(await cell('headline', 'postgraphile', p.url, headline)), cost: await billedCost('headline', p, headline) },
        jobPage: { ...(await cell('job page', 'postgraphile', p.url, jobPage)), cost: await billedCost('job page', p, jobPage) },
      };
    };
    if (onlyUncached) {
      const names = args.scenarios.split(',').map((n) => n.trim());
      const loadBefore = loadavg();
      say(`uncached (batched), ${connections} connections: ${names.join(', ')}${args['no-peer'] ? '' : ', and the peer'}…`);
      const cells: UncachedCell[] = [];
      for (const s of list.filter((x) => names.includes(x.name))) {
        const sql = (await once(gw.batched.url, s.next())).extensions?.sql?.statements ?? null;
        const r = await cell(s.name, 'batched', gw.batched.url, s.next);
        cells.push({ scenario: s.name, server: 'ours (batched)', connections, sql, ...r, cost: await billedCost(s.name, gw.batched, s.next) });
      }
      if (!args['no-peer']) {
        const p = await measurePeer();
        cells.push(
          { scenario: 'headline', server: 'PostGraphile', connections, sql: null, ...p.headline },
          { scenario: 'job page', server: 'PostGraphile', connections, sql: null, ...p.jobPage },
        );
      }
      const run: UncachedRun = {
        when: new Date().toISOString(),
        command: commandLine(),
        machine: await machineLine(dbUrl, nodeVersions),
        loadBefore,
        dataset: `${size.jobs} jobs (\`${new URL(dbUrl).pathname.slice(1)}\`)`,
        settings: { seconds, warmup, connections, costRequests: args['cost-requests'], costConnections },
        cells,
      };
      const checks = uncachedTargets(run);
      for (const t of checks) console.log(`${t.met ? 'met    ' : 'MISSED '} ${t.target}: ${t.value}`);
      writeFileSync(join(args.out, 'benchmarks-uncached.json'), `${JSON.stringify({ ...run, targets: checks }, null, 2)}\n`);
      writeSection(join(args.out, 'BENCHMARKS.md'), UNCACHED_HEADING, uncachedMarkdown(run, checks));
      say(`wrote the section "${UNCACHED_HEADING.slice(3)}" of ${join(args.out, 'BENCHMARKS.md')}`);
      return;
    }
    if (onlySearch) {
      say(
        `searches, uncached: CPU per request over ${args['cost-requests']} requests at ${costConnections} connections, two rounds, after 200 warm-up requests`,
      );
      say('| scenario | answered | refused | failed | gateway CPU ms/answer | PostgreSQL CPU ms/answer |');
      say('| --- | ---: | ---: | ---: | ---: | ---: |');
      for (const s of searchCosts) {
        await cost(gw.batched, dbUrl, s.next, 200, costConnections);
        for (let round = 0; round < 2; round++) {
          const c = await cost(gw.batched, dbUrl, s.next, Number(args['cost-requests']), costConnections);
          say(`| ${s.name} | ${c.answered} | ${c.refused} | ${c.failed} | ${c.serverMs.toFixed(2)} | ${c.postgresMs.toFixed(2)} |`);
        }
      }
      return;
    }
    say('similar jobs: a full rebuild of the dataset, then an import into an empty database…');
    const rebuild = await timeRebuild(dbUrl);
    say(`  rebuilt ${rebuild.jobs} jobs' lists in ${rebuild.seconds.toFixed(1)} s`);
    const freshness = await freshnessAfterImport(
      server,
      dirname(dirname(main)),
      gatewayNode,
      { ...common, CACHE_PREFIX: `${common.CACHE_PREFIX}-fresh` },
      port++,
      GLASSDOOR,
      say,
    );
    if (freshness) say(`  ${JSON.stringify(freshness)}`);
    const bare = await bareHttp(port++);
    served.push(bare);

    const rows: Row[] = [];
    let mixedCache = { hitRate: 0, staleChecks: 0, stale: 0 };
    for (const s of list) {
      for (const mode of Object.keys(MODES) as Mode[]) {
        const url = gw[mode].url;
        const conns = mode === 'naive' ? NAIVE_CONNECTIONS : connections;
        const sample = () => once(url, s.name === 'mixed' ? list[0].next() : s.next());
        const first = await sample();
        await load(url, s.next, conns, warmup);
        await settle();
        const sql = mode === 'cached' ? (await sample()).extensions?.sql?.statements : first.extensions?.sql?.statements;
        const before = await metrics(url);
        let running = true;
        const probe = s.name === 'mixed' && mode === 'cached' ? staleness(url, dbUrl, hotJobPages, applyTo, pick, () => running) : null;
        const r = await load(url, s.next, conns, seconds);
        running = false;
        await settle();
        const after = await metrics(url);
        const billed = mode === 'naive' || s.name === 'mixed' ? null : await cost(gw[mode], dbUrl, s.next, costRequests(s.name, mode), costConnections);
        await settle();
        const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
        const lookups = delta('response_cache_hits') + delta('response_cache_misses');
        rows.push({
          scenario: s.name,
          mode,
          connections: conns,
          sql: s.name === 'mixed' ? null : (sql ?? null),
          // Per request answered in the cell (executions and cache hits), from the gateway's own
          // metrics: autocannon's count leaves out requests still running when the cell ends.
          sqlAvg:
            delta('graphql_sql_statements_count') + delta('response_cache_hits')
              ? delta('graphql_sql_statements_sum') / (delta('graphql_sql_statements_count') + delta('response_cache_hits'))
              : null,
          ...r,
          cacheHitRate: mode === 'cached' && lookups ? delta('response_cache_hits') / lookups : null,
          cost: billed,
        });
        say(
          `  ${s.name.padEnd(10)} ${mode.padEnd(8)} ${summary(r)}  SQL ${sql ?? '–'}${billed ? `  CPU ${billed.serverMs.toFixed(2)} + PostgreSQL ${billed.postgresMs.toFixed(2)} ms/req` : ''}`,
        );
        if (probe) {
          const p = await probe;
          mixedCache = { hitRate: rows.at(-1)!.cacheHitRate ?? 0, staleChecks: p.checks, stale: p.stale };
        }
      }
    }

    say('floors:');
    const typename = () => ({ body: JSON.stringify({ query: TYPENAME }) });
    const floors = {
      yogaTypename: {
        ...(await cell('typename', 'yoga', gw.batched.url, typename)),
        cost: await billedCost('typename', gw.batched, typename),
      },
      bareHttp: await cell('typename', 'bare http', bare.url, () => ({ body: JSON.stringify({ query: TYPENAME }) })),
    };

    say('1,000 connections, mixed traffic, cached:');
    const mixed = list.find((s) => s.name === 'mixed')!;
    const sampled = { poolTotal: 0, poolInUse: 0, rssBytes: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const m = await metrics(gw.cached.url).catch(() => new Map<string, number>());
        const total = m.get('db_pool_connections{state="total"}') ?? 0;
        sampled.poolTotal = Math.max(sampled.poolTotal, total);
        sampled.poolInUse = Math.max(sampled.poolInUse, total - (m.get('db_pool_connections{state="idle"}') ?? 0));
        sampled.rssBytes = Math.max(sampled.rssBytes, m.get('process_resident_memory_bytes') ?? 0);
        await sleep(250);
      }
    })();
    const thousand = await cell('mixed', 'cached x1000', gw.cached.url, mixed.next, 1000);
    sampling = false;
    await sampler;
    await runOverload();
    const edge = await runEdge();
    const replica = await runReplica();

    let peer: Results['peer'] = null;
    if (!args['no-peer']) {
      try {
        peer = await measurePeer();
      } catch (err) {
        say(`  peer not measured: ${(err as Error).message.split('\n')[0]}`);
      }
    }

    const pgVersion = await pgServerVersion(dbUrl);
    const results: Results = {
      when: new Date().toISOString(),
      command: commandLine(),
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: nodeVersions,
        postgres: pgVersion,
        cache: process.env.REDIS_URL ? 'Redis' : 'in memory',
      },
      dataset: { ...size, database: new URL(dbUrl).pathname.slice(1) },
      settings: { seconds, warmup, connections, costConnections },
      rows,
      floors,
      thousand: { ...thousand, ...sampled },
      mixed: mixedCache,
      peer,
      similar: { rebuild, freshness },
      edge,
      replica,
    };
    const checks = targets(results);
    console.log('');
    for (const t of checks) console.log(`${t.met ? 'met    ' : 'MISSED '} ${t.target}: ${t.value}`);
    writeFileSync(join(args.out, 'benchmarks.json'), `${JSON.stringify({ ...results, targets: checks }, null, 2)}\n`);
    writeFileSync(join(args.out, 'BENCHMARKS.md'), markdown(results, checks));
    say(`\nwrote ${join(args.out, 'BENCHMARKS.md')} and benchmarks.json`);
  } finally {
    await Promise.all(served.map((s) => s.stop()));
  }
}

/**
 * Zero stale reads, checked rather than assumed: while the mixed load runs, read a hot job
 * page (so it is cached), apply to that job, count its applications in the database, and
 * read the page again through the gateway: it must show at least that count.
 */
async function staleness(
  url: string,
  dbUrl: string,
  pages: string[],
  applyTo: (id: string) => { body: string; token?: string },
  pick: <T>(xs: T[]) => T,
  running: () => boolean,
) {
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  let checks = 0;
  let stale = 0;
  try {
    while (running()) {
      const page = pick(pages);
      const id = (JSON.parse(page) as { variables: { id: string } }).variables.id;
      await once(url, { body: page });
      const applied = await once(url, applyTo(id));
      if (applied.errors) continue; // this seeker had applied already
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM application WHERE job_id = $1', [Number(id)]);
      const seen = await once<{ job: { applicationCount: number } | null }>(url, { body: page });
      checks += 1;
      if (!((seen.data?.job?.applicationCount ?? -Infinity) >= rows[0].n)) stale += 1;
      await sleep(100);
    }
  } finally {
    await db.end();
  }
  return { checks, stale };
}

/**
 * Waits until every gateway has answered every request and the database runs nothing for
 * the benchmark: a gateway keeps working through requests the load generator gave up on (the
 * naive one for many seconds), and that work must not be billed to the next cell.
 */
function idle(dbUrl: string, gateways: string[]) {
  const name = new URL(dbUrl).pathname.slice(1);
  return async () => {
    const c = new pg.Client({ connectionString: dbUrl });
    await c.connect();
    try {
      for (let quiet = 0, i = 0; quiet < 2 && i < 1200; i++) {
        const { rows } = await c.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid()",
          [name],
        );
        // Our own /metrics request is in flight while it is answered.
        const busy = await Promise.all(gateways.map(async (g) => ((await metrics(g)).get('http_requests_in_flight') ?? 0) > 1));
        quiet = rows[0].n === 0 && !busy.some(Boolean) ? quiet + 1 : 0;
        await sleep(100);
      }
    } finally {
      await c.end();
    }
  };
}

/** How this run was started, as a reader would type it. */
const commandLine = () => (process.argv.length > 2 ? `npm run bench -- ${process.argv.slice(2).join(' ')}` : 'npm run bench');

async function machineLine(dbUrl: string, nodeVersions: string): Promise<string> {
  return `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${nodeVersions}, PostgreSQL ${await pgServerVersion(dbUrl)}, cache ${process.env.REDIS_URL ? 'Redis' : 'in memory'}`;
}

async function pgServerVersion(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const v = (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v;
  await c.end();
  return v;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
