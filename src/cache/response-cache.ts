import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Config } from '../config';
import type { Intent } from '../data/invalidations';
import type { Cache, CacheableResult, CachedResult, CacheStats } from './cache';
import { Debts, defaultOrphanAfterMs, type DebtDatabase } from './debts';
import { Cached, LocalCopies } from './local-copies';
import type { CacheStore } from './store';
import { ALL } from './tags';
import { TagVersions, within } from './tag-versions';
import { maxEntryTtlMs, tagTtlMs, ttlMsOf, type TtlConfig, type TtlKind } from './ttl';

// What importers have always taken from here.
export type { CacheStats } from './cache';
export { maxEntryTtlMs, tagTtlMs, type TtlConfig, type TtlKind } from './ttl';

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

/**
 * The response cache (see Cache, cache.ts) over a Keyv store: the layout and encoding of its
 * entries (`r:<op>` shared by every viewer, or a private marker there and `r:<op>:<viewer>`),
 * composed with the pieces that decide the rest:
 *
 * - tag-versions.ts: invalidation by versioned tags, and whether an entry is still fresh;
 * - local-copies.ts: decoded entries kept in this process while no invalidation happened;
 * - debts.ts: the degraded mode, invalidations that could not be written and their debts;
 * - ttl.ts: how long entries and tag versions live.
 *
 * A store that fails or is slow (CACHE_TIMEOUT_MS) makes requests run uncached, never fail.
 */
export class ResponseCache implements Cache {
  private readonly counters = { hits: 0, misses: 0, stores: 0, coalesced: 0, invalidations: 0 };
  private readonly maxEntryTtl: number;
  private readonly versions: TagVersions;
  private readonly local: LocalCopies;
  private readonly debts: Debts;
  /** LAST as this instance last read it. */
  private seenLast?: string;
  /**
   * Told of every invalidation this instance makes, and of every one another instance made, once
   * a lookup reads a new LAST: a committed write happened before now (read replicas, db/replicas.ts).
   */
  onInvalidation?: () => void;

  constructor(
    readonly store: CacheStore,
    private readonly config: Pick<Config, 'CACHE_TIMEOUT_MS' | 'CACHE_COMPRESS_BYTES'> & TtlConfig,
    log: (msg: string, err?: unknown) => void = () => undefined,
    /** Where debts are kept across restarts (the gateway's and the importer's database). */
    db: DebtDatabase | null = null,
    /** When a writer's intent is taken for orphaned (see defaultOrphanAfterMs). */
    orphanAfterMs = defaultOrphanAfterMs(config.CACHE_TIMEOUT_MS),
  ) {
    this.maxEntryTtl = maxEntryTtlMs(config);
    this.versions = new TagVersions(store, config.CACHE_TIMEOUT_MS, tagTtlMs(config), (promise) => this.io(promise));
    this.local = new LocalCopies(() => store.forgottenBefore());
    this.debts = new Debts(this.versions, (listener) => store.onReady(listener), log, db, orphanAfterMs);
  }

  /** Stops the debt checks and closes the store. */
  async close(): Promise<void> {
    this.debts.stop();
    await this.store.close();
  }

  ttlMs(kind: TtlKind | 'private'): number {
    return ttlMsOf(this.config, kind);
  }

  /**
   * The cached data for an operation (`opKey`) and viewer, or undefined. Public entries are
   * shared by all viewers; an operation once seen to read viewer data is looked up per viewer.
   */
  async get(opKey: string, viewerKey: string): Promise<{ data: unknown } | undefined> {
    const found = await this.lookup(opKey, viewerKey);
    return found && { data: found.data() };
  }

  async getEntry(opKey: string, viewerKey: string): Promise<CachedResult | undefined> {
    const found = await this.lookup(opKey, viewerKey);
    return found && { data: found.data(), private: found.perViewer, exp: found.exp };
  }

  /** The same, as the JSON text of the data (what a response body holds). */
  async getJson(opKey: string, viewerKey: string): Promise<string | undefined> {
    return (await this.lookup(opKey, viewerKey))?.json();
  }

