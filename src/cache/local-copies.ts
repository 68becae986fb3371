import { LRUCache } from 'lru-cache';

/** A cached result, as data and as JSON text, each made from the other once, when first asked. */
export class Cached {
  /** Kept for one viewer only (it read who was asking), and when it expires (ms): for HTTP caching. */
  perViewer = false;
  exp?: number;
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

/** A checked entry kept in this process. */
interface Copy {
  /** The entry's execution start. */
  at: number;
  /** The entry's expiry: a copy never outlives it. */
  exp: number;
  /** The LAST value read before the entry was checked. */
  last: string;
  result: Cached;
}

/**
 * Decoded entries this instance has checked, with the LAST value read before the check:
 * while LAST still has that value no invalidation has happened anywhere since, so the copy
 * is still fresh and a hit costs one small read instead of the entry and all its tags.
 *
 * Its own piece because it is the one part of the cache that is per instance: nothing here is
 * shared, and losing it costs only the reads it saves. Copies are keyed like the entries: a
 * public one by operation, a per-viewer one by operation and viewer.
 */
export class LocalCopies {
  private readonly copies = new LRUCache<string, Copy>({ max: 2000 });

  /** @param forgottenBefore the store's (see CacheStore): an entry older than it is never served. */
  constructor(private readonly forgottenBefore: () => number) {}

  /** The copy of an operation's result for this viewer, if LAST is still `last` and it has not expired. */
  find(opKey: string, viewerKey: string, last: string): Cached | undefined {
    const now = Date.now();
    const known = this.copies.get(opKey) ?? this.copies.get(`${opKey}|${viewerKey}`);
    if (known && known.last === last && known.exp > now && known.at > this.forgottenBefore()) return known.result;
    return undefined;
  }

  /** Keeps a checked entry; `viewerKey` is given for a per-viewer one. `last` must be read before the check. */
  keep(opKey: string, viewerKey: string | undefined, copy: Copy): void {
    this.copies.set(viewerKey === undefined ? opKey : `${opKey}|${viewerKey}`, copy);
  }
}
