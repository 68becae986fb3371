import type { ResponseCache } from '../../../src/cache/response-cache';
import { emptyAndClose, makeCache } from '../../helpers/cache';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';
import { testGateway, tokenFor, type GqlResponse } from '../../helpers/gateway';

// Every field whose answer depends on who asks, read by viewers in turn through a cached
// gateway: the second viewer must get exactly what an uncached gateway gives them (its own
// answer, never the first one's), from an execution of its own (hit: false).

let db: TestDatabase;
const caches: ResponseCache[] = [];
const cachedGateway = async () => {
  const cache = makeCache(process.env.REDIS_URL);
  caches.push(cache);
  await cache.store.ready();
  return testGateway(db, { responseCache: cache });
};

beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await emptyAndClose(caches);
  await db.destroy();
});

/** What a viewer is shown: data and the errors' codes and paths (not hit/miss or SQL). */
const shown = (res: GqlResponse) => ({ data: res.data, errors: res.errors?.map((e) => [e.extensions?.code, (e as { path?: unknown }).path]) });
const hit = (res: GqlResponse) => (res.extensions?.responseCache as { hit?: boolean } | undefined)?.hit;

/** The next id the sequence of `table` will hand out. */
async function nextId(table: string): Promise<number> {
  const [{ last_value, is_called }] = await db.prisma.$queryRawUnsafe<{ last_value: bigint; is_called: boolean }[]>(
    `SELECT last_value, is_called FROM ${table}_id_seq`,
  );
  return Number(last_value) + (is_called ? 1 : 0);
}

