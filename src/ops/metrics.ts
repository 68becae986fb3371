import cluster from 'node:cluster';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Services } from '../services';
import { SHED_REASONS, type Admission } from './admission';
import type { Streams } from './streams';

/**
 * Who may read /metrics: operation names, error counts and pool state are for operators. With
 * METRICS_TOKEN, whoever sends it as a Bearer token, wherever metrics are served; without one,
 * anyone outside production (a developer's curl), and in production nobody on the serving port
 * (`public` false), so only METRICS_PORT, which is never exposed, serves them.
 */
export function metricsAccess(options: { token?: string; public: boolean }): (authorization: string | null | undefined) => 'ok' | 'unauthorized' | 'hidden' {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const expected = options.token === undefined ? null : digest(`Bearer ${options.token}`);
  return (authorization) => {
    if (expected) return authorization && timingSafeEqual(digest(authorization.trim()), expected) ? 'ok' : 'unauthorized';
    return options.public ? 'ok' : 'hidden';
  };
}

/**
 * Prometheus metrics of one gateway process: requests by operation and outcome, request
 * duration by operation, errors by code, SQL statements and time per request, DataLoader batch
 * sizes, the response cache's and the rate limiter's counters, Redis's state, whether the
 * primary database answers, the database pool, admission control (executions running, queued, shed), the background refreshes' age,
 * and Node's own (event-loop lag, memory, GC) from prom-client's default collectors. The
 * dashboard in deploy/grafana/ reads these names.
 */
export type Metrics = ReturnType<typeof createMetrics>;

/**
 * A counter over what a component counts since start: one total, or one by `reason`. Each
 * scrape adds what changed since the last one.
 */
function countedSince<R extends string>(
  registry: Registry,
  name: string,
  help: string,
  source: { total: () => number } | { reasons: readonly R[]; read: (reason: R) => number },
): void {
  const reported = new Map<string, number>();
  const delta = (key: string, now: number) => {
    const d = now - (reported.get(key) ?? 0);
    reported.set(key, now);
    return d;
  };
  new Counter({
    name,
    help,
    labelNames: 'reasons' in source ? ['reason'] : [],
    registers: [registry],
    collect() {
      if ('total' in source) return void this.inc(delta('', source.total()));
      for (const reason of source.reasons) this.inc({ reason }, delta(reason, source.read(reason)));
    },
  });
}

/**
 * How a request ended, for `graphql_requests_total`:
 * - `answered`: a 2xx (or a 304 revalidation) with no GraphQL error;
 * - `refused`: a 429 or 503 turned away without being served (rate limit, admission shed,
 *   stopping, the database unreachable): a retry may be answered;
 * - `invalid`: the client's own mistake, every error one a client fixes (a document that does
 *   not parse or validate, bad input, no or the wrong token, an unknown persisted document, a
 *   body too large, a conflict with the data, a subscription sent to a gateway that serves
 *   none: 501 SUBSCRIPTIONS_NOT_SERVED, refused by configuration, which no retry there
 *   changes), or a 4xx with no code at all;
 * - `failed`: the gateway's, anything else (INTERNAL_SERVER_ERROR, a 5xx other than that 501,
 *   a code not listed).
 * Kept apart so that a failure rate means the gateway's failures: an APQ client's first
 * PERSISTED_QUERY_NOT_FOUND, or one client sending bad input, is not an outage.
 */
export type RequestOutcome = 'answered' | 'refused' | 'invalid' | 'failed';

/** The codes of a request turned away rather than served (see RequestOutcome). */
const REFUSAL_CODES = new Set(['RATE_LIMITED', 'SERVICE_UNAVAILABLE', 'TOO_MANY_SUBSCRIPTIONS']);

/** The codes of a client's own mistakes (docs/API.md, "Errors"). */
const CLIENT_CODES = new Set([
  'BAD_USER_INPUT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'QUERY_TOO_COMPLEX',
  'SUBSCRIPTIONS_ONLY_OVER_SSE',
  'PERSISTED_QUERY_ONLY',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_MISMATCH',
  'PAYLOAD_TOO_LARGE',
  'EXPORT_TOO_LARGE',
  'METHOD_NOT_ALLOWED',
  // 501 from a gateway configured to serve no subscriptions (SUBSCRIPTIONS_MAX=0): a refusal
  // by configuration, which a retry there never changes; the client asked the wrong gateway.
  'SUBSCRIPTIONS_NOT_SERVED',
]);

