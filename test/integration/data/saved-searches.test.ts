import { requiredLexemes } from '../../../src/domain/saved-search';
import { deleteOldMatches, MATCH_BATCH, matchQueued } from '../../../src/data/saved-searches';
import { tokenFor, useGatewaySuite } from '../../helpers/gateway';
import { Writes } from '../../../src/data/writes';
import { alertDaysToWrite, BATCH_GROWTH_AFTER, dueAlertDay, JobAlertsRefresher, SavedSearchMatcher } from '../../../src/search/saved-searches';

const suite = useGatewaySuite();
const prisma = () => suite.db.prisma;

// The matcher applies a saved search's filter column by column (data/saved-searches.ts); `jobs`
// applies it as SQL built from the filter (data/jobs.ts). They must agree on every kind of
// condition, the words a search reads as conditions included.
const FILTERS: Record<string, unknown>[] = [
  { search: 'golang' },
  { search: 'remote python' },
  { search: 'senior nurse' },
  { search: 'part time nurse' },
  { search: 'developer austin' },
  { search: 'developer austin tx' },
  { search: '"machine learning"' },
  { search: 'developer -java' },
  { search: 'python or nurse' },
  { search: 'engineer', understandSearch: false },
  { search: 'remote', understandSearch: false },
  { jobType: 'CONTRACT' },
  { location: 'austin' },
  { location: 'San Fran' },
  { location: 'tx' },
  { salaryMin: 100_000 },
  { salaryMax: 70_000 },
  { salaryMin: 80_000, salaryMax: 130_000 },
  { experienceLevel: ['SENIOR', 'LEAD'] },
  { remote: false, jobType: 'FULL_TIME' },
  { search: 'developer', remote: false, salaryMin: 50_000 },
];

const JOBS = [
  {
    title: 'Golang Developer',
    description: 'Build services in Go.',
    location: 'Austin, TX',
    city: 'Austin',
    state: 'TX',
    remote: true,
    jobType: 'FULL_TIME',
    experienceLevel: 'SENIOR',
    salaryMin: 120_000,
    salaryMax: 150_000,
  },
  {
    title: 'Senior Python Engineer',
    description: 'Python and Django.',
    location: 'Remote (Boston, MA)',
    city: 'Boston',
    state: 'MA',
    remote: true,
    jobType: 'CONTRACT',
    experienceLevel: 'SENIOR',
    salaryMin: 90_000,
  },
  {
    title: 'Senior Living Nurse',
    description: 'Care for residents.',
    location: 'Dallas, TX',
    city: 'Dallas',
    state: 'TX',
    jobType: 'PART_TIME',
    experienceLevel: 'MID',
  },
  {
    title: 'Machine Learning Engineer',
    description: 'Machine learning models in Python.',
    location: 'San Francisco, CA',
    city: 'San Francisco',
    state: 'CA',
    jobType: 'FULL_TIME',
    experienceLevel: 'LEAD',
    salaryMin: 200_000,
    salaryMax: 250_000,
  },
  {
    title: 'Java Developer',
    description: 'Java, some Go.',
    location: 'Austin, TX',
    city: 'Austin',
    state: 'TX',
    jobType: 'FULL_TIME',
    experienceLevel: 'ENTRY',
    salaryMin: 60_000,
    salaryMax: 60_000,
  },
] as const;

