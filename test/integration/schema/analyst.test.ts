import { tokenFor, useGatewaySuite } from '../../helpers/gateway';

// Analysts' figures and lists (issue: the questions they ask), each checked against an
// independent computation over the same rows read with Prisma.

const suite = useGatewaySuite();
const gql: typeof suite.gql = (...args) => suite.gql(...args);
const prisma = () => suite.db.prisma;
const analyst = { token: tokenFor(5, 'ANALYST') };
const code = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0].extensions?.code;

const mid = (j: { salaryMin: number | null; salaryMax: number | null }) => ((j.salaryMin ?? j.salaryMax)! + (j.salaryMax ?? j.salaryMin)!) / 2;
const hasSalary = (j: { salaryMin: number | null; salaryMax: number | null }) => j.salaryMin != null || j.salaryMax != null;
function percentile(sorted: number[], p: number) {
  const x = (sorted.length - 1) * p;
  const lo = Math.floor(x);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (x - lo);
}
function countBy<T>(items: T[], key: (t: T) => string | number) {
  const m = new Map<string | number, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return m;
}

describe('posted between', () => {
  it('narrows lists and figures to jobs posted in [postedAfter, postedBefore)', async () => {
    const jobs = await prisma().job.findMany({ where: { isActive: true }, orderBy: { createdAt: 'asc' }, select: { createdAt: true } });
    const after = jobs[Math.floor(jobs.length / 3)].createdAt;
    const before = jobs[Math.floor((2 * jobs.length) / 3)].createdAt;
    const expected = jobs.filter((j) => j.createdAt >= after && j.createdAt < before).length;
    expect(expected).toBeGreaterThan(0);
    const f = { postedAfter: after.toISOString(), postedBefore: before.toISOString() };
    const res = await gql(
      `query($f: JobFilter) { jobs(filter: $f, first: 100) { totalCount edges { node { createdAt } } } jobStats(filter: $f) { total } }`,
      { f },
      analyst,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.jobs.totalCount).toBe(expected);
    expect(res.data.jobStats.total).toBe(expected);
    for (const e of res.data.jobs.edges) {
      expect(new Date(e.node.createdAt) >= after && new Date(e.node.createdAt) < before).toBe(true);
    }
  });

  it('refuses an empty range and a date that is not one, each with a code', async () => {
    const t = '2026-01-01T00:00:00Z';
    const empty = await gql(`{ jobs(filter: { postedAfter: "${t}", postedBefore: "${t}" }) { totalCount } }`);
    expect(code(empty)).toBe('BAD_USER_INPUT');
    expect(empty.errors?.[0].message).toMatch(/postedAfter.*earlier.*postedBefore/);
    const yearZero = await gql(`{ jobs(filter: { postedAfter: "0000-01-01T00:00:00Z" }) { totalCount } }`);
    expect([code(yearZero), yearZero.errors?.[0].message]).toEqual(['BAD_USER_INPUT', '`filter.postedAfter` must be between the years 1 and 9999']);
    const garbage = await gql(`{ jobs(filter: { postedAfter: "last tuesday" }) { totalCount } }`);
    expect(code(garbage)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(garbage.errors?.[0].message).toMatch(/invalid date-time/);
  });
});

describe('figures', () => {
  const filter = { location: 'CA' };
  let jobs: Awaited<ReturnType<typeof caJobs>>;
  const caJobs = () => prisma().job.findMany({ where: { isActive: true, state: 'CA' }, include: { _count: { select: { applications: true } } } });
  beforeAll(async () => {
    jobs = await caJobs();
    expect(jobs.length).toBeGreaterThan(20);
  });

  it('by company, skill, experience level and remote, one statement each', async () => {
    const res = await gql(
      `query($f: JobFilter) { jobStats(filter: $f) {
        byCompany(top: 5) { company { id name } count medianSalary applicationCount }
        bySkill(top: 8) { key count } byExperienceLevel { key count } byRemote { key count } } }`,
      { f: filter },
      analyst,
    );
    expect(res.errors).toBeUndefined();
    const s = res.data.jobStats;
    // Company names are loaded in one batch beside the four figures.
    expect(res.extensions?.sql?.statements).toBe(5);

    const perCompany = countBy(jobs, (j) => j.companyId);
    const ranked = [...perCompany].sort((a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0])).slice(0, 5);
    expect(s.byCompany.map((b: any) => [Number(b.company.id), b.count])).toEqual(ranked);
    for (const b of s.byCompany) {
      const own = jobs.filter((j) => j.companyId === Number(b.company.id));
      const mids = own
        .filter(hasSalary)
        .map(mid)
        .sort((x, y) => x - y);
      expect(b.medianSalary).toBe(mids.length ? Math.round(percentile(mids, 0.5)) : null);
      expect(b.applicationCount).toBe(own.reduce((n, j) => n + j._count.applications, 0));
    }

    const skills = countBy(
      jobs.flatMap((j) => j.skills),
      (k) => k,
    );
    expect(s.bySkill).toHaveLength(8);
    const counts = s.bySkill.map((b: any) => b.count);
    expect(counts).toEqual([...skills.values()].sort((a, b) => b - a).slice(0, 8));
    for (const b of s.bySkill) expect(skills.get(b.key)).toBe(b.count);

    const levels = countBy(jobs, (j) => j.experienceLevel ?? 'UNSPECIFIED');
    expect(Object.fromEntries(s.byExperienceLevel.map((b: any) => [b.key, b.count]))).toEqual(Object.fromEntries(levels));
    const remote = countBy(jobs, (j) => (j.remote ? 'REMOTE' : 'ON_SITE'));
    expect(Object.fromEntries(s.byRemote.map((b: any) => [b.key, b.count]))).toEqual(Object.fromEntries(remote));
  });

  it('salary percentiles in whole dollars, overall, by job type and by location', async () => {
    const res = await gql(
      `query($f: JobFilter) { jobStats(filter: $f) {
        salaryPercentiles { p10 p25 p50 p75 p90 sampleSize }
        salaryByJobType { key percentiles { p10 p50 p90 sampleSize } }
        salaryByLocation(top: 3) { key percentiles { p50 sampleSize } } } }`,
      { f: filter },
      analyst,
    );
    expect(res.errors).toBeUndefined();
    const s = res.data.jobStats;
    const salaried = jobs.filter(hasSalary);
    const mids = salaried.map(mid).sort((a, b) => a - b);
    const r = (p: number) => Math.round(percentile(mids, p));
    expect(s.salaryPercentiles).toEqual({ p10: r(0.1), p25: r(0.25), p50: r(0.5), p75: r(0.75), p90: r(0.9), sampleSize: mids.length });
    for (const v of Object.values(s.salaryPercentiles)) expect(Number.isInteger(v)).toBe(true);

    for (const g of s.salaryByJobType) {
      const own = salaried
        .filter((j) => j.jobType === g.key)
        .map(mid)
        .sort((a, b) => a - b);
      expect(g.percentiles).toEqual({
        p10: Math.round(percentile(own, 0.1)),
        p50: Math.round(percentile(own, 0.5)),
        p90: Math.round(percentile(own, 0.9)),
        sampleSize: own.length,
      });
    }
    expect(s.salaryByJobType.reduce((n: number, g: any) => n + g.percentiles.sampleSize, 0)).toBe(salaried.length);

    expect(s.salaryByLocation).toHaveLength(3);
    for (const g of s.salaryByLocation) {
      const own = salaried
        .filter((j) => (j.city && j.state ? `${j.city}, ${j.state}` : j.location) === g.key)
        .map(mid)
        .sort((a, b) => a - b);
      expect(g.percentiles).toEqual({ p50: Math.round(percentile(own, 0.5)), sampleSize: own.length });
    }
  });

  it('jobs posted per day add up to the jobs posted in the window', async () => {
    const res = await gql(`query($f: JobFilter) { jobStats(filter: $f) { jobsPostedPerDay(days: 30) { day count } } }`, { f: filter }, analyst);
    expect(res.errors).toBeUndefined();
    const days = res.data.jobStats.jobsPostedPerDay;
    expect(days).toHaveLength(30);
    const since = new Date(`${days[0].day}T00:00:00Z`);
    expect(days.reduce((n: number, d: any) => n + d.count, 0)).toBe(jobs.filter((j) => j.createdAt >= since).length);
    const byDay = countBy(
      jobs.filter((j) => j.createdAt >= since),
      (j) => j.createdAt.toISOString().slice(0, 10),
    );
    for (const d of days) expect(d.count).toBe(byDay.get(d.day) ?? 0);
  });
});

