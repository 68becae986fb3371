import { Prisma, type Company } from '../generated/prisma/client';
import type { Db } from './client';
import { JOB_COLUMNS, type JobRow } from './jobs';
import { countsByParent, inOrder, newestCursor, pagesByParent, type Children } from './pages';

/** What the API shows of a company (its external reference and timestamps are the importer's). */
export type CompanyRow = Pick<Company, 'id' | 'name' | 'industry' | 'rating'>;

export async function companiesByIds(db: Db, ids: readonly number[]): Promise<(CompanyRow | null)[]> {
  return inOrder(ids, await db.$queryRaw<CompanyRow[]>`SELECT id, name, industry, rating FROM company WHERE id = ANY(${[...ids]}::int[])`);
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
