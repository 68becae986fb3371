import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../../ops/metrics';
import { describeOperation } from '../../ops/operation';

/** Feeds the request metrics (ops/metrics.ts): duration by operation, errors by code, SQL per request, requests in flight. */
export function useMetrics({ cached, duration, errors, statements, sqlSeconds, inFlight, operationLabel }: Metrics): Plugin {
  const started = new WeakMap<Request, { at: number; operation: string; type: string }>();
  return {
    onRequest() {
      inFlight.inc();
    },
    onResponse() {
      inFlight.dec();
    },
    // Registered before the response cache, whose hits end the request in their onParams.
    onParams({ params, request }) {
      const op = describeOperation(params);
      started.set(request, { at: performance.now(), operation: operationLabel(op.name), type: op.type });
    },
    onResultProcess({ request, result }) {
      const s = started.get(request);
      if (!s || Array.isArray(result) || Symbol.asyncIterator in (result as object)) return;
      const r = result as ExecutionResult;
      // A hit carries responseCache.hit already; an executed result gets it after this hook.
      const hit = (r.extensions?.responseCache as { hit?: boolean } | undefined)?.hit === true;
      const cacheLabel = !cached || s.type !== 'query' ? 'none' : hit ? 'hit' : 'miss';
      duration.observe({ operation: s.operation, type: s.type, cache: cacheLabel }, (performance.now() - s.at) / 1000);
      for (const e of r.errors ?? []) errors.inc({ code: String((e.extensions?.code as string | undefined) ?? 'INTERNAL_SERVER_ERROR') });
      const sql = r.extensions?.sql as { statements: number; ms: number } | undefined;
      if (sql && !hit) {
        statements.observe(sql.statements);
        sqlSeconds.observe(sql.ms / 1000);
      }
    },
  };
}
