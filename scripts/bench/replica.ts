import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../test/helpers/daemon';
import { PG_BIN, ReplicatedPair, replicaUnavailable } from '../../test/helpers/pg-replica';
import { sum, tree } from './cost';
import { brief, load, metrics, summary, type Brief } from './load';
import { gateway, type Served } from './processes';
import type { Req } from './scenarios';

/** One cell: a read scenario, uncached, through a gateway on the primary alone or with the replica. */
export interface ReplicaCell extends Brief {
  scenario: string;
  /** `primary` (no replica configured) or `replica` (DATABASE_REPLICA_URLS set). */
  setup: 'primary' | 'replica';
  /** CPU per request answered, ms: the gateway (process and children), and every process of each cluster. */
  gatewayMs: number;
  primaryMs: number;
  replicaMs: number;
  /** Reads the gateway sent to the replica during the cell (its /ready count), and SQL statements it ran. */
  replicaReads: number;
  statements: number;
}

export interface ReplicaResult {
  cells: ReplicaCell[];
  /** The dataset copied into the private primary, and the replica's lag bound. */
  database: string;
  maxLagMs: number;
}

// A private primary and a pg_basebackup -R standby of it, as test/integration/db/replicas.test.ts makes them:
// the machine's server is only read from (pg_dump of the bench dataset), never reconfigured.
const MAX_LAG_MS = 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

/**
 * The uncached reads (`scenarios`) through a gateway on a private primary alone, and through one
 * whose DATABASE_REPLICA_URLS names a streaming standby of it, side by side; CPU per request
 * split between the gateway, the primary's processes and the replica's. The dataset at
 * `sourceUrl` is copied into the primary; both clusters live in a temp dir and are removed at
 * the end, on failure too. Null, saying why, when PostgreSQL's binaries are missing.
 */
