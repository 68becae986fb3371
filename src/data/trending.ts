import type { Db } from './client';
import { JOB_COLUMNS, type JobRow } from './jobs';

/** Active jobs with the most applications created in the last `days` days, with that count (`recentApplications`). */
export const trendingJobs = (db: Db, days: number, first: number) =>
  db.$queryRaw<(JobRow & { recentApplications: number })[]>`SELECT ${JOB_COLUMNS}, t.n AS "recentApplications" FROM (
      SELECT job_id, count(*)::int AS n FROM application
      WHERE created_at >= now() - make_interval(days => ${days}::int) GROUP BY job_id
    ) t JOIN job j ON j.id = t.job_id AND j.is_active
    ORDER BY t.n DESC, j.id DESC LIMIT ${first}::int`;
