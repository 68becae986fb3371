import { tokenFor, useGatewaySuite } from '../../helpers/gateway';

const suite = useGatewaySuite();
const gql: typeof suite.gql = (...args) => suite.gql(...args);
const prisma = () => suite.db.prisma;

const APPLY = 'mutation($jobId: ID!) { applyToJob(jobId: $jobId) { __typename id status job { __typename id } user { id } } }';
const MOVE = 'mutation($id: ID!, $status: ApplicationStatus!) { updateApplicationStatus(id: $id, status: $status) { __typename id status } }';
const WITHDRAW = 'mutation($id: ID!) { withdrawApplication(id: $id) { __typename id status } }';
const CREATE =
  'mutation($input: CreateJobInput!) { createJob(input: $input) { __typename id title isActive company { id } skills similarJobs(first: 3) { id } } }';
const UPDATE = 'mutation($id: ID!, $input: UpdateJobInput!) { updateJob(id: $id, input: $input) { __typename id title salaryMin salaryMax } }';
const CLOSE = 'mutation($id: ID!) { closeJob(id: $id) { __typename id isActive } }';

/** An active job user `userId` has not applied to. */
async function freshJob(userId: number) {
  return prisma().job.findFirstOrThrow({ where: { isActive: true, applications: { none: { userId } } }, orderBy: { id: 'desc' } });
}
const code = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0].extensions?.code;

describe('applications', () => {
  it('lets a seeker apply once; the second time is CONFLICT and writes nothing', async () => {
    const job = await freshJob(10);
    const token = tokenFor(10, 'SEEKER');
    const first = await gql(APPLY, { jobId: String(job.id) }, { token });
    expect(first.errors).toBeUndefined();
    expect(first.data.applyToJob).toMatchObject({
      __typename: 'Application',
      status: 'SUBMITTED',
      job: { __typename: 'Job', id: String(job.id) },
      user: { id: '10' },
    });
    const again = await gql(APPLY, { jobId: String(job.id) }, { token });
    expect(code(again)).toBe('CONFLICT');
    expect(await prisma().application.count({ where: { userId: 10, jobId: job.id } })).toBe(1);
    const count = await gql(`{ job(id: "${job.id}") { applicationCount } }`);
    expect(count.data.job.applicationCount).toBe(await prisma().application.count({ where: { jobId: job.id } }));
  });

  it('leaves exactly one application when the same seeker applies twice at once', async () => {
    const job = await freshJob(11);
    const token = tokenFor(11, 'SEEKER');
    const results = await Promise.all([1, 2, 3].map(() => gql(APPLY, { jobId: String(job.id) }, { token })));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => code(r) === 'CONFLICT')).toHaveLength(2);
    expect(await prisma().application.count({ where: { userId: 11, jobId: job.id } })).toBe(1);
  });

  it('refuses applying for non-seekers, anonymous users, unknown and closed jobs', async () => {
    const job = await freshJob(12);
    const closed = await prisma().job.findFirstOrThrow({ where: { isActive: false } });
    const before = await prisma().application.count();
    expect(code(await gql(APPLY, { jobId: String(job.id) }))).toBe('UNAUTHENTICATED');
    expect(code(await gql(APPLY, { jobId: String(job.id) }, { token: tokenFor(12, 'EMPLOYER', job.companyId) }))).toBe('FORBIDDEN');
    expect(code(await gql(APPLY, { jobId: String(job.id) }, { token: tokenFor(12, 'ANALYST') }))).toBe('FORBIDDEN');
    expect(code(await gql(APPLY, { jobId: '987654' }, { token: tokenFor(12, 'SEEKER') }))).toBe('NOT_FOUND');
    expect(code(await gql(APPLY, { jobId: String(closed.id) }, { token: tokenFor(12, 'SEEKER') }))).toBe('CONFLICT');
    expect(code(await gql(APPLY, { jobId: String(job.id) }, { token: tokenFor(999_999, 'SEEKER') }))).toBe('UNAUTHENTICATED');
    expect(await prisma().application.count()).toBe(before);
  });

  it('moves an application through legal statuses only, by the job’s employer or ADMIN', async () => {
    const job = await freshJob(13);
    const applied = await gql(APPLY, { jobId: String(job.id) }, { token: tokenFor(13, 'SEEKER') });
    const id = applied.data.applyToJob.id;
    const employer = tokenFor(50, 'EMPLOYER', job.companyId);
    expect(code(await gql(MOVE, { id, status: 'REVIEWING' }, { token: tokenFor(50, 'EMPLOYER', job.companyId + 1) }))).toBe('FORBIDDEN');
    expect(code(await gql(MOVE, { id, status: 'REVIEWING' }, { token: tokenFor(13, 'SEEKER') }))).toBe('FORBIDDEN');
    expect((await gql(MOVE, { id, status: 'REVIEWING' }, { token: employer })).data.updateApplicationStatus).toEqual({
      __typename: 'Application',
      id,
      status: 'REVIEWING',
    });
    const illegal = await gql(MOVE, { id, status: 'HIRED' }, { token: employer });
    expect(code(illegal)).toBe('CONFLICT');
    expect(illegal.errors?.[0].message).toMatch(/REVIEWING to HIRED.*allowed: INTERVIEWING, REJECTED/);
    expect(code(await gql(MOVE, { id, status: 'WITHDRAWN' }, { token: employer }))).toBe('CONFLICT');
    expect((await gql(MOVE, { id, status: 'INTERVIEWING' }, { token: tokenFor(1, 'ADMIN') })).data.updateApplicationStatus.status).toBe('INTERVIEWING');
    expect((await prisma().application.findUniqueOrThrow({ where: { id: Number(id) } })).status).toBe('INTERVIEWING');
  });

  it('lets only the applicant withdraw, and only while the application is open', async () => {
    const job = await freshJob(14);
    const { data } = await gql(APPLY, { jobId: String(job.id) }, { token: tokenFor(14, 'SEEKER') });
    const id = data.applyToJob.id;
    expect(code(await gql(WITHDRAW, { id }, { token: tokenFor(15, 'SEEKER') }))).toBe('FORBIDDEN');
    expect((await gql(WITHDRAW, { id }, { token: tokenFor(14, 'SEEKER') })).data.withdrawApplication.status).toBe('WITHDRAWN');
    expect(code(await gql(WITHDRAW, { id }, { token: tokenFor(14, 'SEEKER') }))).toBe('CONFLICT');
    expect(code(await gql(WITHDRAW, { id: '99999999' }, { token: tokenFor(14, 'SEEKER') }))).toBe('NOT_FOUND');
  });

  it('lets only one of two concurrent status moves from the same state win', async () => {
    const job = await freshJob(16);
    const { data } = await gql(APPLY, { jobId: String(job.id) }, { token: tokenFor(16, 'SEEKER') });
    const employer = tokenFor(50, 'EMPLOYER', job.companyId);
    const results = await Promise.all([
      gql(MOVE, { id: data.applyToJob.id, status: 'REVIEWING' }, { token: employer }),
      gql(MOVE, { id: data.applyToJob.id, status: 'REJECTED' }, { token: employer }),
    ]);
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(code(results.find((r) => r.errors)!)).toBe('CONFLICT');
  });
});

