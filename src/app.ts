import cluster from 'node:cluster';
import type { Config } from './config';
import type { Database, RawSql } from './db/database';
import { claimCachePrefix } from './data/cache-prefixes';
import { isEmpty } from './data/seed';
import { seedShowingProgress } from './data/seed-progress';
import { migrate } from './data/migrate';
import { openConfiguredDatabase } from './db/open';
import { ReplicaSet } from './db/replicas';
import { openCacheStore } from './cache/store';
import { invalidationOf } from './cache/tags';
import { Writes } from './data/writes';
import { ResponseCache } from './cache/response-cache';
import { createGateway } from './http/gateway';
import { createMetricsServer } from './http/metrics-server';
import { drain, listen, openHttpServer, StartupError, stopWhenOrphaned } from './http/server';
import { metricsAccess } from './ops/metrics';
import { warnTo, type Logger } from './log';
import { RateLimiter } from './ops/rate-limiter';
import { connectRedis } from './redis';
import { createEventBus, writeEvents } from './events/bus';
import type { Services } from './services';
import { SimilarJobsRefresher } from './similar/refresher';
import { TrendingRefresher } from './trending/refresher';
import { SearchTermsRefresher } from './search/refresher';
import { startTracing } from './tracing';
import { JobAlertsRefresher, publishMatches, SavedSearchMatcher } from './search/saved-searches';

export { StartupError };

/**
 * One database, one cache prefix: a write invalidates its own prefix's entries only, and the
 * invalidation debts and intents are the database's, so a second deployment over the same
 * database with another prefix would serve results the first one's writes made stale, and
 * clear debts the other still needed. Refused at start, naming the other prefix.
 */
export async function assertOneCachePrefix(raw: Pick<RawSql, 'query'>, prefix: string): Promise<void> {
  const others = await claimCachePrefix(raw, prefix);
  if (!others.length) return;
  const [other] = others;
  throw new StartupError(
    `CACHE_PREFIX "${prefix}": this database is already used with the cache prefix ${others.map((o) => `"${o.prefix}"`).join(', ')} ` +
      `(last started ${other.lastSeen.toISOString()}). Two prefixes over one database serve stale results (docs/CACHING.md). ` +
      `Set CACHE_PREFIX=${other.prefix}; or, if that deployment is gone for good, run DELETE FROM cache_prefix WHERE prefix = '${other.prefix.replace(/'/g, "''")}' on the database.`,
  );
}

/** The migrated database, seeded on first start when it is the embedded demo. */
async function openData(config: Config, log: Logger): Promise<Database> {
  const where = config.DATABASE_URL ? `PostgreSQL (${new URL(config.DATABASE_URL).host})` : `embedded PGlite in ${config.DATA_DIR}`;
  log.info(`opening ${where}`);
  const db = await openConfiguredDatabase(config);
  try {
    const { applied } = await migrate(db.raw);
    if (applied.length) log.info({ applied }, 'applied migrations');
    // The prefix matters where the cache is shared (Redis): in memory each process has its own.
    if (config.CACHE_ENABLED && config.REDIS_URL) await assertOneCachePrefix(db.raw, config.CACHE_PREFIX);
  } catch (err) {
    await db.close();
    throw err;
  }
  // The embedded database is a demo: give it data on first start. A real one is seeded on demand.
  if (!config.DATABASE_URL && config.SEED_ON_EMPTY && (await isEmpty(db))) {
    log.info('empty embedded database: seeding demo data (once)');
    const { counts, ms, summary } = await seedShowingProgress(db, (line) => log.info(line));
    log.info({ ...counts, ms }, summary);
  }
  return db;
}

/** What one process serves from, built once; `close` stops the background work and closes connections. */
export interface App {
  services: Services;
  close(): Promise<void>;
}

