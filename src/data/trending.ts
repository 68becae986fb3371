import { WRITE_TX } from '../db/database';
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import type { Db } from './client';
import type { Intent } from './invalidations';
import type { Owe } from './writes';
import { jobColumns, MAX_PAGE, type JobColumn, type JobRow, type Joined } from './jobs';
import { pageLimitSql } from './pages';

/** Jobs kept per precomputed window: a page of the most asked, with room for jobs closed since. */
const KEEP = MAX_PAGE + 50;

/** Active jobs by applications created within the last `days` days, computed from the applications. */
const live = (days: number, first: number, wanted?: readonly JobColumn[]) => Prisma.sql`SELECT ${jobColumns(wanted)}, t.n AS "recentApplications" FROM (
      SELECT job_id, count(*)::int AS n FROM application
      WHERE created_at >= now() - make_interval(days => ${days}::int) GROUP BY job_id
    ) t JOIN job j ON j.id = t.job_id AND j.is_active
    ORDER BY t.n DESC, j.id DESC LIMIT ${pageLimitSql(first)}`;

type Trending = Joined<JobRow> & { recentApplications: number };

/**
 * Active jobs with the most applications created in the last `days` days, with that count
 * (`recentApplications`). A window kept fresh in the background is read from its list
 * (trending_job; jobs closed since are left out): one small statement. Any other window, or
 * one whose list is stale, is computed live by a second. (One statement holding both, the
 * live one gated off, cost more to plan than the list costs to read.)
 */
export async function trendingJobs(db: Db, days: number, first: number, wanted?: readonly JobColumn[]): Promise<Trending[]> {
  const kept = await db.$queryRaw<(Partial<Trending> & { _fresh: boolean; _kept: number })[]>`SELECT w.fresh_until > now() AS _fresh,
      (SELECT count(*)::int FROM trending_job x WHERE x.days = w.days) AS _kept, ${jobColumns(wanted)}, t.applications AS "recentApplications"
    FROM trending_window w
    LEFT JOIN trending_job t ON t.days = w.days
    LEFT JOIN job j ON j.id = t.job_id AND j.is_active
    WHERE w.days = ${days}::int AND (t.job_id IS NULL OR j.id IS NOT NULL)
    ORDER BY t.rank LIMIT ${pageLimitSql(first)}`;
  // No row: the window is not kept; a row without a job: it is kept, and nothing is trending.
  // A full list that jobs closed since have left short of `first` no longer knows the rest.
  const rows = kept
    .filter((r): r is Trending & { _fresh: boolean; _kept: number } => r.id != null)
    .slice(0, first)
    .map(({ _fresh, _kept, ...row }) => row);
  if (kept[0]?._fresh && !(rows.length < first && kept[0]._kept >= KEEP)) return rows;
  return (await db.$queryRaw<Trending[]>(live(days, first, wanted))).slice(0, first);
}

/**
 * Recomputes a window's list, unless another instance holds it (each window is refreshed by
 * one instance at a time) or refreshed it less than `minAgeS` ago. The list is read as fresh
 * for `freshForS`. Returns whether the list came out different: it then owes an invalidation,
 * recorded with it by `owe` (data/writes.ts).
 */
export function refreshTrending(
  prisma: PrismaClient,
  days: number,
  options: { minAgeS: number; freshForS: number; owe?: Owe },
): Promise<{ changed: boolean; intent?: Intent }> {
  return prisma.$transaction(
    async (tx) => {
      const [{ mine }] = await tx.$queryRaw<{ mine: boolean }[]>`SELECT pg_try_advisory_xact_lock(${TRENDING_LOCK}::int, ${days}::int) AS mine`;
      if (!mine) return { changed: false };
      const [recent] = await tx.$queryRaw<unknown[]>`SELECT 1 FROM trending_window
        WHERE days = ${days}::int AND computed_at > now() - make_interval(secs => ${options.minAgeS}::float8)`;
      if (recent) return { changed: false };
      const list = async () =>
        (
          await tx.$queryRaw<{ list: string | null }[]>`SELECT string_agg(job_id || ':' || applications, ',' ORDER BY rank) AS list
            FROM trending_job WHERE days = ${days}::int`
        )[0].list;
      const before = await list();
      await tx.$executeRaw`INSERT INTO trending_window (days, computed_at, fresh_until)
        VALUES (${days}::int, now(), now() + make_interval(secs => ${options.freshForS}::float8))
        ON CONFLICT (days) DO UPDATE SET computed_at = EXCLUDED.computed_at, fresh_until = EXCLUDED.fresh_until`;
      await tx.$executeRaw`DELETE FROM trending_job WHERE days = ${days}::int`;
      await tx.$executeRaw`INSERT INTO trending_job (days, rank, job_id, applications)
        SELECT ${days}::int, row_number() OVER (ORDER BY "recentApplications" DESC, id DESC), id, "recentApplications" FROM (${live(days, KEEP, [])}) l`;
      const changed = (await list()) !== before;
      return { changed, intent: changed ? await options.owe?.(tx) : undefined };
    },
    // A refresh waits for a pool connection as a write does: a busy pool must not fail it.
    { maxWait: WRITE_TX.maxWait, timeout: 60_000 },
  );
}

/** Any constant: the advisory lock space of trending refreshes (the window is the second key). */
const TRENDING_LOCK = 72_610_434;

/** Stops keeping windows no longer configured: their lists would go stale and be computed live anyway. */
export const forgetTrendingExcept = (db: Db, days: number[]) => db.$executeRaw`DELETE FROM trending_window WHERE days <> ALL(${days}::int[])`;
