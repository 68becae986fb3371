import { createClient, type RedisClientType } from '@redis/client';
import KeyvRedis from '@keyv/redis';
import { Keyv } from 'keyv';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config';

export interface CacheStore {
  kind: 'memory' | 'redis';
  keyv: Keyv;
  /** LRU evictions (memory) — Redis evicts by its own policy. */
  evictions(): number;
  /** Called whenever the store (re)connects; the in-memory store never disconnects. */
  onReady(listener: () => void): void;
  /** Resolves once the store first accepts commands (until then the cache is bypassed). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export type StoreConfig = Pick<Config, 'REDIS_URL' | 'CACHE_PREFIX' | 'CACHE_MAX_ENTRIES' | 'CACHE_MAX_BYTES' | 'CACHE_TIMEOUT_MS'>;

/**
 * Keyv over Redis when REDIS_URL is set (shared by every gateway instance), else over a
 * bounded in-process LRU. The Redis client fails fast while disconnected (no offline queue:
 * a command would otherwise wait for a reconnection that may never come) and reconnects by
 * itself with backoff.
 */
export function openCacheStore(config: StoreConfig, log: (msg: string, err?: unknown) => void): CacheStore {
  if (!config.REDIS_URL) {
    let evicted = 0;
    const lru = new LRUCache<string, string>({
      max: config.CACHE_MAX_ENTRIES,
      maxSize: config.CACHE_MAX_BYTES,
      sizeCalculation: (v) => Math.max(1, v.length),
      dispose: (_v, _k, reason) => void (reason === 'evict' && (evicted += 1)),
    });
    // Keyv keeps expiry in the value; LRUCache's set() takes options, not Keyv's ttl argument.
    const store = { get: (k: string) => lru.get(k), set: (k: string, v: string) => void lru.set(k, v), delete: (k: string) => lru.delete(k), clear: () => lru.clear(), has: (k: string) => lru.has(k) };
    return {
      kind: 'memory',
      keyv: new Keyv({ store, throwOnErrors: true }),
      evictions: () => evicted,
      onReady: () => undefined,
      ready: async () => undefined,
      close: async () => lru.clear(),
    };
  }
  const client = createClient({
    url: config.REDIS_URL,
    disableOfflineQueue: true,
    socket: { connectTimeout: Math.max(config.CACHE_TIMEOUT_MS, 1000), reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5000) },
  }) as RedisClientType;
  let down = false;
  client.on('error', (err) => {
    if (!down) log('response cache: Redis unreachable, serving uncached until it returns', err);
    down = true;
  });
  let firstReady!: () => void;
  const ready = new Promise<void>((resolve) => (firstReady = resolve));
  const listeners: (() => void)[] = [firstReady];
  client.on('ready', () => {
    if (down) log('response cache: Redis is back');
    down = false;
    listeners.forEach((l) => l());
  });
  client.connect().catch(() => undefined);
  const adapter = new KeyvRedis(client, { namespace: config.CACHE_PREFIX, throwOnErrors: true, throwOnConnectError: false });
  return {
    kind: 'redis',
    keyv: new Keyv({ store: adapter, throwOnErrors: true, useKeyPrefix: false }),
    evictions: () => 0,
    onReady: (l) => listeners.push(l),
    ready: () => ready,
    // No graceful QUIT: a dead server would keep it waiting, and nothing here needs flushing.
    close: async () => client.destroy(),
  };
}
