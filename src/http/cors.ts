import type { CORSOptions } from 'graphql-yoga';
import type { Config } from '../config';

export type CorsConfig = Pick<Config, 'CORS_ORIGINS' | 'CORS_MAX_AGE_S'>;

export const CORS_METHODS = ['GET', 'POST', 'OPTIONS'];
// What the gateway reads from a request. `accept` is safelisted only while short: listed so
// that a long one does not fail the preflight.
export const CORS_ALLOWED_HEADERS = ['accept', 'authorization', 'content-type', 'x-request-id', 'traceparent', 'tracestate'];
// What a front end needs to read: the id to quote in a report, how long to back off (429, 503),
// and what is left of its rate-limit budget (the IETF RateLimit fields, see ops/rate-limiter.ts).
export const CORS_EXPOSED_HEADERS = ['retry-after', 'x-request-id', 'x-trace-id', 'ratelimit', 'ratelimit-policy'];

export interface Cors {
  /** Yoga's `cors` option: for each request, the options Yoga turns into exactly `headers`' headers. */
  yoga: (request: Request) => CORSOptions;
  /** The access-control-* and vary headers for a response written outside Yoga to a request from `origin`. */
  headers: (origin: string | undefined) => Record<string, string>;
  /** Adds `Vary: Origin` to a Yoga response that has none (Yoga adds it only when it grants). */
  vary: (headers: Headers) => void;
}

/**
 * The CORS policy, one for every path that answers a request: Yoga (executions, errors, the
 * preflight OPTIONS, /ready, /metrics), the cache's fast path and the refusals written by hand
 * (413, the early 503, 503 "starting"). The same request gets the same headers from each.
 *
 * A listed origin is granted credentials; with `*` every origin is granted, without them. A
 * refused origin (or a request with none) gets no access-control-* header: the browser then
 * withholds the response from the page, and non-browser clients are unaffected. Every response
 * says `Vary: Origin`, granted or not: a shared cache (a CDN in front of GET reads) must not
 * hand one origin's answer, with or without the grant, to another.
 */
export function createCors(config: CorsConfig): Cors {
  const any = config.CORS_ORIGINS.includes('*');
  const listed = new Set(config.CORS_ORIGINS);
  const maxAge = config.CORS_MAX_AGE_S;

  /** Undefined when refused; otherwise whether the origin may send credentials. */
  const grant = (origin: string | null | undefined): { credentials: boolean } | undefined => {
    if (!origin) return undefined;
    if (any) return { credentials: false };
    return listed.has(origin) ? { credentials: true } : undefined;
  };

  return {
    yoga(request) {
      const granted = grant(request.headers.get('origin'));
      if (!granted) return false;
      // No `origin`: Yoga then reflects the request's (granted above) and adds Vary: Origin.
      return { methods: CORS_METHODS, allowedHeaders: CORS_ALLOWED_HEADERS, exposedHeaders: CORS_EXPOSED_HEADERS, credentials: granted.credentials, maxAge };
    },
    headers(origin) {
      const granted = grant(origin);
      if (!granted) return { vary: 'Origin' };
      return {
        'access-control-allow-origin': origin!,
        vary: 'Origin',
        'access-control-allow-methods': CORS_METHODS.join(', '),
        'access-control-allow-headers': CORS_ALLOWED_HEADERS.join(', '),
        ...(granted.credentials ? { 'access-control-allow-credentials': 'true' } : {}),
        'access-control-expose-headers': CORS_EXPOSED_HEADERS.join(', '),
        ...(maxAge ? { 'access-control-max-age': String(maxAge) } : {}),
      };
    },
    vary(headers) {
      if (!/(^|,)\s*(origin|\*)\s*(,|$)/i.test(headers.get('vary') ?? '')) headers.append('vary', 'Origin');
    },
  };
}
