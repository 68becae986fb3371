import { createServer } from 'node:http';
import cluster from 'node:cluster';
import type { Config } from './config';
import { isEmpty, migrate, openConfiguredDatabase, seed } from './db/setup';
import { openCacheStore } from './cache/store';
import { ResponseCache } from './cache/response-cache';
import { createGateway } from './gateway';
import { warnTo, type Logger } from './log';
import { RateLimiter } from './ops/rate-limit';
import { connectRedis } from './redis';
import { SimilarJobsRefresher } from './similar/refresher';

/** One gateway process: database, cache, limiter, HTTP server, and its graceful stop. */
export async function runGateway(config: Config, log: Logger): Promise<void> {
  const where = config.DATABASE_URL ? `PostgreSQL (${new URL(config.DATABASE_URL).host})` : `embedded PGlite in ${config.DATA_DIR}`;
  log.info(`opening ${where}`);
  const db = await openConfiguredDatabase(config);
  const { applied } = await migrate(db.raw);
  if (applied.length) log.info({ applied }, 'applied migrations');
  // The embedded database is a demo: give it data on first start. A real one is seeded on demand.
  if (!config.DATABASE_URL && config.SEED_ON_EMPTY && (await isEmpty(db))) {
    log.info('empty embedded database: seeding demo data (once; takes a few seconds)');
    await seed(db);
  }
  const refresher = new SimilarJobsRefresher(db.prisma, {
    intervalMs: config.SIMILAR_JOBS_REFRESH_MS,
    onError: (err) => log.error({ err }, 'similar-jobs refresh failed (will retry)'),
  });
  refresher.start();
  const warn = warnTo(log);
  const responseCache = config.CACHE_ENABLED ? new ResponseCache(openCacheStore(config, warn), config, warn) : null;
  const rateLimiter = config.RATE_LIMIT_ENABLED
    ? new RateLimiter(config, config.REDIS_URL ? connectRedis(config.REDIS_URL, config.CACHE_TIMEOUT_MS, 'rate limiter (letting requests through while it is down)', warn) : null, warn)
    : null;
  log.info({ cache: responseCache?.store.kind ?? 'off', rateLimit: rateLimiter?.kind ?? 'off', trustedDocuments: config.TRUSTED_DOCUMENTS }, 'gateway configured');
  const lifecycle = { stopping: false };
  const gateway = createGateway({ db, similar: refresher, responseCache, rateLimiter, lifecycle, log, batching: config.LOADER_BATCHING }, config);
  const worker = cluster.worker?.id;
  const server = createServer((req, res) => {
    if (worker) res.setHeader('x-gateway-worker', String(worker));
    gateway.serveNode(req, res);
  });
  server.listen(config.PORT, config.HOST, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    log.info({ port, worker }, `Chommie Gateway ready: http://localhost:${port}/graphql (GraphiQL in a browser)`);
  });
  // Graceful stop: /ready turns 503 and requests keep being served for SHUTDOWN_GRACE_MS (so a
  // load balancer moves away and requests already on the wire are read), then new connections
  // are refused and in-flight requests finish (bounded), then the refresher, cache, limiter
  // and pool close, and the process exits 0.
  const stop = async (signal: string) => {
    if (lifecycle.stopping) return;
    lifecycle.stopping = true;
    log.info(`${signal}: finishing in-flight requests (at most ${config.SHUTDOWN_GRACE_MS + config.SHUTDOWN_TIMEOUT_MS} ms)`);
    await new Promise((r) => setTimeout(r, config.SHUTDOWN_GRACE_MS));
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_TIMEOUT_MS);
    await drained;
    clearTimeout(force);
    await refresher.stop();
    await responseCache?.store.close();
    await rateLimiter?.close();
    await db.close();
    log.info('stopped');
    log.flush();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