it('costs a per-company figure once per company asked for', async () => {
  const figures = 'total byJobType { key } salaryPercentiles { p50 } applicationFunnel { applications } bySkill { key } byRemote { key }';
  const one = await gql(`{ jobStats { byCompany(top: 1) { stats { ${figures} } } } }`, {}, analyst);
  expect(one.errors).toBeUndefined();
  // Five aliases of 100 companies' six figures: 3,000 statements, if it ran.
  const alias = (n: string) => `${n}: jobStats { byCompany(top: 100) { stats { ${figures} } } }`;
  const many = await gql(`{ ${['a', 'b', 'c', 'd', 'e'].map(alias).join(' ')} }`, {}, analyst);
  expect(code(many)).toBe('QUERY_TOO_COMPLEX');
});

describe('application funnel', () => {
  const APPLY = 'mutation($jobId: ID!) { applyToJob(jobId: $jobId) { id } }';
  const MOVE = 'mutation($id: ID!, $status: ApplicationStatus!) { updateApplicationStatus(id: $id, status: $status) { status } }';
  const admin = { token: tokenFor(1, 'ADMIN') };

  it('counts who reached each status and the median time of each step, from the recorded history', async () => {
    const company = await prisma().company.create({ data: { name: `Funnel Test ${Date.now()}` } });
    const job = await prisma().job.create({
      data: { title: 'Funnel analyst', description: 'Counts applications.', companyId: company.id, location: 'Austin, TX', jobType: 'FULL_TIME' },
    });
    const apply = async (userId: number) => (await gql(APPLY, { jobId: String(job.id) }, { token: tokenFor(userId, 'SEEKER') })).data.applyToJob.id as string;
    const [hired, rejected, withdrawn] = [await apply(21), await apply(22), await apply(23)];
    await apply(24);
    for (const s of ['REVIEWING', 'INTERVIEWING', 'OFFERED', 'HIRED']) expect((await gql(MOVE, { id: hired, status: s }, admin)).errors).toBeUndefined();
    for (const s of ['REVIEWING', 'REJECTED']) expect((await gql(MOVE, { id: rejected, status: s }, admin)).errors).toBeUndefined();
    expect(
      (await gql('mutation($id: ID!) { withdrawApplication(id: $id) { status } }', { id: withdrawn }, { token: tokenFor(23, 'SEEKER') })).errors,
    ).toBeUndefined();

    // The database recorded every move, in order.
    const history = await prisma().applicationStatusChange.findMany({ where: { applicationId: Number(hired) }, orderBy: { changedAt: 'asc' } });
    expect(history.map((h) => h.status)).toEqual(['SUBMITTED', 'REVIEWING', 'INTERVIEWING', 'OFFERED', 'HIRED']);

    // Known durations, written over the recorded instants.
    // In the past, from when the applications were made: the history stays a possible one.
    const t0 = Date.now() - 100 * 3600_000;
    await prisma().application.updateMany({ where: { id: { in: [hired, rejected, withdrawn].map(Number) } }, data: { createdAt: new Date(t0) } });
    const at = async (id: string, status: string, hours: number) =>
      prisma().applicationStatusChange.update({
        where: { applicationId_status: { applicationId: Number(id), status: status as never } },
        data: { changedAt: new Date(t0 + hours * 3600_000) },
      });
    for (const [status, h] of [
      ['SUBMITTED', 0],
      ['REVIEWING', 2],
      ['INTERVIEWING', 26],
      ['OFFERED', 50],
      ['HIRED', 60],
    ] as const)
      await at(hired, status, h);
    for (const [status, h] of [
      ['SUBMITTED', 0],
      ['REVIEWING', 4],
      ['REJECTED', 5],
    ] as const)
      await at(rejected, status, h);
    for (const [status, h] of [
      ['SUBMITTED', 0],
      ['WITHDRAWN', 30],
    ] as const)
      await at(withdrawn, status, h);

    const res = await gql(
      `query($f: JobFilter) { jobStats(filter: $f) { applicationFunnel { applications steps { status reached medianHoursFromPrevious } } } }`,
      { f: { companyId: String(company.id) } },
      analyst,
    );
    expect(res.errors).toBeUndefined();
    const funnel = res.data.jobStats.applicationFunnel;
    expect(funnel.applications).toBe(4);
    expect(Object.fromEntries(funnel.steps.map((s: any) => [s.status, [s.reached, s.medianHoursFromPrevious]]))).toEqual({
      SUBMITTED: [4, null],
      REVIEWING: [2, 3],
      INTERVIEWING: [1, 24],
      OFFERED: [1, 24],
      HIRED: [1, 10],
      REJECTED: [1, 1],
      WITHDRAWN: [1, 30],
    });
  });
});

