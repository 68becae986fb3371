import type { PrismaClient } from '../generated/prisma/client';
import { WRITE_TX, type RawSql } from '../db/database';
import type { Change } from '../domain/changes';
import type { Db } from './client';
import { recordIntent, recordIntentRaw, type Intent } from './invalidations';

/**
 * Records, inside a writer's transaction and as its last statement, the invalidation its commit
 * will owe (data/invalidations.ts), and returns it; or records nothing (undefined) when no
 * cache settles intents. A writer calls it only when its transaction changed something.
 */
export type Owe = (tx: Db | Pick<RawSql, 'query'>) => Promise<Intent | undefined>;

// Imports write through the raw driver's transactions (data/imports.ts), everything else through Prisma's.
const isRaw = (tx: Db | Pick<RawSql, 'query'>): tx is Pick<RawSql, 'query'> => typeof (tx as Partial<RawSql>).query === 'function';

/**
 * The response cache as writers see it: it takes the `Change`s a write made (cache/tags.ts
 * `invalidationOf` turns them into its tags).
 */
export interface Invalidation {
  /**
   * Makes cached results that read what the changes touched stale everywhere; resolves once
   * that is written, or recorded as a debt that empties the cache first (cache/debts.ts).
   * `intent` is settled either way.
   */
  invalidate(changes: Change[], intent?: Intent): Promise<void>;
  /** Only a cache with a database settles intents: only then are they recorded. */
  readonly settlesIntents: boolean;
}

/**
 * The write protocol, the one way anything writes what readers may have cached: the request
 * mutations, imports and the three background refreshers. Built once from the process's
 * services (a response cache or none, read replicas or none) and handed to every writer.
 *
 * 1. The write and its intent commit together: the intent is recorded in the writer's own
 *    transaction, only when the cache settles intents and the write changed something. So an
 *    intent exists exactly when a write does, and a writer that dies after its COMMIT leaves
 *    it behind for any instance to turn into a debt.
 * 2. After the commit (never before: a read in between would cache the old rows again), the
 *    replicas are fenced (`noteWrite`: no replica read until they have replayed it, also when
 *    there is no cache), then the cache is invalidated, which settles the intent, or records a
 *    debt when the store cannot be reached.
 * 3. Then subscribers are told (`events`, events/bus.ts writeEvents): from the changes alone,
 *    best effort, so it neither adds a statement to the write nor fails it.
 * A write that changed nothing owes nothing and tells no one.
 */
export class Writes {
  private readonly owe: Owe;

  constructor(
    private readonly cache: Invalidation | null = null,
    private readonly replicas: { noteWrite(): void } | null = null,
    private readonly events: ((changes: Change[]) => void) | null = null,
  ) {
    this.owe = cache?.settlesIntents ? (tx) => (isRaw(tx) ? recordIntentRaw(tx) : recordIntent(tx)) : async () => undefined;
  }

  /**
   * Whether a cache is told what changed. Without one, a writer may skip the work of finding
   * out (the similar-jobs batches compare each list before and after only for it).
   */
  get invalidates(): boolean {
    return this.cache !== null;
  }

  /**
   * A write that runs its own transactions (imports, refreshers: their locks, timeouts and
   * retries are theirs). `write` is given `owe` to call inside its transaction when it changed
   * something, and returns the intent that gave it. Once it resolves (committed), what
   * `changed(value)` names is invalidated.
   */
  async commit<T extends { intent?: Intent }>(write: (owe: Owe) => Promise<T>, changed: (value: T) => Change[]): Promise<T> {
    const value = await write(this.owe);
    await this.committed(changed(value), value.intent);
    return value;
  }

  /**
   * A request's write: `write` runs in one interactive transaction of `db` (WRITE_TX), which
   * records the intent when `changed(value)` names anything; then that is invalidated.
   */
  async transaction<T>(db: PrismaClient, write: (tx: Db) => Promise<T>, changed: (value: T) => Change[]): Promise<T> {
    const { value, changes, intent } = await db.$transaction(async (tx) => {
      const value = await write(tx);
      const changes = changed(value);
      return { value, changes, intent: changes.length ? await this.owe(tx) : undefined };
    }, WRITE_TX);
    await this.committed(changes, intent);
    return value;
  }

  private async committed(changes: Change[], intent: Intent | undefined): Promise<void> {
    // An intent is settled even when, unexpectedly, nothing is named: left, it would empty the cache.
    if (changes.length === 0 && intent === undefined) return;
    this.replicas?.noteWrite();
    await this.cache?.invalidate(changes, intent);
    try {
      this.events?.(changes);
    } catch {
      // Subscribers missing an event must never turn a committed write into an error.
    }
  }
}
