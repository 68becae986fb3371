import type { Cache } from './cache/cache';
import type { Database } from './db/database';
import type { EventBus } from './events/bus';
import type { ReplicaSet } from './db/replicas';
import type { Writes } from './data/writes';
import type { Logger } from './log';
import type { RateLimiter } from './ops/rate-limiter';
import type { SimilarJobsRefresher } from './similar/refresher';
import type { BackgroundRefreshes } from './ops/metrics';

/** What one gateway process runs on, shared by all its requests (wired by app.ts). */
export interface Services {
  db: Database;
  /** Streaming standbys that take queries' reads while caught up (DATABASE_REPLICA_URLS). */
  replicas?: ReplicaSet | null;
  similar: SimilarJobsRefresher;
  /** The other background refreshes this process runs, for their metrics (background_refresh_age_seconds). */
  refreshes?: BackgroundRefreshes;
  responseCache: Cache | null;
  /**
   * How everything writes (data/writes.ts), told of the response cache and the replicas above:
   * the mutations' and the refreshers' alike.
   */
  writes: Writes;
  /**
   * What subscriptions hear of committed writes (events/bus.ts; `writes` publishes to it). None
   * in tests that build services by hand: subscriptions then refuse to start.
   */
  events?: EventBus | null;
  /** Set when the process is stopping: /ready then says so, so load balancers move away. */
  lifecycle?: { stopping: boolean };
  /** Per-client budgets (off when absent). */
  rateLimiter?: RateLimiter | null;
  /** Request and error logs (none when absent, as in most tests). */
  log?: Logger;
  /** False only for the benchmark's naive baseline (LOADER_BATCHING=false). */
  batching?: boolean;
}
