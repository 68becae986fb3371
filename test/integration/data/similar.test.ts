import {
  type IndexCache,
  doneEagerly,
  loadSimilarIndex,
  queueLength,
  rankAll,
  refreshQueued,
  replaceKeywords,
  replaceSimilar,
} from '../../../src/data/similar';
import { SimilarJobsRefresher, nextBulkSize } from '../../../src/similar/refresher';
import { makeCache } from '../../helpers/cache';
import { invalidationOf } from '../../../src/cache/tags';
import { Writes } from '../../../src/data/writes';
import { testGateway, useGatewaySuite } from '../../helpers/gateway';

const suite = useGatewaySuite();
const gql: typeof suite.gql = (...args) => suite.gql(...args);

const roleOf = (title: string) => title.replace(/^(Intern|Junior|Senior|Lead|Principal) /, '');

describe('similar jobs', () => {
  it('ranks jobs of the same role first, far above chance', async () => {
    const res = await gql('{ jobs(first: 60) { edges { node { title similarJobs(first: 5) { title isActive } } } } }');
    expect(res.errors).toBeUndefined();
    let same = 0;
    let total = 0;
    for (const { node } of res.data.jobs.edges) {
      for (const s of node.similarJobs) {
        total += 1;
        if (roleOf(s.title) === roleOf(node.title)) same += 1;
        expect(s.isActive).toBe(true);
      }
    }
    // 22 roles in the seed: chance would be under 5%.
    expect(total).toBeGreaterThan(250);
    expect(same / total).toBeGreaterThan(0.8);
  });

  it('never lists the job itself, and rejects first above the materialized 10', async () => {
    const res = await gql('{ job(id: "1") { id similarJobs(first: 10) { id } } }');
    expect(res.data.job.similarJobs.map((s: any) => s.id)).not.toContain('1');
    const bad = await gql('{ job(id: "1") { similarJobs(first: 11) { id } } }');
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('drops a closed job from every list at read time, before any refresh', async () => {
    const res = await gql('{ job(id: "2") { similarJobs(first: 1) { id } } }');
    const victim = Number(res.data.job.similarJobs[0].id);
    await suite.db.prisma.job.update({ where: { id: victim }, data: { isActive: false } });
    const after = await gql('{ job(id: "2") { similarJobs(first: 10) { id } } }');
    expect(after.data.job.similarJobs.map((s: any) => Number(s.id))).not.toContain(victim);
  });

  it('puts a new job into its own list at once and into the lists it now belongs to after the background refresh', async () => {
    const refresher = new SimilarJobsRefresher(suite.db.prisma, { intervalMs: 60_000 });
    const base = await suite.db.prisma.job.findFirstOrThrow({ where: { isActive: true, title: 'Site Reliability Engineer' } });
    // A near-copy of an existing posting: it must rank first among base's similar jobs.
    const twin = await suite.db.prisma.job.create({
      data: { ...base, id: undefined, externalId: null, title: base.title, description: base.description, source: 'test', createdAt: new Date() },
    });
    await refresher.jobsChanged([twin.id]);
    const own = await gql(`{ job(id: "${twin.id}") { similarJobs(first: 3) { id } } }`);
    expect(own.data.job.similarJobs[0].id).toBe(String(base.id));
    expect((await refresher.stats()).pending).toBeGreaterThan(0);
    const before = await gql(`{ job(id: "${base.id}") { similarJobs(first: 1) { id } } }`);
    expect(before.data.job.similarJobs[0].id).not.toBe(String(twin.id));
    await refresher.drain();
    const after = await gql(`{ job(id: "${base.id}") { similarJobs(first: 1) { id } } }`);
    expect(after.data.job.similarJobs[0].id).toBe(String(twin.id));
    expect(await refresher.stats()).toMatchObject({ pending: 0, failures: 0 });
    expect((await refresher.stats()).refreshed).toBeGreaterThan(0);
  });
});

describe('similar jobs in the response cache', () => {
  // bulkAbove 0: every batch is a bulk one (ranked in memory), as while a long queue is worked off.
  it.each([
    ['SQL', Infinity],
    ['bulk', 0],
  ])('invalidates exactly the cached lists a background refresh changed (%s batches)', async (_mode, bulkAbove) => {
    const cache = makeCache(process.env.REDIS_URL);
    await cache.store.ready();
    const { gql: cachedGql } = testGateway(suite.db, { responseCache: cache });
    const refresher = new SimilarJobsRefresher(suite.db.prisma, { intervalMs: 60_000, writes: new Writes(invalidationOf(cache)), bulkAbove });
    const hit = (res: { extensions?: Record<string, unknown> }) => (res.extensions?.responseCache as { hit?: boolean } | undefined)?.hit;
    try {
      await refresher.drain();
      const base = await suite.db.prisma.job.findFirstOrThrow({ where: { isActive: true, title: 'Database Administrator' } });
      const other = await suite.db.prisma.job.findFirstOrThrow({ where: { isActive: true, title: 'Registered Nurse' } });
      const LIST = (id: number) => `{ job(id: "${id}") { title similarJobs(first: 10) { id } } }`;
      const TITLE = (id: number) => `{ job(id: "${id}") { title } }`;
      const warm = new Map<string, unknown>();
      for (const q of [LIST(base.id), LIST(other.id), TITLE(base.id)]) {
        warm.set(q, (await cachedGql(q)).data);
        expect(hit(await cachedGql(q))).toBe(true);
      }
      const twin = await suite.db.prisma.job.create({
        data: { ...base, id: undefined, externalId: null, source: 'test', createdAt: new Date() },
      });
      await refresher.jobsChanged([twin.id]);
      // Until the refresh, base's cached list is the one its table holds: without the twin.
      const ids = (res: { data?: any }) => res.data.job.similarJobs.map((j: { id: string }) => j.id);
      const before = await cachedGql(LIST(base.id));
      expect({ hit: hit(before), hasTwin: ids(before).includes(String(twin.id)) }).toEqual({ hit: true, hasTwin: false });

      expect(await refresher.drain()).toBeGreaterThan(0);
      const after = await cachedGql(LIST(base.id));
      expect({ hit: hit(after), hasTwin: ids(after).includes(String(twin.id)) }).toEqual({ hit: false, hasTwin: true });
      expect(after.data).toEqual((await gql(LIST(base.id))).data); // as an uncached gateway answers
      // Lists the refresh did not change, and results without a list, stay cached.
      for (const q of [LIST(other.id), TITLE(base.id)]) {
        const res = await cachedGql(q);
        expect({ q, hit: hit(res), data: res.data }).toEqual({ q, hit: true, data: warm.get(q) });
      }
    } finally {
      await cache.close();
    }
  });
});

/** Each job's list, as stored: similar ids in rank order. */
async function storedLists(ids: number[]): Promise<Map<number, number[]>> {
  const rows = await suite.db.raw.query<{ job_id: number; similar_id: number }>(
    'SELECT job_id, similar_id FROM job_similar WHERE job_id = ANY($1::int[]) ORDER BY job_id, rank',
    [ids],
  );
  const lists = new Map<number, number[]>(ids.map((id) => [id, []]));
  for (const r of rows) lists.get(r.job_id)!.push(r.similar_id);
  return lists;
}

describe('similar jobs in bulk', () => {
  it('ranks in memory exactly as the SQL ranking does', async () => {
    const ids = (await suite.db.raw.query<{ id: number }>('SELECT id FROM job WHERE id % 12 = 0 ORDER BY id')).map((r) => r.id);
    expect(ids.length).toBeGreaterThan(150);
    const ranked = rankAll(await loadSimilarIndex(suite.db.prisma), ids);
    await replaceSimilar(suite.db.prisma, ids);
    const stored = await storedLists(ids);
    const inMemory = new Map(ids.map((id) => [id, ranked.get(id)!.map((r) => r.similarId)]));
    expect(inMemory).toEqual(stored);
    expect([...stored.values()].filter((l) => l.length === 10).length).toBeGreaterThan(ids.length * 0.9);
  });

  it('gives every job of a bulk import its list once the queue is worked off, in bulk batches', async () => {
    const refresher = new SimilarJobsRefresher(suite.db.prisma, { intervalMs: 60_000 });
    const base = await suite.db.prisma.job.findMany({ where: { isActive: true }, orderBy: { id: 'asc' }, take: 1100 });
    const created = await suite.db.prisma.job.createManyAndReturn({
      data: base.map((b, i) => ({ ...b, id: undefined, externalId: `bulk-${i}`, source: 'bulk-test', title: `${b.title} ${['Remote', 'Onsite'][i % 2]}` })),
      select: { id: true },
    });
    const ids = created.map((c) => c.id);
    await refresher.jobsImported(ids);
    expect(await queueLength(suite.db.prisma)).toBeGreaterThan(1100);
    await refresher.drain();
    const stats = await refresher.stats();
    expect(stats).toMatchObject({ pending: 0, failures: 0 });
    // Bulk batches, sized by their time: fewer batches than 200-job ones would take.
    expect(stats.batches).toBeLessThan(stats.refreshed / 200);
    const missing = await suite.db.raw.query<{ id: number }>(
      'SELECT id FROM job j WHERE is_active AND (SELECT count(*) FROM job_similar s WHERE s.job_id = j.id) < 10',
    );
    expect(missing).toEqual([]);
    // Each near-copy lists its original among its top similar jobs.
    const lists = await storedLists(ids);
    const withOriginal = ids.filter((id, i) => lists.get(id)!.slice(0, 3).includes(base[i].id));
    expect(withOriginal.length).toBeGreaterThan(ids.length * 0.9);
  });

  it('lets an eager refresh and the queue worker take the same jobs at once without a collision', async () => {
    // An importer's eager refresh while a served gateway's worker takes the jobs its batches
    // queued (by trigger): both rewrite keywords and lists of the same jobs. (PGlite runs one
    // transaction at a time; on PostgreSQL this failed on job_keyword's primary key.)
    const eager = new SimilarJobsRefresher(suite.db.prisma, { intervalMs: 60_000 });
    const worker = new SimilarJobsRefresher(suite.db.prisma, { intervalMs: 60_000, batchSize: 20, bulkAbove: 50 });
    const jobs = await suite.db.prisma.job.findMany({ where: { isActive: true }, orderBy: { id: 'asc' }, take: 120, select: { id: true } });
    const ids = jobs.map((j) => j.id);
    for (let round = 0; round < 6; round++) {
      // A write to each: the trigger queues each job for its keywords.
      await suite.db.raw.query(`UPDATE job SET title = title WHERE id = ANY($1::int[])`, [ids]);
      const results = await Promise.allSettled([eager.jobsChanged(ids.slice(0, 60)), worker.drain(), eager.jobsChanged(ids.slice(60)), worker.drain()]);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    }
    await worker.drain();
    const [{ short }] = await suite.db.raw.query<{ short: number }>(
      `SELECT count(*)::int AS short FROM unnest($1::int[]) id WHERE (SELECT count(*) FROM job_keyword k WHERE k.job_id = id) = 0
         OR (SELECT count(*) FROM job_similar s WHERE s.job_id = id) < 10`,
      [ids],
    );
    expect(short).toBe(0);
  });

  it('reads the keywords again when they changed between bulk batches', async () => {
    const base = await suite.db.prisma.job.findFirstOrThrow({ where: { isActive: true, title: 'Data Engineer' } });
    const cache: IndexCache = {};
    const batch = async () => {
      await suite.db.prisma.$executeRaw`INSERT INTO job_similar_queue (job_id) VALUES (${base.id}) ON CONFLICT DO NOTHING`;
      return refreshQueued(suite.db.prisma, 10, { compare: true, bulk: true, cache });
    };
    await batch();
    const kept = cache.index;
    expect(kept).toBeDefined();
    expect((await batch()).n).toBeGreaterThan(0);
    expect(cache.index).toBe(kept); // nothing changed: the index is kept
    const twin = await suite.db.prisma.job.create({
      data: { ...base, id: undefined, externalId: null, source: 'test', createdAt: new Date() },
    });
    // Its keywords written by another process (another gateway's eager refresh), not by a batch.
    await replaceKeywords(suite.db.prisma, [twin.id]);
    await doneEagerly(suite.db.prisma, [twin.id]);
    expect((await batch()).changed).toContain(base.id);
    expect(cache.index).not.toBe(kept);
    expect((await storedLists([base.id])).get(base.id)![0]).toBe(twin.id);
  });

  it('sizes bulk batches to the time they take, within bounds', () => {
    expect(nextBulkSize(2000, 500, 1000)).toBeGreaterThan(2000);
    expect(nextBulkSize(2000, 4000, 1000)).toBeLessThan(2000);
    expect(nextBulkSize(2000, 1000, 1000)).toBe(2000);
    expect(nextBulkSize(600, 60_000, 1000)).toBe(500);
    expect(nextBulkSize(40_000, 1, 1000)).toBe(50_000);
  });
});
