import { randomUUID } from 'node:crypto';
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestContext as Context } from '../context';
import type { Logger } from '../../log';
import { describeOperation } from '../../ops/operation';

interface Entry {
  id: string;
  at: number;
  operation?: ReturnType<typeof describeOperation>;
  query?: string;
  context?: Context;
  cache?: 'hit' | 'miss' | 'coalesced';
  errors?: string[];
}

/** A caller's X-Request-Id is kept when it looks like one. */
export const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * One JSON line per GraphQL request: request id (the caller's X-Request-Id when it sends a
 * sane one, else a new one; echoed in the response), operation, HTTP status, duration, SQL
 * statements and time, cache status, error codes. Requests slower than SLOW_REQUEST_MS are
 * logged at warn with their document (never their variables: they carry user data) and
 * their slowest SQL statement.
 */
export function useRequestLog(log: Logger, slowMs: number): Plugin<Context> {
  const entries = new WeakMap<Request, Entry>();
  return {
    onRequest({ request }) {
      const given = request.headers.get('x-request-id');
      entries.set(request, { id: given && REQUEST_ID.test(given) ? given : randomUUID(), at: performance.now() });
    },
    onParams({ params, request }) {
      const e = entries.get(request);
      if (!e) return;
      e.operation = describeOperation(params);
      e.query = params.query;
    },
    onExecute({ args }) {
      const e = entries.get((args.contextValue as Context & { request: Request }).request);
      if (e) e.context = args.contextValue;
    },
    onResultProcess({ request, result }) {
      const e = entries.get(request);
      if (!e || Array.isArray(result) || Symbol.asyncIterator in (result as object)) return;
      const r = result as ExecutionResult;
      const cache = r.extensions?.responseCache as { hit?: boolean; coalesced?: boolean } | undefined;
      if (cache) e.cache = cache.hit ? 'hit' : cache.coalesced ? 'coalesced' : 'miss';
      if (r.errors?.length) e.errors = r.errors.map((err) => String((err.extensions?.code as string | undefined) ?? 'INTERNAL_SERVER_ERROR'));
    },
    onResponse({ request, response }) {
      const e = entries.get(request);
      if (!e) return;
      response.headers.set('x-request-id', e.id);
      if (!e.operation) return; // not a GraphQL request: GraphiQL's page, /health, /metrics
      const ms = Math.round((performance.now() - e.at) * 100) / 100;
      const sql = e.context?.sqlStats;
      // Its client left and its execution was cancelled: nothing was sent, whatever Yoga made of
      // the abort (nginx's 499, "client closed request").
      const gone = request.signal.aborted;
      const line = {
        reqId: e.id,
        operation: e.operation.name ?? 'anonymous',
        type: e.operation.type,
        status: gone ? 499 : response.status,
        ms,
        sql: sql ? { statements: sql.statements, ms: Math.round(sql.ms * 100) / 100 } : undefined,
        cache: e.cache ?? 'none',
        errors: gone ? ['CLIENT_CLOSED_REQUEST'] : e.errors,
      };
      if (ms < slowMs) return log.info(line, 'graphql request');
      const slowest = sql?.slowest && { ms: Math.round(sql.slowest.ms * 100) / 100, sql: sql.slowest.sql.slice(0, 2000) };
      log.warn({ ...line, slow: true, query: e.query?.slice(0, 2000), slowestSql: slowest }, 'slow graphql request');
    },
  };
}
