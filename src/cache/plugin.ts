import { createHash } from 'node:crypto';
import { getOperationAST, parse, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import type { Viewer } from '../auth/viewer';
import type { Context } from '../context';
import type { ResponseCache } from './response-cache';

interface Pending {
  opKey: string;
  viewerKey: string;
  flightKey: string;
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
export function cacheKeys(query: string, variables: Record<string, unknown> | null | undefined, operationName: string | null | undefined, viewer: Viewer | null) {
  // No variables and `{}` are the same request.
  const vars = variables && Object.keys(variables).length ? variables : null;
  return {
    opKey: createHash('sha256').update(JSON.stringify([query, vars, operationName ?? null])).digest('base64url'),
    viewerKey: viewer ? `${viewer.userId}:${viewer.role}:${viewer.companyId ?? ''}` : 'anonymous',
  };
}

/** Set on a Node request whose cache lookup the fast path (fast-path.ts) already missed. */
export const LOOKED_UP = Symbol('response cache looked up');

/** Codes of a request that was refused before it executed (admission control). */
const NOT_RUN = new Set(['SERVICE_UNAVAILABLE', 'CLIENT_CLOSED_REQUEST']);

/**
 * The response cache in front of the executor. A hit is answered from the request's
 * parameters, before parsing, validation and execution. Identical queries of one viewer in
 * flight at once run once and share the result (stampede control). Results are stored with
 * the tags they read (see RequestCacheState, tagEntities) and are cached per viewer when
 * they read the viewer. Mutations are never cached or shared.
 */
export function useResponseCache(cache: ResponseCache, viewerOf: (request: Request) => Viewer | null, sqlStats: boolean): Plugin<Context> {
  const inFlight = new Map<string, Promise<ExecutionResult | null>>();
  const pending = new WeakMap<Request, Pending>();
  const extensions = (hit: boolean) => ({ ...(sqlStats && hit ? { sql: { statements: 0, ms: 0 } } : {}), responseCache: { hit } });

  return {
    async onParams({ params, request, setResult, context }) {
      if (!params.query || operationType(params.query, params.operationName) !== 'query') return;
      let viewer: Viewer | null;
      try {
        viewer = viewerOf(request);
      } catch {
        return; // A bad token gets its 401 from the normal path, never a cached answer.
      }
      const { opKey, viewerKey } = cacheKeys(params.query, params.variables, params.operationName, viewer);
      const at = Date.now();
      const lookedUp = (context as { req?: Record<symbol, unknown> }).req?.[LOOKED_UP] === opKey;
      const hit = lookedUp ? undefined : await cache.get(opKey, viewerKey);
      if (hit) {
        setResult({ data: hit.data as Record<string, unknown>, extensions: extensions(true) });
        return;
      }
      const flightKey = `${opKey}|${viewerKey}`;
      const leader = inFlight.get(flightKey);
      if (leader) {
        const shared = await leader;
        // The leader was never run (shed, or its client left): this request tries for itself.
        if (!shared) return;
        cache.noteCoalesced();
        setResult({ ...shared, extensions: { ...shared.extensions, responseCache: { hit: false, coalesced: true } } });
        return;
      }
      let settle!: (r: ExecutionResult | null) => void;
      inFlight.set(flightKey, new Promise((resolve) => (settle = resolve)));
      pending.set(request, { opKey, viewerKey, flightKey, at, settle });
    },
    onExecute({ args }) {
      const p = pending.get((args.contextValue as Context & { request: Request }).request);
      if (p) p.context = args.contextValue as Context;
    },
    async onResultProcess({ request, result, setResult }) {
      const p = pending.get(request);
      if (!p) return;
      pending.delete(request);
      const single = !Array.isArray(result) && !(Symbol.asyncIterator in (result as object));
      const r = result as ExecutionResult;
      // Followers get what the leader got, errors included, unless it never ran: refused for
      // overload or for its own client leaving, which says nothing about theirs. The flight
      // ends either way.
      inFlight.delete(p.flightKey);
      const notRun = single && r.data == null && r.errors?.some((e) => NOT_RUN.has(e.extensions?.code as string));
      p.settle(notRun ? null : single ? r : { errors: [{ message: 'result not shareable' } as never] });
      if (!single || !p.context) return;
      if (r.data && !r.errors?.length) {
        const state = p.context.cache;
        const kinds = [...state.ttlKinds];
        const ttlMs = Math.min(...(kinds.length ? kinds : (['list'] as const)).map((k) => cache.ttlMs(k)), ...(state.private ? [cache.ttlMs('private')] : []));
        await cache.set(p.opKey, p.viewerKey, { data: r.data, at: p.at, tags: state.tags, private: state.private, ttlMs });
      }
      setResult({ ...r, extensions: { ...r.extensions, ...extensions(false) } });
    },
  };
}
