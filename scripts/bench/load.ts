import autocannon from 'autocannon';
import type { Req } from './scenarios';

/**
 * What the clients of a cell got, counted response by response: autocannon's own request counts
 * (`requests.average`) take every response alike, a 503 refusal as much as an answer.
 */
export interface LoadResult {
  /** Answers per second: HTTP 2xx with no GraphQL `errors`, what a client came for. */
  answeredPerS: number;
  answered: number;
  /** Refused by the server before it did the work: 429 (rate limit) and 503 (at capacity, unavailable). */
  refused429: number;
  refused503: number;
  /** Any other response (another status, or a 2xx carrying GraphQL errors), and connection errors. */
  failed: number;
  /** No response within the client's timeout. */
  timeouts: number;
  /** Latency of the answers, ms. */
  p50: number;
  p90: number;
  p99: number;
  /** Latency of the refusals, ms (0 when none). */
  refusedP50: number;
  refusedP99: number;
  /** Every request that ended in the cell, whatever its outcome. */
  requests: number;
}

export const refused = (r: Pick<LoadResult, 'refused429' | 'refused503'>) => r.refused429 + r.refused503;

/** A cell's outcome in brief, for the reports that keep one line per cell (edge, replica). */
export interface Brief {
  /** Answers per second, and their latency. */
  answeredPerS: number;
  p50: number;
  p99: number;
  requests: number;
  /** Refused (429, 503), and failed or timed out. */
  refused: number;
  failed: number;
}

export const brief = (r: LoadResult): Brief => ({
  answeredPerS: r.answeredPerS,
  p50: r.p50,
  p99: r.p99,
  requests: r.requests,
  refused: refused(r),
  failed: r.failed + r.timeouts,
});

/** "1,203" or "302 (1,540 of 4,565 refused)": a cell with refusals says so next to its number. */
export function answeredText(r: LoadResult, digits = 0): string {
  const n = r.answeredPerS.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const no = refused(r);
  return no ? `${n} (${no.toLocaleString('en-US')} of ${r.requests.toLocaleString('en-US')} refused)` : n;
}

/** One line of a cell for the console. */
export function summary(r: LoadResult): string {
  const extra = [
    refused(r) && `refused ${refused(r)} (429: ${r.refused429}, 503: ${r.refused503}, p99 ${r.refusedP99} ms)`,
    r.failed && `failed ${r.failed}`,
    r.timeouts && `timed out ${r.timeouts}`,
  ].filter(Boolean);
  return `${r.answeredPerS.toFixed(0).padStart(7)} answered/s  p50 ${r.p50} ms  p99 ${r.p99} ms${extra.length ? `  ${extra.join('  ')}` : ''}`;
}

/**
 * Sees every response's status and body as it arrives, and whether it counts as an answer: for
 * checks of each response (its SQL statements, its errors) beyond the counts kept here.
 */
export type Observe = (status: number, body: string, answer: boolean) => void;

/** The p-th percentile of latencies sorted ascending. */
const percentile = (sorted: number[], p: number) =>
  sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]) : 0;

/** autocannon's requests: GraphQL POSTs, each drawn from `next`. */
export const posts = (next: () => Req): autocannon.Request[] => [
  {
    method: 'POST',
    setupRequest: (req) => {
      const r = next();
      return { ...req, body: r.body, headers: { 'content-type': 'application/json', ...(r.token ? { authorization: `Bearer ${r.token}` } : {}) } };
    },
  },
];

/**
 * Runs autocannon with `options` (for `duration` seconds, or until `amount` requests) and sorts
 * every response: an answer, a refusal (by status) or a failure. autocannon hands a request's
 * `onResponse` the body and then, synchronously, emits `response` with the latency: the first
 * notes whether the body is an answer, the second files the latency with it.
 * A 2xx body is an answer unless it has a top-level `errors`: `"errors":` cannot occur inside a
 * JSON string (its quotes are escaped), and no bench query selects a field or alias named so.
 */
export async function drive(
  options: Omit<autocannon.Options, 'requests'> & { requests: autocannon.Request[] },
  observe?: Observe,
): Promise<{ outcome: LoadResult; result: autocannon.Result }> {
  let answer = false;
  const answers: number[] = [];
  const refusals: number[] = [];
  const counts = { refused429: 0, refused503: 0, failed: 0 };
  const requests = options.requests.map((r) => ({
    ...r,
    onResponse: (status: number, body: string) => {
      answer = status >= 200 && status < 300 && !body.includes('"errors":');
      observe?.(status, body, answer);
    },
  }));
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const tracker = autocannon({ ...options, requests }, (err: Error | null, res) => (err ? reject(err) : resolve(res)));
    tracker.on('response', (_client, status: number, _bytes: number, ms: number) => {
      if (answer) answers.push(ms);
      else if (status === 429 || status === 503) {
        counts[status === 429 ? 'refused429' : 'refused503'] += 1;
        refusals.push(ms);
      } else counts.failed += 1;
      answer = false;
    });
  });
  const seconds = options.duration ? Number(options.duration) : (performance.now() - started) / 1000;
  answers.sort((a, b) => a - b);
  refusals.sort((a, b) => a - b);
  const outcome: LoadResult = {
    answeredPerS: answers.length / seconds,
    answered: answers.length,
    ...counts,
    // Connection errors other than timeouts: no response came, so none was counted above.
    failed: counts.failed + result.errors - result.timeouts,
    timeouts: result.timeouts,
    p50: percentile(answers, 50),
    p90: percentile(answers, 90),
    p99: percentile(answers, 99),
    refusedP50: percentile(refusals, 50),
    refusedP99: percentile(refusals, 99),
    requests: answers.length + refusals.length + counts.failed + result.errors,
  };
  return { outcome, result };
}

/** Drives `url` with `connections` clients for `seconds`, each request drawn from `next`. */
export async function load(url: string, next: () => Req, connections: number, seconds: number, observe?: Observe): Promise<LoadResult> {
  return (await drive({ url: `${url}/graphql`, connections, duration: seconds, timeout: 30, requests: posts(next) }, observe)).outcome;
}

/** A GraphQL answer as the bench reads it; `T` is the shape of `data` the caller's query selects. */
export interface Answer<T = unknown> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
  extensions?: { sql?: { statements: number; ms: number } };
}

/** One request, its parsed body: for SQL counts and correctness checks around the load. */
export async function once<T = unknown>(url: string, req: Req): Promise<Answer<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(req.token ? { authorization: `Bearer ${req.token}` } : {}) },
    body: req.body,
  });
  return (await res.json()) as Answer<T>;
}

/**
 * The gateways run as in production, where /metrics answers only with METRICS_TOKEN (else 404,
 * and every sample read here would silently be 0): the bench sets this one and sends it.
 */
export const METRICS_TOKEN = 'bench-metrics-token-not-a-secret';
export const metricsHeaders = { authorization: `Bearer ${METRICS_TOKEN}` };

/** Samples of a gateway's /metrics, by sample name (labels included). */
export async function metrics(url: string): Promise<Map<string, number>> {
  const res = await fetch(`${url}/metrics`, { headers: metricsHeaders });
  if (!res.ok) throw new Error(`${url}/metrics answered ${res.status}`);
  const text = await res.text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) samples.set(m[1], Number(m[2]));
  }
  return samples;
}