/** The composition root: database, cache, background refreshers, rate limiter and replicas, wired together. */
export async function openApp(config: Config, log: Logger): Promise<App> {
  const db = await openData(config, log);
  const warn = warnTo(log);
  // With the database: an invalidation lost while Redis is unreachable is kept there, so every
  // instance (and this one after a restart) empties the cache before reading it again.
  const responseCache = config.CACHE_ENABLED ? new ResponseCache(openCacheStore(config, warn), config, warn, db) : null;
  const replicas =
    config.DATABASE_URL && config.DATABASE_REPLICA_URLS.length
      ? new ReplicaSet(config.DATABASE_URL, config.DATABASE_REPLICA_URLS, {
          maxLagMs: config.DATABASE_REPLICA_MAX_LAG_MS,
          poolSize: config.DATABASE_POOL_SIZE,
          namedStatements: config.DATABASE_NAMED_STATEMENTS,
        }).start()
      : null;
  // One bus per deployment prefix: two deployments on one Redis never hear each other's writes.
  const events = createEventBus({ prefix: config.CACHE_PREFIX, redisUrl: config.REDIS_URL, timeoutMs: config.CACHE_TIMEOUT_MS, warn });
  if (!config.REDIS_URL && cluster.isWorker && cluster.worker?.id === 1)
    log.warn('subscriptions hear only the writes of their own worker process: set REDIS_URL to share events between --workers');
  // Mutations and background refreshes alike change what cached pages show and replicas serve,
  // and what subscribers hear.
  const writes = new Writes(responseCache && invalidationOf(responseCache), replicas, writeEvents(events));
  const similar = new SimilarJobsRefresher(db.prisma, {
    intervalMs: config.SIMILAR_JOBS_REFRESH_MS,
    onError: (err) => log.error({ err }, 'similar-jobs refresh failed (will retry)'),
    writes,
  });
  const trending = new TrendingRefresher(db.prisma, {
    windows: config.TRENDING_WINDOWS,
    refreshS: config.TRENDING_REFRESH_S,
    writes,
    onError: (err) => log.error({ err }, 'trending refresh failed (will retry; reads compute live once the list is stale)'),
  });
  const searchTerms = new SearchTermsRefresher(db.prisma, {
    refreshS: config.SEARCH_TERMS_REFRESH_S,
    writes,
    onError: (err) => log.error({ err }, 'search-terms refresh failed (will retry; type-ahead shows the previous terms meanwhile)'),
  });
  const matcher = new SavedSearchMatcher(db.prisma, {
    intervalMs: config.SAVED_SEARCH_MATCH_MS,
    writes,
    onMatched: (matched) => publishMatches(events, matched),
    onError: (err) => log.error({ err }, 'saved-search matching failed (will retry; the new jobs stay queued)'),
    onBatchSize: (size, previous) => {
      if (size < previous) log.warn({ size, previous }, 'saved-search batch failed: the next ones take fewer jobs');
      else log.info({ size, previous }, 'saved-search batches take more jobs again');
    },
  });
  const alerts = new JobAlertsRefresher(db.prisma, {
    refreshS: config.JOB_ALERTS_REFRESH_S,
    matchRetentionDays: config.SAVED_SEARCH_MATCH_RETENTION_DAYS,
    writes,
    onError: (err) => log.error({ err }, 'job alerts not written (will retry next pass)'),
  });
  similar.start();
  trending.start();
  searchTerms.start();
  matcher.start();
  alerts.start();
  const rateLimiter = config.RATE_LIMIT_ENABLED
    ? new RateLimiter(
        config,
        config.REDIS_URL ? connectRedis(config.REDIS_URL, config.CACHE_TIMEOUT_MS, 'rate limiter (letting requests through while it is down)', warn) : null,
        warn,
      )
    : null;
  log.info(
    { cache: responseCache?.store.kind ?? 'off', rateLimit: rateLimiter?.kind ?? 'off', events: events.kind, trustedDocuments: config.TRUSTED_DOCUMENTS },
    'gateway configured',
  );
  if (replicas && responseCache) responseCache.onInvalidation = () => replicas.noteWrite();
  return {
    services: {
      db,
      replicas,
      similar,
      refreshes: { trending, search_terms: searchTerms },
      responseCache,
      writes,
      events,
      rateLimiter,
      lifecycle: { stopping: false },
      log,
      batching: config.LOADER_BATCHING,
    },
    async close() {
      // All told at once: the matcher stops taking batches now, not after the others' passes.
      await Promise.all([similar, trending, searchTerms, matcher, alerts].map((p) => p.stop()));
      await responseCache?.close();
      await rateLimiter?.close();
      await events.close();
      await replicas?.close();
      await db.close();
    },
  };
}

/** One gateway process: its HTTP server, what it serves from, and its graceful stop. */
export async function runGateway(config: Config, log: Logger): Promise<void> {
  // The port before the database: a taken port is then one clear line, before an embedded
  // database is opened (and locked, and perhaps seeded) for nothing. Until the gateway is
  // built, requests get 503 "starting" (and /ready with it), which load balancers understand.
  const worker = cluster.worker?.id;
  // Before anything that sends SQL or serves a request: their spans need the provider.
  const tracing = await startTracing(process.env, log);
  const http = openHttpServer(config, worker);
  await listen(http.server, config.PORT, config.HOST);
  http.server.on('error', (err) => log.error({ err }, 'HTTP server error'));
  let app: App;
  try {
    app = await openApp(config, log);
  } catch (err) {
    http.server.close();
    throw err;
  }
  app.services.lifecycle = http.lifecycle;
  const gateway = createGateway(app.services, config);
  http.serve((req, res) => gateway.serveNode(req, res));
  // One process: its own metrics on METRICS_PORT (with --workers the primary serves their sum).
  const metricsServer =
    config.METRICS_PORT !== undefined && !worker
      ? createMetricsServer(() => gateway.metricsText(), metricsAccess({ token: config.METRICS_TOKEN, public: true }))
      : null;
  if (metricsServer) {
    await listen(metricsServer, config.METRICS_PORT!, config.HOST);
    log.info({ port: (metricsServer.address() as { port: number }).port }, 'metrics served on METRICS_PORT');
  } else if (config.NODE_ENV === 'production' && !config.METRICS_TOKEN && !worker)
    log.warn('/metrics is not served: in production set METRICS_PORT (a port only Prometheus reaches) or METRICS_TOKEN');
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  log.info({ port, worker }, `Chommie Gateway ready: http://localhost:${port}/graphql (GraphiQL in a browser)`);
  // Graceful stop: /ready turns 503 and requests keep being served (see drain), then the
  // refreshers, cache, limiter and pools close, and the process exits 0.
  const stop = async (signal: string) => {
    if (http.lifecycle.stopping) return;
    http.lifecycle.stopping = true;
    // Open streams would hold the drain until its timeout: ended now, each with a last event
    // telling its client to subscribe again (another instance answers).
    gateway.streams.endAll();
    log.info(`${signal}: finishing in-flight requests (at most ${config.SHUTDOWN_GRACE_MS + config.SHUTDOWN_TIMEOUT_MS} ms)`);
    await drain(config, http.server, metricsServer);
    await app.close();
    await tracing?.shutdown();
    log.info('stopped');
    log.flush();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  stopWhenOrphaned((reason) => void stop(reason));
}
