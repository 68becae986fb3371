import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResponseCache } from '../../src/cache/response-cache';
import { makeCache } from './cache';
import { openTestDatabase, type TestDatabase } from './db';
import { testGateway } from './gateway';

type GatewayOptions = NonNullable<Parameters<typeof testGateway>[1]>;

/**
 * For a test file: its own database clone, and gateways on it behind real HTTP servers (as in
 * production: `serveNode`, the fast path, body limits), all torn down afterwards.
 */
export function useHttpGateways() {
  const servers: Server[] = [];
  const caches: ResponseCache[] = [];
  const suite = {
    db: undefined as unknown as TestDatabase,
    /** A gateway with a response cache (unless `cached: false`) behind a server on a free port. */
    async serve(options: Omit<GatewayOptions, 'responseCache'> & { cached?: boolean } = {}) {
      const { cached = true, ...rest } = options;
      const cache = cached ? makeCache(process.env.REDIS_URL) : undefined;
      if (cache) {
        caches.push(cache);
        await cache.store.ready();
      }
      const { gateway } = testGateway(suite.db, { ...rest, responseCache: cache });
      const server = createServer(gateway.serveNode);
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as AddressInfo).port;
      return { port, url: `http://127.0.0.1:${port}/graphql`, cache, gateway };
    },
  };
  beforeAll(async () => {
    suite.db = await openTestDatabase();
  });
  afterAll(async () => {
    for (const s of servers) s.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    for (const c of caches) await c.store.close();
    await suite.db.destroy();
  });
  return suite;
}
