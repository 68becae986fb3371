import { z } from 'zod';
import { INT4_MAX, isId } from '../domain/arguments';
import { InvalidInput } from '../domain/errors';

// A cursor carries the sort key of the last row seen, so the next page is a keyset seek
// (an index range scan) rather than an OFFSET that rereads every earlier row.
const CursorSchema = z.object({
  o: z.string(),
  k: z
    .array(z.union([z.string(), z.number()]))
    .min(1)
    .max(3),
});
export type CursorKey = (string | number)[];

// The key is cast in SQL (::int, ::timestamptz, ::float8): each part must be what we encoded,
// or a forged cursor would reach PostgreSQL as an out-of-range value or a bad timestamp.
const id = z.number().refine(isId);
const time = z.string().refine((s) => {
  const d = new Date(s);
  return !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999 && d.toISOString() === s;
});
const NEWEST = z.tuple([time, id]);
const KEYS: Record<string, z.ZodType<CursorKey>> = {
  NEWEST,
  COMPANY_NEWEST: NEWEST,
  APPLICATION_NEWEST: NEWEST,
  RELEVANCE: z.tuple([z.number(), id]),
  // The id alone: a name can be longer than a cursor may be.
  COMPANY_NAME: z.tuple([id]),
  SALARY_DESC: z.tuple([z.number().int().min(-1).max(INT4_MAX), id]),
};
// The pages of a relaxed search (data/jobs.ts) carry the same keys under their own names, so a
// next page stays relaxed, and a strict list's last page never turns into a relaxed one.
for (const name of ['NEWEST', 'RELEVANCE', 'SALARY_DESC']) KEYS[`${name}/RELAXED`] = KEYS[name];
/** Longer than any cursor we hand out; refused before decoding. */
const MAX_LENGTH = 200;

export function encodeCursor(order: string, key: CursorKey): string {
  return Buffer.from(JSON.stringify({ o: order, k: key })).toString('base64url');
}

const notOurs = () => new InvalidInput('`after` is not a cursor this API returned (it must be an `endCursor` from a previous page)', 'after');

/** The ordering a cursor was returned for, or null when it is not one of ours (decodeCursor says why). */
export function cursorOrder(cursor: string): string | null {
  try {
    const parsed = CursorSchema.safeParse(JSON.parse(Buffer.from(cursor.slice(0, MAX_LENGTH + 1), 'base64url').toString('utf8')));
    return parsed.success ? parsed.data.o : null;
  } catch {
    return null;
  }
}

export function decodeCursor(cursor: string, order: string): CursorKey {
  const keySchema = KEYS[order];
  if (!keySchema) throw new Error(`no cursor key schema for the ordering ${order}`);
  if (cursor.length > MAX_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw notOurs();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw notOurs();
  }
  const result = CursorSchema.safeParse(parsed);
  if (!result.success) throw notOurs();
  if (result.data.o !== order) {
    throw new InvalidInput(
      `\`after\` was returned for a different ordering (${result.data.o.slice(0, 40)}); use it with the same \`orderBy\` and \`filter\``,
      'after',
    );
  }
  const key = keySchema.safeParse(result.data.k);
  if (!key.success) throw notOurs();
  return key.data;
}