describe('the demo data’s history', () => {
  it('moves forward in time, never ahead of now, and gives every step of the funnel a duration', async () => {
    const out = await prisma().$queryRaw<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM application_status_change c JOIN application a ON a.id = c.application_id
      WHERE c.changed_at < a.created_at OR c.changed_at > now() OR (c.status = 'SUBMITTED' AND c.changed_at <> a.created_at)`;
    expect(out[0].n).toBe(0);
    const missing = await prisma().$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM application a
      WHERE NOT EXISTS (SELECT 1 FROM application_status_change c WHERE c.application_id = a.id AND c.status = a.status)`;
    expect(missing[0].n).toBe(0);
    const res = await gql('{ jobStats { applicationFunnel { applications steps { status reached medianHoursFromPrevious } } } }', {}, analyst);
    const steps = Object.fromEntries(res.data.jobStats.applicationFunnel.steps.map((s: any) => [s.status, s]));
    for (const s of ['REVIEWING', 'INTERVIEWING', 'OFFERED', 'HIRED', 'REJECTED', 'WITHDRAWN']) {
      expect([s, steps[s].reached > 0, steps[s].medianHoursFromPrevious > 1]).toEqual([s, true, true]);
    }
    expect(steps.INTERVIEWING.reached).toBeGreaterThan(steps.OFFERED.reached);
    expect(steps.OFFERED.reached).toBeGreaterThan(steps.HIRED.reached);
    expect(steps.SUBMITTED.reached).toBe(res.data.jobStats.applicationFunnel.applications);
    expect(steps.REVIEWING.reached).toBeGreaterThan(steps.INTERVIEWING.reached);
  });
});