describe(`cache privacy (${process.env.REDIS_URL ? 'Redis' : 'in memory'})`, () => {
  type Who = { name: string; token?: string };
  let cases: { field: string; query: string; owner: Who; others: Who[] }[];

  beforeAll(async () => {
    const app = await db.prisma.application.findFirstOrThrow({ orderBy: { id: 'asc' }, include: { job: true } });
    const other = await db.prisma.user.findFirstOrThrow({ where: { id: { not: app.userId }, applications: { some: {} } } });
    const otherCompany = await db.prisma.company.findFirstOrThrow({ where: { id: { not: app.job.companyId } } });
    const anonymous: Who = { name: 'anonymous' };
    const applicant: Who = { name: 'applicant', token: tokenFor(app.userId, 'SEEKER') };
    const otherSeeker: Who = { name: 'other seeker', token: tokenFor(other.id, 'SEEKER') };
    const employer: Who = { name: 'employer', token: tokenFor(5, 'EMPLOYER', app.job.companyId) };
    const otherEmployer: Who = { name: 'other employer', token: tokenFor(5, 'EMPLOYER', otherCompany.id) };
    const admin: Who = { name: 'admin', token: tokenFor(6, 'ADMIN') };
    const analyst: Who = { name: 'analyst', token: tokenFor(7, 'ANALYST') };
    const everyone = [anonymous, applicant, otherSeeker, employer, otherEmployer, admin, analyst];
    const allBut = (who: Who) => everyone.filter((w) => w !== who);
    cases = [
      { field: 'application(id)', query: `application(id: "${app.id}") { id status job { id } }`, owner: applicant, others: allBut(applicant) },
      // Null for everyone, but whether it is null depends on who asks once the id exists.
      { field: 'application(id) not there', query: 'application(id: "99999999") { id }', owner: applicant, others: allBut(applicant) },
      { field: 'application(id), employer view', query: `application(id: "${app.id}") { id user { name } }`, owner: employer, others: allBut(employer) },
      { field: 'me', query: 'me { id email subscriptionPlan }', owner: applicant, others: allBut(applicant) },
      { field: 'User.applications', query: 'me { applications(first: 3) { totalCount edges { node { id } } } }', owner: applicant, others: allBut(applicant) },
      {
        field: 'User private fields via an application',
        query: `application(id: "${app.id}") { user { id name email subscriptionPlan applications(first: 2) { totalCount } } }`,
        owner: applicant,
        others: allBut(applicant),
      },
      {
        field: 'Job.applications',
        query: `job(id: "${app.jobId}") { id applications(first: 3) { totalCount edges { node { id } } } }`,
        owner: employer,
        others: allBut(employer),
      },
      { field: 'jobStats', query: 'jobStats { total byJobType { key count } }', owner: analyst, others: allBut(analyst) },
      {
        field: 'jobs(includeClosed)',
        query: 'jobs(filter: { includeClosed: true }, first: 3) { totalCount edges { node { id isActive } } }',
        owner: analyst,
        others: allBut(analyst),
      },
    ];
  });

  it('gives each viewer its own answer to every viewer-dependent field: anonymous-then-owner, owner-then-other, other-then-owner', async () => {
    const truth = testGateway(db).gql;
    const { gql } = await cachedGateway();
    let pairs = 0;
    for (const { field, query, owner, others } of cases) {
      // `others` includes anonymous: anonymous-then-owner is among them.
      const sequences = others.flatMap((o) => [
        [o, owner],
        [owner, o],
      ]);
      for (const [i, [first, second]] of sequences.entries()) {
        // A name of its own per sequence: a new cache key, as if the cache were empty.
        const doc = `query Seq${i} { ${query} }`;
        const label = `${field}: ${first.name} then ${second.name}`;
        const a1 = await gql(doc, {}, { token: first.token });
        expect([label, shown(a1)]).toEqual([label, shown(await truth(doc, {}, { token: first.token }))]);
        // The first viewer's answer is in the cache whenever it is cacheable (no errors).
        if (!a1.errors) expect([label, hit(await gql(doc, {}, { token: first.token }))]).toEqual([label, true]);
        const b1 = await gql(doc, {}, { token: second.token });
        expect([label, shown(b1), hit(b1)]).toEqual([label, shown(await truth(doc, {}, { token: second.token })), false]);
        if (!b1.errors) {
          const b2 = await gql(doc, {}, { token: second.token });
          expect([label, shown(b2), hit(b2)]).toEqual([label, shown(b1), true]);
        }
        pairs += 1;
      }
    }
    expect(pairs).toBeGreaterThan(60);
  });

  it('never serves a cached null for an application id once it exists: anonymous, the applicant and the employer each see the new application', async () => {
    const { gql } = await cachedGateway();
    const job = await db.prisma.job.findFirstOrThrow({ where: { isActive: true }, orderBy: { id: 'desc' } });
    const seeker = await db.prisma.user.findFirstOrThrow({ where: { applications: { none: { jobId: job.id } } }, orderBy: { id: 'desc' } });
    const asSeeker = { token: tokenFor(seeker.id, 'SEEKER') };
    const asEmployer = { token: tokenFor(5, 'EMPLOYER', job.companyId) };
    const asOtherSeeker = { token: tokenFor(seeker.id - 1, 'SEEKER') };
    const id = await nextId('application');
    const DOC = `{ application(id: "${id}") { id status } }`;

    // Before it exists: null for everyone, each cached (a second read is a hit).
    for (const who of [{}, asSeeker, asEmployer]) {
      expect(await gql(DOC, {}, who)).toMatchObject({ data: { application: null }, extensions: { responseCache: { hit: false } } });
      expect(await gql(DOC, {}, who)).toMatchObject({ data: { application: null }, extensions: { responseCache: { hit: true } } });
    }

    const applied = await gql(`mutation { applyToJob(jobId: "${job.id}") { id } }`, {}, asSeeker);
    expect(applied.errors).toBeUndefined();
    expect(applied.data.applyToJob.id).toBe(String(id));

    for (const who of [asSeeker, asEmployer]) {
      expect(await gql(DOC, {}, who)).toMatchObject({
        data: { application: { id: String(id), status: 'SUBMITTED' } },
        extensions: { responseCache: { hit: false } },
      });
      expect(await gql(DOC, {}, who)).toMatchObject({ data: { application: { id: String(id) } }, extensions: { responseCache: { hit: true } } });
    }
    for (const who of [{}, asOtherSeeker]) {
      const res = await gql(DOC, {}, who);
      expect(res).toMatchObject({ data: { application: null }, extensions: { responseCache: { hit: false } } });
      expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    }
  });

  it('never serves a cached null for a job id once that job is created', async () => {
    const { gql } = await cachedGateway();
    const id = await nextId('job');
    const DOC = `{ job(id: "${id}") { id title } }`;
    expect(await gql(DOC)).toMatchObject({ data: { job: null }, extensions: { responseCache: { hit: false } } });
    expect(await gql(DOC)).toMatchObject({ data: { job: null }, extensions: { responseCache: { hit: true } } });
    const created = await gql(
      'mutation { createJob(input: { title: "Privacy Probe", description: "Short gig.", location: "Austin, TX", jobType: CONTRACT }) { id } }',
      {},
      { token: tokenFor(5, 'EMPLOYER', 2) },
    );
    expect(created.data?.createJob.id).toBe(String(id));
    expect(await gql(DOC)).toMatchObject({ data: { job: { id: String(id), title: 'Privacy Probe' } }, extensions: { responseCache: { hit: false } } });
  });
});