describe('the saved-search matcher', () => {
  it('matches new jobs as jobs(filter) lists them, for every kind of condition, in one statement per batch', async () => {
    const user = 250;
    const token = tokenFor(user, 'SEEKER');
    const company = await prisma().company.findFirstOrThrow({ orderBy: { id: 'asc' } });
    const ids: string[] = [];
    for (const [i, filter] of FILTERS.entries()) {
      const res = await suite.gql('mutation($input: SaveSearchInput!) { saveSearch(input: $input) { id } }', { input: { name: `f${i}`, filter } }, { token });
      expect(res.errors).toBeUndefined();
      ids.push(res.data.saveSearch.id);
    }
    const jobs = [];
    for (const job of JOBS) jobs.push(await prisma().job.create({ data: { ...job, companyId: company.id } }));
    const newIds = new Set(jobs.map((j) => j.id));
    // One statement per batch of MATCH_BATCH queued jobs (the seeded ones are queued too).
    const queued = await prisma().savedSearchQueue.count();
    let statements = 0;
    while ((await matchQueued(prisma())).taken > 0) statements++;
    expect(statements).toBe(Math.ceil(queued / MATCH_BATCH));
    const matches = await prisma().savedSearchMatch.findMany({ where: { savedSearch: { userId: user } } });
    for (const [i, filter] of FILTERS.entries()) {
      const listed = await suite.gql('query($f: JobFilter) { jobs(filter: $f, first: 100) { edges { node { id } } searchInfo { relaxed } } }', { f: filter });
      expect(listed.errors).toBeUndefined();
      const expected = listed.data.jobs.edges.map((e: { node: { id: string } }) => Number(e.node.id)).filter((id: number) => newIds.has(id));
      const matched = matches.filter((m) => m.savedSearchId === Number(ids[i])).map((m) => m.jobId);
      expect([filter, matched.sort()]).toEqual([filter, expected.sort()]);
    }
    // Something matched and something did not: the comparison above says something.
    expect(matches.length).toBeGreaterThan(10);
    expect(matches.length).toBeLessThan(FILTERS.length * JOBS.length);
  });
});

/** `n` new jobs, queued for matching by the job table's trigger; the queue emptied first. */
async function queueJobs(n: number, title = 'Capybara keeper'): Promise<number[]> {
  await new SavedSearchMatcher(prisma(), { intervalMs: 60_000 }).drain();
  const company = await prisma().company.findFirstOrThrow({ orderBy: { id: 'asc' } });
  const ids = [];
  for (let i = 0; i < n; i++)
    ids.push(
      (
        await prisma().job.create({
          data: { title: `${title} ${i}`, description: 'Keeps.', location: 'Austin, TX', jobType: 'FULL_TIME', companyId: company.id },
        })
      ).id,
    );
  return ids;
}

describe('the matcher on a backlog', () => {
  it('stops after the batch in flight, leaving the rest queued for the next start', async () => {
    await queueJobs(8);
    expect(await prisma().savedSearchQueue.count()).toBe(8);
    const writes = new Writes();
    const commit = writes.commit.bind(writes);
    let stopped: Promise<void> | undefined;
    // SIGTERM as the first batch commits.
    writes.commit = (async (...args: Parameters<typeof commit>) => {
      const out = await commit(...args);
      stopped ??= matcher.stop();
      return out;
    }) as typeof writes.commit;
    const matcher = new SavedSearchMatcher(prisma(), { intervalMs: 60_000, batchSize: 2, writes });
    await matcher.refresh();
    await stopped;
    expect(await prisma().savedSearchQueue.count()).toBe(6);
    // The next start takes what is left.
    expect(await new SavedSearchMatcher(prisma(), { intervalMs: 60_000, batchSize: 2 }).drain()).toBe(6);
    expect(await prisma().savedSearchQueue.count()).toBe(0);
  });
});

describe('a matcher whose batches fail', () => {
  it('takes fewer jobs after each failure until a batch commits, drains the queue, then grows back', async () => {
    await queueJobs(6);
    const sizes: number[] = [];
    let limit = 2;
    // A batch over `limit` jobs fails as a transaction timeout would: rolled back, its jobs still queued.
    const match: typeof matchQueued = (db, size, owe) => {
      sizes.push(size!);
      return size! > limit ? Promise.reject(new Error('Transaction already closed: timeout')) : matchQueued(db, size, owe);
    };
    const told: [number, number][] = [];
    const matcher = new SavedSearchMatcher(prisma(), { intervalMs: 60_000, batchSize: 8, match, onBatchSize: (...a) => told.push(a) });
    for (let pass = 0; pass < 5 && (await prisma().savedSearchQueue.count()) > 0; pass++) await matcher.refresh();
    expect(await prisma().savedSearchQueue.count()).toBe(0);
    expect(sizes).toEqual([8, 4, 2, 2, 2, 2]);
    expect(told).toEqual([
      [4, 8],
      [2, 4],
    ]);
    expect(matcher.counters.failures).toBe(2);
    // Enough full batches in a row, and the size doubles again (never past the configured one).
    limit = Infinity;
    await queueJobs(2 * BATCH_GROWTH_AFTER + 4 * BATCH_GROWTH_AFTER + 8 * BATCH_GROWTH_AFTER);
    await matcher.refresh();
    expect(matcher.batchSize).toBe(8);
    expect(told.slice(2)).toEqual([
      [4, 2],
      [8, 4],
    ]);
  });
});

