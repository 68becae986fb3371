import type { RawSql } from '../db/database';
import { newestDebt, orphanedIntentsToDebt, payDebts, recordDebt, settleIntent, type Intent } from '../data/invalidations';
import { ALL } from './tags';
import { Timeout, within, type TagVersions } from './tag-versions';

/** How often every instance reads the invalidation-debt table (see `reconcile`). */
const DEBT_CHECK_MS = 1000;
/** Between two checks triggered by lookups, while reads are refused (an outage would otherwise cost a statement a request). */
const DEBT_RECHECK_MS = 100;
/** A debt-table statement slower than this is given up (and tried again later): it must never hold the cache shut. */
const DEBT_SQL_TIMEOUT_MS = 5000;

/**
 * When a writer's intent is taken for orphaned: past the longest a live writer keeps one
 * (two store calls, each given twice CACHE_TIMEOUT_MS when the loop stalls, then a debt
 * statement), with 5 s to spare. Too short costs an emptied cache, never a stale read.
 */
export const defaultOrphanAfterMs = (cacheTimeoutMs: number) => 4 * cacheTimeoutMs + DEBT_SQL_TIMEOUT_MS + 5000;

/** Where debts are kept across restarts (the gateway's and the importer's database). */
export type DebtDatabase = { raw: Pick<RawSql, 'query'> };

/**
 * The cache's degraded mode: what it owes after invalidations it could not write. Its own piece
 * because it is the one place that decides whether the cache may be read at all.
 *
 * A store that fails or is slow (CACHE_TIMEOUT_MS) makes requests run uncached, never fail.
 * An invalidation that could not be written is a debt: the cache must be emptied (`*` bumped)
 * before anyone reads it again. With a database (`db`), the debt is a row in
 * cache_invalidation_debt, in the database the write reached, so it outlives any restart:
 * every instance reads that table on start, when its store reconnects or failed, and every
 * DEBT_CHECK_MS, reads nothing from the cache while a debt is unpaid, and whichever instance
 * reaches the store first empties the cache and deletes the rows it saw before doing so.
 * Without one (tests, memory stores), the debt lives in this process only. A writer that dies
 * between its COMMIT and its invalidation leaves its intent row behind (data/invalidations.ts):
 * the same checks turn one older than `orphanAfterMs` into a debt.
 */
export class Debts {
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
  /** A store call failed, and none has succeeded since (while nothing is owed). */
  private degraded = false;
  /** Store calls that failed (CacheStats.errors). */
  private errors = 0;
  /** The debts (by `owedGen`) this instance has already emptied the cache for. */
  private bumpedGen = -1;

  constructor(
    /** Empties the cache, by bumping ALL (see `pay`). */
    private readonly versions: Pick<TagVersions, 'bump'>,
    /** The store's CacheStore.onReady. */
    onStoreReady: (listener: () => void) => void,
    private readonly log: (msg: string, err?: unknown) => void,
    private readonly db: DebtDatabase | null,
    private readonly orphanAfterMs: number,
  ) {
    this.unchecked = db !== null;
    let connected = false;
    onStoreReady(() => {
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

  /** Stops the debt checks. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Nothing may be read from the cache: a flush is owed, or the debt table is still to be read. */
  refusesReads(): boolean {
    return this.owed || this.unchecked;
  }

  /** A flush is owed (an invalidation failed, or the debt table has rows). */
  owing(): boolean {
    return this.owed;
  }

  /** Serving uncached: a store call failed, or a flush is owed. */
  isDegraded(): boolean {
    return this.degraded || this.owed;
  }

  errorCount(): number {
    return this.errors;
  }

  /** Whether writers should record intents for this cache: only a cache with a database settles them. */
  get settlesIntents(): boolean {
    return this.db !== null;
  }

  /** A debt recorded by this instance is in the database (or none is owed): a restart forgets nothing. */
  debtRecorded(): boolean {
    return !this.unrecorded;
  }

  /** A store call answered: the store works again, unless a flush is still owed. */
  answered(): void {
    if (this.degraded && !this.owed) this.degraded = false;
  }

  /**
   * An invalidation could not be written: the cache is owed a flush. Resolves once that debt
   * is recorded in the database (when there is one), or that failed and is left to `reconcile`.
   * `intent`, the one the write recorded, is settled by the debt row that replaces it.
   */
  async lost(err: unknown, intent: Intent | undefined): Promise<void> {
    this.owed = true;
    this.owedGen += 1;
    this.failed('invalidate', err);
    if (!this.db) return;
    try {
      this.noteDebt(await within(recordDebt(this.db.raw, intent), DEBT_SQL_TIMEOUT_MS, 'the database'));
    } catch (dbErr) {
      // Still owed in memory; written (or paid) by the next reconcile.
      this.unrecorded = true;
      this.log(
        'response cache: could not record a lost invalidation in the database (retrying); a restart before it is written or paid would forget it',
        dbErr,
      );
    }
  }

  /** Deletes a settled intent: left in place, it would be taken for a dead writer's and empty the cache. */
  async settleIntent(intent: Intent | undefined): Promise<void> {
    if (intent === undefined || !this.db) return;
    await within(settleIntent(this.db.raw, intent), DEBT_SQL_TIMEOUT_MS, 'the database').catch((err) =>
      this.log('response cache: an invalidation was stored but its intent could not be deleted; it will empty the cache once orphaned', err),
    );
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
  reconcile(now = false): Promise<void> {
    if (this.reconciling) return this.reconciling;
    if (!now && Date.now() - this.lastReconcile < DEBT_RECHECK_MS) return Promise.resolve();
    this.lastReconcile = Date.now();
    this.reconciling = (async () => {
      const gen = this.checkGen;
      let checked = !this.db;
      if (this.db) {
        try {
          const sql = <T>(statement: Promise<T>) => within(statement, DEBT_SQL_TIMEOUT_MS, 'the database');
          const raw = this.db.raw;
          if (this.unrecorded) {
            this.noteDebt(await sql(recordDebt(raw)));
            this.unrecorded = false;
          }
          await sql(orphanedIntentsToDebt(raw, this.orphanAfterMs / 1000));
          const m = await sql(newestDebt(raw));
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

  /** Empties the cache for everyone, then deletes the debt rows that flush paid. */
  private async pay(): Promise<void> {
    const gen = this.owedGen;
    const upTo = this.debtUpTo;
    // Once per debt: while the database cannot take the payment (an outage), emptying the
    // shared cache again on every retry would cost every instance its hits exactly when they
    // are all that still works.
    if (this.bumpedGen !== gen) {
      await this.versions.bump([ALL]);
      this.bumpedGen = gen;
    }
    if (this.db && upTo !== null) {
      let m: number | null;
      try {
        m = await within(payDebts(this.db.raw, upTo), DEBT_SQL_TIMEOUT_MS, 'the database');
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

  /** A store call failed (`what`: read, write, invalidate): the cache serves uncached until one succeeds. */
  failed(what: string, err: unknown): void {
    this.errors += 1;
    // Another instance may have lost an invalidation meanwhile: read the debts before the
    // cache again. A timeout alone does not shut the cache until then (a saturated process
    // times out too, and must not turn its hits into executions): it hastens the check.
    if (err instanceof Timeout) void this.reconcile();
    else this.checkDue();
    if (!this.degraded) this.log(`response cache: ${what} failed, serving uncached`, err);
    this.degraded = true;
  }
}