/**
 * The outcome of a request answered with `status` and the GraphQL error codes it carried (none
 * for an answer written outside Yoga, such as the early 503 of admission control). A refusal or a client's mistake
 * that also carries another code failed part of its work, so it counts as failed. The
 * database's own 503 (SERVICE_UNAVAILABLE from a resolver) cannot be told from admission's by
 * these two, and counts as refused: a retry is what both ask for. A database that does not
 * answer at all shows as db_up 0 (below), which pages whatever the traffic.
 */
export function outcomeOf(status: number, errorCodes: string[] | undefined): RequestOutcome {
  const codes = errorCodes ?? [];
  if ((status === 429 || status === 503) && codes.every((c) => REFUSAL_CODES.has(c))) return 'refused';
  if (status < 400 && codes.length === 0) return 'answered';
  if (codes.length ? (status < 500 || status === 501) && codes.every((c) => CLIENT_CODES.has(c)) : status >= 400 && status < 500) return 'invalid';
  return 'failed';
}

/** The background refreshes by the `refresh` label they are reported under. */
export type RefreshName = 'similar_jobs' | 'trending' | 'search_terms';

/** What the metrics read of a background refresher (ops/periodic.ts, similar/refresher.ts). */
export interface BackgroundRefresh {
  /** Whether this process runs it (started, not stopped). */
  readonly started: boolean;
  /** When its last successful run ended (performance.now() ms); undefined before one did. */
  readonly lastSuccessAt: number | undefined;
}

export type BackgroundRefreshes = Partial<Record<RefreshName, BackgroundRefresh>>;

/** How long a scrape waits for the primary's answer to `SELECT 1` before reporting db_up 0. */
export const DB_UP_TIMEOUT_MS = 1000;

