/**
 * The cache invalidation a committed write still owes. A writer records one inside the very
 * transaction that writes (so it exists exactly when the write does) and the response cache
 * deletes it once the invalidation is stored or recorded as a debt. One left behind belongs to
 * a writer that died in between; any instance turns it into a debt (see ResponseCache).
 */
export type Intent = number;

const RECORD = 'INSERT INTO cache_invalidation_intent DEFAULT VALUES RETURNING id::float8 AS id';

/** Inside a Prisma interactive transaction (`prisma.$transaction(async (tx) => …)`), as its last statement. */
export async function recordIntent(tx: { $queryRawUnsafe<T>(sql: string): Promise<T> }): Promise<Intent> {
  return (await tx.$queryRawUnsafe<{ id: number }[]>(RECORD))[0].id;
}

/** The same in a `db.raw.transaction`. */
export async function recordIntentRaw(tx: { query<T>(sql: string): Promise<T[]> }): Promise<Intent> {
  return (await tx.query<{ id: number }>(RECORD))[0].id;
}