describe('the retention of matches', () => {
  it('deletes the matches older than the retention only', async () => {
    const user = 251;
    const res = await suite.gql(
      'mutation($input: SaveSearchInput!) { saveSearch(input: $input) { id } }',
      { input: { name: 'kept', filter: { search: 'capybara' } } },
      { token: tokenFor(user, 'SEEKER') },
    );
    expect(res.errors).toBeUndefined();
    const id = Number(res.data.saveSearch.id);
    const jobs = await queueJobs(3);
    await new SavedSearchMatcher(prisma(), { intervalMs: 60_000 }).drain();
    expect(await prisma().savedSearchMatch.count({ where: { savedSearchId: id } })).toBe(3);
    await prisma().$executeRaw`UPDATE saved_search_match SET matched_at = now() - interval '91 days' WHERE saved_search_id = ${id} AND job_id = ${jobs[0]}`;
    await prisma().$executeRaw`UPDATE saved_search_match SET matched_at = now() - interval '89 days' WHERE saved_search_id = ${id} AND job_id = ${jobs[1]}`;
    expect(await deleteOldMatches(prisma(), 90)).toBe(1);
    expect((await prisma().savedSearchMatch.findMany({ where: { savedSearchId: id } })).map((m) => m.jobId).sort()).toEqual(jobs.slice(1).sort());
    // The alerts refresher's daily pass is what runs it.
    await prisma().$executeRaw`UPDATE saved_search_match SET matched_at = now() - interval '31 days' WHERE saved_search_id = ${id} AND job_id = ${jobs[1]}`;
    await new JobAlertsRefresher(prisma(), { refreshS: 3600, matchRetentionDays: 30 }).refresh();
    expect((await prisma().savedSearchMatch.findMany({ where: { savedSearchId: id } })).map((m) => m.jobId)).toEqual([jobs[2]]);
  });
});

describe('markSavedSearchSeen', () => {
  it('hides only the matches committed before it: a batch that began earlier and committed later is still new', async () => {
    const token = tokenFor(252, 'SEEKER');
    const res = await suite.gql(
      'mutation($input: SaveSearchInput!) { saveSearch(input: $input) { id } }',
      { input: { name: 'seen', filter: { search: 'agouti' } } },
      { token },
    );
    expect(res.errors).toBeUndefined();
    const id = res.data.saveSearch.id as string;
    const SEEN = 'mutation($id: ID!) { markSavedSearchSeen(id: $id) { newJobCount } }';
    const MINE = '{ me { savedSearches { newJobCount jobs { edges { node { id } } } } } }';
    await queueJobs(2, 'Agouti keeper');
    await new SavedSearchMatcher(prisma(), { intervalMs: 60_000 }).drain();
    expect((await suite.gql(MINE, {}, { token })).data.me.savedSearches[0].newJobCount).toBe(2);
    expect((await suite.gql(SEEN, { id }, { token })).data.markSavedSearchSeen.newJobCount).toBe(0);
    // A batch that began before that mark-seen and committed after it: its match is dated before
    // the search's last_seen_at.
    const [late] = await queueJobs(1, 'Agouti groomer');
    await new SavedSearchMatcher(prisma(), { intervalMs: 60_000 }).drain();
    await prisma().$executeRaw`UPDATE saved_search_match m SET matched_at = s.last_seen_at - interval '1 second'
      FROM saved_search s WHERE s.id = m.saved_search_id AND m.job_id = ${late}`;
    const mine = await suite.gql(MINE, {}, { token });
    expect(mine.errors).toBeUndefined();
    expect(mine.data.me.savedSearches).toEqual([{ newJobCount: 1, jobs: { edges: [{ node: { id: String(late) } }] } }]);
    expect((await suite.gql(SEEN, { id }, { token })).data.markSavedSearchSeen.newJobCount).toBe(0);
  });
});

