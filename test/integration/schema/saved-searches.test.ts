import { createEventBus } from '../../../src/events/bus';
import { dueAlertDay, JobAlertsRefresher, publishMatches, SavedSearchMatcher } from '../../../src/search/saved-searches';
import { SAVED_SEARCH_LIMITS } from '../../../src/domain/saved-search';
import { testGateway, tokenFor, useGatewaySuite } from '../../helpers/gateway';
import { subscribe, type SseEvent } from '../../helpers/sse';
import { emptyAndClose, makeCache } from '../../helpers/cache';
import { invalidationOf } from '../../../src/cache/tags';
import { Writes } from '../../../src/data/writes';

const suite = useGatewaySuite();
const gql: typeof suite.gql = (...args) => suite.gql(...args);
const prisma = () => suite.db.prisma;
const code = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;
/** A matcher as a freshly started instance has: nothing of it survives between uses. */
const drain = () => new SavedSearchMatcher(prisma(), { intervalMs: 60_000 }).drain();

const SAVE = 'mutation($input: SaveSearchInput!) { saveSearch(input: $input) { id name alerts newJobCount filter { search jobType remote salaryMin } } }';
const DELETE = 'mutation($id: ID!) { deleteSavedSearch(id: $id) }';
const SEEN = 'mutation($id: ID!) { markSavedSearchSeen(id: $id) { id newJobCount } }';
const MINE = `query($first: Int, $after: String) { me { savedSearches { id name newJobCount
  jobs(first: $first, after: $after) { totalCount edges { node { id title } } pageInfo { hasNextPage endCursor } } } } }`;
const CREATE_JOB = 'mutation($input: CreateJobInput!) { createJob(input: $input) { id } }';
const IMPORT = 'mutation($jobs: [JobInput!]!) { importJobs(jobs: $jobs) { created jobs { id } } }';

/** A user of the seed with no saved searches yet (each test its own). */
let nextUser = 300;
const newUser = () => nextUser++;

async function save(userId: number, input: Record<string, unknown>) {
  const res = await gql(SAVE, { input }, { token: tokenFor(userId, 'SEEKER') });
  expect(res.errors).toBeUndefined();
  return res.data.saveSearch as { id: string; name: string; newJobCount: number };
}