describe('the analyst’s question in one request', () => {
  it('which companies posted the most data jobs lately, at what salaries, and how far their applicants get', async () => {
    const latest = await prisma().job.findFirstOrThrow({ where: { isActive: true }, orderBy: { createdAt: 'desc' } });
    const f = { search: 'data', postedAfter: new Date(latest.createdAt.getTime() - 60 * 86400_000).toISOString() };
    const res = await gql(
      `query($f: JobFilter) { jobStats(filter: $f) { total byCompany(top: 3) { company { id name } count medianSalary applicationCount
        stats { total salaryPercentiles { p50 } applicationFunnel { applications steps { status reached } } } } } }`,
      { f },
      analyst,
    );
    expect(res.errors).toBeUndefined();
    const top = res.data.jobStats.byCompany;
    expect(top.length).toBeGreaterThan(0);
    for (const c of top) {
      const own = await gql(`query($f: JobFilter) { jobs(filter: $f) { totalCount } }`, { f: { ...f, companyId: c.company.id } });
      expect(c.stats.total).toBe(own.data.jobs.totalCount);
      expect(c.count).toBe(c.stats.total);
      expect(c.stats.applicationFunnel.applications).toBe(c.applicationCount);
      expect(c.stats.applicationFunnel.steps[0]).toEqual({ status: 'SUBMITTED', reached: c.applicationCount });
    }
  });
});

