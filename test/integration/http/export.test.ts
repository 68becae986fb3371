import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'csv-parse/sync';
import { loadConfig } from '../../../src/config';
import { exportWindows, RateLimiter } from '../../../src/ops/rate-limiter';
import { testGateway, tokenFor } from '../../helpers/gateway';
import { uniqueName } from '../../helpers/template';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';

// CSV exports, read back as a spreadsheet would: a UTF-8 byte-order mark, a header row,
// RFC 4180 quoting.

let db: TestDatabase;
let gw: ReturnType<typeof testGateway>;
const analyst = `Bearer ${tokenFor(5, 'ANALYST')}`;

beforeAll(async () => {
  db = await openTestDatabase();
  gw = testGateway(db, { config: { EXPORT_MAX_ROWS: 1000 } });
});
afterAll(() => db.destroy());

const get = (path: string, authorization: string | null = analyst) =>
  gw.gateway.fetch(`http://gateway.test${path}`, { headers: authorization ? { authorization } : {} });

async function sheet(path: string) {
  const res = await get(path);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="\w+-\d{4}-\d\d-\d\d\.csv"$/);
  const bytes = Buffer.from(await res.arrayBuffer());
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const table: string[][] = parse(bytes, { bom: true });
  const [header, ...rows] = table;
  return { header, rows };
}

describe('refusals, before any CSV is written', () => {
  it.each([
    ['/export/byJobType.csv', null, 401, 'UNAUTHENTICATED'],
    ['/export/byJobType.csv', 'Bearer not-a-token', 401, 'UNAUTHENTICATED'],
    ['/export/byJobType.csv', `Bearer ${tokenFor(3, 'SEEKER')}`, 403, 'FORBIDDEN'],
    ['/export/nothing.csv', analyst, 404, 'NOT_FOUND'],
    ['/export/byJobType.csv?color=red', analyst, 400, 'BAD_USER_INPUT'],
    ['/export/byLocation.csv?top=lots', analyst, 400, 'BAD_USER_INPUT'],
    ['/export/byLocation.csv?top=1000', analyst, 400, 'BAD_USER_INPUT'],
    ['/export/jobs.csv?jobType=CHEF', analyst, 400, 'BAD_USER_INPUT'],
    ['/export/jobs.csv?postedAfter=2026-02-01T00:00:00Z&postedBefore=2026-01-01T00:00:00Z', analyst, 400, 'BAD_USER_INPUT'],
    ['/export/jobs.csv', analyst, 400, 'EXPORT_TOO_LARGE'],
  ])('%s (%#): %i %s', async (path, authorization, status, code) => {
    const res = await get(path, authorization);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe(code);
    expect(body.errors[0].message.length).toBeGreaterThan(10);
  });
});

describe('figures', () => {
  it('are the rows GraphQL answers, with the same filter', async () => {
    const { header, rows } = await sheet('/export/salaryByLocation.csv?jobType=FULL_TIME&top=5');
    expect(header).toEqual(['key', 'p10', 'p25', 'p50', 'p75', 'p90', 'sampleSize']);
    const res = await gw.gql(
      '{ jobStats(filter: { jobType: FULL_TIME }) { salaryByLocation(top: 5) { key percentiles { p10 p25 p50 p75 p90 sampleSize } } } }',
      {},
      { authorization: analyst },
    );
    const expected = res.data.jobStats.salaryByLocation.map((g: any) => [g.key, ...Object.values(g.percentiles).map(String)]);
    expect(rows).toEqual(expected);
    expect(rows).toHaveLength(5);
  });

  it('every figure downloads with a header row', async () => {
    for (const name of [
      'byJobType',
      'byLocation',
      'bySkill',
      'byExperienceLevel',
      'byRemote',
      'byCompany',
      'salaryPercentiles',
      'salaryByJobType',
      'jobsPostedPerDay',
      'applicationsPerDay',
      'applicationFunnel',
      'salaryByExperienceLevel',
    ]) {
      const { header, rows } = await sheet(`/export/${name}.csv?location=CA`);
      expect(header.length).toBeGreaterThan(1);
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) expect(r).toHaveLength(header.length);
    }
  });
});

