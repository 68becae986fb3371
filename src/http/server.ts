import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import cluster from 'node:cluster';
import { Server as NetServer } from 'node:net';
import type { Config } from '../config';
import { createCors } from './cors';
import type { Database, RawSql } from '../db/database';
import { claimCachePrefix } from '../data/cache-prefixes';
import { isEmpty, seed, tableCounts } from '../data/seed';
import { seedReporter, seedSummary } from '../data/seed-progress';
import { migrate, openConfiguredDatabase } from '../db/open';
import { ReplicaSet } from '../db/replicas';
import { openCacheStore } from '../cache/store';
import { invalidator } from '../cache/tags';
import { ResponseCache } from '../cache/response-cache';
import { createGateway } from './gateway';
import { createMetricsServer } from './metrics-server';
import { metricsAccess } from '../ops/metrics';
import { warnTo, type Logger } from '../log';
import { RateLimiter } from '../ops/rate-limiter';
import { connectRedis } from '../redis';
import { SimilarJobsRefresher } from '../similar/refresher';
import { TrendingRefresher } from '../trending/refresher';
import { SearchTermsRefresher } from '../search/refresher';

/** How long connections accepted just before a stop may take to send their first request. */
const IDLE_LINGER_MS = 250;

/** The gateway cannot start, for a reason one line explains (no stack needed). */
export class StartupError extends Error {}

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
      `(last started ${other.lastSeen.toISOString()}). Two prefixes over one database serve stale results (README, Response cache). ` +
      `Set CACHE_PREFIX=${other.prefix}; or, if that deployment is gone for good, run DELETE FROM cache_prefix WHERE prefix = '${other.prefix.replace(/'/g, "''")}' on the database.`,
  );
}

/** Listens, or says in one line why it cannot (the port is taken, or not ours to take). */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? 'is already in use by another process'
          : err.code === 'EACCES'
            ? 'needs privileges this process lacks'
            : `cannot be used (${err.message})`;
      reject(new StartupError(`Port ${port} on ${host} ${why}: stop what holds it, or set PORT to another port.`));
    };
    server.once('error', fail);
    // Node's default accept backlog (511) drops the SYNs of a burst of clients while the event
    // loop is busy: they retry after 1, 3, 7 s and time out. The kernel caps it (somaxconn).
    server.listen({ port, host, backlog: 4096 }, () => {
      server.off('error', fail);
      resolve();
    });
  });
}

/** Fails like `listen` when the port is taken, and frees it again (for a primary that forks listeners). */
export async function assertPortFree(port: number, host: string): Promise<void> {
  const probe = createServer();
  await listen(probe, port, host);
  await new Promise((resolve) => probe.close(resolve));
}

/**
 * A launcher that does not pass SIGTERM on (an npm without `exec`, a shell, a killed npm)
 * would leave the gateway running with the port and the data directory after it is gone.
 * Under npm, losing the parent process is taken as SIGTERM.
 */
export function stopWhenOrphaned(stop: (reason: string) => void): void {
  if (!process.env.npm_lifecycle_event) return;
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && stop('parent process exited'), 500).unref();
}

/** The answer until the gateway is built: 503 "starting", with the CORS headers the gateway will send. */
export function whileStarting(config: Pick<Config, 'CORS_ORIGINS' | 'CORS_MAX_AGE_S'>): (req: IncomingMessage, res: ServerResponse) => void {
  const cors = createCors(config);
  return (req, res) =>
    void res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1', ...cors.headers(req.headers.origin) }).end('{"status":"starting"}');
}