async function mine(userId: number, vars: Record<string, unknown> = {}) {
  const res = await gql(MINE, vars, { token: tokenFor(userId, 'SEEKER') });
  expect(res.errors).toBeUndefined();
  return res.data.me.savedSearches as {
    id: string;
    name: string;
    newJobCount: number;
    jobs: { totalCount: number; edges: { node: { id: string; title: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  }[];
}

const employer = async () => {
  const company = await prisma().company.findFirstOrThrow({ orderBy: { id: 'asc' } });
  return { token: tokenFor(900, 'EMPLOYER', company.id), companyId: company.id };
};

const posting = (title: string, over: Record<string, unknown> = {}) => ({
  title,
  description: `${title}: a posting written for the saved-search tests.`,
  location: 'Boise, ID',
  jobType: 'FULL_TIME',
  ...over,
});

async function createJob(title: string, over: Record<string, unknown> = {}) {
  const { token } = await employer();
  const res = await gql(CREATE_JOB, { input: posting(title, over) }, { token });
  expect(res.errors).toBeUndefined();
  return res.data.createJob.id as string;
}

describe('saved searches', () => {
  it('lists a new matching job posted with createJob or imported, and not a non-matching one', async () => {
    const user = newUser();
    const saved = await save(user, { name: 'Zanzibar welding', filter: { search: 'zanzibarwelder', jobType: 'CONTRACT' } });
    expect(saved).toMatchObject({ name: 'Zanzibar welding', newJobCount: 0 });
    const matching = await createJob('Zanzibarwelder lead', { jobType: 'CONTRACT' });
    await createJob('Zanzibarwelder apprentice', { jobType: 'FULL_TIME' }); // another job type
    await createJob('Pastry chef', { jobType: 'CONTRACT' }); // other words
    const { token } = await employer();
    const imported = await gql(
      IMPORT,
      {
        jobs: [
          { externalId: 'ss-1', ...posting('Imported zanzibarwelder', { jobType: 'CONTRACT' }) },
          { externalId: 'ss-2', ...posting('Imported baker') },
        ],
      },
      { token },
    );
    expect(imported.errors).toBeUndefined();
    const importedId = imported.data.importJobs.jobs[0].id as string;
    // Matching is background work: nothing is listed before the matcher ran.
    expect((await mine(user))[0].newJobCount).toBe(0);
    expect(await drain()).toBeGreaterThanOrEqual(5);
    const [listed] = await mine(user);
    expect(listed.newJobCount).toBe(2);
    expect(listed.jobs.totalCount).toBe(2);
    expect(listed.jobs.edges.map((e) => e.node.id).sort()).toEqual([matching, importedId].sort());
  });

  it('pages its jobs like jobs, and markSavedSearchSeen starts the count again', async () => {
    const user = newUser();
    const saved = await save(user, { name: 'Quokka', filter: { search: 'quokkawrangler' } });
    const ids = [];
    for (const n of [1, 2, 3]) ids.push(await createJob(`Quokkawrangler ${n}`));
    await drain();
    const first = (await mine(user, { first: 2 }))[0];
    expect(first.newJobCount).toBe(3);
    expect(first.jobs.edges.map((e) => e.node.id)).toEqual([ids[2], ids[1]]);
    expect(first.jobs.pageInfo.hasNextPage).toBe(true);
    const second = (await mine(user, { first: 2, after: first.jobs.pageInfo.endCursor }))[0];
    expect(second.jobs.edges.map((e) => e.node.id)).toEqual([ids[0]]);
    expect(second.jobs.pageInfo.hasNextPage).toBe(false);
    const bad = await gql(MINE, { first: 2, after: 'not-a-cursor' }, { token: tokenFor(user, 'SEEKER') });
    expect(code(bad)).toBe('BAD_USER_INPUT');

    const seen = await gql(SEEN, { id: saved.id }, { token: tokenFor(user, 'SEEKER') });
    expect(seen.data.markSavedSearchSeen).toEqual({ id: saved.id, newJobCount: 0 });
    const later = await createJob('Quokkawrangler 4');
    await drain();
    const after = (await mine(user))[0];
    expect(after.newJobCount).toBe(1);
    expect(after.jobs.edges.map((e) => e.node.id)).toEqual([later]);
  });

  it('drops a job from its list once the job closes', async () => {
    const user = newUser();
    await save(user, { name: 'Axolotl', filter: { search: 'axolotlkeeper' } });
    const id = await createJob('Axolotlkeeper');
    await drain();
    expect((await mine(user))[0].newJobCount).toBe(1);
    const { token } = await employer();
    expect((await gql('mutation($id: ID!) { closeJob(id: $id) { id } }', { id }, { token })).errors).toBeUndefined();
    const [listed] = await mine(user);
    expect(listed.newJobCount).toBe(0);
    expect(listed.jobs.edges).toEqual([]);
  });

  it('lets only its owner delete it or mark it seen, and refuses anonymous requests', async () => {
    const owner = newUser();
    const other = newUser();
    const saved = await save(owner, { name: 'Mine', filter: { remote: true } });
    expect(code(await gql(DELETE, { id: saved.id }, { token: tokenFor(other, 'SEEKER') }))).toBe('FORBIDDEN');
    expect(code(await gql(DELETE, { id: saved.id }, { token: tokenFor(other, 'ADMIN') }))).toBe('FORBIDDEN');
    expect(code(await gql(SEEN, { id: saved.id }, { token: tokenFor(other, 'SEEKER') }))).toBe('FORBIDDEN');
    expect(code(await gql(DELETE, { id: saved.id }))).toBe('UNAUTHENTICATED');
    expect(code(await gql(SAVE, { input: { name: 'x', filter: {} } }))).toBe('UNAUTHENTICATED');
    expect(code(await gql(MINE))).toBe('UNAUTHENTICATED');
    expect(await prisma().savedSearch.count({ where: { id: Number(saved.id) } })).toBe(1);
    // Another user's searches are not theirs to read, through `me` or anything else: an
    // employer reaching an applicant, ADMIN included.
    expect((await mine(other)).map((s) => s.id)).toEqual([]);
    const app = await prisma().application.create({
      data: { userId: owner, jobId: (await prisma().job.findFirstOrThrow({ where: { isActive: true }, orderBy: { id: 'asc' } })).id },
      include: { job: true },
    });
    const THROUGH = 'query($id: ID!) { application(id: $id) { user { id savedSearches { id } alerts { day } } } }';
    for (const token of [tokenFor(other, 'EMPLOYER', app.job.companyId), tokenFor(other, 'ADMIN')]) {
      const res = await gql(THROUGH, { id: String(app.id) }, { token });
      expect(res.data.application.user).toEqual({ id: String(owner), savedSearches: null, alerts: null });
      expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    }

    const deleted = await gql(DELETE, { id: saved.id }, { token: tokenFor(owner, 'SEEKER') });
    expect(deleted.data).toEqual({ deleteSavedSearch: saved.id });
    expect(code(await gql(DELETE, { id: saved.id }, { token: tokenFor(owner, 'SEEKER') }))).toBe('NOT_FOUND');
    expect(code(await gql(SEEN, { id: 'abc' }, { token: tokenFor(owner, 'SEEKER') }))).toBe('BAD_USER_INPUT');
    expect(await mine(owner)).toEqual([]);
  });

  it('refuses bad input with a clear code and writes nothing', async () => {
    const user = newUser();
    const token = tokenFor(user, 'SEEKER');
    const cases: [Record<string, unknown>, string, string | undefined][] = [
      [{ name: '   ', filter: {} }, 'BAD_USER_INPUT', 'input.name'],
      [{ name: 'x'.repeat(101), filter: {} }, 'BAD_USER_INPUT', 'input.name'],
      [{ name: 'salary', filter: { salaryMin: 90_000, salaryMax: 10_000 } }, 'BAD_USER_INPUT', undefined],
      [{ name: 'levels', filter: { experienceLevel: [] } }, 'BAD_USER_INPUT', 'input.filter.experienceLevel'],
      [{ name: 'long', filter: { search: 'a'.repeat(201) } }, 'BAD_USER_INPUT', 'input.filter.search'],
      [{ name: 'company', filter: { companyId: 'nope' } }, 'BAD_USER_INPUT', 'input.filter.companyId'],
    ];
    for (const [input, expected, argument] of cases) {
      const res = await gql(SAVE, { input }, { token });
      expect([JSON.stringify(input).slice(0, 60), code(res)]).toEqual([JSON.stringify(input).slice(0, 60), expected]);
      if (argument) expect(res.errors![0].extensions!.argument).toBe(argument);
    }
    expect(code(await gql(SAVE, { input: { name: 'x', filter: { jobType: 'NOPE' } } }, { token }))).toBe('BAD_USER_INPUT');
    expect(await prisma().savedSearch.count({ where: { userId: user } })).toBe(0);

    await save(user, { name: 'Twice', filter: {} });
    const again = await gql(SAVE, { input: { name: ' Twice ', filter: { remote: true } } }, { token });
    expect(code(again)).toBe('CONFLICT');
    expect(await prisma().savedSearch.count({ where: { userId: user } })).toBe(1);
  });

  it(`keeps at most ${SAVED_SEARCH_LIMITS.perUser} per user, also when saved at once`, async () => {
    const user = newUser();
    const token = tokenFor(user, 'SEEKER');
    const results = await Promise.all(
      Array.from({ length: SAVED_SEARCH_LIMITS.perUser + 3 }, (_, i) => gql(SAVE, { input: { name: `s${i}`, filter: { remote: i % 2 === 0 } } }, { token })),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(SAVED_SEARCH_LIMITS.perUser);
    expect(results.filter((r) => code(r) === 'CONFLICT')).toHaveLength(3);
    expect(await prisma().savedSearch.count({ where: { userId: user } })).toBe(SAVED_SEARCH_LIMITS.perUser);
  });

  it('loses no match when the process dies between the job’s commit and the matching', async () => {
    const user = newUser();
    await save(user, { name: 'Narwhal', filter: { search: 'narwhaltamer' } });
    // A job committed by an instance that then died: only the database has it (the queue row
    // the job's transaction wrote).
    const { companyId } = await employer();
    const job = await prisma().job.create({ data: { ...posting('Narwhaltamer'), jobType: 'FULL_TIME', companyId } });
    expect(await prisma().savedSearchQueue.count({ where: { jobId: job.id } })).toBe(1);
    // A matcher whose statement fails (its transaction rolls back) leaves it queued too.
    const failing = new SavedSearchMatcher(prisma(), { intervalMs: 60_000, batchSize: -1 });
    await expect(failing.drain()).rejects.toThrow(/saved-search matching failed/);
    expect(await prisma().savedSearchQueue.count({ where: { jobId: job.id } })).toBe(1);
    // The next instance to start matches it, once.
    await drain();
    await drain();
    expect(await prisma().savedSearchQueue.count({ where: { jobId: job.id } })).toBe(0);
    expect((await mine(user))[0].jobs.edges.map((e) => e.node.id)).toEqual([String(job.id)]);
    expect(await prisma().savedSearchMatch.count({ where: { jobId: job.id, savedSearch: { userId: user } } })).toBe(1);
  });
});

describe('job alerts', () => {
  const ALERTS = '{ me { alerts { day jobCount searches { name jobCount jobs { id } } } } }';

  it('writes one digest per user per day, however many instances write it at once', async () => {
    const user = newUser();
    await save(user, { name: 'Daily tapir', filter: { search: 'tapirgroomer' }, alerts: 'DAILY' });
    await save(user, { name: 'Quiet tapir', filter: { search: 'tapirgroomer' } }); // NONE: not in the digest
    const quiet = newUser();
    await save(quiet, { name: 'Nothing new', filter: { search: 'nosuchwordanywhere' }, alerts: 'DAILY' });
    const ids = [await createJob('Tapirgroomer'), await createJob('Senior tapirgroomer')];
    await drain();
    const today = new Date().toISOString().slice(0, 10);
    const instances = [1, 2, 3].map(() => new JobAlertsRefresher(prisma(), { refreshS: 3600 }));
    const written = await Promise.all(instances.map((r) => r.writeDay(today)));
    expect(written.flat().filter((u) => u === user)).toEqual([user]);
    expect(written.flat()).not.toContain(quiet);
    expect(await prisma().jobAlert.count({ where: { userId: user } })).toBe(1);
    expect(await prisma().jobAlert.count({ where: { userId: quiet } })).toBe(0);
    // Later passes (a restart, another instance) write nothing more.
    expect(await instances[0].writeDay(today)).toEqual([]);

    const res = await gql(ALERTS, {}, { token: tokenFor(user, 'SEEKER') });
    expect(res.errors).toBeUndefined();
    expect(res.data.me.alerts).toEqual([{ day: today, jobCount: 2, searches: [{ name: 'Daily tapir', jobCount: 2, jobs: [{ id: ids[1] }, { id: ids[0] }] }] }]);
    expect((await gql(ALERTS, {}, { token: tokenFor(quiet, 'SEEKER') })).data.me.alerts).toEqual([]);
  });

  it('is written by the refreshers’ own passes for the day that ended, once across instances', async () => {
    const user = newUser();
    await save(user, { name: 'Yesterday', filter: { search: 'wombatgroomer' }, alerts: 'DAILY' });
    const id = await createJob('Wombatgroomer');
    await drain();
    // Matched yesterday, as far as the digest can tell.
    const yesterday = dueAlertDay(new Date());
    await prisma().$executeRaw`UPDATE saved_search_match SET matched_at = (${yesterday}::date + time '12:00') AT TIME ZONE 'UTC' WHERE job_id = ${Number(id)}`;
    const instances = [1, 2].map(() => new JobAlertsRefresher(prisma(), { refreshS: 3600 }));
    await Promise.all(instances.map((r) => r.refresh()));
    const rows = await prisma().jobAlert.findMany({ where: { userId: user } });
    expect(rows.map((r) => [r.day.toISOString().slice(0, 10), r.jobCount])).toEqual([[yesterday, 1]]);
  });

  it('writes the digests of the day that ended, once it ended', () => {
    expect(dueAlertDay(new Date('2026-12-08T00:03:00Z'))).toBe('2026-12-06');
    expect(dueAlertDay(new Date('2026-12-08T00:06:00Z'))).toBe('2026-12-07');
    expect(dueAlertDay(new Date('2026-12-08T23:59:00Z'))).toBe('2026-12-07');
  });
});

describe('the savedSearchMatches subscription', () => {
  const MATCHES = 'subscription { savedSearchMatches { savedSearch { id name newJobCount jobs { edges { node { id } } } } job { id title } } }';
  const data = (e: SseEvent | 'nothing' | 'closed') => (e !== 'nothing' && e !== 'closed' && e.event === 'next' ? e.data : e);

  it('streams the signed-in user’s new matches once the matcher recorded them, and nobody else’s', async () => {
    const bus = createEventBus({ prefix: 'saved-search-test', timeoutMs: 250, warn: () => undefined });
    const { gateway } = testGateway(suite.db, { events: bus });
    const sub = (token?: string) => subscribe((url, init) => gateway.fetch(url, init), 'http://gateway.test/graphql', MATCHES, {}, token);
    const owner = newUser();
    const other = newUser();
    const saved = await save(owner, { name: 'Okapi', filter: { search: 'okapiherder' } });
    await save(other, { name: 'Okapi too', filter: { search: 'nothingokapi' } });
    const mineStream = await sub(tokenFor(owner, 'SEEKER'));
    const theirs = await sub(tokenFor(other, 'SEEKER'));
    const anonymous = await sub();
    try {
      expect(data(await anonymous.next()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      const id = await createJob('Okapiherder');
      await new SavedSearchMatcher(prisma(), { intervalMs: 60_000, onMatched: (m) => publishMatches(bus, m) }).drain();
      const matcher = new SavedSearchMatcher(prisma(), { intervalMs: 60_000, onMatched: (m) => publishMatches(bus, m) });
      const savedSearch = (n: number, ids: string[]) => ({
        id: saved.id,
        name: 'Okapi',
        newJobCount: n,
        jobs: { edges: ids.map((i) => ({ node: { id: i } })) },
      });
      expect(data(await mineStream.next(5000))).toEqual({
        data: { savedSearchMatches: { savedSearch: savedSearch(1, [id]), job: { id, title: 'Okapiherder' } } },
      });
      // Each event is read afresh, its saved search's page too.
      const second = await createJob('Okapiherder senior');
      await matcher.drain();
      expect(data(await mineStream.next(5000))).toEqual({
        data: { savedSearchMatches: { savedSearch: savedSearch(2, [second, id]), job: { id: second, title: 'Okapiherder senior' } } },
      });
      expect(await theirs.next(300)).toBe('nothing');
    } finally {
      await Promise.all([mineStream.close(), theirs.close(), anonymous.close()]);
      await bus.close();
    }
  });
});

describe('with the response cache', () => {
  it('serves me.savedSearches from the cache until a save, the matcher or markSavedSearchSeen changes it', async () => {
    const cache = makeCache(process.env.REDIS_URL);
    try {
      const { gql: cached } = testGateway(suite.db, { responseCache: cache });
      const user = newUser();
      const token = tokenFor(user, 'SEEKER');
      const MINE_CACHED = '{ me { savedSearches { name newJobCount } } }';
      expect((await cached(SAVE, { input: { name: 'Cached', filter: { search: 'cassowarytrainer' } } }, { token })).errors).toBeUndefined();
      expect((await cached(MINE_CACHED, {}, { token })).extensions?.responseCache).toEqual({ hit: false });
      const again = await cached(MINE_CACHED, {}, { token });
      expect(again.extensions?.responseCache).toEqual({ hit: true });
      expect(again.data.me.savedSearches).toEqual([{ name: 'Cached', newJobCount: 0 }]);

      const { token: employerToken } = await employer();
      expect((await cached(CREATE_JOB, { input: posting('Cassowarytrainer') }, { token: employerToken })).errors).toBeUndefined();
      // Cached after the job's write, before the match: only the matcher's write can make it stale.
      expect((await cached(MINE_CACHED, {}, { token })).data.me.savedSearches).toEqual([{ name: 'Cached', newJobCount: 0 }]);
      await new SavedSearchMatcher(prisma(), { intervalMs: 60_000, writes: new Writes(invalidationOf(cache)) }).drain();
      expect((await cached(MINE_CACHED, {}, { token })).data.me.savedSearches).toEqual([{ name: 'Cached', newJobCount: 1 }]);

      const [{ id }] = (await mine(user)) as { id: string }[];
      expect((await cached(SEEN, { id }, { token })).errors).toBeUndefined();
      expect((await cached(MINE_CACHED, {}, { token })).data.me.savedSearches).toEqual([{ name: 'Cached', newJobCount: 0 }]);
    } finally {
      await emptyAndClose([cache]);
    }
  });
});
