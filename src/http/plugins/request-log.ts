import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestContext as Context } from '../context';
import type { Edge } from '../edge';
import { describeOperation } from '../../ops/operation';

/**
 * What the request's log line says of it (the edge writes the line): the operation and its
 * document (after the documents plugins, so a persisted one is named), the SQL it sent, its
 * cache status and error codes.
 */
export function useRequestLog(edge: Edge): Plugin<Context> {
  return {
    onParams({ params, request }) {
      const arrival = edge.of(request);
      if (!arrival) return;
      arrival.operation = describeOperation(params);
      arrival.query = params.query;
    },
    onExecute({ args }) {
      const ctx = args.contextValue as Context & { request: Request };
      const arrival = edge.of(ctx.request);
      if (arrival) arrival.sql = ctx.sqlStats;
    },
    onResultProcess({ request, result }) {
      const arrival = edge.of(request);
      if (!arrival || Array.isArray(result) || Symbol.asyncIterator in (result as object)) return;
      const r = result as ExecutionResult;
      const cache = r.extensions?.responseCache as { hit?: boolean; coalesced?: boolean } | undefined;
      if (cache) arrival.cache = cache.hit ? 'hit' : cache.coalesced ? 'coalesced' : 'miss';
      if (r.errors?.length) arrival.errors = r.errors.map((err) => String((err.extensions?.code as string | undefined) ?? 'INTERNAL_SERVER_ERROR'));
    },
  };
}
