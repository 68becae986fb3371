import { invalidationOf } from '../../../src/cache/tags';
import { Writes } from '../../../src/data/writes';
import { TrendingRefresher } from '../../../src/trending/refresher';
import { makeCache } from '../../helpers/cache';
import { testGateway, useGatewaySuite } from '../../helpers/gateway';
import { itIf } from '../../helpers/skip';

// Trending windows kept precomputed in the background (src/data/trending.ts): read from a small
// table while fresh, computed live otherwise, and the same answer either way once refreshed.
const suite = useGatewaySuite();
const gql: typeof suite.gql = (...args) => suite.gql(...args);

const TRENDING = (days: number) => `{ trendingJobs(days: ${days}, first: 20) { id applicationCount(days: ${days}) } }`;
const ranking = async (days: number) => {
  const res = await gql(TRENDING(days));
  expect(res.errors).toBeUndefined();
  return res.data.trendingJobs.map((j: { id: string; applicationCount: number }) => [j.id, j.applicationCount]);
};

/** The ranking as the applications table has it now: what a live computation answers. */
async function expected(days: number): Promise<[string, number][]> {
  const rows = await suite.db.raw.query<{ id: number; n: number }>(
    `SELECT a.job_id AS id, count(*)::int AS n FROM application a JOIN job j ON j.id = a.job_id AND j.is_active
     WHERE a.created_at >= now() - make_interval(days => $1) GROUP BY a.job_id ORDER BY n DESC, a.job_id DESC LIMIT 20`,
    [days],
  );
  return rows.map((r) => [String(r.id), r.n]);
}

/** Applications to `jobId` written straight to the table: no mutation, so no invalidation either. */
async function addApplications(jobId: number, count: number) {
  await suite.db.raw.query(
    `INSERT INTO application (job_id, user_id, status, created_at)
     SELECT $1, u.id, 'SUBMITTED', now() FROM "user" u
     WHERE NOT EXISTS (SELECT 1 FROM application a WHERE a.job_id = $1 AND a.user_id = u.id) ORDER BY u.id LIMIT $2`,
    [jobId, count],
  );
}

