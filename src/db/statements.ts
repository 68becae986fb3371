/**
 * What a call through Prisma (or a statement on the raw driver) does to the database: `read`
 * when it cannot change anything, `write` when it may. One decision for everything that must
 * agree on it:
 *
 * - a request's database view (db/request-db.ts) refuses reads once its client left, and sends
 *   a query's reads to a replica that has caught up while whatever may write goes to the
 *   primary and moves the replicas' fence;
 * - the drivers (db/database.ts) send a read again when its connection died.
 *
 * When in doubt, a write: a read taken for a write only loses a replica read or a retry; a
 * write taken for a read could run on a standby (and fail there), run twice, or be skipped
 * when the client left.
 */
export type Access = 'read' | 'write';

/**
 * Model operations that only read (`db.job.findMany`). Every other model operation (create,
 * update, upsert, delete and their *Many forms, and any operation Prisma adds) may write.
 */
const MODEL_READS = new Set<PropertyKey>(['findMany', 'findFirst', 'findFirstOrThrow', 'findUnique', 'findUniqueOrThrow', 'count', 'aggregate', 'groupBy']);

/** Raw statements whose text says what they do; `$executeRaw` is for writes whatever it sends. */
const RAW_QUERIES = new Set<PropertyKey>(['$queryRaw', '$queryRawUnsafe']);
const RAW_EXECUTES = new Set<PropertyKey>(['$executeRaw', '$executeRawUnsafe']);

/** Whether `method` of a Prisma client sends one raw statement. */
export const isRawMethod = (method: PropertyKey): boolean => RAW_QUERIES.has(method) || RAW_EXECUTES.has(method);

/**
 * A statement that only reads: sending it again cannot write twice, and a standby can run it.
 * A data-modifying WITH, a locking read (it takes row locks, which a standby refuses), a
 * sequence or an advisory lock all count as writes.
 */
export const isReadOnlySql = (sql: string): boolean =>
  /^\s*(SELECT|SHOW|WITH)\b/i.test(sql) &&
  !/\b(INSERT|UPDATE|DELETE|MERGE|INTO|FOR\s+UPDATE|FOR\s+SHARE|nextval|setval|set_config|pg_\w*advisory\w*)\b/i.test(sql);

/**
 * The text of a raw call's statement, from its arguments: a `Prisma.sql` object, a tagged
 * template (its parts joined by `$1`, `$2`… as PostgreSQL numbers parameters) or a string.
 * Good for classifying it and for the slow-request log; the values are never in it.
 */
export function sqlText(args: readonly unknown[]): string {
  const [first] = args;
  if (first && typeof first === 'object' && 'sql' in first) return String(first.sql);
  if (Array.isArray(first)) return first.map((part, i) => (i ? `$${i}${String(part)}` : String(part))).join('');
  return typeof first === 'string' ? first : '';
}

/** What a raw call (`$queryRaw`, `$executeRaw`… with its arguments) does. */
export const rawAccess = (method: PropertyKey, args: readonly unknown[]): Access =>
  RAW_QUERIES.has(method) && isReadOnlySql(sqlText(args)) ? 'read' : 'write';

/** What a model operation (`findMany`, `update`…) does. */
export const modelAccess = (operation: PropertyKey): Access => (MODEL_READS.has(operation) ? 'read' : 'write');