describe('companies', () => {
  const PAGE = `query($s: String, $after: String) { companies(search: $s, first: 7, after: $after) {
    totalCount edges { node { id name jobCount } } pageInfo { hasNextPage endCursor } } }`;

  it('pages through every company whose name matches, in name order, without duplicates', async () => {
    const expected = await prisma().company.findMany({ where: { name: { contains: 'an', mode: 'insensitive' } } });
    expect(expected.length).toBeGreaterThan(7);
    const seen: any[] = [];
    let after: string | null = null;
    for (;;) {
      const res: any = await gql(PAGE, { s: 'AN', after });
      expect(res.errors).toBeUndefined();
      expect(res.data.companies.totalCount).toBe(expected.length);
      seen.push(...res.data.companies.edges.map((e: any) => e.node));
      if (!res.data.companies.pageInfo.hasNextPage) break;
      after = res.data.companies.pageInfo.endCursor;
    }
    expect(seen.map((c) => Number(c.id)).sort((a, b) => a - b)).toEqual(expected.map((c) => c.id).sort((a, b) => a - b));
    const counts = await prisma().job.groupBy({ by: ['companyId'], where: { isActive: true }, _count: true });
    for (const c of seen) expect(c.jobCount).toBe(counts.find((x) => x.companyId === Number(c.id))?._count ?? 0);
  });

  it('pages past a company whose name is as long as names may be', async () => {
    const long = await prisma().company.create({ data: { name: `Zz ${'Ünïcödé Holdings '.repeat(11)}`.slice(0, 200).trim() } });
    const after = await prisma().company.create({ data: { name: `${long.name.slice(0, 199)}~` } });
    const q = `query($s: String, $after: String) { companies(search: $s, first: 1, after: $after) { edges { node { id } } pageInfo { endCursor } } }`;
    const first = await gql(q, { s: 'Ünïcödé Holdings' });
    expect(first.data.companies.edges[0].node.id).toBe(String(long.id));
    const next = await gql(q, { s: 'Ünïcödé Holdings', after: first.data.companies.pageInfo.endCursor });
    expect(next.errors).toBeUndefined();
    expect(next.data.companies.edges[0].node.id).toBe(String(after.id));
  });

  it('refuses forged cursors and long searches; figures per company are for analysts', async () => {
    expect(code(await gql(PAGE, { after: 'bm9wZQ' }))).toBe('BAD_USER_INPUT');
    expect(code(await gql(PAGE, { s: 'x'.repeat(101) }))).toBe('BAD_USER_INPUT');
    const q = '{ companies(first: 1) { edges { node { name stats { total } } } } }';
    expect(code(await gql(q))).toBe('UNAUTHENTICATED');
    const res = await gql(q, {}, analyst);
    expect(res.errors).toBeUndefined();
    const name = res.data.companies.edges[0].node.name;
    const company = await prisma().company.findUniqueOrThrow({ where: { name } });
    expect(res.data.companies.edges[0].node.stats.total).toBe(await prisma().job.count({ where: { companyId: company.id, isActive: true } }));
  });
});

