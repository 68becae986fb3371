import type { Intent } from '../data/invalidations';
import type { CacheStore } from './store';
import type { TtlKind } from './ttl';

/**
 * The response cache as its callers see it: the HTTP plugin, the fast path, the writers that
 * invalidate, the ops endpoints and metrics, the importer. Shaped like Envelop's response cache
 * (`get`, `set` with the entities a result read, `invalidate`), so that what is behind it (the
 * Keyv store, the tag-version rules, the local copies, the degraded mode) can change without
 * its callers: ResponseCache (response-cache.ts) is the implementation.
 *
 * The contract every implementation keeps:
 *
 * - Invalidation: once `invalidate(tags)` has written its tags, no lookup that begins
 *   afterwards, on any instance sharing the store, serves a result that read one of them
 *   before; and a write racing with an execution never leaves that execution's result behind.
 *   An invalidation that could not be written is a debt, and reads are refused until the
 *   cache has been emptied for it (on every instance when there is a database, see debts.ts).
 * - No failure passes through: a store that fails or is slow makes lookups miss and stores do
 *   nothing; `get`, `set` and `invalidate` never reject because of it. Callers run uncached.
 * - Privacy: a result that read who is asking is served back to that viewer only; every other
 *   result is shared by all viewers.
 */
export interface Cache {
  /**
   * The store behind the cache. Exposed for what shares it without being a cached result:
   * the APQ store uses `store.keyv`, the startup log and tests its `kind`, `ready` and `close`.
   */
  readonly store: CacheStore;

  /**
   * The cached data for an operation and viewer, or undefined (a miss, or the cache refuses
   * reads for now). `opKey` identifies the operation (document and variables); `viewerKey` who
   * asks: a public result is shared by every viewer, an operation once seen to read viewer data
   * is looked up per viewer.
   */
  get(opKey: string, viewerKey: string): Promise<{ data: unknown } | undefined>;

  /** The same lookup, with whether the hit is kept per viewer and when it expires (for HTTP caching). */
  getEntry(opKey: string, viewerKey: string): Promise<CachedResult | undefined>;

  /**
   * The same lookup, as the JSON text of the data: what a response body holds, so the fast path
   * can answer a hit without parsing and serializing it again.
   */
  getJson(opKey: string, viewerKey: string): Promise<string | undefined>;

  /**
   * Stores a result, unless a write touched one of the things it read after it began
   * (`result.at`): such a result may already be stale, and is dropped.
   */
  set(opKey: string, viewerKey: string, result: CacheableResult): Promise<void>;

  /**
   * Makes every result that read one of `tags` stale, on every instance sharing the store.
   * Resolves once that is written, or once the failure is recorded as a debt (in the database
   * when there is one) that empties the cache before anyone reads it again. `intent`, the one
   * the write recorded in its transaction (data/invalidations.ts), is settled either way.
   */
  invalidate(tags: Iterable<string>, intent?: Intent): Promise<void>;

  /** Empties the cache for everyone (bulk imports; recovery after lost invalidations). */
  invalidateAll(): Promise<void>;

  /** Whether writers should record intents (see `invalidate`): only a cache with a database settles them. */
  readonly settlesIntents: boolean;

  /**
   * For short-lived processes (the importer): waits up to `ms` for a lost invalidation to be
   * written; false if the store stayed unreachable.
   */
  settle(ms: number): Promise<boolean>;

  /** A debt recorded by this instance is in the database (or none is owed): a restart forgets nothing. */
  debtRecorded(): boolean;

  /** How long a result of this kind may be kept (a result that read several kinds: the shortest). */
  ttlMs(kind: TtlKind | 'private'): number;

  /** Counts a request answered by sharing another's execution (stats only). */
  noteCoalesced(): void;

  stats(): CacheStats;

  /** Stops the cache's background work and closes the store. */
  close(): Promise<void>;
}

/** A hit: its data, whether it is kept per viewer (it read who asked), and when it expires (ms, when known). */
export interface CachedResult {
  data: unknown;
  private: boolean;
  exp?: number;
}

/** One execution's result, and what decides whether and how long it may be kept. */
export interface CacheableResult {
  data: unknown;
  /** When its execution started (ms): a write to one of `tags` after it makes it stale. */
  at: number;
  /** What it read: the entities and lists a write invalidates by (see entity-tags.ts). */
  tags: Iterable<string>;
  /** It read who is asking: kept for this viewer only. */
  private: boolean;
  /** How long it may be kept (see `ttlMs`); capped by the cache (see maxEntryTtlMs). */
  ttlMs: number;
}

export interface CacheStats {
  store: 'memory' | 'redis';
  hits: number;
  misses: number;
  hitRate: number;
  stores: number;
  evictions: number;
  coalesced: number;
  invalidations: number;
  errors: number;
  /** Serving uncached: the store failed, or a flush is owed. */
  degraded: boolean;
}
