// npm run bench -- --quick: every scenario briefly, uncached and cached, on a small database of
// its own, for CI. It fails on what does not depend on the machine's load: a scenario that
// breaks (GraphQL errors, unexpected statuses, nothing answered) or a request that sends more
// SQL statements than its scenario's budget. Throughput, latency and CPU are printed, never
// judged: CI machines are shared, and those numbers move with whatever else runs.
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import { openDatabase } from '../../src/db/database';
import { migrate } from '../../src/data/migrate';
import { DEMO_SIZE, seed } from '../../src/data/seed';
import { sum, tree } from './cost';
import { load, METRICS_TOKEN, type LoadResult, type Observe } from './load';
import { serve, type Served } from './processes';
import { loadPools, scenarios, sqlBudget, type Req, type Scenario } from './scenarios';
import { freePort } from '../../test/helpers/daemon';

export interface QuickOptions {
  /** A PostgreSQL server URL; the run creates a database of its own there and drops it at the end. */
  server: string;
  seconds: number;
  warmup: number;
  connections: number;
  say: (msg: string) => void;
}

export type QuickMode = 'uncached' | 'cached';

/** One scenario on one gateway: the measured load, and what every response (warm-up included) showed. */
export interface QuickCell {
  scenario: string;
  mode: QuickMode;
  seconds: number;
  load: LoadResult;
  /** Failed responses of the warm-up (GraphQL errors, unexpected statuses, connection errors): a break shows there too. */
  warmupFailed: number;
  /**
   * Whether anything was answered: in the warm-up, the measured part, or else by one request sent
   * alone and given 30 s. A cold gateway on a busy machine may answer nothing within a short cell
   * without being broken.
   */
  answeredAtAll: boolean;
  /** `extensions.sql.statements` of the 2xx responses: the most one request sent, their sum and count, and those without it. */
  sql: { max: number; total: number; counted: number; missing: number };
  budget: number;
  /** CPU of the gateway process (and any children) per answer of the measured part, ms; null when nothing was answered. */
  cpuMsPerAnswer: number | null;
  /** The first failed response, for the reason printed. */
  firstFailure: string | null;
}

/** Where a response's statement count is: last in the body, after `data` (a string value cannot hold it unescaped). */
const SQL_MARK = '"sql":{"statements":';

/** Counts the statements and keeps the first failure of every response it sees. */
export function observer(cell: Pick<QuickCell, 'sql' | 'firstFailure'>): Observe {
  return (status, body, answer) => {
    if (!answer && status !== 429 && status !== 503 && cell.firstFailure === null)
      cell.firstFailure = `HTTP ${status}: ${body.replace(/\s+/g, ' ').slice(0, 240)}`;
    if (status < 200 || status >= 300) return;
    const at = body.lastIndexOf(SQL_MARK);
    if (at < 0) {
      cell.sql.missing += 1;
      return;
    }
    const n = Number.parseInt(body.slice(at + SQL_MARK.length), 10);
    cell.sql.max = Math.max(cell.sql.max, n);
    cell.sql.total += n;
    cell.sql.counted += 1;
  };
}

const label = (c: Pick<QuickCell, 'scenario' | 'mode'>) => `${c.scenario} (${c.mode})`;

/**
 * The reasons the run fails, one line each; none when it passes. Refusals (429, 503) and
 * timeouts are load, not breakage: they fail a cell only when it answered nothing at all.
 */
