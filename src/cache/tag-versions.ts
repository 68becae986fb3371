import { randomBytes } from 'node:crypto';
import { ioDeadline } from '../io-deadline';
import type { CacheStore } from './store';

/** A new random value after every invalidation, written after its tags (see `bump` and local-copies.ts): `<tagPrefix>#last`. */
const LAST = '#last';

/** What a read rejects with while the store is down (see CacheStore.isDown). */
export class StoreDown extends Error {}

/** What a store or database call that ran out of time rejects with (see `within`). */
export class Timeout extends Error {}

const noop = () => undefined;

/** `promise`, or a Timeout after `ms`. Shared by every bounded call of the cache: store reads and writes, and the debt table's statements. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = ioDeadline(() => reject(new Timeout(`${what} did not answer within ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The tag-version rules, the cache's invalidation. Invalidation is by versioned tags: an entry
 * records when its execution started and the tags (entities, lists) it read; a write bumps its
 * tags' versions to "now"; an entry is served only while all its tags are older than it. This
 * needs no index from tags to entries, works across every instance that shares the store, and a
 * write racing with an execution can never leave that execution's stale result behind (it is
 * refused at store time, or at read time).
 *
 * Its own piece because these rules alone decide whether anything cached may be served; LAST,
 * bumped after every invalidation, lets the local copies (local-copies.ts) skip the tag reads.
 * In the store, a tag's version is `t:<tag>` (`{t}:<tag>` on a Redis Cluster: see CacheStore.tagPrefix).
 */
export class TagVersions {
  /** The LAST read in flight, and the one that will follow it (see `readLast`). */
  private lastSent?: Promise<string>;
  private lastNext?: Promise<string>;

  constructor(
    private readonly store: CacheStore,
    /** CACHE_TIMEOUT_MS: bounds the LAST read shared by lookups. */
    private readonly timeoutMs: number,
    /** How long a version (and LAST) lives (see tagTtlMs). */
    private readonly tagTtl: number,
    /** A store call bounded by CACHE_TIMEOUT_MS, whose success the cache notes (see `io` in response-cache.ts). */
    private readonly io: <T>(promise: Promise<T>) => Promise<T>,
  ) {}

  /**
   * LAST as it is now, one store read shared by every lookup that waits for it. A lookup may
   * only share a read sent after it began: one sent before may predate an invalidation that
   * completed before the lookup, and serve a copy that invalidation made stale. So while a
   * read is in flight, newcomers wait for the next one, sent when it settles: at most two
   * reads at a time whatever the traffic, where 1,000 concurrent hits would queue 1,000.
   */
  readLast(): Promise<string> {
    if (!this.lastSent) return this.sendLast();
    // Sent once the read in flight settles, whether it answered or failed.
    return (this.lastNext ??= this.lastSent.then(noop, noop).then(() => {
      this.lastNext = undefined;
      return this.sendLast();
    }));
  }

  private sendLast(): Promise<string> {
    // Bounded itself: a read that never settles would hold every later lookup behind it.
    const sent = within(this.fetchLast(), this.timeoutMs, 'cache store').finally(() => {
      if (this.lastSent === sent) this.lastSent = undefined;
    });
    this.lastSent = sent;
    return sent;
  }

  private key(tag: string): string {
    return this.store.tagPrefix + tag;
  }

  /**
   * Every read of versions goes through here: while the store (or a cluster's primary) is
   * down, versions read from what is left could be older than ones already acknowledged.
   */
  private checkUp(): void {
    if (this.store.isDown()) throw new StoreDown('cache store is down');
  }

  private async fetchLast(): Promise<string> {
    this.checkUp();
    const last = await this.store.keyv.get<string>(this.key(LAST));
    if (last !== undefined) return last;
    // None yet (a new or emptied store): start one. Writing a new value is always safe: it
    // only makes copies checked under another value be checked again.
    const fresh = this.nonce();
    await this.store.keyv.set(this.key(LAST), fresh, this.tagTtl);
    return fresh;
  }

  private nonce(): string {
    return `${Date.now()}:${randomBytes(6).toString('base64url')}`;
  }

  /** Makes every entry that read one of `tags` stale: their versions become "now", then LAST changes. */
  async bump(tags: string[]): Promise<void> {
    const now = Date.now();
    const ttl = this.tagTtl;
    await this.io(this.store.keyv.setMany(tags.map((t) => ({ key: this.key(t), value: now, ttl }))));
    // After the tags, never before: whoever sees the new LAST also sees them.
    await this.io(this.store.keyv.set(this.key(LAST), this.nonce(), ttl));
  }

  /** True while every tag of the entry is older than it. */
  async fresh(entry: { at: number; tags: string[] }): Promise<boolean> {
    if (entry.at <= this.store.forgottenBefore()) return false;
    this.checkUp();
    const versions = await this.io(this.store.keyv.getMany<number>(entry.tags.map((t) => this.key(t))));
    return versions.every((v) => v == null || v < entry.at);
  }
}