export function createMetrics(services: Services, admission?: Admission, streams?: Streams) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // With --workers, the primary sums every worker's registry for METRICS_PORT (see cluster.ts).
  if (cluster.isWorker) AggregatorRegistry.setRegistries([registry]);
  const duration = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'GraphQL operations by name and type, from parameters to result (cache hits included).',
    labelNames: ['operation', 'type', 'cache'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const errors = new Counter({ name: 'graphql_errors_total', help: 'GraphQL errors by extensions.code.', labelNames: ['code'], registers: [registry] });
  const statements = new Histogram({
    name: 'graphql_sql_statements',
    help: 'SQL statements sent per executed request.',
    buckets: [0, 1, 2, 3, 4, 6, 10, 20, 50],
    registers: [registry],
  });
  const sqlSeconds = new Histogram({
    name: 'graphql_sql_seconds',
    help: 'Database time per executed request.',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registers: [registry],
  });
  const batches = new Histogram({
    name: 'dataloader_batch_size',
    help: 'Keys per DataLoader batch (one SQL statement each), by loader.',
    labelNames: ['loader'],
    buckets: [1, 2, 5, 10, 20, 50, 100, 250, 500],
    registers: [registry],
  });
  const limiter = services.rateLimiter;
  new Gauge({
    name: 'rate_limited_requests',
    help: 'Requests refused with 429 since start.',
    registers: [registry],
    collect() {
      this.set(limiter?.counts.limited ?? 0);
    },
  });
  new Gauge({
    name: 'rate_limit_store_errors',
    help: 'Rate-limit checks let through because the store (Redis) failed.',
    registers: [registry],
    collect() {
      this.set(limiter?.counts.storeErrors ?? 0);
    },
  });
  const cache = services.responseCache;
  for (const [key, help] of [
    ['hits', 'Response cache hits.'],
    ['misses', 'Response cache misses.'],
    ['stores', 'Results stored in the response cache.'],
    ['coalesced', 'Requests that shared an identical in-flight execution.'],
    ['invalidations', 'Invalidations (one per write).'],
    ['errors', 'Failed or timed-out cache store operations.'],
    ['evictions', 'Entries evicted from the in-memory cache.'],
  ] as const) {
    new Gauge({
      name: `response_cache_${key}`,
      help,
      registers: [registry],
      collect() {
        this.set(cache ? cache.stats()[key] : 0);
      },
    });
  }
  new Gauge({
    name: 'response_cache_hit_ratio',
    help: 'Hits / lookups since start.',
    registers: [registry],
    collect() {
      this.set(cache?.stats().hitRate ?? 0);
    },
  });
  new Gauge({
    name: 'response_cache_degraded',
    help: '1 while the cache store is failing.',
    registers: [registry],
    collect() {
      this.set(cache?.stats().degraded ? 1 : 0);
    },
  });
  const pool = services.db.driver.pool;
  new Gauge({
    name: 'db_pool_connections',
    help: 'PostgreSQL pool connections by state (total, idle, waiting clients).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, pool?.totalCount ?? 0);
      this.set({ state: 'idle' }, pool?.idleCount ?? 0);
      this.set({ state: 'waiting' }, pool?.waitingCount ?? 0);
    },
  });
  // Whether the primary answers at all, asked at each scrape: when it does not, every request
  // that reads it is refused (503, outcome "refused") and /ready turns 503, so a load balancer
  // takes every instance out and the request-rate alerts see no traffic; this one still says
  // why. Bounded by DB_UP_TIMEOUT_MS so that a hung database does not hang /metrics; a check
  // still running from the last scrape is awaited again rather than sent twice. Across
  // workers, the worst one's: min.
  let probe: Promise<boolean> | null = null;
  const primaryAnswers = (): Promise<boolean> => {
    probe ??= (async () => {
      try {
        await services.db.raw.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    })().finally(() => (probe = null));
    return probe;
  };
  new Gauge({
    name: 'db_up',
    help: `1 while the primary database answers SELECT 1 within ${DB_UP_TIMEOUT_MS} ms at scrape time, 0 while it does not.`,
    registers: [registry],
    aggregator: 'min',
    async collect() {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), DB_UP_TIMEOUT_MS)));
      // Neither rejects: primaryAnswers turns a failure into false.
      try {
        this.set((await Promise.race([primaryAnswers(), late])) ? 1 : 0);
      } finally {
        clearTimeout(timer);
      }
    },
  });
  // Read replicas (db/replicas.ts). Across workers, the worst one's view: max, not a sum.
  new Gauge({
    name: 'db_replica_lag_seconds',
    help: 'How far each read replica is behind the primary as last polled (-1 before it ever answered).',
    labelNames: ['replica'],
    registers: [registry],
    aggregator: 'max',
    collect() {
      for (const r of services.replicas?.status() ?? []) this.set({ replica: r.name }, r.lagMs === null ? -1 : r.lagMs / 1000);
    },
  });
  new Gauge({
    name: 'db_replica_up',
    help: 'Whether each read replica takes reads: 1 up, 0 lagging beyond DATABASE_REPLICA_MAX_LAG_MS or down.',
    labelNames: ['replica', 'state'],
    registers: [registry],
    aggregator: 'min',
    collect() {
      this.reset();
      for (const r of services.replicas?.status() ?? []) this.set({ replica: r.name, state: r.state }, r.state === 'up' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'db_replica_reads',
    help: 'Statements each read replica has served since the process started.',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      for (const r of services.replicas?.status() ?? []) this.set({ replica: r.name }, r.reads);
    },
  });

  new Gauge({
    name: 'graphql_executions_in_flight',
    help: 'GraphQL executions running (admission slots taken).',
    registers: [registry],
    collect() {
      this.set(admission?.running ?? 0);
    },
  });
  new Gauge({
    name: 'graphql_executions_queued',
    help: 'GraphQL executions waiting for an admission slot.',
    registers: [registry],
    collect() {
      this.set(admission?.queued ?? 0);
    },
  });
  countedSince(registry, 'graphql_executions_shed_total', 'Requests not executed: overload (503 SERVICE_UNAVAILABLE) or client_gone (the client left first).', {
    reasons: SHED_REASONS,
    read: (reason) => admission?.shed[reason] ?? 0,
  });

  new Gauge({
    name: 'graphql_subscriptions_open',
    help: 'Subscription streams open (SSE), counted apart from executions.',
    registers: [registry],
    collect() {
      this.set(streams?.open ?? 0);
    },
  });
  countedSince(registry, 'graphql_subscription_events_total', 'Events delivered to subscription streams.', { total: () => streams?.delivered ?? 0 });
  countedSince(
    registry,
    'graphql_subscriptions_refused_total',
    'Subscriptions refused: off (SUBSCRIPTIONS_MAX=0), instance (SUBSCRIPTIONS_MAX), viewer (SUBSCRIPTIONS_MAX_PER_VIEWER), stopping.',
    { reasons: ['off', 'instance', 'viewer', 'stopping'] as const, read: (reason) => streams?.refused[reason] ?? 0 },
  );
  new Gauge({
    name: 'event_bus_publish_failures',
    help: 'Events the bus could not publish (Redis unreachable) since start: subscribers missed them.',
    registers: [registry],
    collect() {
      this.set(services.events?.counts.failed ?? 0);
    },
  });

  // Seconds since each refresh last succeeded: a refresh that stopped (failing, or its loop
  // dead) shows as a growing age, which alerts can bound by its period. Across workers the
  // worst one's: max.
  const refreshes: BackgroundRefreshes = { similar_jobs: services.similar, ...services.refreshes };
  new Gauge({
    name: 'background_refresh_age_seconds',
    help: 'Seconds since each background refresh this process runs last succeeded (-1 before its first success).',
    labelNames: ['refresh'],
    registers: [registry],
    aggregator: 'max',
    collect() {
      this.reset();
      const now = performance.now();
      for (const [refresh, r] of Object.entries(refreshes)) {
        if (!r?.started) continue;
        this.set({ refresh }, r.lastSuccessAt === undefined ? -1 : (now - r.lastSuccessAt) / 1000);
      }
    },
  });
  // The cache store's connection state (redis.ts: down from a connection error until ready
  // again), read at scrape time: no command is sent for it. Without a Redis store, no series.
  const store = cache?.store.kind === 'redis' ? cache.store : null;
  if (store)
    new Gauge({
      name: 'redis_up',
      help: "1 while the response cache's Redis (REDIS_URL) is connected, 0 while it is unreachable.",
      registers: [registry],
      aggregator: 'min',
      collect() {
        this.set(store.isDown() ? 0 : 1);
      },
    });

  // Operation names come from clients: bound the label's values, or metrics grow without end.
  const names = new Set<string>();
  const operationLabel = (name: string | undefined) => {
    if (!name) return 'anonymous';
    if (names.has(name)) return name;
    if (names.size >= 200) return 'other';
    names.add(name);
    return name;
  };
  const inFlight = new Gauge({ name: 'http_requests_in_flight', help: 'HTTP requests received and not yet answered.', registers: [registry] });
  const requests = new Counter({
    name: 'graphql_requests_total',
    help: "GraphQL requests by operation and outcome: answered, refused (429, 503: turned away, retry), invalid (the client's own mistake), failed (the gateway's: a 5xx, or its errors in a 2xx).",
    labelNames: ['operation', 'outcome'],
    registers: [registry],
  });
  /** Every GraphQL request once, as the edge answers it (whichever path: Yoga, a cache hit, an early refusal). */
  const onRequestDone = (operation: string | undefined, outcome: RequestOutcome) => requests.inc({ operation: operationLabel(operation), outcome });
  const onBatch = (loader: string, size: number) => batches.observe({ loader }, size);
  /** A cache hit answered before Yoga (http/fast-path.ts). */
  const onFastHit = (operation: string | undefined, seconds: number) =>
    duration.observe({ operation: operationLabel(operation), type: 'query', cache: 'hit' }, seconds);
  return { registry, cached: cache != null, duration, errors, statements, sqlSeconds, inFlight, operationLabel, onBatch, onFastHit, onRequestDone };
}
