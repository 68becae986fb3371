import { z } from 'zod';
import { badInput } from '../errors';

// A cursor carries the sort key of the last row seen, so the next page is a keyset seek
// (an index range scan) rather than an OFFSET that rereads every earlier row.
const CursorSchema = z.object({ o: z.string(), k: z.array(z.union([z.string(), z.number()])).min(1).max(3) });
export type CursorKey = (string | number)[];

export function encodeCursor(order: string, key: CursorKey): string {
  return Buffer.from(JSON.stringify({ o: order, k: key })).toString('base64url');
}

export function decodeCursor(cursor: string, order: string): CursorKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badInput('`after` is not a cursor this API returned (it must be an `endCursor` from a previous page)', 'after');
  }
  const result = CursorSchema.safeParse(parsed);
  if (!result.success) {
    throw badInput('`after` is not a cursor this API returned (it must be an `endCursor` from a previous page)', 'after');
  }
  if (result.data.o !== order) {
    throw badInput(`\`after\` was returned for a different ordering (${result.data.o}); use it with the same \`orderBy\` and \`filter\``, 'after');
  }
  return result.data.k;
}