describe('history', () => {
  it('counts closed jobs with includeClosed=true, and the funnel of a period of applications, as GraphQL does', async () => {
    const days = (await sheet('/export/jobsPostedPerDay.csv?includeClosed=true&days=366')).rows;
    const open = (await sheet('/export/jobsPostedPerDay.csv?days=366')).rows;
    const total = (rows: string[][]) => rows.reduce((n, r) => n + Number(r[1]), 0);
    const res = await gw.gql(
      '{ all: jobStats(filter: { includeClosed: true }) { jobsPostedPerDay(days: 366) { count } } open: jobStats { jobsPostedPerDay(days: 366) { count } } }',
      {},
      { authorization: analyst },
    );
    const sum = (d: { count: number }[]) => d.reduce((n, x) => n + x.count, 0);
    expect([total(days), total(open)]).toEqual([sum(res.data.all.jobsPostedPerDay), sum(res.data.open.jobsPostedPerDay)]);
    expect(total(days)).toBeGreaterThan(total(open));
    const period = '?appliedAfter=2000-01-01T00:00:00Z&appliedBefore=2000-01-02T00:00:00Z';
    const { rows: none } = await sheet(`/export/applicationFunnel.csv${period}`);
    expect(none.map((r) => Number(r[1]))).toEqual(none.map(() => 0));
    const bad = await get('/export/jobsPostedPerDay.csv?includeClosed=maybe');
    expect(bad.status).toBe(400);
  });
});

describe('job lists', () => {
  it('stream every matching job across pages, each once, quoted and in UTF-8, formulas defused', async () => {
    const company = await db.prisma.company.create({ data: { name: `Zürich Café — «Ünited», "Quoted" ${Date.now()}` } });
    const titles = ['Data "Wrangler", Senior', '=HYPERLINK("http://evil.example")', 'Crème brûlée engineer 🍮', '-1 plus one', 'Plain'];
    for (let i = 0; i < 130; i++) {
      await db.prisma.job.create({
        data: {
          title: titles[i % titles.length],
          description: 'x',
          companyId: company.id,
          location: 'Zürich',
          jobType: 'CONTRACT',
          skills: ['Go', 'C#'],
          salaryMin: 1000 + i,
          createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
        },
      });
    }
    const { header, rows } = await sheet(`/export/jobs.csv?companyId=${company.id}&orderBy=SALARY_DESC`);
    expect(header).toEqual([
      'id',
      'title',
      'company',
      'location',
      'jobType',
      'experienceLevel',
      'remote',
      'salaryMin',
      'salaryMax',
      'skills',
      'postedAt',
      'applications',
    ]);
    expect(rows).toHaveLength(130);
    expect(new Set(rows.map((r) => r[0])).size).toBe(130);
    const col = (name: string) => header.indexOf(name);
    expect(rows.map((r) => Number(r[col('salaryMin')]))).toEqual(Array.from({ length: 130 }, (_, i) => 1129 - i));
    expect(new Set(rows.map((r) => r[col('company')]))).toEqual(new Set([company.name]));
    expect(new Set(rows.map((r) => r[col('title')]))).toEqual(
      new Set(['Data "Wrangler", Senior', `'=HYPERLINK("http://evil.example")`, 'Crème brûlée engineer 🍮', `'-1 plus one`, 'Plain']),
    );
    expect(rows[0][col('skills')]).toBe('Go; C#');
    expect(rows[0][col('remote')]).toBe('false');
    expect(rows[0][col('location')]).toBe('Zürich');
  });

  it('companies page through too', async () => {
    const { header, rows } = await sheet('/export/companies.csv?search=an');
    expect(header).toEqual(['id', 'name', 'industry', 'rating', 'jobCount']);
    expect(rows).toHaveLength(await db.prisma.company.count({ where: { name: { contains: 'an', mode: 'insensitive' } } }));
  });
});

describe('formulas', () => {
  const triggers = ['=', '+', '-', '@', '\uFF1D', '\uFE66', '\uFF0B', '\uFE62', '\uFF0D', '\uFE63', '\u2212', '\uFF20', '\uFE6B'];
  const leads = ['', ' ', '   ', '\t', '\r', '\n', '\r\n', '\u00A0', '\u3000', '\u200B', '\uFEFF', '\u0000', '\u001F', ' \t\r '];

  it('defuses every trigger after any leading whitespace or control characters, and nothing else', async () => {
    const { cell } = await import('../../../src/http/plugins/export');
    for (const lead of leads)
      for (const trigger of triggers) {
        const text = `${lead}${trigger}HYPERLINK("http://evil.example")`;
        expect({ text, cell: cell(text) }).toEqual({ text, cell: `'${text}` });
      }
    for (const harmless of ['Plain', 'C++ developer', 'x = 1', 'R&D', 'Ünited', '', ' ', '1-2 years', '#hashtag'])
      expect({ harmless, cell: cell(harmless) }).toEqual({ harmless, cell: harmless });
    expect(cell(-1)).toBe(-1);
  });

  it('leave no cell of a downloaded sheet starting a formula', async () => {
    const industries = ['\uFF1DHYPERLINK("http://evil.example")', '\uFE661+1', ' =1+1', '\t@SUM(1)', '\r-2+3', '\u00A0+cmd'];
    const marker = `Formula Ltd ${Date.now()}`;
    for (const [i, industry] of industries.entries()) await db.prisma.company.create({ data: { name: `${marker} ${i}`, industry } });
    const { header, rows } = await sheet(`/export/companies.csv?search=${encodeURIComponent(marker)}`);
    const industry = rows.map((r) => r[header.indexOf('industry')]).sort();
    expect(industry).toEqual(industries.map((t) => `'${t}`).sort());
  });
});