export async function replicaBench(
  sourceUrl: string,
  start: { main: string; node: string; env: NodeJS.ProcessEnv },
  scenarios: { name: string; next: () => Req }[],
  settings: { seconds: number; warmup: number; connections: number },
  say: (msg: string) => void,
): Promise<ReplicaResult | null> {
  const why = replicaUnavailable();
  if (why) {
    say(`  replica not measured: ${why}`);
    return null;
  }
  const served: Served[] = [];
  const pair = await ReplicatedPair.start('chommie-bench-replica-');
  // Synchronous, so that it also runs from an 'exit' handler (bench.ts exits on SIGINT).
  const teardown = () => pair.teardown();
  process.once('exit', teardown);
  try {
    const database = new URL(sourceUrl).pathname.slice(1);
    say(`  private primary on :${pair.primaryPort}, loading ${database} (pg_dump from the machine's server)…`);
    const primaryUrl = pair.url('primary', database);
    await query(pair.url('primary', 'postgres'), `CREATE DATABASE ${database}`);
    const loadStarted = Date.now();
    execFileSync(
      'bash',
      ['-o', 'pipefail', '-c', `"${PG_BIN}/pg_dump" --no-owner -d "$SOURCE" | "${PG_BIN}/psql" -q -v ON_ERROR_STOP=1 -d "$TARGET"`],
      // No password in the argument list: URLs go through the environment.
      { env: { ...process.env, SOURCE: sourceUrl, TARGET: primaryUrl }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 },
    );
    // A dump carries no planner statistics: without them both setups would plan blind.
    await query(primaryUrl, 'ANALYZE');
    say(`  loaded in ${((Date.now() - loadStarted) / 1000).toFixed(0)} s; pg_basebackup -R for the replica on :${pair.replicaPort}…`);
    pair.makeReplica();
    const replicaUrl = pair.url('replica', database);
    // Caught up: the standby has replayed everything the primary had written once it was up.
    const [{ lsn }] = await query<{ lsn: string }>(primaryUrl, 'SELECT pg_current_wal_lsn()::text AS lsn');
    for (let i = 0; ; i++) {
      const [{ behind }] = await query<{ behind: string | null }>(replicaUrl, `SELECT pg_wal_lsn_diff('${lsn}', pg_last_wal_replay_lsn())::text AS behind`);
      if (behind !== null && Number(behind) <= 0) break;
      if (i > 600) throw new Error(`the replica did not catch up (${behind ?? 'no'} bytes behind)`);
      await sleep(100);
    }
    const postmaster = (name: string) => Number(readFileSync(join(pair.dir, name, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const pids = { primary: postmaster('primary'), replica: postmaster('replica') };

    const env = { ...start.env, DATABASE_URL: primaryUrl, CACHE_ENABLED: 'false' };
    const gw = {
      primary: await gateway(start.main, 'primary alone', await freePort(), env, start.node),
      replica: await gateway(
        start.main,
        'with replica',
        await freePort(),
        { ...env, DATABASE_REPLICA_URLS: replicaUrl, DATABASE_REPLICA_MAX_LAG_MS: String(MAX_LAG_MS) },
        start.node,
      ),
    };
    served.push(gw.primary, gw.replica);
    const replicaReads = async (url: string) =>
      ((await (await fetch(`${url}/ready`)).json()) as { replicas?: { state: string; reads: number }[] }).replicas?.[0] ?? { state: 'none', reads: 0 };
    for (let i = 0; (await replicaReads(gw.replica.url)).state !== 'up'; i++) {
      if (i > 300) throw new Error('the gateway never reported the replica up');
      await sleep(100);
    }
    // Until the gateway has answered what the load generator gave up on: that work belongs to this cell.
    const settle = async (url: string) => {
      for (let i = 0; i < 600 && ((await metrics(url)).get('http_requests_in_flight') ?? 0) > 1; i++) await sleep(100);
    };

    const cells: ReplicaCell[] = [];
    for (const s of scenarios) {
      for (const setup of ['primary', 'replica'] as const) {
        const g = gw[setup];
        await load(g.url, s.next, settings.connections, settings.warmup);
        await settle(g.url);
        const cpu = { gateway: sum(tree(g.child.pid!)), primary: sum(tree(pids.primary)), replica: sum(tree(pids.replica)) };
        const before = { reads: (await replicaReads(g.url)).reads, m: await metrics(g.url) };
        const r = await load(g.url, s.next, settings.connections, settings.seconds);
        await settle(g.url);
        const spent = {
          gateway: sum(tree(g.child.pid!), cpu.gateway.now).spent,
          primary: sum(tree(pids.primary), cpu.primary.now).spent,
          replica: sum(tree(pids.replica), cpu.replica.now).spent,
        };
        const after = { reads: (await replicaReads(g.url)).reads, m: await metrics(g.url) };
        // CPU per answer: refusals, if any, cost what answers would have used.
        const answered = Math.max(1, r.answered);
        const cell: ReplicaCell = {
          scenario: s.name,
          setup,
          ...brief(r),
          gatewayMs: spent.gateway / answered,
          primaryMs: spent.primary / answered,
          replicaMs: spent.replica / answered,
          replicaReads: after.reads - before.reads,
          statements: (after.m.get('graphql_sql_statements_sum') ?? 0) - (before.m.get('graphql_sql_statements_sum') ?? 0),
        };
        cells.push(cell);
        say(
          `  ${s.name.padEnd(9)} ${g.name.padEnd(13)} ${summary(r)}  ` +
            `CPU ms/req: gateway ${cell.gatewayMs.toFixed(2)}  primary ${cell.primaryMs.toFixed(2)}  replica ${cell.replicaMs.toFixed(2)}  ` +
            `replica reads ${cell.replicaReads} of ${cell.statements} statements`,
        );
      }
    }
    say('');
    say(table(cells));
    return { cells, database, maxLagMs: MAX_LAG_MS };
  } finally {
    await Promise.all(served.map((s) => s.stop()));
    process.removeListener('exit', teardown);
    teardown();
  }
}

/** The cells as a Markdown table. */
export function table(cells: ReplicaCell[]): string {
  const rows = cells.map(
    (c) =>
      `| ${c.scenario} | ${c.setup === 'primary' ? 'primary alone' : 'with replica'} | ${c.answeredPerS.toFixed(0)} | ${c.refused} | ${c.failed} | ${c.p50} | ${c.p99} | ` +
      `${c.gatewayMs.toFixed(2)} | ${c.primaryMs.toFixed(2)} | ${c.replicaMs.toFixed(2)} | ${c.replicaReads} / ${c.statements} |`,
  );
  return [
    '| scenario | setup | answered/s | refused | failed | p50 ms (answers) | p99 ms (answers) | gateway CPU ms/answer | primary CPU ms/answer | replica CPU ms/answer | replica reads / SQL statements |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows,
  ].join('\n');
}