describe('jobs', () => {
  const input = (over: object = {}) => ({
    title: 'Data Engineer, Glass Instruments',
    description: 'Shape borosilicate glass for laboratory instruments. Experience with lathes preferred.',
    location: 'Austin, TX',
    city: 'Austin',
    state: 'TX',
    jobType: 'FULL_TIME',
    salaryMin: 50000,
    salaryMax: 70000,
    skills: ['Spark', 'spark', ' Airflow '],
    ...over,
  });

  it('lets an employer post for its own company: searchable at once, with similar jobs', async () => {
    const token = tokenFor(50, 'EMPLOYER', 7);
    const res = await gql(CREATE, { input: input() }, { token });
    expect(res.errors).toBeUndefined();
    expect(res.data.createJob).toMatchObject({
      __typename: 'Job',
      title: 'Data Engineer, Glass Instruments',
      isActive: true,
      company: { id: '7' },
      skills: ['Spark', 'Airflow'],
    });
    // Its own similar-jobs list is computed with the write, not left for the background.
    expect(res.data.createJob.similarJobs.length).toBeGreaterThan(0);
    const found = await gql('{ jobs(filter: { search: "borosilicate" }) { edges { node { id } } } }');
    expect(found.data.jobs.edges.map((e: any) => e.node.id)).toEqual([res.data.createJob.id]);
  });

  it('refuses posting for another company, by seekers, and without a company for ADMIN; nothing is written', async () => {
    const before = await prisma().job.count();
    expect(code(await gql(CREATE, { input: input({ companyId: '8' }) }, { token: tokenFor(50, 'EMPLOYER', 7) }))).toBe('FORBIDDEN');
    expect(code(await gql(CREATE, { input: input() }, { token: tokenFor(50, 'SEEKER') }))).toBe('FORBIDDEN');
    expect(code(await gql(CREATE, { input: input() }))).toBe('UNAUTHENTICATED');
    expect(code(await gql(CREATE, { input: input() }, { token: tokenFor(1, 'ADMIN') }))).toBe('BAD_USER_INPUT');
    expect(code(await gql(CREATE, { input: input({ companyId: '77777' }) }, { token: tokenFor(1, 'ADMIN') }))).toBe('NOT_FOUND');
    expect(code(await gql(CREATE, { input: input({ salaryMin: 90000, salaryMax: 10 }) }, { token: tokenFor(50, 'EMPLOYER', 7) }))).toBe('BAD_USER_INPUT');
    expect(await prisma().job.count()).toBe(before);
  });

  it('updates a job: search follows the new text, salary order is checked against stored values', async () => {
    const job = await prisma().job.findFirstOrThrow({ where: { isActive: true, companyId: 9, salaryMax: { not: null } } });
    const token = tokenFor(50, 'EMPLOYER', 9);
    expect(code(await gql(UPDATE, { id: String(job.id), input: { title: 'Zeppelin Pilot' } }, { token: tokenFor(50, 'EMPLOYER', 10) }))).toBe('FORBIDDEN');
    const res = await gql(UPDATE, { id: String(job.id), input: { title: 'Zeppelin Pilot' } }, { token });
    expect(res.data.updateJob).toMatchObject({ __typename: 'Job', id: String(job.id), title: 'Zeppelin Pilot', salaryMax: job.salaryMax });
    const found = await gql('{ jobs(filter: { search: "zeppelin" }) { totalCount } }');
    expect(found.data.jobs.totalCount).toBe(1);
    const bad = await gql(UPDATE, { id: String(job.id), input: { salaryMin: job.salaryMax! + 1 } }, { token });
    expect(code(bad)).toBe('BAD_USER_INPUT');
    const cleared = await gql(UPDATE, { id: String(job.id), input: { salaryMin: null, salaryMax: null } }, { token });
    expect(cleared.data.updateJob).toMatchObject({ salaryMin: null, salaryMax: null });
  });

  it('closes a job: it leaves lists, cannot be applied to, and closing twice changes nothing', async () => {
    const job = await prisma().job.findFirstOrThrow({ where: { isActive: true, companyId: 11 } });
    const token = tokenFor(50, 'EMPLOYER', 11);
    expect(code(await gql(CLOSE, { id: String(job.id) }, { token: tokenFor(3, 'SEEKER') }))).toBe('FORBIDDEN');
    expect((await gql(CLOSE, { id: String(job.id) }, { token })).data.closeJob).toEqual({ __typename: 'Job', id: String(job.id), isActive: false });
    const list = await gql('query($c: ID) { jobs(first: 100, filter: { companyId: $c }) { edges { node { id } } } }', { c: '11' });
    expect(list.data.jobs.edges.map((e: any) => e.node.id)).not.toContain(String(job.id));
    expect(code(await gql(APPLY, { jobId: String(job.id) }, { token: tokenFor(20, 'SEEKER') }))).toBe('CONFLICT');
    const updatedAt = (await prisma().job.findUniqueOrThrow({ where: { id: job.id } })).updatedAt;
    expect((await gql(CLOSE, { id: String(job.id) }, { token })).data.closeJob.isActive).toBe(false);
    expect((await prisma().job.findUniqueOrThrow({ where: { id: job.id } })).updatedAt).toEqual(updatedAt);
  });
});

