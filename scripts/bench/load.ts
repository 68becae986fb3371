import autocannon from 'autocannon';
import type { Req } from './scenarios';

export interface LoadResult {
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  requests: number;
  /** Socket errors, timeouts and non-2xx responses. */
  errors: number;
}

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

/** Drives `url` with `connections` clients for `seconds`, each request drawn from `next`. */
export async function load(url: string, next: () => Req, connections: number, seconds: number): Promise<LoadResult> {
  const result = await autocannon({ url: `${url}/graphql`, connections, duration: seconds, timeout: 30, requests: posts(next) });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx,
  };
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

/** Samples of a gateway's /metrics, by sample name (labels included). */
export async function metrics(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) samples.set(m[1], Number(m[2]));
  }
  return samples;
}