describe('history with closed jobs (includeClosed)', () => {
  const seeker = { token: tokenFor(30, 'SEEKER') };

  it('counts and lists closed jobs for analysts: totals, per-day postings and salary by level agree with SQL over every job', async () => {
    const all = await prisma().job.findMany({ select: { isActive: true, createdAt: true, salaryMin: true, salaryMax: true, experienceLevel: true } });
    const closed = all.filter((j) => !j.isActive).length;
    expect(closed).toBeGreaterThan(0);
    const res = await gql(
      `query($f: JobFilter, $a: JobFilter) {
        closed: jobStats(filter: $f) { total jobsPostedPerDay(days: 366) { count } salaryByExperienceLevel { key percentiles { p50 sampleSize } } }
        active: jobStats(filter: $a) { total }
        jobs(filter: $f, first: 100) { totalCount edges { node { isActive } } } }`,
      { f: { includeClosed: true }, a: { includeClosed: false } },
      analyst,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.closed.total).toBe(all.length);
    expect(res.data.active.total).toBe(all.length - closed);
    expect(res.data.jobs.totalCount).toBe(all.length);
    // What was posted in the window, whatever became of it.
    const since = new Date();
    since.setUTCHours(0, 0, 0, 0);
    since.setUTCDate(since.getUTCDate() - 365);
    const posted = all.filter((j) => j.createdAt >= since).length;
    expect(res.data.closed.jobsPostedPerDay.reduce((n: number, d: { count: number }) => n + d.count, 0)).toBe(posted);
    // Salary per level, open and closed jobs alike, against the same percentile computed here.
    const byLevel = new Map<string, number[]>();
    for (const j of all.filter(hasSalary)) {
      const level = j.experienceLevel ?? 'UNSPECIFIED';
      byLevel.set(level, [...(byLevel.get(level) ?? []), mid(j)]);
    }
    expect(res.data.closed.salaryByExperienceLevel.length).toBe(byLevel.size);
    for (const g of res.data.closed.salaryByExperienceLevel as { key: string; percentiles: { p50: number; sampleSize: number } }[]) {
      const sorted = byLevel.get(g.key)!.sort((a, b) => a - b);
      expect([g.key, g.percentiles.sampleSize, g.percentiles.p50]).toEqual([g.key, sorted.length, Math.round(percentile(sorted, 0.5))]);
    }
  });

  it('is for analysts only: FORBIDDEN to a seeker, UNAUTHENTICATED to nobody (through the response cache: cache-privacy.test.ts)', async () => {
    const q = '{ jobs(filter: { includeClosed: true }, first: 3) { totalCount edges { node { id isActive } } } }';
    expect((await gql(q, undefined, analyst)).errors).toBeUndefined();
    expect(code(await gql(q, undefined, seeker))).toBe('FORBIDDEN');
    expect(code(await gql(q))).toBe('UNAUTHENTICATED');
    // Without it, the list is everybody's, and only active jobs.
    const open = await gql('{ jobs(filter: { includeClosed: false }, first: 100) { edges { node { isActive } } } }', undefined, seeker);
    expect(open.data.jobs.edges.every((e: { node: { isActive: boolean } }) => e.node.isActive)).toBe(true);
  });

  it('means nothing for a saved search: BAD_USER_INPUT, nothing saved', async () => {
    const res = await gql(
      'mutation { saveSearch(input: { name: "history", filter: { search: "engineer", includeClosed: true }, alerts: NONE }) { id } }',
      undefined,
      seeker,
    );
    expect(code(res)).toBe('BAD_USER_INPUT');
    expect(await prisma().savedSearch.count({ where: { userId: 30, name: 'history' } })).toBe(0);
  });
});

describe('the funnel of a period of applications', () => {
  it('keeps the applications made in [appliedAfter, appliedBefore), as SQL over their history counts them', async () => {
    const apps = await prisma().application.findMany({ select: { id: true, createdAt: true }, orderBy: { createdAt: 'asc' } });
    const after = apps[Math.floor(apps.length / 4)].createdAt;
    const before = apps[Math.floor((3 * apps.length) / 4)].createdAt;
    const inPeriod = apps.filter((a) => a.createdAt >= after && a.createdAt < before).map((a) => a.id);
    const withHistory = await prisma().applicationStatusChange.findMany({
      where: { applicationId: { in: inPeriod }, application: { job: { isActive: true } } },
      distinct: ['applicationId'],
      select: { applicationId: true },
    });
    expect(withHistory.length).toBeGreaterThan(0);
    const FUNNEL = `query($a: DateTime, $b: DateTime) { jobStats { applicationFunnel(appliedAfter: $a, appliedBefore: $b) { applications steps { status reached } } } }`;
    const res = await gql(FUNNEL, { a: after.toISOString(), b: before.toISOString() }, analyst);
    expect(res.errors).toBeUndefined();
    expect(res.data.jobStats.applicationFunnel.applications).toBe(withHistory.length);
    const whole = await gql(FUNNEL, {}, analyst);
    expect(whole.data.jobStats.applicationFunnel.applications).toBeGreaterThan(withHistory.length);
    const empty = await gql(FUNNEL, { a: before.toISOString(), b: after.toISOString() }, analyst);
    expect(code(empty)).toBe('BAD_USER_INPUT');
  });
});
