import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromJobInput, jsonl } from '../../../src/ingest/formats/jsonl';
import { glassdoor } from '../../../src/ingest/formats/glassdoor';
import { linkedin } from '../../../src/ingest/formats/linkedin';
import type { FeedRow } from '../../../src/ingest/types';
import { runImport } from '../../../src/ingest/pipeline';
import { tokenFor, useGatewaySuite } from '../../helpers/gateway';

const suite = useGatewaySuite();
const tmp = mkdtempSync(join(tmpdir(), 'chommie-validation-'));
const ADMIN = tokenFor(1, 'ADMIN');
const cursor = (o: string, k: unknown[]) => Buffer.from(JSON.stringify({ o, k })).toString('base64url');
const counts = async () => [await suite.db.prisma.job.count(), await suite.db.prisma.company.count(), await suite.db.prisma.application.count()];

async function badInput(query: string, variables: Record<string, unknown>, argument: string, token?: string) {
  const res = await suite.gql(query, variables, { token });
  expect({ argument, errors: res.errors?.map((e) => [e.extensions?.code, e.extensions?.argument]) }).toEqual({
    argument,
    errors: [['BAD_USER_INPUT', argument]],
  });
  return res;
}

describe('text arguments', () => {
  const JOBS = 'query($f: JobFilter, $after: String) { jobs(filter: $f, after: $after) { totalCount } }';
  const CONTROL = ['a\u0000b', 'tab\there', 'bell\u0007', 'del\u007f', 'c1\u0085', 'line\nbreak'];

  it.each(CONTROL)('refuses %j in search, location and cursors with BAD_USER_INPUT naming the argument', async (s) => {
    await badInput(JOBS, { f: { search: s } }, 'filter.search');
    await badInput(JOBS, { f: { location: s } }, 'filter.location');
    await badInput(JOBS, { after: s }, 'after');
    await badInput('query($f: JobFilter) { jobStats(filter: $f) { total } }', { f: { search: s } }, 'filter.search', ADMIN);
    await badInput('query($a: String) { company(id: "1") { jobs(after: $a) { totalCount } } }', { a: s }, 'after');
    await badInput('query($id: ID!) { job(id: $id) { id } }', { id: `1${s}` }, 'id');
  });

  it('keeps line breaks and tabs in descriptions only, and refuses NUL there too', async () => {
    const input = { title: 'Kiln Operator', description: 'Fire pots.\n\tGlaze them.\r\n', location: 'Austin, TX', jobType: 'FULL_TIME', companyId: '3' };
    const CREATE = 'mutation($input: CreateJobInput!) { createJob(input: $input) { id description } }';
    const before = await counts();
    await badInput(CREATE, { input: { ...input, description: 'a\u0000b' } }, 'input.description', ADMIN);
    await badInput(CREATE, { input: { ...input, skills: ['ok', 'b\u0000d'] } }, 'input.skills.1', ADMIN);
    await badInput(CREATE, { input: { ...input, title: 'two\nlines' } }, 'input.title', ADMIN);
    const IMPORT = 'mutation($jobs: [JobInput!]!) { importJobs(jobs: $jobs) { created } }';
    await badInput(IMPORT, { jobs: [{ ...input, companyId: undefined, companyName: 'Kiln\u0000Works' }] }, 'jobs.0.companyName', ADMIN);
    await badInput(IMPORT, { jobs: [{ ...input, externalId: 'x\u0000' }] }, 'jobs.0.externalId', ADMIN);
    expect(await counts()).toEqual(before);
    const res = await suite.gql(CREATE, { input }, { token: ADMIN });
    expect(res.errors).toBeUndefined();
    expect(res.data.createJob.description).toBe('Fire pots.\n\tGlaze them.');
  });
});