describe('pricing', () => {
  it('lets the documented maximum through in at most 2 windows, bounded per client, apart from its query budget', () => {
    const config = loadConfig({});
    expect(config.EXPORT_MAX_ROWS).toBe(100_000);
    // At the API's price (1,502 points a page of 100 from 60,000 a window) it took 26 windows.
    expect(exportWindows(config.EXPORT_MAX_ROWS, config)).toBeLessThanOrEqual(2);
  });

  it('charges each page its rows from the client’s export budget, and leaves its query budget alone', async () => {
    const config = { ...loadConfig({}), RATE_LIMIT_POINTS: 5000, EXPORT_ROWS_PER_WINDOW: 100_000, CACHE_PREFIX: uniqueName('export') };
    const limiter = new RateLimiter(config, null, () => undefined);
    const priced = testGateway(db, { rateLimiter: limiter, config: { EXPORT_MAX_ROWS: 100_000 } });
    const token = tokenFor(7, 'ANALYST');
    // Every active job: about 23 pages, 34,000 query points at the API's price, 7 budgets of 5,000.
    const res = await priced.gateway.fetch('http://gateway.test/export/jobs.csv', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const table: string[][] = parse(Buffer.from(await res.arrayBuffer()), { bom: true });
    const rows = table.slice(1);
    const active = await db.prisma.job.count({ where: { isActive: true } });
    expect(rows).toHaveLength(active);
    const pages = Math.ceil(active / 100);
    expect((await limiter.take('u:7', 1, 'export')).budget?.remaining).toBe(100_000 - pages * 100 - 1);
    const query = await priced.gql('{ __typename }', {}, { token });
    expect(query.headers.get('ratelimit')).toMatch(/;r=4999;/);
    // Spent, the export budget refuses the next page (which the export then waits out), and only it.
    await limiter.take('u:7', 100_000 - pages * 100 - 1, 'export');
    expect((await limiter.take('u:7', 100, 'export')).allowed).toBe(false);
    expect((await limiter.take('u:7', 100)).allowed).toBe(true);
  });
});

describe('a long download that meets trouble midway', () => {
  // The gateway's own queries replaced by scripted answers: page 1, then what a later page meets.
  const node = (id: number) => ({
    id: String(id),
    title: `Job ${id}`,
    company: { name: 'Acme' },
    skills: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    applicationCount: 0,
  });
  const pageOf = (ids: number[], next: string | null) =>
    Response.json({
      data: { jobs: { totalCount: 3, pageInfo: { hasNextPage: next != null, endCursor: next }, edges: ids.map((id) => ({ node: node(id) })) } },
    });
  const failure = (code: string, extensions: Record<string, unknown> = {}) =>
    Response.json({ errors: [{ message: code, extensions: { code, ...extensions } }] });
  const download = async (answers: Response[]) => {
    const { createYoga, createSchema } = await import('graphql-yoga');
    const { useExport } = await import('../../../src/http/plugins/export');
    const asked: unknown[] = [];
    const yoga = createYoga({
      schema: createSchema({ typeDefs: 'type Query { ok: Boolean }' }),
      plugins: [
        useExport(
          async (_q, variables) => (asked.push(variables.after ?? null), answers.shift()!),
          () => ({ userId: 5, role: 'ANALYST', companyId: null }),
          { EXPORT_MAX_ROWS: 100 },
        ),
      ],
    });
    // Over real HTTP: what a browser or curl sees when the stream fails is the point.
    const server = createServer((req, res) => void yoga(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      // The failure may reach the client before or after the headers: either way, an error.
      const text = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/export/jobs.csv`)
        .then((res) => res.text())
        .then(
          (t) => ({ t }),
          (err: Error) => ({ err }),
        );
      return { text, asked };
    } finally {
      server.close();
    }
  };

  it('breaks the download rather than end a truncated file as if complete', async () => {
    const { text } = await download([pageOf([1], 'c1'), failure('SERVICE_UNAVAILABLE')]);
    expect('err' in text && text.err.message).toMatch(/^(fetch failed|terminated)$/);
  });

  it('waits out its own rate limit and goes on', async () => {
    const { text, asked } = await download([pageOf([1], 'c1'), failure('RATE_LIMITED', { retryAfter: 1 }), pageOf([2, 3], null)]);
    const table: string[][] = parse('t' in text ? text.t : '', { bom: true });
    const rows = table.slice(1);
    expect(rows.map((r) => r[0])).toEqual(['1', '2', '3']);
    expect(asked).toEqual([null, 'c1', 'c1']);
  });
});
