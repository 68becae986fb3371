import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Viewer } from '../auth/viewer';
import { describeOperation } from '../ops/operation';
import type { Arrival, Edge } from './edge';
import { documentIdOf } from './plugins/documents';
import { cacheExtensions, cacheKeys, LOOKED_UP, operationType } from './plugins/response-cache';
import { jsonShapeProblem } from './plugins/query-limits';
import { asksForStream } from './event-stream';
import type { Cache } from '../cache/cache';

export interface FastPathOptions {
  cache: Cache;
  /** Who is asking, the arrival charge, the answer's headers and its log line (see edge.ts). */
  edge: Edge;
  /** Documents by id, as the documents plugin reads them; in trusted mode only these are answered here. */
  documents: { text: (id: string) => Promise<string | null> };
  trusted: boolean;
  sqlStats: boolean;
  /** The metrics of an answered hit. */
  onHit: (operation: string | undefined, seconds: number) => void;
}

// GraphQL-over-HTTP parameters, checked by hand: Yoga's own check is not exported (its package
// exports only its root), and graphql-http's parser requires `query`, so it refuses persisted
// documents sent by id. The check here only decides whether a body is a plain read this path
// may answer: anything unusual goes to Yoga, which stays the one to accept or refuse it.
const PARAMS = new Set(['query', 'variables', 'operationName', 'extensions', 'documentId']);

/** The response type Yoga would choose: the first acceptable one listed; undefined if none. */
function responseType(accept: string | undefined): string | undefined {
  if (!accept) return 'application/json';
  // Yoga refuses a query that asks for an event stream at all (plugins/subscriptions.ts).
  if (asksForStream(accept)) return undefined;
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
  const { cache, edge } = options;
  const extensions = JSON.stringify(cacheExtensions(options.sqlStats, true));

  /** True when the request was answered from the cache. */
  return async function answer(req: IncomingMessage, res: ServerResponse, raw: Buffer, arrival: Arrival): Promise<boolean> {
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
    const id = documentIdOf(params);
    // A query sent with a hash is an APQ registration; in trusted mode only ids are allowed.
    const query = id !== null ? (params.query === undefined ? await options.documents.text(id) : undefined) : options.trusted ? undefined : params.query;
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
      viewer = edge.viewer(arrival);
    } catch {
      return false; // Yoga's path answers 401
    }
    const { opKey, viewerKey } = cacheKeys(query, variables as Record<string, unknown> | null, operationName, viewer);
    const json = await cache.getJson(opKey, viewerKey);
    if (json === undefined) {
      (req as IncomingMessage & { [LOOKED_UP]?: string })[LOOKED_UP] = opKey;
      return false;
    }
    const verdict = arrival.charge && (await arrival.charge);
    if (verdict && !verdict.allowed) return false; // Yoga's path answers 429
    const body = `{"data":${json},"extensions":${extensions}}`;
    res.writeHead(200, {
      'content-type': `${type}; charset=utf-8`,
      'content-length': Buffer.byteLength(body),
      // A POST's answer, as on Yoga's path (http-cache.ts): no HTTP cache keeps it.
      'cache-control': 'no-store',
      ...edge.answerHeaders(arrival, req, verdict),
    });
    res.end(body);
    arrival.operation = describeOperation({ query, operationName: operationName ?? undefined });
    arrival.cache = 'hit';
    edge.finish(arrival, 200);
    options.onHit(arrival.operation.name, (performance.now() - at) / 1000);
    return true;
  };
}