  private async lookup(opKey: string, viewerKey: string): Promise<Cached | undefined> {
    if (this.debts.refusesReads()) {
      void this.debts.reconcile();
      return this.miss();
    }
    try {
      const last = await this.io(this.versions.readLast());
      if (last !== this.seenLast) {
        this.seenLast = last;
        this.onInvalidation?.();
      }
      const known = this.local.find(opKey, viewerKey, last);
      if (known) {
        this.counters.hits += 1;
        return known;
      }
      let entry = await this.io(this.store.keyv.get<Entry>(`r:${opKey}`));
      const perViewer = Boolean(entry?.private);
      if (perViewer) entry = await this.io(this.store.keyv.get<Entry>(`r:${opKey}:${viewerKey}`));
      if (!entry || !(await this.versions.fresh(entry))) return this.miss();
      this.counters.hits += 1;
      const result = entry.z ? new Cached(undefined, inflateRawSync(Buffer.from(entry.z, 'base64')).toString('utf8')) : new Cached(entry.data);
      result.perViewer = perViewer;
      result.exp = entry.exp;
      // LAST was read before the tags: a write after that changes LAST, and the copy is dropped.
      if (entry.exp) this.local.keep(opKey, perViewer ? viewerKey : undefined, { at: entry.at, exp: entry.exp, last, result });
      return result;
    } catch (err) {
      this.debts.failed('read', err);
      return this.miss();
    }
  }

  /** Stores a result unless a write touched one of its tags after `at` (its execution start). */
  async set(opKey: string, viewerKey: string, result: CacheableResult): Promise<void> {
    if (this.debts.owing()) return;
    try {
      // Never longer than the tag versions it depends on live (see tagTtlMs).
      const ttlMs = Math.min(result.ttlMs, this.maxEntryTtl);
      const tags = [...new Set([ALL, ...result.tags])];
      const entry: Entry = { at: result.at, tags, exp: Date.now() + ttlMs };
      const json = JSON.stringify(result.data);
      if (json.length >= this.config.CACHE_COMPRESS_BYTES) entry.z = deflateRawSync(json).toString('base64');
      else entry.data = result.data;
      if (!(await this.versions.fresh(entry))) return;
      if (result.private) {
        await this.io(this.store.keyv.set(`r:${opKey}`, { at: result.at, tags: [ALL], private: true } satisfies Entry, ttlMs));
        await this.io(this.store.keyv.set(`r:${opKey}:${viewerKey}`, entry, ttlMs));
      } else {
        await this.io(this.store.keyv.set(`r:${opKey}`, entry, ttlMs));
      }
      this.counters.stores += 1;
    } catch (err) {
      this.debts.failed('write', err);
    }
  }

  /**
   * Makes every entry that read one of `tags` stale, on every instance sharing the store.
   * Resolves once that is written, or once the failure is recorded as a debt (in the database
   * when there is one) that empties the cache before anyone reads it again. `intent`, the one
   * the write recorded in its transaction (data/invalidations.ts), is settled either way.
   */
  async invalidate(tags: Iterable<string>, intent?: Intent): Promise<void> {
    this.onInvalidation?.();
    const list = [...new Set(tags)];
    if (list.length === 0) return void this.debts.settleIntent(intent);
    this.counters.invalidations += 1;
    try {
      await this.versions.bump(list);
    } catch (err) {
      return this.debts.lost(err, intent);
    }
    // In the background: the writer's response need not wait for it.
    void this.debts.settleIntent(intent);
  }

  /** Whether writers should record intents for this cache: only a cache with a database settles them. */
  get settlesIntents(): boolean {
    return this.debts.settlesIntents;
  }

  /** Empties the cache for everyone (bulk imports; recovery after lost invalidations). */
  invalidateAll(): Promise<void> {
    return this.invalidate([ALL]);
  }

  /**
   * For short-lived processes (the importer): waits up to `ms` for a lost invalidation to be
   * written; false if the store stayed unreachable.
   */
  settle(ms: number): Promise<boolean> {
    return this.debts.settle(ms);
  }

  /** A debt recorded by this instance is in the database (or none is owed): a restart forgets nothing. */
  debtRecorded(): boolean {
    return this.debts.debtRecorded();
  }

  noteCoalesced(): void {
    this.counters.coalesced += 1;
  }

  stats(): CacheStats {
    const { hits, misses, stores, coalesced, invalidations } = this.counters;
    const lookups = hits + misses;
    return {
      store: this.store.kind,
      hits,
      misses,
      stores,
      coalesced,
      invalidations,
      errors: this.debts.errorCount(),
      hitRate: lookups ? hits / lookups : 0,
      evictions: this.store.evictions(),
      degraded: this.debts.isDegraded(),
    };
  }

  private miss(): undefined {
    this.counters.misses += 1;
    return undefined;
  }

  /** A store call bounded by CACHE_TIMEOUT_MS; success clears the degraded flag. */
  private async io<T>(promise: Promise<T>): Promise<T> {
    const value = await within(promise, this.config.CACHE_TIMEOUT_MS, 'cache store');
    this.debts.answered();
    return value;
  }
}