describe('ids and cursors', () => {
  it('refuses ids beyond the int4 range in every argument', async () => {
    for (const id of ['2147483648', '9999999999', '99999999999']) {
      await badInput('query($id: ID!) { job(id: $id) { id } }', { id }, 'id');
      await badInput('query($id: ID!) { company(id: $id) { id } }', { id }, 'id');
      await badInput('query($f: JobFilter) { jobs(filter: $f) { totalCount } }', { f: { companyId: id } }, 'filter.companyId');
      await badInput('mutation($id: ID!) { applyToJob(jobId: $id) { id } }', { id }, 'jobId', tokenFor(3, 'SEEKER'));
    }
    const max = await suite.gql('{ job(id: "2147483647") { id } }');
    expect(max).toMatchObject({ data: { job: null } });
    expect(max.errors).toBeUndefined();
  });

  const T = '2024-03-01T12:00:00.000Z';
  const forged: [string, string, unknown[]][] = [
    ['NEWEST', 'an id beyond int4', [T, 2 ** 31]],
    ['NEWEST', 'a fractional id', [T, 1.5]],
    ['NEWEST', 'a negative id', [T, -1]],
    ['NEWEST', 'a time that is not one', ['yesterday', 5]],
    ['NEWEST', 'February 30', ['2024-02-30T00:00:00.000Z', 5]],
    ['NEWEST', 'year 0', ['0000-01-01T00:00:00.000Z', 5]],
    ['NEWEST', 'a number as time', [1_700_000_000_000, 5]],
    ['NEWEST', 'a missing id', [T]],
    ['SALARY_DESC', 'a salary beyond int4', [2 ** 40, 5]],
    ['SALARY_DESC', 'text as salary', ['lots', 5]],
    ['RELEVANCE', 'text as rank', ['0.5', 5]],
  ];
  it.each(forged)('refuses a %s cursor with %s before any SQL', async (order, _what, key) => {
    const orderBy = order === 'RELEVANCE' ? 'RELEVANCE' : order;
    const filter = order === 'RELEVANCE' ? { search: 'engineer' } : undefined;
    const res = await badInput(
      'query($f: JobFilter, $o: JobOrder, $a: String) { jobs(filter: $f, orderBy: $o, after: $a) { totalCount } }',
      { f: filter, o: orderBy, a: cursor(order, key) },
      'after',
    );
    expect(res.extensions?.sql?.statements).toBe(0);
  });

  it('refuses forged company-job and application cursors, and accepts real ones', async () => {
    for (const key of [
      [T, 2 ** 31],
      ['nope', 1],
      [T, '1'],
    ]) {
      await badInput('query($a: String) { company(id: "1") { jobs(after: $a) { totalCount } } }', { a: cursor('COMPANY_NEWEST', key) }, 'after');
      await badInput(
        'query($a: String) { me { applications(after: $a) { totalCount } } }',
        { a: cursor('APPLICATION_NEWEST', key) },
        'after',
        tokenFor(3, 'SEEKER'),
      );
    }
    await badInput('query($a: String) { jobs(after: $a) { totalCount } }', { a: 'A'.repeat(500) }, 'after');
    const first = await suite.gql('{ jobs(first: 2, orderBy: SALARY_DESC) { pageInfo { endCursor } edges { node { id } } } }');
    const next = await suite.gql('query($a: String) { jobs(first: 2, orderBy: SALARY_DESC, after: $a) { edges { node { id } } } }', {
      a: first.data.jobs.pageInfo.endCursor,
    });
    expect(next.errors).toBeUndefined();
    expect(next.data.jobs.edges).toHaveLength(2);
    const company = await suite.gql('{ company(id: "1") { jobs(first: 1) { pageInfo { endCursor } } } }');
    const more = await suite.gql('query($a: String) { company(id: "1") { jobs(first: 1, after: $a) { totalCount } } }', {
      a: company.data.company.jobs.pageInfo.endCursor,
    });
    expect(more.errors).toBeUndefined();
  });
});

