import { Prisma, type Application } from '../generated/prisma/client';
import type { ApplicationStatus } from '../generated/prisma/enums';
import type { Db } from './client';
import { countsByParent, inOrder, newestCursor, pagesByParent, type Children } from './pages';

export type ApplicationsOf = 'user' | 'job';

const children = (of: ApplicationsOf): Children<Application> => ({
  from: Prisma.sql`application a`,
  alias: 'a',
  columns: Prisma.sql`a.id, a.job_id AS "jobId", a.user_id AS "userId", a.status::text AS status, a.created_at AS "createdAt", a.updated_at AS "updatedAt"`,
  parentColumn: of === 'user' ? 'user_id' : 'job_id',
  parentOf: (r) => (of === 'user' ? r.userId : r.jobId),
  cursorName: 'APPLICATION_NEWEST',
});
const CHILDREN = { user: children('user'), job: children('job') };

const withStatus = (status: ApplicationStatus | null) => (status == null ? Prisma.empty : Prisma.sql`AND a.status = ${status}::"ApplicationStatus"`);

export async function applicationsByIds(db: Db, ids: readonly number[]): Promise<(Application | null)[]> {
  return inOrder(ids, await db.application.findMany({ where: { id: { in: [...ids] } } }));
}

/** Applications per job: all time, or created within the last `days` days. */
export const applicationCountsPerJob = (days: number | null) => (db: Db, ids: readonly number[]) =>
  countsByParent(db, 'application', 'job_id', ids, days == null ? Prisma.empty : Prisma.sql`AND created_at >= now() - make_interval(days => ${days}::int)`);

/** Pages of users' or jobs' applications (in one status, or all), newest first. */
export const applicationPages = (of: ApplicationsOf, first: number, after: string | null, status: ApplicationStatus | null) =>
  pagesByParent(CHILDREN[of], first, after, withStatus(status));

/** All applications of users or jobs, in one status or all. */
export const applicationTotals = (of: ApplicationsOf, status: ApplicationStatus | null) => (db: Db, ids: readonly number[]) =>
  countsByParent(db, 'application a', `a.${CHILDREN[of].parentColumn}`, ids, withStatus(status));

export const applicationCursor = (row: Application) => newestCursor('APPLICATION_NEWEST', row);

export const findApplication = (db: Db, id: number): Promise<Application | null> => db.application.findUnique({ where: { id } });

/** An application just written: its absence is a broken database, not a client's error. */
export const reloadApplication = (db: Db, id: number): Promise<Application> => db.application.findUniqueOrThrow({ where: { id } });

export const insertApplication = (tx: Db, jobId: number, userId: number): Promise<Application> => tx.application.create({ data: { jobId, userId } });

/**
 * Moves an application from the status it was read in to `to`, only if nobody moved it in
 * between (compare-and-set): two concurrent moves cannot both succeed from the same state.
 * False when it had moved.
 */
export async function moveApplicationStatus(tx: Db, app: Application, to: ApplicationStatus): Promise<boolean> {
  const { count } = await tx.application.updateMany({ where: { id: app.id, status: app.status }, data: { status: to } });
  return count > 0;
}
