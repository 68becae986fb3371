import { randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config';
import type { RawSql } from '../db/database';
import type { Intent } from '../db/invalidation-intent';
import type { CacheStore } from './store';
import { ioDeadline } from '../ops/admission';

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
/**
 * Past the longest entry TTL, a tag version lives this much longer: it covers the time between
 * an entry's freshness check and its store (a few CACHE_TIMEOUT_MS) and clock skew between
 * instances, with room to spare.
 */
const TAG_TTL_MARGIN_MS = 3_600_000;
/** How often every instance reads the invalidation-debt table (see `reconcile`). */
const DEBT_CHECK_MS = 1000;
/** Between two checks triggered by lookups, while reads are refused (an outage would otherwise cost a statement a request). */
const DEBT_RECHECK_MS = 100;
/** A debt-table statement slower than this is given up (and tried again later): it must never hold the cache shut. */
const DEBT_SQL_TIMEOUT_MS = 5000;

export type TtlConfig = Pick<Config, 'CACHE_TTL_PAGE_S' | 'CACHE_TTL_SEARCH_S' | 'CACHE_TTL_LIST_S' | 'CACHE_TTL_TRENDING_S' | 'CACHE_TTL_PRIVATE_S'>;

/** The longest any entry may live: entries are stored with at most this TTL. */
export const maxEntryTtlMs = (c: TtlConfig) =>
  Math.max(c.CACHE_TTL_PAGE_S, c.CACHE_TTL_SEARCH_S, c.CACHE_TTL_LIST_S, c.CACHE_TTL_TRENDING_S, c.CACHE_TTL_PRIVATE_S) * 1000;

/**
 * How long a tag version (and LAST) lives: longer than any entry that can depend on it, else
 * an expired version would make an invalidated entry look fresh again.
 */
export const tagTtlMs = (c: TtlConfig) => maxEntryTtlMs(c) + TAG_TTL_MARGIN_MS;

const OWED = 'SELECT max(id)::float8 AS m FROM cache_invalidation_debt';
const RECORD = 'INSERT INTO cache_invalidation_debt DEFAULT VALUES RETURNING id::float8 AS id';
// The writer's intent is settled by the debt that replaces it, atomically.
const RECORD_FOR =
  'WITH settled AS (DELETE FROM cache_invalidation_intent WHERE id = $1) INSERT INTO cache_invalidation_debt DEFAULT VALUES RETURNING id::float8 AS id';
const SETTLE = 'DELETE FROM cache_invalidation_intent WHERE id = $1';
// Intents older than any live writer keeps one (its writer died between COMMIT and invalidation)
// become one debt. A data-modifying WITH runs to completion whatever the outer query reads.
const ORPHANS =
  'WITH orphaned AS (DELETE FROM cache_invalidation_intent WHERE recorded_at < clock_timestamp() - make_interval(secs => $1) RETURNING id) ' +
  'INSERT INTO cache_invalidation_debt (recorded_at) SELECT clock_timestamp() FROM orphaned LIMIT 1';
// The rows seen before the flush are paid by it; any recorded since (a write whose invalidation
// failed after the flush began) stay, and are reported so that the flush is repeated.
const PAY = 'WITH paid AS (DELETE FROM cache_invalidation_debt WHERE id <= $1) SELECT max(id)::float8 AS m FROM cache_invalidation_debt WHERE id > $1';

class Timeout extends Error {}

const noop = () => undefined;

/** `promise`, or a Timeout after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
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
 * An invalidation that could not be written is a debt: the cache must be emptied (`*` bumped)
 * before anyone reads it again. With a database (`db`), the debt is a row in
 * cache_invalidation_debt, in the database the write reached, so it outlives any restart:
 * every instance reads that table on start, when its store reconnects or failed, and every
 * DEBT_CHECK_MS, reads nothing from the cache while a debt is unpaid, and whichever instance
 * reaches the store first empties the cache and deletes the rows it saw before doing so.
 * Without one (tests, memory stores), the debt lives in this process only. A writer that dies
 * between its COMMIT and its invalidation leaves its intent row behind (invalidation-intent.ts):
 * the same checks turn one older than `orphanAfterMs` into a debt.
 */
export class ResponseCache {
  private readonly counters = { hits: 0, misses: 0, stores: 0, coalesced: 0, invalidations: 0, errors: 0 };
  /** A flush is owed (an invalidation of ours failed, or the debt table has rows): read nothing. */
  private owed = false;
  /** Bumped whenever a new debt becomes known, so a flush that began before it does not clear it. */
  private owedGen = 0;
  /** The highest debt row seen: a flush pays the rows up to it. */
  private debtUpTo: number | null = null;
  /** Our own debt could not be written to the database yet (it is retried). */
  private unrecorded = false;
  /** The debt table must be read before the cache is (start, store reconnected or failed). */
  private unchecked: boolean;
  /** Bumped whenever a check becomes due, so a check that began before it does not count. */
  private checkGen = 0;
  private reconciling?: Promise<void>;
  private lastReconcile = 0;
  private readonly timer?: NodeJS.Timeout;
  private degraded = false;
  private readonly maxEntryTtl: number;
  private readonly tagTtl: number;
  /**
   * Decoded entries this instance has checked, with the LAST value read before the check:
   * while LAST still has that value no invalidation has happened anywhere since, so the copy
   * is still fresh and a hit costs one small read instead of the entry and all its tags.
   */
  private readonly local = new LRUCache<string, { at: number; exp: number; last: string; result: Cached }>({ max: 2000 });

  constructor(
    readonly store: CacheStore,
    private readonly config: Pick<Config, 'CACHE_TIMEOUT_MS' | 'CACHE_COMPRESS_BYTES'> & TtlConfig,
    private readonly log: (msg: string, err?: unknown) => void = () => undefined,
    /** Where debts are kept across restarts (the gateway's and the importer's database). */
    private readonly db: { raw: Pick<RawSql, 'query'> } | null = null,
    /**
     * When a writer's intent is taken for orphaned: past the longest a live writer keeps one
     * (two store calls, each given twice CACHE_TIMEOUT_MS when the loop stalls, then a debt
     * statement), with 5 s to spare. Too short costs an emptied cache, never a stale read.
     */
    private readonly orphanAfterMs = 4 * config.CACHE_TIMEOUT_MS + DEBT_SQL_TIMEOUT_MS + 5000,
  ) {
    this.maxEntryTtl = maxEntryTtlMs(config);
    this.tagTtl = tagTtlMs(config);
    this.unchecked = db !== null;
    let connected = false;
    store.onReady(() => {
      // A reconnect may follow invalidations lost meanwhile, anywhere: the debts are read again
      // before the cache is (a check already under way began before it and no longer counts).
      // The first connection needs no second check: the one started below covers it, and a
      // check queued behind a burst of executions for a pool connection would keep the cache
      // closed exactly when the burst needs it.
      if (connected) {
        this.checkDue();
        // Redis may be back with older data (restarted from a snapshot, a failover to a lagging
        // replica): invalidations it had accepted may be gone, and the tag versions with them.
        // Nothing it holds is trusted until this instance has emptied it once more.
        this.owed = true;
        this.owedGen += 1;
      }
      connected = true;
      void (this.reconciling ?? Promise.resolve()).then(() => this.reconcile(true));
    });
    if (db) {
      void this.reconcile(true);
      this.timer = setInterval(() => void this.reconcile(true), DEBT_CHECK_MS);
      this.timer.unref();
    }
  }

  /** Stops the debt checks and closes the store. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.store.close();
  }

  ttlMs(kind: TtlKind | 'private'): number {
    const { CACHE_TTL_PAGE_S, CACHE_TTL_SEARCH_S, CACHE_TTL_LIST_S, CACHE_TTL_TRENDING_S, CACHE_TTL_PRIVATE_S } = this.config;
    const s = { page: CACHE_TTL_PAGE_S, search: CACHE_TTL_SEARCH_S, list: CACHE_TTL_LIST_S, trending: CACHE_TTL_TRENDING_S, private: CACHE_TTL_PRIVATE_S }[
      kind
    ];
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
    if (this.owed || this.unchecked) {
      void this.reconcile();
      return this.miss();
    }
    try {
      const last = await this.io(this.readLast());
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
    if (this.owed) return;
    try {
      // Never longer than the tag versions it depends on live (see tagTtlMs).
      const ttlMs = Math.min(result.ttlMs, this.maxEntryTtl);
      const tags = [...new Set([ALL, ...result.tags])];
      const entry: Entry = { at: result.at, tags, exp: Date.now() + ttlMs };
      const json = JSON.stringify(result.data);
      if (json.length >= this.config.CACHE_COMPRESS_BYTES) entry.z = deflateRawSync(json).toString('base64');
      else entry.data = result.data;
      if (!(await this.fresh(entry))) return;
      if (result.private) {
        await this.io(this.store.keyv.set(`r:${opKey}`, { at: result.at, tags: [ALL], private: true } satisfies Entry, ttlMs));
        await this.io(this.store.keyv.set(`r:${opKey}:${viewerKey}`, entry, ttlMs));
      } else {
        await this.io(this.store.keyv.set(`r:${opKey}`, entry, ttlMs));
      }
      this.counters.stores += 1;
    } catch (err) {
      this.failed('write', err);
    }
  }

  /**
   * Makes every entry that read one of `tags` stale, on every instance sharing the store.
   * Resolves once that is written, or once the failure is recorded as a debt (in the database
   * when there is one) that empties the cache before anyone reads it again. `intent`, the one
   * the write recorded in its transaction (invalidation-intent.ts), is settled either way.
   */
  async invalidate(tags: Iterable<string>, intent?: Intent): Promise<void> {
    const list = [...new Set(tags)];
    if (list.length === 0) return void this.settleIntent(intent);
    this.counters.invalidations += 1;
    try {
      await this.bump(list);
    } catch (err) {
      this.owed = true;
      this.owedGen += 1;
      this.failed('invalidate', err);
      if (!this.db) return;
      try {
        const record = intent === undefined ? this.db.raw.query<{ id: number }>(RECORD) : this.db.raw.query<{ id: number }>(RECORD_FOR, [intent]);
        this.noteDebt((await within(record, DEBT_SQL_TIMEOUT_MS, 'the database'))[0].id);
      } catch (dbErr) {
        // Still owed in memory; written (or paid) by the next reconcile.
        this.unrecorded = true;
        this.log(
          'response cache: could not record a lost invalidation in the database (retrying); a restart before it is written or paid would forget it',
          dbErr,
        );
      }
      return;
    }
    // In the background: the writer's response need not wait for it.
    void this.settleIntent(intent);
  }

  /** Deletes a settled intent: left in place, it would be taken for a dead writer's and empty the cache. */
  private async settleIntent(intent: Intent | undefined): Promise<void> {
    if (intent === undefined || !this.db) return;
    await within(this.db.raw.query(SETTLE, [intent]), DEBT_SQL_TIMEOUT_MS, 'the database').catch((err) =>
      this.log('response cache: an invalidation was stored but its intent could not be deleted; it will empty the cache once orphaned', err),
    );
  }

  /** Whether writers should record intents for this cache: only a cache with a database settles them. */
  get settlesIntents(): boolean {
    return this.db !== null;
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
    while (this.owed && Date.now() < until) {
      await this.reconcile(true);
      if (this.owed) await new Promise((r) => setTimeout(r, 200));
    }
    return !this.owed;
  }

  /** A debt recorded by this instance is in the database (or none is owed): a restart forgets nothing. */
  debtRecorded(): boolean {
    return !this.unrecorded;
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
      degraded: this.degraded || this.owed,
    };
  }

  /** The LAST read in flight, and the one that will follow it (see `readLast`). */
  private lastSent?: Promise<string>;
  private lastNext?: Promise<string>;

  /**
   * LAST as it is now, one store read shared by every lookup that waits for it. A lookup may
   * only share a read sent after it began: one sent before may predate an invalidation that
   * completed before the lookup, and serve a copy that invalidation made stale. So while a
   * read is in flight, newcomers wait for the next one, sent when it settles: at most two
   * reads at a time whatever the traffic, where 1,000 concurrent hits would queue 1,000.
   */
  private readLast(): Promise<string> {
    if (!this.lastSent) return this.sendLast();
    // Sent once the read in flight settles, whether it answered or failed.
    return (this.lastNext ??= this.lastSent.then(noop, noop).then(() => {
      this.lastNext = undefined;
      return this.sendLast();
    }));
  }

  private sendLast(): Promise<string> {
    // Bounded itself: a read that never settles would hold every later lookup behind it.
    const sent = within(this.fetchLast(), this.config.CACHE_TIMEOUT_MS, 'cache store').finally(() => {
      if (this.lastSent === sent) this.lastSent = undefined;
    });
    this.lastSent = sent;
    return sent;
  }

  private async fetchLast(): Promise<string> {
    const last = await this.store.keyv.get<string>(LAST);
    if (last !== undefined) return last;
    // None yet (a new or emptied store): start one. Writing a new value is always safe: it
    // only makes copies checked under another value be checked again.
    const fresh = this.nonce();
    await this.store.keyv.set(LAST, fresh, this.tagTtl);
    return fresh;
  }

  private nonce(): string {
    return `${Date.now()}:${randomBytes(6).toString('base64url')}`;
  }

  private async bump(tags: string[]): Promise<void> {
    const now = Date.now();
    const ttl = this.tagTtl;
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

  /** The debt table must be read again before the cache is. */
  private checkDue(): void {
    if (!this.db) return;
    this.unchecked = true;
    this.checkGen += 1;
  }

  private noteDebt(id: number): void {
    if (this.debtUpTo === null || id > this.debtUpTo) {
      this.debtUpTo = id;
      this.owedGen += 1;
    }
    this.owed = true;
  }

  /**
   * Records our unwritten debt, reads the debt table, and pays what is owed. One at a time;
   * `now` is false for the lookups that trigger it while reads are refused (throttled).
   */
  private reconcile(now = false): Promise<void> {
    if (this.reconciling) return this.reconciling;
    if (!now && Date.now() - this.lastReconcile < DEBT_RECHECK_MS) return Promise.resolve();
    this.lastReconcile = Date.now();
    this.reconciling = (async () => {
      const gen = this.checkGen;
      let checked = !this.db;
      if (this.db) {
        try {
          const sql = (q: string) => within(this.db!.raw.query<{ id?: number; m?: number | null }>(q), DEBT_SQL_TIMEOUT_MS, 'the database');
          if (this.unrecorded) {
            this.noteDebt((await sql(RECORD))[0].id!);
            this.unrecorded = false;
          }
          await within(this.db.raw.query(ORPHANS, [this.orphanAfterMs / 1000]), DEBT_SQL_TIMEOUT_MS, 'the database');
          const [{ m }] = await sql(OWED);
          if (m != null) this.noteDebt(m);
          checked = true;
        } catch {
          // The database is unreachable: the next tick, lookup or reconnect tries again.
        }
      }
      // Only a check that began after the last store failure or reconnect counts.
      if (checked && gen === this.checkGen) this.unchecked = false;
      if (this.owed) await this.pay().catch(() => undefined);
    })().finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  /** The debts (by `owedGen`) this instance has already emptied the cache for. */
  private bumpedGen = -1;

  /** Empties the cache for everyone, then deletes the debt rows that flush paid. */
  private async pay(): Promise<void> {
    const gen = this.owedGen;
    const upTo = this.debtUpTo;
    // Once per debt: while the database cannot take the payment (an outage), emptying the
    // shared cache again on every retry would cost every instance its hits exactly when they
    // are all that still works.
    if (this.bumpedGen !== gen) {
      await this.bump([ALL]);
      this.bumpedGen = gen;
    }
    if (this.db && upTo !== null) {
      let m: number | null;
      try {
        [{ m }] = await within(this.db.raw.query<{ m: number | null }>(PAY, [upTo]), DEBT_SQL_TIMEOUT_MS, 'the database');
      } catch (err) {
        // Paid in Redis; the rows go at a later check, which finds them already paid for.
        if (gen === this.owedGen) this.owed = false;
        throw err;
      }
      // Recorded while we flushed: its write may have come after our bump, so flush again.
      if (m != null) return this.noteDebt(m);
    }
    if (gen !== this.owedGen) return;
    this.owed = false;
    this.unrecorded = false;
    this.debtUpTo = null;
    this.log('response cache: emptied after invalidations were lost while the store was unreachable');
  }

  private miss(): undefined {
    this.counters.misses += 1;
    return undefined;
  }

  private failed(what: string, err: unknown): void {
    this.counters.errors += 1;
    // Another instance may have lost an invalidation meanwhile: read the debts before the
    // cache again. A timeout alone does not shut the cache until then (a saturated process
    // times out too, and must not turn its hits into executions): it hastens the check.
    if (err instanceof Timeout) void this.reconcile();
    else this.checkDue();
    if (!this.degraded) this.log(`response cache: ${what} failed, serving uncached`, err);
    this.degraded = true;
  }

  /** A store call bounded by CACHE_TIMEOUT_MS; success clears the degraded flag. */
  private async io<T>(promise: Promise<T>): Promise<T> {
    const value = await within(promise, this.config.CACHE_TIMEOUT_MS, 'cache store');
    if (this.degraded && !this.owed) this.degraded = false;
    return value;
  }
}
