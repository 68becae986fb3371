import { randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config';
import type { CacheStore } from './store';

export type TtlKind = 'page' | 'search' | 'list' | 'trending';

/** A cached execution result: its data, when its execution started, and what it depends on. */
interface Entry {
  /** Execution start (ms). The entry is valid while every tag's version is older. */
  at: number;
  tags: string[];
  /** Set on the public key of operations that must be cached per viewer. */
  private?: true;
  data?: unknown;
  /** `data` deflated and base64-encoded, for large results. */
  z?: string;
  /** When it expires (ms), so a local copy never outlives it. */
  exp?: number;
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
  degraded: boolean;
}

/** Bumping this tag empties the whole cache: every entry depends on it. */
const ALL = '*';
/** A new random value after every invalidation, written after its tags (see `get`). */
const LAST = 't:#last';
const TAG_TTL_MARGIN_MS = 3_600_000;

class Timeout extends Error {}

/** A cached result, as data and as JSON text, each made from the other once, when first asked. */
class Cached {
  constructor(
    private value?: unknown,
    private text?: string,
  ) {}
  data(): unknown {
    return (this.value ??= JSON.parse(this.text!));
  }
  json(): string {
    return (this.text ??= JSON.stringify(this.value));
  }
}

/**
 * The response cache's storage rules over a Keyv store. Invalidation is by versioned tags:
 * an entry records when its execution started and the tags (entities, lists) it read; a
 * write bumps its tags' versions to "now"; an entry is served only while all its tags are
 * older than it. This needs no index from tags to entries, works across every instance that
 * shares the store, and a write racing with an execution can never leave that execution's
 * stale result behind (it is refused at store time, or at read time).
 *
 * A store that fails or is slow (CACHE_TIMEOUT_MS) makes requests run uncached, never fail.
 * An invalidation that could not be written is remembered; until it is, this instance reads
 * nothing from the cache, and when the store is back it empties the cache (bumps `*`) before
 * using it again, so no entry that the lost invalidation should have removed survives.
 */
export class ResponseCache {
  private readonly counters = { hits: 0, misses: 0, stores: 0, coalesced: 0, invalidations: 0, errors: 0 };
  private pendingFlush = false;
  private degraded = false;
  /**
   * Decoded entries this instance has checked, with the LAST value read before the check:
   * while LAST still has that value no invalidation has happened anywhere since, so the copy
   * is still fresh and a hit costs one small read instead of the entry and all its tags.
   */
  private readonly local = new LRUCache<string, { at: number; exp: number; last: string; result: Cached }>({ max: 2000 });

  constructor(
    readonly store: CacheStore,
    private readonly config: Pick<Config, 'CACHE_TIMEOUT_MS' | 'CACHE_COMPRESS_BYTES' | 'CACHE_TTL_PAGE_S' | 'CACHE_TTL_SEARCH_S' | 'CACHE_TTL_LIST_S' | 'CACHE_TTL_TRENDING_S' | 'CACHE_TTL_PRIVATE_S'>,
    private readonly log: (msg: string, err?: unknown) => void = () => undefined,
  ) {
    store.onReady(() => void this.flushIfPending(true));
  }

  ttlMs(kind: TtlKind | 'private'): number {
    const { CACHE_TTL_PAGE_S, CACHE_TTL_SEARCH_S, CACHE_TTL_LIST_S, CACHE_TTL_TRENDING_S, CACHE_TTL_PRIVATE_S } = this.config;
    const s = { page: CACHE_TTL_PAGE_S, search: CACHE_TTL_SEARCH_S, list: CACHE_TTL_LIST_S, trending: CACHE_TTL_TRENDING_S, private: CACHE_TTL_PRIVATE_S }[kind];
    return s * 1000;
  }

  /**
   * The cached data for an operation (`opKey`) and viewer, or undefined. Public entries are
   * shared by all viewers; an operation once seen to read viewer data is looked up per viewer.
   */
  async get(opKey: string, viewerKey: string): Promise<{ data: unknown } | undefined> {
    const found = await this.lookup(opKey, viewerKey);
    return found && { data: found.data() };
  }

  /** The same, as the JSON text of the data (what a response body holds). */
  async getJson(opKey: string, viewerKey: string): Promise<string | undefined> {
    return (await this.lookup(opKey, viewerKey))?.json();
  }

  private async lookup(opKey: string, viewerKey: string): Promise<Cached | undefined> {
    if (this.pendingFlush) {
      void this.flushIfPending();
      return this.miss();
    }
    try {
      let last = await this.io(this.store.keyv.get<string>(LAST));
      // None yet (a new or emptied store): start one. Writing a new value is always safe: it
      // only makes copies checked under another value be checked again.
      if (last === undefined) await this.io(this.store.keyv.set(LAST, (last = this.nonce()), this.ttlMs('trending') + TAG_TTL_MARGIN_MS));
      const now = Date.now();
      const known = this.local.get(opKey) ?? this.local.get(`${opKey}|${viewerKey}`);
      if (known && known.last === last && known.exp > now && known.at > this.store.forgottenBefore()) {
        this.counters.hits += 1;
        return known.result;
      }
      let key = opKey;
      let entry = await this.io(this.store.keyv.get<Entry>(`r:${opKey}`));
      if (entry?.private) {
        key = `${opKey}|${viewerKey}`;
        entry = await this.io(this.store.keyv.get<Entry>(`r:${opKey}:${viewerKey}`));
      }
      if (!entry || !(await this.fresh(entry))) return this.miss();
      this.counters.hits += 1;
      const result = entry.z ? new Cached(undefined, inflateRawSync(Buffer.from(entry.z, 'base64')).toString('utf8')) : new Cached(entry.data);
      // LAST was read before the tags: a write after that changes LAST, and the copy is dropped.
      if (entry.exp) this.local.set(key, { at: entry.at, exp: entry.exp, last, result });
      return result;
    } catch (err) {
      this.failed('read', err);
      return this.miss();
    }
  }

  /** Stores a result unless a write touched one of its tags after `at` (its execution start). */
  async set(opKey: string, viewerKey: string, result: { data: unknown; at: number; tags: Iterable<string>; private: boolean; ttlMs: number }): Promise<void> {
    if (this.pendingFlush) return;
    try {
      const tags = [...new Set([ALL, ...result.tags])];
      const entry: Entry = { at: result.at, tags, exp: Date.now() + result.ttlMs };
      const json = JSON.stringify(result.data);
      if (json.length >= this.config.CACHE_COMPRESS_BYTES) entry.z = deflateRawSync(json).toString('base64');
      else entry.data = result.data;
      if (!(await this.fresh(entry))) return;
      if (result.private) {
        await this.io(this.store.keyv.set(`r:${opKey}`, { at: result.at, tags: [ALL], private: true } satisfies Entry, result.ttlMs));
        await this.io(this.store.keyv.set(`r:${opKey}:${viewerKey}`, entry, result.ttlMs));
      } else {
        await this.io(this.store.keyv.set(`r:${opKey}`, entry, result.ttlMs));
      }
      this.counters.stores += 1;
    } catch (err) {
      this.failed('write', err);
    }
  }

  /**
   * Makes every entry that read one of `tags` stale, on every instance sharing the store.
   * Resolves once that is written, or once the failure is recorded for a flush on reconnect.
   */
  async invalidate(tags: Iterable<string>): Promise<void> {
    const list = [...new Set(tags)];
    if (list.length === 0) return;
    this.counters.invalidations += 1;
    try {
      await this.bump(list);
    } catch (err) {
      this.pendingFlush = true;
      this.failed('invalidate', err);
    }
  }

  /** Empties the cache for everyone (bulk imports; recovery after lost invalidations). */
  invalidateAll(): Promise<void> {
    return this.invalidate([ALL]);
  }

  /**
   * For short-lived processes (the importer): waits up to `ms` for a lost invalidation to be
   * written; false if the store stayed unreachable.
   */
  async settle(ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (this.pendingFlush && Date.now() < until) {
      await this.flushIfPending(true);
      if (this.pendingFlush) await new Promise((r) => setTimeout(r, 200));
    }
    return !this.pendingFlush;
  }

  noteCoalesced(): void {
    this.counters.coalesced += 1;
  }

  stats(): CacheStats {
    const lookups = this.counters.hits + this.counters.misses;
    return {
      store: this.store.kind,
      ...this.counters,
      hitRate: lookups ? this.counters.hits / lookups : 0,
      evictions: this.store.evictions(),
      degraded: this.degraded || this.pendingFlush,
    };
  }

  private nonce(): string {
    return `${Date.now()}:${randomBytes(6).toString('base64url')}`;
  }

  private async bump(tags: string[]): Promise<void> {
    const now = Date.now();
    const ttl = this.ttlMs('trending') + TAG_TTL_MARGIN_MS;
    await this.io(this.store.keyv.setMany(tags.map((t) => ({ key: `t:${t}`, value: now, ttl }))));
    // After the tags, never before: whoever sees the new LAST also sees them.
    await this.io(this.store.keyv.set(LAST, this.nonce(), ttl));
  }

  /** True while every tag of the entry is older than it. */
  private async fresh(entry: Entry): Promise<boolean> {
    if (entry.at <= this.store.forgottenBefore()) return false;
    const versions = await this.io(this.store.keyv.getMany<number>(entry.tags.map((t) => `t:${t}`)));
    return versions.every((v) => v == null || v < entry.at);
  }

  private lastFlushTry = 0;

  /** At most once a second: the store may still be down. */
  private async flushIfPending(now = false): Promise<void> {
    if (!this.pendingFlush || (!now && Date.now() - this.lastFlushTry < 1000)) return;
    this.lastFlushTry = Date.now();
    try {
      await this.bump([ALL]);
      this.pendingFlush = false;
      this.log('response cache: emptied after invalidations were lost while the store was down');
    } catch {
      // Still down: the next lookup or the reconnect tries again.
    }
  }

  private miss(): undefined {
    this.counters.misses += 1;
    return undefined;
  }

  private failed(what: string, err: unknown): void {
    this.counters.errors += 1;
    if (!this.degraded) this.log(`response cache: ${what} failed, serving uncached`, err);
    this.degraded = true;
  }

  /** A store call bounded by CACHE_TIMEOUT_MS; success clears the degraded flag. */
  private async io<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const value = await Promise.race([
        promise,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Timeout(`cache store did not answer within ${this.config.CACHE_TIMEOUT_MS} ms`)), this.config.CACHE_TIMEOUT_MS);
        }),
      ]);
      if (this.degraded && !this.pendingFlush) this.degraded = false;
      return value;
    } finally {
      clearTimeout(timer);
    }
  }
}
