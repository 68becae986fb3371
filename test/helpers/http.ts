import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
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
      const server = createServer((req, res) => gateway.serveNode(req, res));
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

/** Polls until `check` holds (what it waits for happens on the server's own schedule). */
export async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 10));
}

/**
 * Holds every statement that reads `job` until the returned function is called: on
 * PostgreSQL a lock taken from another connection, on PGlite a transaction that keeps its one
 * connection. Resolves once held.
 */
export async function holdJobs(db: TestDatabase): Promise<() => Promise<void>> {
  if (db.url) {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('BEGIN');
    await client.query('LOCK TABLE job IN ACCESS EXCLUSIVE MODE');
    return async () => {
      await client.query('COMMIT');
      await client.end();
    };
  }
  let release!: () => void;
  let held!: () => void;
  const holding = new Promise<void>((r) => (held = r));
  const done = db.raw.transaction(async () => {
    held();
    await new Promise<void>((r) => (release = r));
  });
  await holding;
  return async () => {
    release();
    await done;
  };
}