/** One gateway process: database, cache, limiter, HTTP server, and its graceful stop. */
export async function runGateway(config: Config, log: Logger): Promise<void> {
  // The port before the database: a taken port is then one clear line, before an embedded
  // database is opened (and locked, and perhaps seeded) for nothing. Until the gateway is
  // built, requests get 503 "starting" (and /ready with it), which load balancers understand.
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const worker = cluster.worker?.id;
  const starting = whileStarting(config);
  const lifecycle = { stopping: false };
  const server = createServer((req, res) => {
    if (worker) res.setHeader('x-gateway-worker', String(worker));
    // Stopping: each answer tells its client not to reuse the connection, so by the end of the
    // grace period busy keep-alive sockets have been closed in order, by the server after an
    // answer, rather than cut while idle with a request of theirs already on the way (ECONNRESET).
    if (lifecycle.stopping) res.setHeader('connection', 'close');
    if (handle) return handle(req, res);
    starting(req, res);
  });
  // A body trickling in holds up to MAX_BODY_BYTES for as long as it takes: bound that time
  // (Node's default is 5 minutes), so slow uploads cannot pile up memory.
  server.requestTimeout = 30_000;
  await listen(server, config.PORT, config.HOST);
  server.on('error', (err) => log.error({ err }, 'HTTP server error'));
  const where = config.DATABASE_URL ? `PostgreSQL (${new URL(config.DATABASE_URL).host})` : `embedded PGlite in ${config.DATA_DIR}`;
  log.info(`opening ${where}`);
  let db: Database;
  try {
    db = await openConfiguredDatabase(config);
    const { applied } = await migrate(db.raw).catch(async (err) => {
      await db.close();
      throw err;
    });
    if (applied.length) log.info({ applied }, 'applied migrations');
    // The prefix matters where the cache is shared (Redis): in memory each process has its own.
    if (config.CACHE_ENABLED && config.REDIS_URL)
      await assertOneCachePrefix(db.raw, config.CACHE_PREFIX).catch(async (err) => {
        await db.close();
        throw err;
      });
  } catch (err) {
    server.close();
    throw err;
  }
  // The embedded database is a demo: give it data on first start. A real one is seeded on demand.
  if (!config.DATABASE_URL && config.SEED_ON_EMPTY && (await isEmpty(db))) {
    log.info('empty embedded database: seeding demo data (once)');
    // How far it has got: a line rewritten on a terminal's stderr, else a few log entries.
    const started = Date.now();
    const progress = seedReporter(process.stderr, (line) => log.info(line));
    try {
      await seed(db, undefined, progress.onProgress);
    } finally {
      progress.stop();
    }
    const counts = await tableCounts(db);
    log.info({ ...counts, ms: Date.now() - started }, seedSummary(counts, Date.now() - started));
  }
  const warn = warnTo(log);
  // With the database: an invalidation lost while Redis is unreachable is kept there, so every
  // instance (and this one after a restart) empties the cache before reading it again.
  const responseCache = config.CACHE_ENABLED ? new ResponseCache(openCacheStore(config, warn), config, warn, db) : null;
  const refresher = new SimilarJobsRefresher(db.prisma, {
    intervalMs: config.SIMILAR_JOBS_REFRESH_MS,
    onError: (err) => log.error({ err }, 'similar-jobs refresh failed (will retry)'),
    // Background refreshes change what cached job pages show: invalidate the lists they rewrote.
    invalidate: responseCache ? invalidator(responseCache) : undefined,
    intents: responseCache?.settlesIntents,
  });
  refresher.start();
  const trending = new TrendingRefresher(db.prisma, {
    windows: config.TRENDING_WINDOWS,
    refreshS: config.TRENDING_REFRESH_S,
    invalidate: responseCache ? invalidator(responseCache) : undefined,
    intents: responseCache?.settlesIntents,
    onError: (err) => log.error({ err }, 'trending refresh failed (will retry; reads compute live once the list is stale)'),
  });
  trending.start();
  const searchTerms = new SearchTermsRefresher(db.prisma, {
    refreshS: config.SEARCH_TERMS_REFRESH_S,
    invalidate: responseCache ? invalidator(responseCache) : undefined,
    intents: responseCache?.settlesIntents,
    onError: (err) => log.error({ err }, 'search-terms refresh failed (will retry; type-ahead shows the previous terms meanwhile)'),
  });
  searchTerms.start();
  const rateLimiter = config.RATE_LIMIT_ENABLED
    ? new RateLimiter(
        config,
        config.REDIS_URL ? connectRedis(config.REDIS_URL, config.CACHE_TIMEOUT_MS, 'rate limiter (letting requests through while it is down)', warn) : null,
        warn,
      )
    : null;
  log.info(
    { cache: responseCache?.store.kind ?? 'off', rateLimit: rateLimiter?.kind ?? 'off', trustedDocuments: config.TRUSTED_DOCUMENTS },
    'gateway configured',
  );
  const replicas =
    config.DATABASE_URL && config.DATABASE_REPLICA_URLS.length
      ? new ReplicaSet(config.DATABASE_URL, config.DATABASE_REPLICA_URLS, {
          maxLagMs: config.DATABASE_REPLICA_MAX_LAG_MS,
          poolSize: config.DATABASE_POOL_SIZE,
          namedStatements: config.DATABASE_NAMED_STATEMENTS,
        }).start()
      : null;
  if (replicas && responseCache) responseCache.onInvalidation = () => replicas.noteWrite();
  const gateway = createGateway({ db, replicas, similar: refresher, responseCache, rateLimiter, lifecycle, log, batching: config.LOADER_BATCHING }, config);
  handle = (req, res) => gateway.serveNode(req, res);
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
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  log.info({ port, worker }, `Chommie Gateway ready: http://localhost:${port}/graphql (GraphiQL in a browser)`);
  // Graceful stop: /ready turns 503 and requests keep being served for SHUTDOWN_GRACE_MS (so a
  // load balancer moves away and requests already on the wire are read), then new connections
  // are refused and in-flight requests finish (bounded), then the refresher, cache, limiter
  // and pool close, and the process exits 0.
  const stop = async (signal: string) => {
    if (lifecycle.stopping) return;
    lifecycle.stopping = true;
    log.info(`${signal}: finishing in-flight requests (at most ${config.SHUTDOWN_GRACE_MS + config.SHUTDOWN_TIMEOUT_MS} ms)`);
    await new Promise((r) => setTimeout(r, config.SHUTDOWN_GRACE_MS));
    // Stop accepting, but not yet cut idle connections as http.Server#close does: one accepted
    // a moment ago may have its first request on the way. Their requests are answered with
    // `Connection: close` (above); what is still idle a moment later is closed then.
    metricsServer?.close();
    const drained = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
    // In a setImmediate: a busy event loop (a long query) runs the timer late, before it has read
    // requests that arrived meanwhile; the I/O phase reads and parses them first, so only
    // connections with nothing on the way are closed as idle (a loaded CI run saw ECONNRESET).
    const idle = setTimeout(() => setImmediate(() => server.closeIdleConnections()), IDLE_LINGER_MS);
    const force = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_TIMEOUT_MS);
    await drained;
    clearTimeout(force);
    clearTimeout(idle);
    await refresher.stop();
    await trending.stop();
    await searchTerms.stop();
    await responseCache?.close();
    await rateLimiter?.close();
    await replicas?.close();
    await db.close();
    log.info('stopped');
    log.flush();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  stopWhenOrphaned((reason) => void stop(reason));
}
