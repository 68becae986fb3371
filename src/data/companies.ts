import { InvalidInput } from '../domain/errors';
import { Prisma, type Company } from '../generated/prisma/client';
import type { Db } from './client';
import { decodeCursor, encodeCursor } from './cursor';
import { JOB_COLUMNS, type JobRow } from './jobs';
import { countsByParent, inBatch, inOrder, newestCursor, pagesByParent, pageLimitSql, type Children } from './pages';

/** What the API shows of a company (its external reference and timestamps are the importer's). */
export type CompanyRow = Pick<Company, 'id' | 'name' | 'industry' | 'rating'>;

export async function companiesByIds(db: Db, ids: readonly number[]): Promise<(CompanyRow | null)[]> {
  return inOrder(ids, await db.$queryRaw<CompanyRow[]>`SELECT id, name, industry, rating FROM company WHERE ${inBatch('id', ids)}`);
}

/** Active jobs per company. */
export const activeJobCounts = (db: Db, ids: readonly number[]) => countsByParent(db, 'job', 'company_id', ids, Prisma.sql`AND is_active`);

const COMPANY_JOBS: Children<JobRow> = {
  from: Prisma.sql`job j`,
  alias: 'j',
  columns: JOB_COLUMNS,
  parentColumn: 'company_id',
  parentOf: (r) => r.companyId,
  cursorName: 'COMPANY_NEWEST',
};

/** Pages of companies' active jobs, newest first. */
export const companyJobPages = (first: number, after: string | null) => pagesByParent(COMPANY_JOBS, first, after, Prisma.sql`AND j.is_active`);

export const companyJobCursor = (row: JobRow) => newestCursor(COMPANY_JOBS.cursorName, row);

/**
 * A page of companies in name order (then id: names are unique, but a cursor must not depend
 * on it), optionally only those whose name contains `search` (any case; the trigram index
 * company_name_trgm_idx serves it).
 */
export async function findCompanyPage(db: Db, search: string | null, first: number, after: string | null) {
  const text = search?.trim().toLowerCase();
  if (text && text.length > 100) throw new InvalidInput('`search` is limited to 100 characters', 'search');
  const where = text ? Prisma.sql`lower(c.name) LIKE ${`%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`}` : Prisma.sql`true`;
  const key = after == null ? null : decodeCursor(after, 'COMPANY_NAME');
  const seek = key ? Prisma.sql`AND (c.name, c.id) > ((SELECT name FROM company WHERE id = ${key[0]}::int), ${key[0]}::int)` : Prisma.empty;
  const rows = await db.$queryRaw<CompanyRow[]>`SELECT c.id, c.name, c.industry, c.rating FROM company c
    WHERE ${where} ${seek} ORDER BY c.name, c.id LIMIT ${pageLimitSql(first + 1)}`;
  return {
    rows,
    cursorOf: (c: CompanyRow) => encodeCursor('COMPANY_NAME', [c.id]),
    count: async () => (await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM company c WHERE ${where}`)[0].n,
  };
}
