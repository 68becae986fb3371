import type { User } from '../generated/prisma/client';
import type { Db } from './client';
import { inOrder } from './pages';

export async function usersByIds(db: Db, ids: readonly number[]): Promise<(User | null)[]> {
  return inOrder(ids, await db.user.findMany({ where: { id: { in: [...ids] } } }));
}
