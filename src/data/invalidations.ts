import { Prisma } from '../generated/prisma/client';
import type { RawSql } from '../db/database';
import type { Db } from './client';

/**
 * The cache invalidation a committed write still owes. A writer records one inside the very
 * transaction that writes (so it exists exactly when the write does) and the response cache
 * deletes it once the invalidation is stored or recorded as a debt. One left behind belongs to
 * a writer that died in between; any instance turns it into a debt (see the cache's debts).
 */
export type Intent = number;

const RECORD = Prisma.sql`INSERT INTO cache_invalidation_intent DEFAULT VALUES RETURNING id::float8 AS id`;

/** Inside a Prisma interactive transaction, as its last statement (data/writes.ts `Owe`). */
export async function recordIntent(tx: Db): Promise<Intent> {
  return (await tx.$queryRaw<{ id: number }[]>(RECORD))[0].id;
}

/** The same in a `db.raw.transaction` (imports). */
export async function recordIntentRaw(tx: Pick<RawSql, 'query'>): Promise<Intent> {
  return (await tx.query<{ id: number }>(RECORD.text, RECORD.values))[0].id;
}

// The response cache's debts (cache/debts.ts): invalidations it could not write, kept in the
// database the writes reached so that they outlive any restart. Plain statements on the raw
// driver: each is bounded by the cache's own timeout, apart from any request's transaction.
type Raw = Pick<RawSql, 'query'>;
const one = async (raw: Raw, sql: Prisma.Sql) => (await raw.query<{ v: number | null }>(sql.text, sql.values))[0]?.v ?? null;

/** Records a debt; with the writer's `intent`, settles it in the same statement (the debt replaces it). */
export const recordDebt = async (raw: Raw, intent?: Intent): Promise<number> =>
  (await one(
    raw,
    intent === undefined
      ? Prisma.sql`INSERT INTO cache_invalidation_debt DEFAULT VALUES RETURNING id::float8 AS v`
      : Prisma.sql`WITH settled AS (DELETE FROM cache_invalidation_intent WHERE id = ${intent}) INSERT INTO cache_invalidation_debt DEFAULT VALUES RETURNING id::float8 AS v`,
  ))!;

/** The newest unpaid debt, or null. */
export const newestDebt = (raw: Raw): Promise<number | null> => one(raw, Prisma.sql`SELECT max(id)::float8 AS v FROM cache_invalidation_debt`);

/** Deletes an intent whose invalidation is stored. */
export const settleIntent = async (raw: Raw, intent: Intent): Promise<void> =>
  void (await raw.query(...sqlArgs(Prisma.sql`DELETE FROM cache_invalidation_intent WHERE id = ${intent}`)));

/**
 * Intents older than any live writer keeps one (its writer died between COMMIT and
 * invalidation) become one debt. A data-modifying WITH runs to completion whatever the outer
 * query reads.
 */
export const orphanedIntentsToDebt = async (raw: Raw, olderThanS: number): Promise<void> =>
  void (await raw.query(
    ...sqlArgs(Prisma.sql`WITH orphaned AS (DELETE FROM cache_invalidation_intent WHERE recorded_at < clock_timestamp() - make_interval(secs => ${olderThanS}::float8) RETURNING id)
      INSERT INTO cache_invalidation_debt (recorded_at) SELECT clock_timestamp() FROM orphaned LIMIT 1`),
  ));

/**
 * Deletes the debts up to `upTo`, paid by a flush; returns the newest of those recorded since
 * (a write whose invalidation failed after the flush began), which another flush must pay.
 */
export const payDebts = (raw: Raw, upTo: number): Promise<number | null> =>
  one(
    raw,
    Prisma.sql`WITH paid AS (DELETE FROM cache_invalidation_debt WHERE id <= ${upTo}) SELECT max(id)::float8 AS v FROM cache_invalidation_debt WHERE id > ${upTo}`,
  );

const sqlArgs = (sql: Prisma.Sql): [string, unknown[]] => [sql.text, sql.values];
