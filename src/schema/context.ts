import type { Viewer } from '../auth/viewer';
import type { Writes } from '../data/writes';
import type { Database } from '../db/database';
import type { EventBus } from '../events/bus';
import type { ResultHints } from '../domain/changes';
import type { Loaders } from '../loaders';
import type { Logger } from '../log';
import type { PlaceIndex } from '../domain/search-understanding';
import type { SimilarJobsRefresher } from '../similar/refresher';

/** What every resolver gets: one per request (built by the HTTP layer, http/context.ts). */
export interface Context {
  db: Database;
  loaders: Loaders;
  /**
   * `auth.viewer`: who is asking, null for anonymous requests. Reading it makes the result
   * private to this viewer. (A getter one level down: Yoga copies the context's own properties.)
   * Only a field declaring `cache: { viewer: true }` reaches it (schema/cache-declaration.ts).
   */
  readonly auth: { readonly viewer: Viewer | null };
  /** The places jobs are in, for reading place names in searches (search/places.ts). */
  places: { get(): Promise<PlaceIndex> };
  /** Keeps similar-jobs lists current after job writes. */
  similar: SimilarJobsRefresher;
  /** Query cost budget of this request (QUERY_MAX_COST). */
  limits: { cost: number };
  /** The gateway's log (none in most tests). */
  log?: Logger;
  /**
   * How mutations write (data/writes.ts): in one transaction with the invalidation it owes,
   * then stale everywhere before the response, so a client reads its own write.
   */
  writes: Writes;
  /** What subscriptions listen to (events/bus.ts); absent where subscriptions are not served. */
  events?: EventBus | null;
}

/**
 * What the schema is executed with: the resolvers' context, and what this request's result
 * depends on and how fresh it must be, for the response cache. Only the cache-declaration
 * plugin fills that, from the fields' declarations (schema/cache-declaration.ts): it is not in
 * the resolvers' type, so a resolver cannot call a cache hint.
 */
export interface ExecutionContext extends Context {
  cache: ResultHints;
}