describe('imported postings', () => {
  const posting = { title: 'Glaze Chemist', description: 'Mix glazes.', location: 'Austin, TX', jobType: 'FULL_TIME', companyName: 'Validation Pottery' };
  const rows = async (it: AsyncIterable<FeedRow>) => {
    const out: FeedRow[] = [];
    for await (const r of it) out.push(r);
    return out;
  };
  const reasons = (rs: FeedRow[]) => rs.map((r) => ('reason' in r ? [r.line, r.reason] : [r.line, 'ok']));

  it('parses JSON Lines createdAt as a date, and rejects bad ones with line and reason', async () => {
    const path = join(tmp, 'dates.jsonl');
    const line = (over: object) => JSON.stringify({ ...posting, ...over });
    const tomorrow = new Date(Date.now() + 3 * 86_400_000).toISOString();
    writeFileSync(
      path,
      [
        line({ externalId: 'd1', createdAt: '2021-06-01T09:30:00Z' }),
        line({ externalId: 'd2', createdAt: '2021-06-02' }),
        line({ externalId: 'd3', createdAt: null }),
        line({ externalId: 'd4', createdAt: 'last tuesday' }),
        line({ externalId: 'd5', createdAt: 1_622_540_000_000 }),
        line({ externalId: 'd6', createdAt: '1899-12-31' }),
        line({ externalId: 'd7', createdAt: tomorrow }),
        line({ externalId: 'd8', createdAt: '2021-02-30' }),
        line({ externalId: 'd9', createdAt: { at: 1 } }),
      ].join('\n'),
    );
    const summary = await runImport(suite.db, jsonl(path), { source: 'validation' });
    expect(summary).toMatchObject({ rows: 9, created: 3, rejected: 6 });
    expect(summary.rejects.map((r) => [r.line, r.reason.split(' ')[0]])).toEqual([4, 5, 6, 7, 8, 9].map((n) => [n, 'createdAt']));
    expect(summary.rejects[0].reason).toMatch(/ISO 8601/);
    expect(summary.rejects[2].reason).toMatch(/plausible/);
    const jobs = await suite.db.prisma.job.findMany({ where: { source: 'validation' }, orderBy: { externalId: 'asc' } });
    expect(jobs.slice(0, 2).map((j) => j.createdAt.toISOString())).toEqual(['2021-06-01T09:30:00.000Z', '2021-06-02T00:00:00.000Z']);
    expect(Date.now() - jobs[2].createdAt.getTime()).toBeLessThan(3_600_000);
  });

  it('turns fields of the wrong type into rejected rows, never exceptions', () => {
    const cases: [object, RegExp][] = [
      [{ companyId: '2147483648', companyName: undefined }, /companyId/],
      [{ companyId: 3.5, companyName: undefined }, /companyId/],
      [{ companyName: 42 }, /companyName/],
      [{ companyName: 'Acme\u0000' }, /companyName .*control/],
      [{ externalId: { a: 1 } }, /externalId/],
      [{ externalId: '  ' }, /externalId/],
      [{ externalId: 'x'.repeat(201) }, /externalId/],
      [{ externalId: 'x\u0007' }, /externalId .*control/],
    ];
    for (const [over, reason] of cases) {
      const row = fromJobInput(7, { ...posting, ...over });
      expect({ over, row }).toEqual({ over, row: { line: 7, reason: expect.stringMatching(reason), record: expect.anything() } });
    }
    expect(fromJobInput(1, { ...posting, companyId: 2147483647, companyName: undefined })).toMatchObject({ candidate: { company: { id: 2147483647 } } });
  });

  it('rejects Glassdoor and LinkedIn rows with bad dates, ids or control characters by line', async () => {
    const csv = join(tmp, 'glassdoor.csv');
    const header = 'Job_title,Company,State,City,Min_Salary,Max_Salary,Job_Desc,Industry,Rating,Date_Posted,Job_Type\n';
    const row = (company: string, date: string) => `Welder,${company},TX,Austin,1,2,Weld.,Tech,4,${date},FULL_TIME\n`;
    writeFileSync(
      csv,
      header + row('Acme', '2020-05-01') + row('Acme', '2020-13-01') + row('Ac\u0000me', '2020-05-01') + row('Acme', '1066-10-14') + row('Acme', ''),
    );
    expect(reasons(await rows(glassdoor(csv)))).toEqual([
      [2, 'ok'],
      [3, expect.stringMatching(/^Date_Posted must be an ISO 8601/)],
      [4, 'Company must not contain control characters'],
      [5, expect.stringMatching(/^Date_Posted .* not a plausible/)],
      [6, 'ok'],
    ]);
    const dir = join(tmp, 'linkedin');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'job_postings.csv'),
      [
        'job_id,company_id,title,location,remote_allowed,formatted_experience_level,work_type',
        '1,10,Welder,"Austin, TX",,constructor,FULL_TIME',
        'x1,10,Welder,"Austin, TX",,,FULL_TIME',
        '3,1e99,Welder,"Austin, TX",,,FULL_TIME',
        '4,11,Welder,"Austin, TX",,__proto__,FULL_TIME',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'company_industries.csv'), 'company_id,industry\n11,"Bad\u0001Industry"\n');
    const linked = await rows(linkedin(dir));
    expect(reasons(linked)).toEqual([
      [2, 'ok'],
      [3, expect.stringMatching(/^job_id must be a number/)],
      [4, expect.stringMatching(/^company_id must be a number/)],
      [5, 'industry must not contain control characters'],
    ]);
    expect(linked[0]).toMatchObject({ candidate: { levelHint: null } });
  });
});

describe('input that looks like a database failure', () => {
  it('is still bad input: a message quoting the client never turns an error into SERVICE_UNAVAILABLE', async () => {
    for (const id of ['Connection terminated unexpectedly', 'ECONNREFUSED']) {
      const res = await suite.gql('query($id: ID!) { job(id: $id) { id } }', { id });
      expect({ id, status: res.status, codes: res.errors?.map((e) => e.extensions?.code) }).toEqual({ id, status: 200, codes: ['BAD_USER_INPUT'] });
    }
    const res = await suite.gql('{ job(id: "Connection terminated") { id } }');
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});