describe('the job-alerts refresher after passes failed for days', () => {
  it('writes every day missing since the newest digest in one pass, and nothing more the next', async () => {
    const due = dueAlertDay(new Date());
    const dayBefore = (n: number) => new Date(Date.parse(due) - n * 86_400_000).toISOString().slice(0, 10);
    // The last digests written, 3 days before the due one: the passes since failed.
    await prisma().$executeRaw`INSERT INTO job_alert (user_id, day, job_count, searches) VALUES (254, ${dayBefore(3)}::date, 1, '[]')`;
    const token = tokenFor(253, 'SEEKER');
    const res = await suite.gql(
      'mutation($input: SaveSearchInput!) { saveSearch(input: $input) { id } }',
      { input: { name: 'daily', filter: { search: 'paca' }, alerts: 'DAILY' } },
      { token },
    );
    expect(res.errors).toBeUndefined();
    const jobs = await queueJobs(4, 'Paca keeper');
    await new SavedSearchMatcher(prisma(), { intervalMs: 60_000 }).drain();
    // Matched on each of the 3 missing days (two on the middle one), and one on the day written.
    const on = [dayBefore(2), dayBefore(1), dayBefore(1), due];
    for (const [i, day] of on.entries())
      await prisma().$executeRaw`UPDATE saved_search_match SET matched_at = (${day}::date + time '12:00') AT TIME ZONE 'UTC' WHERE job_id = ${jobs[i]}`;
    await new JobAlertsRefresher(prisma(), { refreshS: 3600 }).refresh();
    const digests = async () =>
      (await prisma().jobAlert.findMany({ where: { userId: 253 }, orderBy: { day: 'asc' } })).map((a) => [a.day.toISOString().slice(0, 10), a.jobCount]);
    expect(await digests()).toEqual([
      [dayBefore(2), 1],
      [dayBefore(1), 2],
      [due, 1],
    ]);
    // Another instance's pass (or this one's after a restart) finds nothing missing.
    const before = await prisma().jobAlert.count();
    await new JobAlertsRefresher(prisma(), { refreshS: 3600 }).refresh();
    expect(await prisma().jobAlert.count()).toBe(before);
    expect(await digests()).toHaveLength(3);
  });

  it('looks a bounded number of days back', () => {
    const now = new Date('2026-12-08T06:00:00Z');
    expect(alertDaysToWrite(now, '2026-12-07')).toEqual([]);
    expect(alertDaysToWrite(now, '2026-12-05')).toEqual(['2026-12-06', '2026-12-07']);
    expect(alertDaysToWrite(now, '2026-11-01')).toEqual(['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06', '2026-12-07']);
    expect(alertDaysToWrite(now, null)).toHaveLength(7);
  });
});

describe('requiredLexemes', () => {
  it('finds words every match must have, or none when it cannot tell', () => {
    expect(requiredLexemes("'golang'")).toEqual(['golang']);
    expect(requiredLexemes("'senior' & 'pythonista'")).toEqual(['pythonista']);
    expect(requiredLexemes("'senior' & ( 'golang' | 'go' )")).toEqual(['senior']);
    expect(requiredLexemes("( 'golang' | 'go' ) & 'developer'")).toEqual(['developer']);
    expect(requiredLexemes("'golang' | 'go'")).toEqual(['golang', 'go']);
    expect(requiredLexemes("'machin' <-> 'learn'")).toEqual(['machin']);
    expect(requiredLexemes("'dev':* & !'java'")).toEqual([]);
    expect(requiredLexemes("'python' | 'dev':*")).toEqual([]);
    expect(requiredLexemes("'o''brien'")).toEqual(["o'brien"]);
    expect(requiredLexemes("( 'ab' & 'b' ) | 'c'")).toEqual(['ab', 'c']);
    expect(requiredLexemes("( !'a' & 'b' ) | 'c'")).toEqual(['b', 'c']);
  });
});
