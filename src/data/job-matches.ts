import { Prisma } from '../generated/prisma/client';
import type { Db } from './client';
import { jobFilterSql, type JobFilterInput } from './jobs';

/**
 * Which of `ids` a job list's filter takes (active jobs, the same conditions and search as
 * `jobs(filter)`, strictly: a new job never matches by a relaxed search): one statement for a
 * batch of new jobs, so a subscriber's filter is matched by the database that defines it.
 */
export async function matchingJobIds(db: Db, ids: readonly number[], filter: JobFilterInput | null | undefined): Promise<number[]> {
  if (!ids.length) return [];
  const rows = await db.$queryRaw<{ id: number }[]>(
    Prisma.sql`SELECT j.id FROM job j WHERE j.id = ANY(${[...ids]}::int[]) AND ${jobFilterSql(filter)} ORDER BY j.id`,
  );
  return rows.map((r) => r.id);
}
