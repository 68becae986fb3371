import type { Job } from '../../../src/generated/prisma/client';
import { useGatewaySuite } from '../../helpers/gateway';

const suite = useGatewaySuite();
const gql: typeof suite.gql = (...args) => suite.gql(...args);
let active: Job[];

beforeAll(async () => {
  active = await suite.db.prisma.job.findMany({ where: { isActive: true } });
});

const PAGE = `query Page($filter: JobFilter, $orderBy: JobOrder, $after: String, $first: Int) {
  jobs(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount edges { cursor node { id createdAt salaryMax } } pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`;

/** Every job of a filtered list, page by page, as the API returns them. */
async function walk(filter: object | null, orderBy = 'NEWEST', first = 100) {
  const ids: number[] = [];
  let after: string | null = null;
  let totalCount = -1;
  for (let page = 0; page < 1000; page++) {
    const res: any = await gql(PAGE, { filter, orderBy, after, first });
    expect(res.errors).toBeUndefined();
    const conn = res.data.jobs;
    totalCount = conn.totalCount;
    expect(conn.pageInfo.hasPreviousPage).toBe(after !== null);
    ids.push(...conn.edges.map((e: any) => Number(e.node.id)));
    if (!conn.pageInfo.hasNextPage) break;
    after = conn.pageInfo.endCursor;
  }
  return { ids, totalCount };
}

const text = (j: Job) => `${j.title} ${j.companyName} ${j.skills.join(' ')} ${j.description}`;
const hasSalary = (j: Job) => j.salaryMin != null || j.salaryMax != null;
const newest = (a: Job, b: Job) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id;

describe('jobs filters agree with an independent computation over the seeded rows', () => {
  const cases: [string, object, (j: Job) => boolean][] = [
    ['no filter', {}, () => true],
    ['jobType', { jobType: 'CONTRACT' }, (j) => j.jobType === 'CONTRACT'],
    ['remote', { remote: true }, (j) => j.remote],
    ['not remote', { remote: false }, (j) => !j.remote],
    ['location = city, any case', { location: 'austin' }, (j) => j.city?.toLowerCase() === 'austin'],
    ['location = state', { location: 'CA' }, (j) => j.state === 'CA'],
    ['location prefix', { location: 'San ' }, (j) => j.location.toLowerCase().startsWith('san ')],
    ['location "Remote"', { location: 'remote' }, (j) => j.location.toLowerCase().startsWith('remote')],
    ['location with LIKE metacharacters matches literally', { location: '%' }, () => false],
    ['companyId', { companyId: '5' }, (j) => j.companyId === 5],
    ['salaryMin: range reaches it', { salaryMin: 150000 }, (j) => hasSalary(j) && (j.salaryMax ?? j.salaryMin)! >= 150000],
    ['salaryMax: range starts below it', { salaryMax: 60000 }, (j) => hasSalary(j) && (j.salaryMin ?? j.salaryMax)! <= 60000],
    [
      'salary window overlaps',
      { salaryMin: 100000, salaryMax: 120000 },
      (j) => hasSalary(j) && (j.salaryMax ?? j.salaryMin)! >= 100000 && (j.salaryMin ?? j.salaryMax)! <= 120000,
    ],
    ['search word', { search: 'kubernetes' }, (j) => /\bkubernetes\b/i.test(text(j))],
    ['search phrase', { search: '"machine learning"' }, (j) => /\bmachine learning\b/i.test(text(j))],
    ['search exclusion', { search: 'kubernetes -terraform' }, (j) => /\bkubernetes\b/i.test(text(j)) && !/\bterraform\b/i.test(text(j))],
    ['search or', { search: 'swift or kotlin' }, (j) => /\b(swift|kotlin)\b/i.test(text(j))],
    [
      'combination',
      { jobType: 'FULL_TIME', remote: false, location: 'TX', salaryMin: 90000, search: 'sql' },
      (j) => j.jobType === 'FULL_TIME' && !j.remote && j.state === 'TX' && hasSalary(j) && (j.salaryMax ?? j.salaryMin)! >= 90000 && /\bsql\b/i.test(text(j)),
    ],
    ['combination with company', { companyId: '12', remote: true }, (j) => j.companyId === 12 && j.remote],
  ];

  it.each(cases)('%s', async (_name, filter, predicate) => {
    const expected = active
      .filter(predicate)
      .sort(newest)
      .map((j) => j.id);
    const { ids, totalCount } = await walk(filter);
    expect(ids).toEqual(expected);
    expect(totalCount).toBe(expected.length);
  });

  it('has cases that select something and cases that narrow (the table above is not vacuous)', () => {
    const sizes = cases.map(([, , p]) => active.filter(p).length);
    expect(sizes.filter((n) => n > 0 && n < active.length).length).toBeGreaterThan(12);
  });
});

