import { Prisma } from '../generated/prisma/client';
import type { Db } from './client';
import { decodeCursor, encodeCursor } from './cursor';

/**
 * A loader's batch of ids as rows, `FROM ${batchIds(ids)} src(id)`, or as a condition,
 * `WHERE ${inBatch('j.id', ids)}`. Not unnest(): PostgreSQL re-planned a statement over unnest
 * of a parameter at every execution (migration 20261208000000_batch_ids says why).
 */
export const batchIds = (ids: readonly number[]) => Prisma.sql`chommie_ids(${[...ids]}::int[])`;
export const inBatch = (column: string, ids: readonly number[]) => Prisma.sql`${Prisma.raw(column)} IN (SELECT chommie_ids(${[...ids]}::int[]))`;

/**
 * A LIMIT written into the statement's text rather than sent as a parameter: PostgreSQL plans a
 * LIMIT it cannot see for a tenth of the rows, so a list's statement, which has no other
 * parameter on its first page, was planned anew at every execution (0.15 ms of PostgreSQL CPU a
 * headline). Each value is a text of its own, so this is for small ranges (a similar list's 1 to 10).
 */
export function limitSql(n: number): Prisma.Sql {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`a LIMIT must be a natural number, not ${n}`);
  return Prisma.raw(String(n));
}

// Page sizes as clients ask for them, plus the row that tells whether a next page follows.
const PAGE_LIMITS = [6, 11, 21, 51, 101];

/**
 * A page's LIMIT in the text (see limitSql), rounded up to one of a few sizes: any `first` from
 * 1 to 100 would otherwise be a statement of its own, and the named statements are bounded
 * (db/database.ts statementNames). The caller reads its first `n` rows and ignores the rest
 * (a connection slices its page, schema/connection.ts); the usual sizes (20, 50) read no more.
 */
export const pageLimitSql = (n: number): Prisma.Sql => limitSql(PAGE_LIMITS.find((l) => l >= n) ?? n);

/** Keeps the given rows in `ids`' order, null for ids without a row. */
export const inOrder = <T extends { id: number }>(ids: readonly number[], rows: T[]): (T | null)[] => {
  const map = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => map.get(id) ?? null);
};

/** A page of a parent's child rows; `hasNextPage` from one extra row read. */
export interface Page<T> {
  rows: T[];
  hasNextPage: boolean;
}

/** How the rows of one child table hang off their parents (a company's jobs, a user's applications). */
export interface Children<T> {
  /** `table alias`, e.g. `job j`. */
  from: Prisma.Sql;
  alias: string;
  columns: Prisma.Sql;
  parentColumn: string;
  parentOf: (row: T) => number;
  /** The ordering's name in cursors: a cursor of one list is refused by another. */
  cursorName: string;
}

/** Row counts per parent id (0 for ids without rows), one statement for all of them. */
export async function countsByParent(db: Db, table: string, column: string, ids: readonly number[], where = Prisma.empty): Promise<number[]> {
  const col = Prisma.raw(column);
  const rows = await db.$queryRaw<{ id: number; n: number }[]>`SELECT ${col} AS id, count(*)::int AS n FROM ${Prisma.raw(table)}
    WHERE ${inBatch(column, ids)} ${where} GROUP BY ${col}`;
  const map = new Map(rows.map((r) => [r.id, r.n]));
  return ids.map((id) => map.get(id) ?? 0);
}

/**
 * Newest-first pages of child rows for many parents at once: one statement numbers each
 * parent's rows and keeps first + 1 of them (the extra one tells whether there is a next
 * page). `after` is a cursor of this list (`cursorOf`), decoded before any SQL is sent.
 */
export function pagesByParent<T extends { id: number; createdAt: Date }>(children: Children<T>, first: number, after: string | null, where = Prisma.empty) {
  const cursor = after == null ? null : decodeCursor(after, children.cursorName);
  const x = Prisma.raw(children.alias);
  const parent = Prisma.raw(`${children.alias}.${children.parentColumn}`);
  const seek = cursor ? Prisma.sql`AND (${x}.created_at, ${x}.id) < (${cursor[0]}::timestamptz, ${cursor[1]}::int)` : Prisma.empty;
  return async (db: Db, ids: readonly number[]): Promise<Page<T>[]> => {
    const rows = await db.$queryRaw<(T & { _n: number })[]>`SELECT * FROM (
        SELECT ${children.columns}, row_number() OVER (PARTITION BY ${parent} ORDER BY ${x}.created_at DESC, ${x}.id DESC)::int AS _n
        FROM ${children.from} WHERE ${inBatch(`${children.alias}.${children.parentColumn}`, ids)} ${where} ${seek}
      ) t WHERE _n <= ${first + 1}::int ORDER BY _n`;
    const pages = new Map<number, T[]>(ids.map((id) => [id, []]));
    for (const { _n, ...row } of rows) pages.get(children.parentOf(row as unknown as T))?.push(row as unknown as T);
    return ids.map((id) => {
      const all = pages.get(id) ?? [];
      return { rows: all.slice(0, first), hasNextPage: all.length > first };
    });
  };
}

/** The cursor of a row of a newest-first child list. */
export const newestCursor = (cursorName: string, row: { id: number; createdAt: Date }) => encodeCursor(cursorName, [row.createdAt.toISOString(), row.id]);
