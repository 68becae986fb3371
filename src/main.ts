import { createServer } from 'node:http';
import { loadConfig, ConfigError } from './config';
import { isEmpty, migrate, openConfiguredDatabase, seed } from './db/setup';
import { openCacheStore } from './cache/store';
import { ResponseCache } from './cache/response-cache';
import { createGateway } from './gateway';
import { SimilarJobsRefresher } from './similar/refresher';

async function main() {
  const config = loadConfig();
  const where = config.DATABASE_URL ? `PostgreSQL (${new URL(config.DATABASE_URL).host})` : `embedded PGlite in ${config.DATA_DIR}`;
  console.log(`Opening ${where}…`);
  const db = await openConfiguredDatabase(config);
  const { applied } = await migrate(db.raw);
  if (applied.length) console.log(`Applied migrations: ${applied.join(', ')}`);
  // The embedded database is a demo: give it data on first start. A real one is seeded on demand.
  if (!config.DATABASE_URL && config.SEED_ON_EMPTY && (await isEmpty(db))) {
    console.log('Empty embedded database: seeding demo data (once; takes a few seconds)…');
    await seed(db);
  }
  const refresher = new SimilarJobsRefresher(db.prisma, {
    intervalMs: config.SIMILAR_JOBS_REFRESH_MS,
    onError: (err) => console.error('similar-jobs refresh failed (will retry):', err),
  });
  refresher.start();
  const responseCache = config.CACHE_ENABLED
    ? new ResponseCache(openCacheStore(config, (msg, err) => console.error(msg, err ?? '')), config, (msg, err) => console.error(msg, err ?? ''))
    : null;
  console.log(responseCache ? `Response cache: ${responseCache.store.kind === 'redis' ? 'Redis' : 'in memory'}` : 'Response cache: off');
  const lifecycle = { stopping: false };
  const server = createServer(createGateway({ db, similar: refresher, responseCache, lifecycle }, config));
  server.listen(config.PORT, config.HOST, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    console.log(`Chommie Gateway ready: http://localhost:${port}/graphql (GraphiQL in a browser)`);
  });
  // Graceful stop: /ready turns 503 and requests keep being served for SHUTDOWN_GRACE_MS (so a
  // load balancer moves away and requests already on the wire are read), then new connections
  // are refused and in-flight requests finish (bounded), then the refresher, cache and pool
  // close, and the process exits 0.
  const stop = async (signal: string) => {
    if (lifecycle.stopping) return;
    lifecycle.stopping = true;
    console.log(`${signal}: finishing in-flight requests (at most ${config.SHUTDOWN_GRACE_MS + config.SHUTDOWN_TIMEOUT_MS} ms)…`);
    await new Promise((r) => setTimeout(r, config.SHUTDOWN_GRACE_MS));
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_TIMEOUT_MS);
    await drained;
    clearTimeout(force);
    await refresher.stop();
    await responseCache?.store.close();
    await db.close();
    console.log('Stopped.');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
