import { countAtDriver } from '../../helpers/driver-count';
import { testGateway, useGatewaySuite } from '../../helpers/gateway';

// The bench's job page (scripts/bench/scenarios.ts, JOB_PAGE).
const JOB_PAGE = `query JobPage($id: ID!) { job(id: $id) { id title description location salaryMin salaryMax company { id name }
  applicationCount similarJobs(first: 5) { id title company { name } } } }`;
// Every kind of value a similar job can carry through JSON: timestamps, arrays, enums, nulls.
const WIDE = `query Wide($id: ID!, $n: Int) { job(id: $id) { id title isActive createdAt updatedAt skills jobType experienceLevel
  city state remote company { id name industry rating } applicationCount
  similarJobs(first: $n) { id title isActive createdAt updatedAt skills jobType experienceLevel city state remote
    salaryMin salaryMax applicationCount company { id name industry rating } } } }`;

const suite = useGatewaySuite();
const gql: typeof suite.gql = (...args) => suite.gql(...args);
// One statement per field, as the page was read before it was one statement: the reference.
const naive: typeof suite.gql = (...args) => testGateway(suite.db, { batching: false }).gql(...args);

const sqlOf = async (query: string, variables?: Record<string, unknown>) => {
  const { result, texts } = await countAtDriver(suite.db, () => gql(query, variables));
  expect(result.errors).toBeUndefined();
  return { result, texts: texts.filter((t) => /\bSELECT\b/i.test(t)) };
};

describe('the job page in one statement', () => {
  let closed: number;
  let lonely: number;

  beforeAll(async () => {
    const prisma = suite.db.prisma;
    // A closed job that other jobs list: the lists drop it at read time.
    [{ id: closed }] = await prisma.$queryRaw<{ id: number }[]>`SELECT similar_id AS id FROM job_similar WHERE job_id = 7 ORDER BY rank LIMIT 1`;
    await prisma.$executeRaw`UPDATE job SET is_active = false WHERE id = ${closed}`;
    [{ id: lonely }] = await prisma.$queryRaw<{ id: number }[]>`SELECT id FROM job WHERE is_active AND id NOT IN (7, ${closed}) ORDER BY id DESC LIMIT 1`;
    await prisma.$executeRaw`DELETE FROM job_similar WHERE job_id = ${lonely}`;
    // Companies come along built by PostgreSQL (data/jobs.ts): text that must be quoted and
    // escaped, a null, and floats whose shortest exact form is long.
    await prisma.$executeRaw`UPDATE company SET name = ${'Acme, "Quoted" {Braced} \\ NULL'}, industry = NULL, rating = ${1 + 0.1 + 0.2}
      WHERE id = (SELECT company_id FROM job WHERE id = 7)`;
    await prisma.$executeRaw`UPDATE company SET rating = ${4.123456789012345}
      WHERE id = (SELECT j.company_id FROM job_similar s JOIN job j ON j.id = s.similar_id
        WHERE s.job_id = 7 AND j.is_active AND j.company_id <> (SELECT company_id FROM job WHERE id = 7) ORDER BY s.rank LIMIT 1)`;
  });

  it('answers what the statement per field answered: same fields, nulls and order', async () => {
    for (const id of ['7', '8', String(closed), String(lonely), '999999999']) {
      for (const [query, variables] of [
        [JOB_PAGE, { id }],
        [WIDE, { id, n: 10 }],
        [WIDE, { id }],
      ] as const) {
        const one = await gql(query, variables);
        expect(one.errors).toBeUndefined();
        expect(one).toEqual(expect.objectContaining({ data: (await naive(query, variables)).data }));
        expect(one.extensions?.sql?.statements).toBe(1);
      }
    }
    const wide = (await gql(WIDE, { id: '7' })).data.job;
    expect(wide.company).toEqual(expect.objectContaining({ name: 'Acme, "Quoted" {Braced} \\ NULL', industry: null, rating: 1 + 0.1 + 0.2 }));
    expect(wide.similarJobs.map((s: any) => s.company.rating)).toContain(4.123456789012345);
    const page = (await gql(JOB_PAGE, { id: '7' })).data.job;
    expect(page.similarJobs).toHaveLength(5);
    expect(page.similarJobs.map((s: any) => s.id)).not.toContain(String(closed));
    expect((await gql(JOB_PAGE, { id: String(lonely) })).data.job.similarJobs).toEqual([]);
    expect((await gql(JOB_PAGE, { id: String(closed) })).data.job).toEqual(expect.objectContaining({ id: String(closed) }));
    expect((await gql(JOB_PAGE, { id: '999999999' })).data.job).toBeNull();
  });

  it('refuses a bad id and a bad `first` as before', async () => {
    const bad = await gql(JOB_PAGE, { id: 'seven' });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.data?.job).toBeNull();
    for (const n of [0, 11]) {
      const res = await gql(WIDE, { id: '7', n });
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect((res.errors?.[0] as { path?: unknown }).path).toEqual(['job', 'similarJobs']);
      expect(res.data).toEqual((await naive(WIDE, { id: '7', n })).data);
    }
  });

  it('batches the pages of several jobs into the one statement', async () => {
    const query = `{ a: job(id: "7") { title similarJobs { title company { name } } } b: job(id: "8") { title similarJobs { title company { name } } } }`;
    const res = await gql(query);
    expect(res.data).toEqual((await naive(query)).data);
    expect(res.extensions?.sql?.statements).toBe(1);
  });

  it('reads similar lists asked twice, or under a directive, the way it did before', async () => {
    // The job, then a statement per list.
    for (const [query, statements] of [
      ['{ job(id: "7") { s3: similarJobs(first: 3) { id } s5: similarJobs(first: 5) { id title } } }', 3],
      ['{ job(id: "7") { similarJobs(first: 3) @include(if: true) { id company { name } } } }', 2],
    ] as const) {
      const res = await gql(query);
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual((await naive(query)).data);
      expect(res.extensions?.sql?.statements).toBe(statements);
    }
  });

  it('fetches no similar list, count or company that the query does not select', async () => {
    const noSimilar = await sqlOf('{ job(id: "7") { title company { name } applicationCount } }');
    expect(noSimilar.texts).toHaveLength(1);
    expect(noSimilar.texts[0]).not.toMatch(/job_similar/);
    expect(noSimilar.texts[0]).toMatch(/FROM application/);

    const noCount = await sqlOf('{ job(id: "7") { title similarJobs { title } } }');
    expect(noCount.texts).toHaveLength(1);
    expect(noCount.texts[0]).toMatch(/job_similar/);
    expect(noCount.texts[0]).not.toMatch(/FROM application|FROM company/);

    // The count of the similar jobs only: the job's own is not asked for.
    const theirCount = await sqlOf('{ job(id: "7") { title similarJobs { applicationCount } } }');
    expect(theirCount.texts).toHaveLength(1);
    expect(theirCount.texts[0].match(/FROM application/g)).toHaveLength(1);
    expect(theirCount.result.data.job.similarJobs.every((s: any) => Number.isInteger(s.applicationCount))).toBe(true);
  });
});