describe('analyst aggregates', () => {
  const STATS = `query($f: JobFilter) { jobStats(filter: $f) { total byJobType { key count } byLocation(top: 5) { key count }
    salaryPercentiles { p50 sampleSize } applicationsPerDay(days: 7) { day count } } }`;

  it('is for ANALYST and ADMIN only', async () => {
    expect(code(await gql(STATS))).toBe('UNAUTHENTICATED');
    expect(code(await gql(STATS, {}, { token: tokenFor(3, 'SEEKER') }))).toBe('FORBIDDEN');
    expect(code(await gql(STATS, {}, { token: tokenFor(3, 'EMPLOYER', 1) }))).toBe('FORBIDDEN');
    expect((await gql(STATS, {}, { token: tokenFor(1, 'ADMIN') })).errors).toBeUndefined();
  });

  it('agrees with an independent computation, one SQL statement per figure', async () => {
    const filter = { location: 'CA', salaryMin: 60000 };
    const res = await gql(STATS, { f: filter }, { token: tokenFor(5, 'ANALYST') });
    expect(res.errors).toBeUndefined();
    const jobs = (await prisma().job.findMany({ where: { isActive: true, state: 'CA' } })).filter(
      (j) => (j.salaryMax ?? j.salaryMin) != null && (j.salaryMax ?? j.salaryMin)! >= 60000,
    );
    const s = res.data.jobStats;
    expect(s.total).toBe(jobs.length);
    expect(s.byJobType.reduce((n: number, b: any) => n + b.count, 0)).toBe(jobs.length);
    expect(s.byJobType.find((b: any) => b.key === 'FULL_TIME').count).toBe(jobs.filter((j) => j.jobType === 'FULL_TIME').length);
    const mids = jobs.map((j) => ((j.salaryMin ?? j.salaryMax)! + (j.salaryMax ?? j.salaryMin)!) / 2).sort((a, b) => a - b);
    const median = mids.length % 2 ? mids[(mids.length - 1) / 2] : (mids[mids.length / 2 - 1] + mids[mids.length / 2]) / 2;
    expect(s.salaryPercentiles).toEqual({ p50: Math.round(median), sampleSize: mids.length });
    expect(s.applicationsPerDay).toHaveLength(7);
    const since = new Date(`${s.applicationsPerDay[0].day}T00:00:00Z`);
    const apps = await prisma().application.count({ where: { jobId: { in: jobs.map((j) => j.id) }, createdAt: { gte: since } } });
    expect(s.applicationsPerDay.reduce((n: number, d: any) => n + d.count, 0)).toBe(apps);
    expect(res.extensions?.sql?.statements).toBe(5);
  });
});