export function failures(cells: readonly QuickCell[]): string[] {
  const out: string[] = [];
  for (const c of cells) {
    const failed = c.load.failed + c.warmupFailed;
    if (failed > 0)
      out.push(
        `${label(c)}: BROKEN: ${failed} response${failed === 1 ? '' : 's'} failed (GraphQL errors, an unexpected status or a connection error); first: ${c.firstFailure ?? 'a connection error'}`,
      );
    if (!c.answeredAtAll)
      out.push(
        `${label(c)}: BROKEN: answered nothing, neither under load (${c.load.refused429 + c.load.refused503} refused, ${c.load.timeouts} timed out, ${c.load.failed} failed in ${c.seconds} s) nor one request alone within ${ALONE_S} s${failed ? '' : `: ${c.firstFailure ?? 'no response'}`}`,
      );
    if (c.sql.max > c.budget) out.push(`${label(c)}: SQL budget exceeded: a request sent ${c.sql.max} statements, the budget is ${c.budget}`);
    if (c.sql.missing > 0)
      out.push(`${label(c)}: ${c.sql.missing} 2xx response${c.sql.missing === 1 ? '' : 's'} without extensions.sql: the SQL budget cannot be checked`);
  }
  return out;
}

/** The figures, one line per cell, aligned for a CI log. */
export function table(cells: readonly QuickCell[]): string {
  const rows = [
    ['scenario', 'mode', 'answered/s', 'answered', 'refused', 'failed', 'timed out', 'p50 ms', 'p99 ms', 'SQL/req max', 'avg', 'budget', 'CPU ms/answer'],
    ...cells.map((c) => [
      c.scenario,
      c.mode,
      c.load.answeredPerS.toFixed(0),
      String(c.load.answered),
      String(c.load.refused429 + c.load.refused503),
      String(c.load.failed + c.warmupFailed),
      String(c.load.timeouts),
      String(c.load.p50),
      String(c.load.p99),
      c.sql.counted ? `${c.sql.max}${c.sql.max > c.budget ? ' !' : ''}` : '–',
      c.sql.counted ? (c.sql.total / c.sql.counted).toFixed(2) : '–',
      String(c.budget),
      c.cpuMsPerAnswer === null ? '–' : c.cpuMsPerAnswer.toFixed(2),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  // Names to the left, numbers to the right.
  return rows.map((r) => r.map((v, i) => (i < 2 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ')).join('\n');
}

/**
 * What the gateways get of this process's environment: enough to run, the OpenTelemetry
 * settings (OTEL_*, so that a run with them measures tracing on) and REDIS_URL (the cached
 * gateway then caches in Redis, under a prefix of this run's own). Nothing else: a developer's
 * DATABASE_REPLICA_URLS or NODE_OPTIONS must not change what CI measures.
 */
export function inherited(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const keep = (k: string) => ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ', 'REDIS_URL'].includes(k) || k.startsWith('OTEL_');
  return Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== undefined && keep(k)));
}

/** How long the one request sent alone, to a cell that answered nothing, is given. */
const ALONE_S = 30;

/** Sends `req` alone and waits for it: whether it was answered; if not, what came is the cell's first failure unless it has one. */
async function alone(url: string, req: Req, cell: Pick<QuickCell, 'sql' | 'firstFailure'>): Promise<boolean> {
  let got: string;
  try {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(req.token ? { authorization: `Bearer ${req.token}` } : {}) },
      body: req.body,
      signal: AbortSignal.timeout(ALONE_S * 1000),
    });
    const body = await res.text();
    const answer = res.ok && !body.includes('"errors":');
    observer(cell)(res.status, body, answer);
    if (answer) return true;
    got = `HTTP ${res.status}: ${body.replace(/\s+/g, ' ').slice(0, 240)}`;
  } catch (err) {
    got = (err as Error).name === 'TimeoutError' ? `no response within ${ALONE_S} s` : `a connection error (${(err as Error).message})`;
  }
  cell.firstFailure ??= got;
  return false;
}

/** Runs the quick bench; resolves to the process's exit code (1 when any check failed). */
export async function quickBench(o: QuickOptions): Promise<number> {
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
  const run = `${process.pid}_${Date.now().toString(36)}`;
  const name = `chommie_quick_${run}`;
  const dbUrl = new URL(o.server);
  dbUrl.pathname = `/${name}`;
  const served: Served[] = [];
  let created = false;
  let cleaning: Promise<void> | null = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await Promise.all(served.map((s) => s.stop()));
      if (!created) return;
      const admin = new pg.Client({ connectionString: o.server });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    })());
  // Interrupted (Ctrl-C, CI's timeout): the gateways go and the database is dropped all the same.
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const otel = Object.keys(process.env).filter((k) => k.startsWith('OTEL_'));
    o.say(
      `quick bench: ${cpus().length} cores, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; Node ${process.version}; cache ${process.env.REDIS_URL ? 'in Redis' : 'in memory'}; ` +
        `${otel.length ? `gateways inherit ${otel.join(', ')}` : 'no OTEL_* variables set'}`,
    );
    const admin = new pg.Client({ connectionString: o.server });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
      created = true;
    } finally {
      await admin.end();
    }
    o.say(`database ${name}: migrating and seeding the demo data (${DEMO_SIZE.jobs.toLocaleString('en-US')} jobs)…`);
    const db = await openDatabase({ url: dbUrl.toString(), poolSize: 4 });
    try {
      await migrate(db.raw);
      await seed(db, DEMO_SIZE);
      await db.raw.exec('ANALYZE');
    } finally {
      await db.close();
    }
    o.say(`  ready at ${elapsed()}; starting an uncached and a cached gateway…`);

    const JWT_SECRET = 'quick-benchmark-secret-of-at-least-32-chars';
    const pools = await loadPools(dbUrl.toString(), JWT_SECRET);
    const { list, applications } = scenarios(pools);
    const env = {
      ...inherited(process.env),
      DATABASE_URL: dbUrl.toString(),
      // As the full bench runs it: production settings, named statements on, no rate limit.
      DATABASE_NAMED_STATEMENTS: 'true',
      NODE_ENV: 'production',
      TRUSTED_DOCUMENTS: 'false',
      JWT_SECRET,
      RATE_LIMIT_ENABLED: 'false',
      SQL_STATS: 'true',
      LOG_LEVEL: 'warn',
      CACHE_PREFIX: `quick-${run}`,
      SEED_ON_EMPTY: 'false',
      METRICS_TOKEN,
      HOST: '127.0.0.1',
      NODE_OPTIONS: '',
    };
    // `npm start`'s command (TypeScript through tsx): no compile step, and the same code runs.
    const start = async (mode: QuickMode): Promise<Served> => {
      // A free port can be taken before the gateway binds it (by the other gateway starting
      // beside it, or anything else): then another port, rather than a spurious red CI.
      for (let attempt = 1; ; attempt += 1) {
        const port = await freePort();
        try {
          const s = await serve(
            mode,
            process.execPath,
            ['--import', 'tsx', 'src/main.ts'],
            { ...env, PORT: String(port), CACHE_ENABLED: String(mode === 'cached') },
            `http://127.0.0.1:${port}`,
            '/ready',
          );
          served.push(s);
          return s;
        } catch (err) {
          if (attempt >= 3 || !/already in use/.test(String((err as Error).message))) throw err;
        }
      }
    };
    // Both settle before going on, so that one that started is stopped with the rest when the other failed.
    const [uncached, cached] = await Promise.allSettled([start('uncached'), start('cached')]);
    if (uncached.status === 'rejected') throw uncached.reason;
    if (cached.status === 'rejected') throw cached.reason;
    const gateways = { uncached: uncached.value, cached: cached.value };
    o.say(
      `  started at ${elapsed()}; ${o.connections} connections, ${o.warmup} s warm-up and ${o.seconds} s measured per cell (the figures are this machine's now, not targets)`,
    );

    const cells: QuickCell[] = [];
    const all: Scenario[] = [...list, applications];
    for (const s of all) {
      for (const mode of ['uncached', 'cached'] as const) {
        const g = gateways[mode];
        const cell: QuickCell = {
          scenario: s.name,
          mode,
          seconds: o.seconds,
          load: undefined as unknown as LoadResult,
          warmupFailed: 0,
          answeredAtAll: false,
          sql: { max: 0, total: 0, counted: 0, missing: 0 },
          budget: sqlBudget(s.name),
          cpuMsPerAnswer: null,
          firstFailure: null,
        };
        const observe = observer(cell);
        const warm = o.warmup > 0 ? await load(g.url, s.next, o.connections, o.warmup, observe) : null;
        cell.warmupFailed = warm?.failed ?? 0;
        const pids = tree(g.child.pid!);
        const before = sum(pids);
        cell.load = await load(g.url, s.next, o.connections, o.seconds, observe);
        const spent = sum(pids, before.now).spent;
        cell.cpuMsPerAnswer = cell.load.answered ? spent / cell.load.answered : null;
        cell.answeredAtAll = (warm?.answered ?? 0) + cell.load.answered > 0 || (await alone(g.url, s.next(), cell));
        cells.push(cell);
        o.say(
          `  ${label(cell).padEnd(26)} ${cell.load.answeredPerS.toFixed(0).padStart(6)} answered/s  SQL max ${cell.sql.max} (budget ${cell.budget})${failures([cell]).length ? '  FAILED' : ''}`,
        );
      }
    }

    o.say('');
    o.say(table(cells));
    const reasons = failures(cells);
    o.say('');
    for (const r of reasons) o.say(`FAIL ${r}`);
    o.say(
      reasons.length
        ? `quick bench failed: ${reasons.length} failure${reasons.length === 1 ? '' : 's'} in ${cells.length} cells (${elapsed()})`
        : `quick bench passed: ${cells.length} cells, none broken, every request within its SQL budget (${elapsed()})`,
    );
    return reasons.length ? 1 : 0;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** This run's section of docs/BENCHMARKS.md, which the full run rewrites with the rest (report.ts). */
