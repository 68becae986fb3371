import { createHash } from 'node:crypto';
import { getOperationAST, parse, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import type { Viewer } from '../../auth/viewer';
import type { RequestContext as Context } from '../context';
import { asksForStream } from '../event-stream';
import type { Cache } from '../../cache/cache';
import { resultTtlMs } from '../../cache/ttl';
import { tagEntities } from './entity-tags';

interface Pending {
  opKey: string;
  viewerKey: string;
  at: number;
  settle: (result: ExecutionResult | null) => void;
  context?: Context;
}

const operationTypes = new LRUCache<string, string>({ max: 2000 });

/** "query", "mutation", … of the operation a request runs; null when it does not parse. */
export function operationType(query: string, operationName?: string | null): string | null {
  const key = `${operationName ?? ''}\u0000${query}`;
  let type = operationTypes.get(key);
  if (type === undefined) {
    try {
      type = getOperationAST(parse(query), operationName)?.operation ?? '';
    } catch {
      type = '';
    }
    operationTypes.set(key, type);
  }
  return type || null;
}

/** The cache keys of a request: the operation with its variables, and who is asking. */
export function cacheKeys(
  query: string,
  variables: Record<string, unknown> | null | undefined,
  operationName: string | null | undefined,
  viewer: Viewer | null,
) {
  // No variables and `{}` are the same request.
  const vars = variables && Object.keys(variables).length ? variables : null;
  return {
    opKey: createHash('sha256')
      .update(JSON.stringify([query, vars, operationName ?? null]))
      .digest('base64url'),
    viewerKey: viewer ? `${viewer.userId}:${viewer.role}:${viewer.companyId ?? ''}` : 'anonymous',
  };
}

/** Set on a Node request whose cache lookup the fast path (fast-path.ts) already missed. */
export const LOOKED_UP = Symbol('response cache looked up');

/** What a result depended on, as HTTP caching (http-cache.ts) needs it: whether it read the viewer, how long it may be kept. */
export interface ResultHints {
  private: boolean;
  ttlMs: number;
}

// Per request answered without executing (a hit, or a share of another request's execution),
// and per result a leader shares: the hints of the execution that produced it.
const hintsOf = new WeakMap<object, ResultHints>();

/** The hints of a request's result when it did not execute it itself (undefined when it did). */
export const resultHints = (request: Request): ResultHints | undefined => hintsOf.get(request);

/** Codes of a request that was refused before it executed (admission control). */
const NOT_RUN = new Set(['SERVICE_UNAVAILABLE', 'CLIENT_CLOSED_REQUEST']);

/**
 * The response cache in front of the executor. A hit is answered from the request's
 * parameters, before parsing, validation and execution. Identical queries of one viewer in
 * flight at once run once and share the result (stampede control). Results are stored with
 * the tags they read (see RequestCacheState, entity-tags.ts) and are cached per viewer when
 * they read the viewer. Mutations are never cached or shared.
 */
/** The `extensions` of a result the cache answered or stored: a hit ran no SQL (when SQL_STATS shows it). */
export const cacheExtensions = (sqlStats: boolean, hit: boolean) => ({ ...(sqlStats && hit ? { sql: { statements: 0, ms: 0 } } : {}), responseCache: { hit } });

export function useResponseCache(cache: Cache, viewerOf: (request: Request) => Viewer | null, sqlStats: boolean): Plugin<Context> {
  const inFlight = new Map<string, Promise<ExecutionResult | null>>();
  const pending = new WeakMap<Request, Pending>();
  const extensions = (hit: boolean) => cacheExtensions(sqlStats, hit);

  const tagged = new WeakSet<GraphQLSchema>();
  return {
    // Entity tags are recorded by the schema's fields, wrapped here (entity-tags.ts).
    onSchemaChange({ schema, replaceSchema }) {
      // Envelop types the schema as any.
      if (tagged.has(schema as GraphQLSchema)) return;
      const wrapped = tagEntities(schema as GraphQLSchema);
      tagged.add(wrapped);
      replaceSchema(wrapped);
    },
    async onParams({ params, request, setResult, context }) {
      if (!params.query || operationType(params.query, params.operationName) !== 'query') return;
      // Refused by useSubscriptions' onParams, which a hit set here would override (every onParams runs).
      if (asksForStream(request.headers.get('accept'))) return;
      let viewer: Viewer | null;
      try {
        viewer = viewerOf(request);
      } catch {
        return; // A bad token gets its 401 from the normal path, never a cached answer.
      }
      const { opKey, viewerKey } = cacheKeys(params.query, params.variables, params.operationName, viewer);
      const at = Date.now();
      const lookedUp = (context as { req?: Record<symbol, unknown> }).req?.[LOOKED_UP] === opKey;
      const hit = lookedUp ? undefined : await cache.getEntry(opKey, viewerKey);
      if (hit) {
        // What is left of its life: an HTTP copy of it must not outlive it.
        hintsOf.set(request, { private: hit.private, ttlMs: hit.exp ? Math.max(0, hit.exp - Date.now()) : 0 });
        setResult({ data: hit.data as Record<string, unknown>, extensions: extensions(true) });
        return;
      }
      const flightKey = `${opKey}|${viewerKey}`;
      for (let leader = inFlight.get(flightKey); leader; leader = inFlight.get(flightKey)) {
        const shared = await leader;
        // The leader was never run (shed, or its client left): the first follower to resume
        // leads in its place, and the others wait for that one.
        if (!shared) continue;
        cache.noteCoalesced();
        const hints = hintsOf.get(shared);
        if (hints) hintsOf.set(request, hints);
        setResult({ ...shared, extensions: { ...shared.extensions, responseCache: { hit: false, coalesced: true } } });
        return;
      }
      let resolve!: (r: ExecutionResult | null) => void;
      const flight = new Promise<ExecutionResult | null>((r) => (resolve = r));
      inFlight.set(flightKey, flight);
      // Its client leaving cancels the execution (useExecutionCancellation): followers then
      // go on at once (above), rather than inherit a cancellation or wait for a result that
      // may never be processed.
      const abandon = () => settle(null);
      const settle = (r: ExecutionResult | null) => {
        request.signal.removeEventListener('abort', abandon);
        if (inFlight.get(flightKey) === flight) inFlight.delete(flightKey);
        resolve(r);
      };
      request.signal.addEventListener('abort', abandon, { once: true });
      pending.set(request, { opKey, viewerKey, at, settle });
    },
    onExecute({ args }) {
      const p = pending.get((args.contextValue as Context & { request: Request }).request);
      if (p) p.context = args.contextValue;
    },
    // eslint-disable-next-line @typescript-eslint/unbound-method -- Envelop's hook arguments are meant to be destructured
    async onResultProcess({ request, result, setResult }) {
      const p = pending.get(request);
      if (!p) return;
      pending.delete(request);
      const single = !Array.isArray(result) && !(Symbol.asyncIterator in (result as object));
      const r = result as ExecutionResult;
      // Followers get what the leader got, errors included, unless it never ran: refused for
      // overload or for its own client leaving, which says nothing about theirs. The flight
      // ends either way.
      const notRun = single && r.data == null && r.errors?.some((e) => NOT_RUN.has(e.extensions?.code as string));
      const state = single ? p.context?.cache : undefined;
      const ttlMs = state ? resultTtlMs((k) => cache.ttlMs(k), state) : 0;
      // Before the flight settles: its followers read these when they resume.
      if (state) hintsOf.set(r, { private: state.private, ttlMs });
      p.settle(notRun ? null : single ? r : { errors: [{ message: 'result not shareable' } as never] });
      if (!state) return;
      if (r.data && !r.errors?.length) {
        // Read on a replica: as old as what it had replayed (db/replicas.ts), so a write it had not replayed makes the entry stale.
        const at = Math.min(p.at, p.context?.route?.dataAsOf ?? p.at);
        await cache.set(p.opKey, p.viewerKey, { data: r.data, at, tags: state.tags, private: state.private, ttlMs });
      }
      setResult({ ...r, extensions: { ...r.extensions, ...extensions(false) } });
    },
  };
}
