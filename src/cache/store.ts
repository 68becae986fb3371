import KeyvRedis from '@keyv/redis';
import { Keyv } from 'keyv';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config';
import { connectRedis } from '../redis';

export interface CacheStore {
  kind: 'memory' | 'redis';
  keyv: Keyv;
  /**
   * What starts a tag version's key (see tag-versions.ts): `t:`, or on a Redis Cluster `{t}:`,
   * a hash tag that keeps every tag version in one slot, so an entry's are read in one MGET
   * and a write's are set in one MULTI, on one node. Only there: a single node keeps the key
   * names it always had, which instances of an older release, during a rolling deploy, still
   * read and bump.
   */
  tagPrefix: 't:' | '{t}:';
  /**
   * True while the store is known to be unreachable, or (a cluster) one of its primaries is:
   * nothing may be read from it until it is ready again and `onReady` has run, since what
   * comes back (a promoted replica) may lack invalidations it had acknowledged.
   */
  isDown(): boolean;
  /** LRU evictions (memory) — Redis evicts by its own policy. */
  evictions(): number;
  /**
   * The newest tag version this store has evicted (0 if none): an entry older than it may
   * depend on a forgotten invalidation, so it must not be served.
   */
  forgottenBefore(): number;
  /** Called whenever the store (re)connects; the in-memory store never disconnects. */
  onReady(listener: () => void): void;
  /** Resolves once the store first accepts commands (until then the cache is bypassed). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export type StoreConfig = Pick<Config, 'REDIS_URL' | 'CACHE_PREFIX' | 'CACHE_MAX_ENTRIES' | 'CACHE_MAX_BYTES' | 'CACHE_TIMEOUT_MS'>;

/**
 * Keyv over Redis when REDIS_URL is set (shared by every gateway instance), else over a
 * bounded in-process LRU. While Redis is down, commands fail fast (see connectRedis). Every
 * key in Redis starts with `<CACHE_PREFIX>:` (the rate limiter's too), so deployments with
 * different prefixes can share one Redis and see nothing of each other.
 */
export function openCacheStore(config: StoreConfig, log: (msg: string, err?: unknown) => void): CacheStore {
  if (!config.REDIS_URL) {
    let evicted = 0;
    let forgotten = 0;
    const keyv = memoryKeyv(config.CACHE_MAX_ENTRIES, config.CACHE_MAX_BYTES, (value) => {
      evicted += 1;
      // Tag versions are the only numbers stored (results are objects).
      const version = (JSON.parse(value) as { value?: unknown }).value;
      if (typeof version === 'number') forgotten = Math.max(forgotten, version);
    });
    return {
      kind: 'memory',
      keyv,
      tagPrefix: 't:',
      isDown: () => false,
      evictions: () => evicted,
      forgottenBefore: () => forgotten,
      onReady: () => undefined,
      ready: async () => undefined,
      close: () => keyv.clear(),
    };
  }
  const redis = connectRedis(config.REDIS_URL, config.CACHE_TIMEOUT_MS, 'response cache (serving uncached while it is down)', log);
  // @keyv/redis splits multi-key calls by slot on a cluster (one MGET or MULTI per slot).
  const adapter = new KeyvRedis(redis.client, { keyPrefixSeparator: ':', throwOnErrors: true, throwOnConnectError: false });
  return {
    kind: 'redis',
    // Keyv hands its own namespace to the adapter (default "keyv", overwriting the adapter's),
    // so the prefix goes here; the adapter alone prefixes (useKeyPrefix: false): `<prefix>:r:…`.
    keyv: new Keyv({ store: adapter, namespace: config.CACHE_PREFIX, throwOnErrors: true, useKeyPrefix: false }),
    tagPrefix: redis.kind === 'cluster' ? '{t}:' : 't:',
    isDown: () => redis.isDown(),
    evictions: () => 0,
    // Redis is run with volatile-ttl (docs/DEPLOYMENT.md): results, which expire sooner, go first.
    forgottenBefore: () => 0,
    onReady: (listener) => redis.onReady(listener),
    ready: () => redis.ready(),
    close: () => redis.close(),
  };
}

/** Keyv over a bounded in-process LRU (entries and bytes). */
export function memoryKeyv(maxEntries: number, maxBytes: number, onEvict?: (value: string) => void): Keyv {
  const lru = new LRUCache<string, string>({
    max: maxEntries,
    maxSize: maxBytes,
    sizeCalculation: (v) => Math.max(1, v.length),
    dispose: (v, _k, reason) => void (reason === 'evict' && onEvict?.(v)),
  });
  // Keyv keeps expiry in the value; LRUCache's set() takes options, not Keyv's ttl argument.
  const store = {
    get: (k: string) => lru.get(k),
    set: (k: string, v: string) => void lru.set(k, v),
    delete: (k: string) => lru.delete(k),
    clear: () => lru.clear(),
    has: (k: string) => lru.has(k),
  };
  return new Keyv({ store, throwOnErrors: true });
}