export const QUICK_SECTION = `## Quick run (CI)

\`npm run bench -- --quick\` runs every scenario above, and \`applyToJob\` alone (*apply*), briefly
against an uncached and a cached gateway, and checks only what does not depend on the machine's
load. It exits 1, with one line per failure, when a scenario is broken (a response with GraphQL
errors, an unexpected status or a connection error, warm-up included; or no answer at all, not
even to one request sent alone and given 30 s) or when any request sends more SQL statements
(\`extensions.sql\`) than its scenario's budget (\`SQL_BUDGET\` in scripts/bench/scenarios.ts;
test/integration/bench/quick.test.ts holds the scenarios to the same budgets on the test data).
Answers per second, refusals, failures, p50 and p99 of answers, SQL statements per request (most
and mean) and the gateway process's CPU per answer (from \`/proc\`) are printed, never judged:
CI's machine is shared. CI runs it on every submission.

- It needs PostgreSQL (\`BENCH_DATABASE_URL\`, else \`TEST_DATABASE_URL\`, else
  postgres://postgres@127.0.0.1:5432/postgres) and the installed dependencies, nothing downloaded:
  a database of its own (\`chommie_quick_<pid>_<time>\`, the demo seed of 2,400 jobs), dropped at
  the end, also when a check fails or the run is interrupted; two gateways on free ports, started
  as \`npm start\` starts one (the Node running the bench, through tsx: no build, no Node 22, no peer).
- 10 connections, 1 s warm-up then 3 s measured per cell (\`--connections\`, \`--warmup\`,
  \`--seconds\`): 16 cells, 78 s in all on the 2 cores of the machine above when quiet, 95 s
  while two other test suites ran (load average 7).
- The gateways get only \`PATH\`, \`HOME\`, \`TMPDIR\`, \`LANG\`, \`TZ\`, \`REDIS_URL\` and every
  \`OTEL_*\` variable of its environment, so
  \`OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 npm run bench -- --quick\` measures with
  tracing on, to set beside a run without. With \`REDIS_URL\`, the cached gateway caches in Redis
  under a key prefix of the run's own (nothing else there is read or flushed; its keys expire).
`;