describe('cursor pagination', () => {
  it.each(['NEWEST', 'SALARY_DESC'])('walks every active job once with %s, in order', async (orderBy) => {
    const { ids } = await walk(null, orderBy, 37);
    const expected = orderBy === 'NEWEST' ? [...active].sort(newest) : [...active].sort((a, b) => (b.salaryMax ?? -1) - (a.salaryMax ?? -1) || b.id - a.id);
    expect(ids).toEqual(expected.map((j) => j.id));
  });

  it('walks a RELEVANCE search without duplicates or gaps, best matches first', async () => {
    const filter = { search: 'data engineer python' };
    const { ids, totalCount } = await walk(filter, 'RELEVANCE', 7);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(totalCount);
    const all = await walk(filter, 'NEWEST');
    expect([...ids].sort()).toEqual([...all.ids].sort());
    const top = await gql('{ jobs(first: 1, orderBy: RELEVANCE, filter: { search: "data engineer python" }) { edges { node { title skills } } } }');
    expect(top.data.jobs.edges[0].node.title).toMatch(/Data Engineer/);
  });

  it('rejects first: 500 and first: 0 with BAD_USER_INPUT', async () => {
    for (const first of [500, 0, -1]) {
      const res = await gql(PAGE, { first });
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0].message).toMatch(/first.*1 to 100/);
      expect(res.extensions?.sql?.statements).toBe(0);
    }
  });

  it('rejects a malformed cursor, and a cursor of another ordering, clearly', async () => {
    for (const after of ['not-a-cursor', Buffer.from('{"o":"NEWEST","k":[]}').toString('base64url'), '']) {
      const res = await gql(PAGE, { after });
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0].message).toMatch(/cursor/);
    }
    const first = await gql(PAGE, { first: 2, orderBy: 'SALARY_DESC' });
    const res = await gql(PAGE, { after: first.data.jobs.pageInfo.endCursor, orderBy: 'NEWEST' });
    expect(res.errors?.[0].message).toMatch(/different ordering/);
  });

  it('pages a company’s jobs by cursor too', async () => {
    const companyId = active[0].companyId;
    const expected = active
      .filter((j) => j.companyId === companyId)
      .sort(newest)
      .map((j) => String(j.id));
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const res: any = await gql(
        'query($id: ID!, $after: String) { company(id: $id) { jobCount jobs(first: 2, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } } }',
        { id: String(companyId), after },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data.company.jobCount).toBe(expected.length);
      seen.push(...res.data.company.jobs.edges.map((e: any) => e.node.id));
      after = res.data.company.jobs.pageInfo.hasNextPage ? res.data.company.jobs.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(expected);
  });
});

describe('single lookups and validation', () => {
  it('returns null for an unknown id and an error for a malformed one', async () => {
    const res = await gql('{ job(id: "999999") { id } company(id: "888888") { id } }');
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ job: null, company: null });
    const bad = await gql('{ job(id: "12; DROP TABLE job") { id } }');
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('rejects impossible filters with BAD_USER_INPUT before any SQL', async () => {
    for (const filter of [{ salaryMin: 200000, salaryMax: 100000 }, { salaryMin: -5 }, { search: 'x'.repeat(201) }, { companyId: 'abc' }]) {
      const res = await gql(PAGE, { filter });
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.extensions?.sql?.statements).toBe(0);
    }
  });

  it('treats tsquery and SQL metacharacters in search as text, not syntax', async () => {
    for (const search of ["'; DROP TABLE job; --", 'a & | ! ( ) :*', '"unclosed', '\\\\']) {
      const res = await gql(PAGE, { filter: { search } });
      expect(res.errors).toBeUndefined();
      expect(res.data.jobs.totalCount).toBeGreaterThanOrEqual(0);
    }
    expect(await suite.db.prisma.job.count()).toBeGreaterThan(0);
  });

  it('ranks trending jobs by applications in the window, counting only active jobs', async () => {
    const res = await gql('{ trendingJobs(days: 7, first: 10) { id isActive applicationCount(days: 7) } }');
    expect(res.errors).toBeUndefined();
    const since = new Date(Date.now() - 7 * 86_400_000);
    const counts = await suite.db.prisma.application.groupBy({ by: ['jobId'], where: { createdAt: { gte: since }, job: { isActive: true } }, _count: true });
    const expected = counts.sort((a, b) => b._count - a._count || b.jobId - a.jobId).slice(0, 10);
    expect(res.data.trendingJobs.map((j: any) => [Number(j.id), j.applicationCount])).toEqual(expected.map((c) => [c.jobId, c._count]));
    expect(res.data.trendingJobs.every((j: any) => j.isActive)).toBe(true);
  });
});