describe('trending, precomputed', () => {
  const refresher = () => new TrendingRefresher(suite.db.prisma, { windows: [7], refreshS: 60 });

  it('answers a kept window from its list, exactly what computing live answers after a refresh', async () => {
    const live = await ranking(7);
    expect(live).toEqual(await expected(7));
    await refresher().refresh();
    const [{ n }] = await suite.db.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM trending_job WHERE days = 7');
    expect(n).toBeGreaterThan(20);
    expect(await ranking(7)).toEqual(live);
  });

  it('reads the list until the next refresh (the stated bound), then shows what changed', async () => {
    const kept = await ranking(7);
    // A quiet job jumps to the top, behind the precomputed list's back.
    const [{ id: quiet }] = await suite.db.raw.query<{ id: number }>(
      'SELECT id FROM job j WHERE is_active AND NOT EXISTS (SELECT 1 FROM application a WHERE a.job_id = j.id) ORDER BY id LIMIT 1',
    );
    await addApplications(quiet, 200);
    expect(await ranking(7)).toEqual(kept);
    // A window not kept is computed live: it sees the new applications at once.
    expect((await ranking(6))[0]).toEqual([String(quiet), 200]);
    // The next refresh (after half a period: force it by ageing the list) brings them in.
    await suite.db.raw.query("UPDATE trending_window SET computed_at = computed_at - interval '1 hour'");
    await refresher().refresh();
    const after = await ranking(7);
    expect(after[0]).toEqual([String(quiet), 200]);
    expect(after).toEqual(await expected(7));
  });

  it('drops a job closed since the refresh at once', async () => {
    const [[top]] = await ranking(7);
    await suite.db.prisma.job.update({ where: { id: Number(top) }, data: { isActive: false } });
    try {
      const now = await ranking(7);
      expect(now.map(([id]: [string]) => id)).not.toContain(top);
      expect(now).toHaveLength(20);
    } finally {
      await suite.db.prisma.job.update({ where: { id: Number(top) }, data: { isActive: true } });
    }
  });

  it('computes live once a list is past its freshness (its refreshers stopped)', async () => {
    const [{ id: other }] = await suite.db.raw.query<{ id: number }>(
      'SELECT id FROM job j WHERE is_active AND NOT EXISTS (SELECT 1 FROM application a WHERE a.job_id = j.id) ORDER BY id LIMIT 1',
    );
    await addApplications(other, 300);
    expect((await ranking(7))[0]).not.toEqual([String(other), 300]);
    await suite.db.raw.query("UPDATE trending_window SET fresh_until = now() - interval '1 second', computed_at = now() - interval '2 seconds'");
    expect(await ranking(7)).toEqual(await expected(7));
    expect((await ranking(7))[0]).toEqual([String(other), 300]);
  });

  // PGlite runs one transaction at a time anyway: the lock matters between PostgreSQL clients.
  const onPostgres = itIf(process.env.TEST_DATABASE_URL, 'runs on PostgreSQL (TEST_DATABASE_URL): PGlite runs one transaction at a time');
  onPostgres('leaves a window another instance is refreshing to it', async () => {
    await suite.db.raw.query("UPDATE trending_window SET computed_at = now() - interval '1 hour'");
    const [{ at }] = await suite.db.raw.query<{ at: Date }>('SELECT computed_at AS at FROM trending_window WHERE days = 7');
    const other = await suite.db.driver.pool!.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock(72610434, 7)');
      await refresher().refresh();
      const [{ still }] = await suite.db.raw.query<{ still: Date }>('SELECT computed_at AS still FROM trending_window WHERE days = 7');
      expect(still.getTime()).toBe(at.getTime());
    } finally {
      await other.query('ROLLBACK');
      other.release();
    }
    await refresher().refresh();
    const [{ now }] = await suite.db.raw.query<{ now: Date }>('SELECT computed_at AS now FROM trending_window WHERE days = 7');
    expect(now.getTime()).toBeGreaterThan(at.getTime());
  });

  it('refreshes a window once however many instances try, and not again within half a period', async () => {
    await suite.db.raw.query("UPDATE trending_window SET computed_at = now() - interval '1 hour'");
    const before = (await suite.db.raw.query<{ at: Date }>('SELECT computed_at AS at FROM trending_window WHERE days = 7'))[0].at;
    await Promise.all([refresher().refresh(), refresher().refresh(), refresher().refresh()]);
    const [{ at, n }] = await suite.db.raw.query<{ at: Date; n: number }>(
      'SELECT w.computed_at AS at, (SELECT count(*)::int FROM trending_job t WHERE t.days = 7) AS n FROM trending_window w WHERE days = 7',
    );
    expect(at.getTime()).toBeGreaterThan(before.getTime());
    expect(n).toBeGreaterThan(20);
    await refresher().refresh();
    const [{ again }] = await suite.db.raw.query<{ again: Date }>('SELECT computed_at AS again FROM trending_window WHERE days = 7');
    expect(again.getTime()).toBe(at.getTime());
  });

  it('invalidates cached trending results when a refresh changes the list, and only then', async () => {
    const cache = makeCache(process.env.REDIS_URL);
    await cache.store.ready();
    const { gql: cached } = testGateway(suite.db, { responseCache: cache });
    const hit = (res: { extensions?: Record<string, unknown> }) => (res.extensions?.responseCache as { hit?: boolean } | undefined)?.hit;
    const trending = new TrendingRefresher(suite.db.prisma, { windows: [7], refreshS: 60, writes: new Writes(invalidationOf(cache)) });
    try {
      await suite.db.raw.query("UPDATE trending_window SET computed_at = now() - interval '1 hour'");
      await trending.refresh();
      await cached(TRENDING(7));
      expect(hit(await cached(TRENDING(7)))).toBe(true);
      // Refreshed to the same list: cached results stand.
      await suite.db.raw.query("UPDATE trending_window SET computed_at = now() - interval '1 hour'");
      await trending.refresh();
      expect(hit(await cached(TRENDING(7)))).toBe(true);
      // A change: the next read is computed again, and shows it.
      const [{ id: third }] = await suite.db.raw.query<{ id: number }>(
        'SELECT id FROM job j WHERE is_active AND NOT EXISTS (SELECT 1 FROM application a WHERE a.job_id = j.id) ORDER BY id LIMIT 1',
      );
      await addApplications(third, 400);
      await suite.db.raw.query("UPDATE trending_window SET computed_at = now() - interval '1 hour'");
      await trending.refresh();
      const fresh = await cached(TRENDING(7));
      expect(hit(fresh)).toBe(false);
      expect(fresh.data.trendingJobs[0]).toEqual({ id: String(third), applicationCount: 400 });
    } finally {
      await cache.close();
    }
  });
});
