import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Viewer } from '../auth/viewer';
import { describeOperation } from '../ops/operation';
import type { RateLimiter } from '../ops/rate-limiter';
import { REQUEST_ID } from './plugins/request-log';
import { cacheKeys, LOOKED_UP, operationType } from './plugins/response-cache';
import { jsonShapeProblem } from './plugins/query-limits';
import type { Cache } from '../cache/cache';

export interface FastPathOptions {
  cache: Cache;
  /** Throws for a bad Authorization header (the request then takes the normal path, and its 401). */
  viewerOf: (authorization: string | null) => Viewer | null;
  /** Trusted documents by id; in trusted mode only these are answered here. */
  manifest: Record<string, string>;
  trusted: boolean;
  limiter: RateLimiter | null;
  sqlStats: boolean;
  /** The CORS headers Yoga would add for this origin (see http/cors.ts). */
  cors: (origin: string | undefined) => Record<string, string>;
  /** Metrics and the request log of an answered hit. */
  onHit: (hit: { operation: string | undefined; requestId: string; ms: number }) => void;
}

// GraphQL-over-HTTP parameters, checked by hand: Yoga's own check is not exported (its package
// exports only its root), and graphql-http's parser requires `query`, so it refuses persisted
// documents sent by id. The check here only decides whether a body is a plain read this path
// may answer: anything unusual goes to Yoga, which stays the one to accept or refuse it.
const PARAMS = new Set(['query', 'variables', 'operationName', 'extensions', 'documentId']);

/** The response type Yoga would choose: the first acceptable one listed; undefined if none. */
function responseType(accept: string | undefined): string | undefined {
  if (!accept) return 'application/json';
  for (const part of accept.split(',')) {
    const type = part.split(';')[0].trim().toLowerCase();
    if (type === 'application/graphql-response+json') return type;
    if (type === 'application/json' || type === '*/*' || type === 'application/*') return 'application/json';
  }
  return undefined;
}

/**
 * Cache hits answered at the HTTP layer, before Yoga: a hit then costs the body's parse, one
 * small cache read (see ResponseCache) and a write of the stored JSON text, not the
 * GraphQL pipeline. What the pipeline does for every request is done here too for hits: the
 * rate limit's charge, the request id, metrics and the log line; the response is the one Yoga
 * would send, CORS and RateLimit headers included. Anything else (a miss, a mutation, a bad token, a
 * document this path does not know, a limit reached) is left to Yoga. The body is read before
 * (bounded, see gateway.ts).
 */
export function createFastPath(options: FastPathOptions) {
  const { cache, limiter } = options;
  const extensions = JSON.stringify({ ...(options.sqlStats ? { sql: { statements: 0, ms: 0 } } : {}), responseCache: { hit: true } });

  /** True when the request was answered from the cache. */
  return async function answer(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<boolean> {
    if (req.method !== 'POST' || !req.url?.startsWith('/graphql') || !/json/i.test(req.headers['content-type'] ?? '')) return false;
    const type = responseType(req.headers.accept);
    if (!type) return false;
    const at = performance.now();
    const text = raw.toString('utf8');
    let params: {
      query?: unknown;
      documentId?: unknown;
      variables?: unknown;
      operationName?: unknown;
      extensions?: { persistedQuery?: { sha256Hash?: unknown } };
    };
    try {
      params = JSON.parse(text) as typeof params;
    } catch {
      return false;
    }
    // Anything Yoga would refuse (unknown parameters, wrong types) is left to it to refuse.
    if (!params || typeof params !== 'object' || Array.isArray(params) || Object.keys(params).some((k) => !PARAMS.has(k))) return false;
    if (params.extensions != null && (typeof params.extensions !== 'object' || Array.isArray(params.extensions))) return false;
    const hash = params.extensions?.persistedQuery?.sha256Hash;
    const id = typeof params.documentId === 'string' ? params.documentId : typeof hash === 'string' ? `sha256:${hash}` : undefined;
    // A query sent with a hash is an APQ registration; in trusted mode only ids are allowed.
    const query = id !== undefined ? (params.query === undefined ? options.manifest[id] : undefined) : options.trusted ? undefined : params.query;
    const operationName = params.operationName ?? null;
    const variables = params.variables ?? null;
    if (
      typeof query !== 'string' ||
      (operationName !== null && typeof operationName !== 'string') ||
      (variables !== null && (typeof variables !== 'object' || Array.isArray(variables) || jsonShapeProblem(variables)))
    )
      return false;
    if (operationType(query, operationName) !== 'query') return false;
    let viewer: Viewer | null;
    try {
      viewer = options.viewerOf(req.headers.authorization ?? null);
    } catch {
      return false;
    }
    const { opKey, viewerKey } = cacheKeys(query, variables as Record<string, unknown> | null, operationName, viewer);
    const json = await cache.getJson(opKey, viewerKey);
    if (json === undefined) {
      (req as IncomingMessage & { [LOOKED_UP]?: string })[LOOKED_UP] = opKey;
      return false;
    }
    let budget: Record<string, string> = {};
    if (limiter) {
      const verdict = await limiter.arrive(req, viewer?.userId ?? null);
      if (!verdict.allowed) return false; // Yoga's path answers 429 with its headers
      budget = limiter.headers(verdict.budget);
    }
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    const body = `{"data":${json},"extensions":${extensions}}`;
    res.writeHead(200, {
      'content-type': `${type}; charset=utf-8`,
      'content-length': Buffer.byteLength(body),
      // A POST's answer, as on Yoga's path (http-cache.ts): no HTTP cache keeps it.
      'cache-control': 'no-store',
      'x-request-id': requestId,
      ...options.cors(req.headers.origin),
      ...budget,
    });
    res.end(body);
    options.onHit({ operation: describeOperation({ query, operationName: operationName ?? undefined }).name, requestId, ms: performance.now() - at });
    return true;
  };
}
