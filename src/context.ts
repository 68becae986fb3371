import type { Viewer } from './auth/viewer';
import { RequestCacheState } from './cache/request-state';
import type { ResponseCache } from './cache/response-cache';
import type { Database } from './db/database';
import { recordIntent, type Intent } from './db/invalidation-intent';
import type { SqlStats } from './db/sql-stats';
import { createLoaders, type Loaders } from './loaders';
import type { Logger } from './log';
import type { RateLimiter } from './ops/rate-limit';
import type { SimilarJobsRefresher } from './similar/refresher';

export interface Context {
  db: Database;
  loaders: Loaders;
  /**
   * `auth.viewer`: who is asking, null for anonymous requests. Reading it makes the result
   * private to this viewer. (A getter one level down: Yoga copies the context's own properties.)
   */
  readonly auth: { readonly viewer: Viewer | null };
  /** Keeps similar-jobs lists current after job writes. */
  similar: SimilarJobsRefresher;
  /** What this request's result depends on, for the response cache. */
  cache: RequestCacheState;
  /** SQL this request's execution sent (set when it executes; logs and metrics read it). */
  sqlStats?: SqlStats;
  /** Query cost budget of this request (QUERY_MAX_COST). */
  limits: { cost: number };
  /**
   * Records, as the last statement of a writing transaction, the invalidation its commit will
   * owe (nothing without a response cache); pass the result to `invalidate`.
   */
  owe(tx: { $queryRawUnsafe<T>(sql: string): Promise<T> }): Promise<Intent | undefined>;
  /** Whether writes record intents (`owe`): there is a response cache that settles them. */
  intents: boolean;
  /** The gateway's log (none in most tests). */
  log?: Logger;
  /** Makes cached results that read these tags stale everywhere; resolves before the response. */
  invalidate(tags: Iterable<string>, intent?: Intent): Promise<void>;
}

export interface Services {
  db: Database;
  similar: SimilarJobsRefresher;
  responseCache: ResponseCache | null;
  /** Set when the process is stopping: /ready then says so, so load balancers move away. */
  lifecycle?: { stopping: boolean };
  /** Per-client budgets (off when absent). */
  rateLimiter?: RateLimiter | null;
  /** Request and error logs (none when absent, as in most tests). */
  log?: Logger;
  /** False only for the benchmark's naive baseline (LOADER_BATCHING=false). */
  batching?: boolean;
}

export function createContext(
  services: Services,
  viewer: Viewer | null,
  limits: Context['limits'],
  onBatch?: (loader: string, size: number) => void,
  /** Aborted when the client goes away. */
  signal?: AbortSignal,
): Context {
  const cache = new RequestCacheState();
  const intents = services.responseCache?.settlesIntents ?? false;
  return {
    db: services.db,
    similar: services.similar,
    loaders: createLoaders(services.db.prisma, onBatch, services.batching ?? true, signal),
    cache,
    limits,
    auth: {
      // Whatever reads who is asking may differ between viewers: never share that result.
      get viewer() {
        cache.private = true;
        return viewer;
      },
    },
    owe: async (tx) => (intents ? recordIntent(tx) : undefined),
    intents,
    log: services.log,
    invalidate: async (tags, intent) => void (await services.responseCache?.invalidate(tags, intent)),
  };
}
