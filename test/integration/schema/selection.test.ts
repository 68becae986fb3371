import type { GraphQLObjectType } from 'graphql';
import { schema } from '../../../src/schema';
import { JOB_FIELD_COLUMNS } from '../../../src/schema/job';
import { countAtDriver } from '../../helpers/driver-count';
import { useGatewaySuite } from '../../helpers/gateway';

const suite = useGatewaySuite();
const gql: typeof suite.gql = (...args) => suite.gql(...args);
const prisma = () => suite.db.prisma;

/** Every run of a document twice more: the later runs are compiled (http/plugins/jit.ts) and must answer the same. */
async function thrice(query: string, variables?: Record<string, unknown>) {
  const runs = [await gql(query, variables), await gql(query, variables), await gql(query, variables)];
  const bodies = runs.map(({ data, errors }) => JSON.stringify({ data, errors }));
  expect(bodies[1]).toBe(bodies[0]);
  expect(bodies[2]).toBe(bodies[0]);
  return runs[2];
}

describe('lists read only the columns a query selects', () => {
  it('knows what every field of Job reads', () => {
    const fields = Object.keys((schema.getType('Job') as GraphQLObjectType).getFields());
    expect(fields.filter((f) => !(f in JOB_FIELD_COLUMNS))).toEqual([]);
  });

  it('leaves out the columns nobody asked for', async () => {
    const { result, texts } = await countAtDriver(suite.db, () =>
      gql('{ jobs(first: 5) { edges { node { title similarJobs(first: 2) { title } } } } trendingJobs(first: 3) { id remote } }'),
    );
    expect(result.errors).toBeUndefined();
    const lists = texts.filter((t) => /FROM job j|JOIN job j/.test(t) && t.includes('j.title'));
    expect(lists.length).toBeGreaterThanOrEqual(2); // the page and the similar lists
    for (const sql of lists) {
      expect(sql).not.toContain('j.skills');
      expect(sql).not.toContain('AS "createdAt"');
    }
    expect(texts.some((t) => t.includes('j.remote') && t.includes('trending'))).toBe(true);
  });

  it('reads what fragments and inline fragments select, with the values in the database', async () => {
    const query = `query { jobs(first: 8) { edges { node { ...Row } } } }
      fragment Row on Job { id ... on Job { skills createdAt } salaryMin jobType applicationCount week: applicationCount(days: 7) similarJobs(first: 3) { ...Mini } }
      fragment Mini on Job { id remote experienceLevel updatedAt city company { id name industry rating } }`;
    const res = await thrice(query);
    expect(res.errors).toBeUndefined();
    const nodes = res.data.jobs.edges.map((e: any) => e.node);
    const similar = nodes.flatMap((n: any) => n.similarJobs);
    expect(similar.length).toBeGreaterThan(0);
    const rows = new Map(
      (await prisma().job.findMany({ where: { id: { in: [...nodes, ...similar].map((n: any) => Number(n.id)) } } })).map((j) => [String(j.id), j]),
    );
    for (const n of nodes) {
      const j = rows.get(n.id)!;
      expect(n).toMatchObject({ skills: j.skills, createdAt: j.createdAt.toISOString(), salaryMin: j.salaryMin, jobType: j.jobType });
      const since = new Date(Date.now() - 7 * 86_400_000);
      expect(n.applicationCount).toBe(await prisma().application.count({ where: { jobId: j.id } }));
      expect(n.week).toBe(await prisma().application.count({ where: { jobId: j.id, createdAt: { gte: since } } }));
    }
    for (const s of similar) {
      const j = rows.get(s.id)!;
      const c = (await prisma().company.findUnique({ where: { id: j.companyId } }))!;
      expect(s).toEqual({
        id: s.id,
        remote: j.remote,
        experienceLevel: j.experienceLevel,
        updatedAt: j.updatedAt.toISOString(),
        city: j.city,
        company: { id: String(c.id), name: c.name, industry: c.industry, rating: c.rating },
      });
    }
  });

  it('never hands a narrow list row to a field that wants the whole job', async () => {
    const first = (await gql('{ jobs(first: 1) { edges { node { id } } } }')).data.jobs.edges[0].node.id;
    const res = await thrice(`{ jobs(first: 1) { edges { node { id title } } } job(id: "${first}") { id skills createdAt location } }`);
    expect(res.errors).toBeUndefined();
    const j = (await prisma().job.findUnique({ where: { id: Number(first) } }))!;
    expect(res.data.job).toEqual({ id: first, skills: j.skills, createdAt: j.createdAt.toISOString(), location: j.location });
  });
});

describe('compiled execution (documents seen before)', () => {
  it('answers like the reference executor: variables, aliases, nulls, field errors', async () => {
    const query = `query Q($id: ID!, $missing: ID!, $n: Int) {
      a: job(id: $id) { id title company { name } applications(first: 1) { totalCount } }
      b: job(id: $missing) { id }
      list: jobs(first: $n) { edges { node { id } } }
    }`;
    const res = await thrice(query, { id: '3', missing: '99999999', n: 2 });
    expect(res.data.a).toMatchObject({ id: '3', applications: null });
    expect(res.data.b).toBeNull();
    expect(res.data.list.edges).toHaveLength(2);
    expect(res.errors?.[0]).toMatchObject({ path: ['a', 'applications'], locations: [expect.any(Object)], extensions: { code: 'FORBIDDEN' } });
    const refused = await thrice(query, { id: '3', missing: '1', n: 500 });
    expect(refused.errors?.find((e: any) => e.path?.[0] === 'list')).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'first' } });
  });

  it('refuses variables that do not fit their types with BAD_USER_INPUT every time', async () => {
    const res = await thrice('query Q($n: Int) { jobs(first: $n) { edges { node { id } } } }', { n: 'many' });
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('keeps @skip and @include apart on a fragment spread in several places', async () => {
    const query = `query Q($show: Boolean!) { a: job(id: "1") { id ...F @include(if: $show) } b: job(id: "2") { id ...F } c: job(id: "3") { id ...F @skip(if: $show) } }
      fragment F on Job { title }`;
    for (const show of [false, true, false]) {
      const res = await thrice(query, { show });
      expect(res.data.a.title).toEqual(show ? expect.any(String) : undefined);
      expect(res.data.b.title).toEqual(expect.any(String));
      expect(res.data.c.title).toEqual(show ? undefined : expect.any(String));
    }
  });

  it('never runs what a string argument smuggles into the compiled code', async () => {
    const marker = '__MAGIC_DATE__33a9e76d_02e0_4128_8e92_3530ad3da74d';
    const g = globalThis as { __smuggled?: number };
    delete g.__smuggled;
    const res = await thrice(`{ job(id: "${marker}0)+(globalThis.__smuggled=(globalThis.__smuggled|0)+1)+(0") { id } }`);
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(g.__smuggled).toBeUndefined();
  });

  it('runs the operation asked for in a document with several', async () => {
    const document = 'query A { job(id: "1") { id } } query B { job(id: "2") { id } }';
    for (let i = 0; i < 3; i++) {
      for (const [name, id] of [
        ['A', '1'],
        ['B', '2'],
      ]) {
        const res = await suite.gateway.fetch('http://gateway.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: document, operationName: name }),
        });
        expect((await res.json()).data.job.id).toBe(id);
      }
    }
  });
});
