import { drive, load, metrics, posts } from './load';
import type { Req } from './scenarios';

/** One overload cell: what 1,000 clients got, and what it cost the gateway. */
export interface OverloadResult {
  scenario: string;
  connections: number;
  seconds: number;
  /** Answers (2xx with no GraphQL errors), and their latency. */
  answered: number;
  p50: number;
  p99: number;
  /** Refused with 503 (admission control) or 429, and the slowest of them (p99). */
  shed: number;
  shedP99: number;
  /** Other statuses, and 2xx carrying GraphQL errors. */
  otherStatus: number;
  /** No answer within 10 s. */
  timeouts: number;
  socketErrors: number;
  /** Response-cache hits over lookups during the cell (null when the gateway has no cache). */
  hitRatio: number | null;
  poolTotal: number;
  poolInUse: number;
  rssPeakMB: number;
  /** Executions still running 1 s after the load stopped (abandoned requests must not be). */
  runningAfter1s: number;
}

/**
 * Drives `url` past its capacity: `connections` clients, a 10 s client timeout, every response
 * sorted into answers, refusals and failures (load.ts `drive`). Latency is kept apart for answers
 * and refusals: a fast 503 must not flatter the p99 of the requests that were answered.
 */
export async function overload(
  url: string,
  scenario: string,
  next: () => Req,
  connections: number,
  seconds: number,
  warmupSeconds = 3,
): Promise<OverloadResult> {
  // As every other cell: a warm-up (at the bench's usual 100 connections) that is not measured.
  await load(url, next, 100, warmupSeconds);
  const before = await metrics(url);
  const sampled = { poolTotal: 0, poolInUse: 0, rss: 0 };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const m = await metrics(url).catch(() => new Map<string, number>());
      const total = m.get('db_pool_connections{state="total"}') ?? 0;
      sampled.poolTotal = Math.max(sampled.poolTotal, total);
      sampled.poolInUse = Math.max(sampled.poolInUse, total - (m.get('db_pool_connections{state="idle"}') ?? 0));
      sampled.rss = Math.max(sampled.rss, m.get('process_resident_memory_bytes') ?? 0);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const { outcome, result } = await drive({ url: `${url}/graphql`, connections, duration: seconds, timeout: 10, requests: posts(next) });
  sampling = false;
  await sampler;
  await new Promise((r) => setTimeout(r, 1000));
  const after = await metrics(url);
  const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  const lookups = delta('response_cache_hits') + delta('response_cache_misses');
  return {
    scenario,
    connections,
    seconds,
    answered: outcome.answered,
    p50: outcome.p50,
    p99: outcome.p99,
    shed: outcome.refused503 + outcome.refused429,
    shedP99: outcome.refusedP99,
    otherStatus: outcome.failed - (result.errors - result.timeouts),
    timeouts: result.timeouts,
    socketErrors: result.errors - result.timeouts,
    hitRatio: lookups ? delta('response_cache_hits') / lookups : null,
    poolTotal: sampled.poolTotal,
    poolInUse: sampled.poolInUse,
    rssPeakMB: Math.round(sampled.rss / 2 ** 20),
    // Our own /metrics request is not an execution.
    runningAfter1s: after.get('graphql_executions_in_flight') ?? 0,
  };
}

/** The issue's overload targets, each met or not. */
export function overloadTargets(cached: OverloadResult, searches: OverloadResult) {
  return [
    {
      target: `1,000 connections, ${cached.scenario}: 0 timeouts, 0 socket errors`,
      value: `${cached.timeouts} timeouts, ${cached.socketErrors} socket errors`,
      met: cached.timeouts === 0 && cached.socketErrors === 0,
    },
    {
      target: `1,000 connections, ${cached.scenario}: hit ratio at least 99%`,
      value: `${((cached.hitRatio ?? 0) * 100).toFixed(1)}%`,
      met: (cached.hitRatio ?? 0) >= 0.99,
    },
    {
      target: `1,000 connections, ${cached.scenario}: p99 of answered under 1 s`,
      value: `${cached.p99} ms (${cached.answered} answered, ${cached.shed} shed)`,
      met: cached.p99 < 1000,
    },
    {
      target: `1,000 connections, ${searches.scenario}: 0 timeouts, 0 socket errors`,
      value: `${searches.timeouts} timeouts, ${searches.socketErrors} socket errors`,
      met: searches.timeouts === 0 && searches.socketErrors === 0,
    },
    {
      target: `1,000 connections, ${searches.scenario}: shed with 503 within 100 ms (p99)`,
      value: `${searches.shed} shed, p99 ${searches.shedP99} ms; ${searches.answered} answered, p99 ${searches.p99} ms`,
      met: searches.shedP99 <= 100,
    },
    {
      target: `1,000 connections, ${searches.scenario}: pool at most 10, peak RSS under 512 MB`,
      value: `pool ${searches.poolTotal} (${searches.poolInUse} in use), RSS ${searches.rssPeakMB} MB`,
      met: searches.poolTotal <= 10 && searches.rssPeakMB < 512,
    },
    {
      target: 'no execution still running 1 s after the load stops',
      value: `${cached.runningAfter1s} and ${searches.runningAfter1s}`,
      met: cached.runningAfter1s === 0 && searches.runningAfter1s === 0,
    },
  ];
}

export function overloadMarkdown(rows: OverloadResult[], checks: ReturnType<typeof overloadTargets>): string {
  const lines = [
    '| scenario | connections × s | answered (per s) | p50 / p99 answered | shed (503, 429) | p99 shed | failed | timeouts | socket errors | hit ratio | pool (in use) | peak RSS | running 1 s after |',
    '| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.connections} × ${r.seconds} | ${r.answered} (${Math.round(r.answered / r.seconds)}/s) | ${r.p50} / ${r.p99} ms | ${r.shed} | ${r.shedP99} ms | ${r.otherStatus} | ${r.timeouts} | ${r.socketErrors} | ${r.hitRatio === null ? '–' : `${(r.hitRatio * 100).toFixed(1)}%`} | ${r.poolTotal} (${r.poolInUse}) | ${r.rssPeakMB} MB | ${r.runningAfter1s} |`,
    ),
    '',
    '| target | measured | met |',
    '| --- | --- | --- |',
    ...checks.map((c) => `| ${c.target} | ${c.value} | ${c.met ? 'yes' : 'no'} |`),
  ];
  return lines.join('\n');
}
