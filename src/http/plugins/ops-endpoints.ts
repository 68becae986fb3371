import type { Plugin } from 'graphql-yoga';
import type { Registry } from 'prom-client';
import type { Services } from '../../services';
import { appliedMigrations, readMigrations } from '../../db/migrate';
import type { metricsAccess } from '../../ops/metrics';

async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * (`/health`, "the process is alive", is Yoga's own.) `/ready`: it can serve: the database answers and has every
 * migration this build ships (503 otherwise, saying what is wrong); the cache's and each read
 * replica's state are reported but never make the gateway unready (it serves uncached, reads
 * from the primary). `/metrics`: Prometheus.
 */
export function useOpsEndpoints(services: Services, registry: Registry, access: ReturnType<typeof metricsAccess>): Plugin {
  const expected = readMigrations().map((m) => m.name);
  return {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- Envelop's hook arguments are meant to be destructured
    async onRequest({ request, url, endResponse, fetchAPI }) {
      const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
        new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
      if (url.pathname === '/metrics') {
        const allowed = access(request.headers.get('authorization'));
        if (allowed === 'hidden')
          return endResponse(json({ error: 'not found: in production, metrics are served on METRICS_PORT (or here with METRICS_TOKEN)' }, 404));
        if (allowed === 'unauthorized')
          return endResponse(json({ error: 'metrics need Authorization: Bearer <METRICS_TOKEN>' }, 401, { 'www-authenticate': 'Bearer' }));
        return endResponse(new fetchAPI.Response(await registry.metrics(), { headers: { 'content-type': registry.contentType } }));
      }
      if (url.pathname !== '/ready') return;
      if (services.lifecycle?.stopping) return endResponse(json({ status: 'stopping' }, 503));
      const cache = services.responseCache?.stats();
      const report: Record<string, unknown> = { cache: cache ? (cache.degraded ? `${cache.store} (degraded: serving uncached)` : cache.store) : 'off' };
      // Like the cache, reported and never a reason to be unready: the primary takes their reads.
      if (services.replicas) report.replicas = services.replicas.status();
      try {
        const applied = await within(2000, appliedMigrations(services.db.raw));
        const missing = expected.filter((m) => !applied.has(m));
        report.database = 'ok';
        report.migrations = missing.length ? { missing } : 'ok';
        return endResponse(json({ status: missing.length ? 'unready' : 'ready', ...report }, missing.length ? 503 : 200));
      } catch (err) {
        return endResponse(json({ status: 'unready', ...report, database: `unreachable: ${(err as Error).message}` }, 503));
      }
    },
  };
}
