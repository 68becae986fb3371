import { createReadStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { FeedError } from '../../../src/ingest/csv';
import { openFeed } from '../../../src/ingest/feeds';
import { runImport } from '../../../src/ingest/pipeline';
import { yearly } from '../../../src/ingest/salary';
import { describeWithFeeds, GLASSDOOR, LINKEDIN } from '../../helpers/feeds';
import { tokenFor, useGatewaySuite } from '../../helpers/gateway';

const suite = useGatewaySuite();
const tmp = mkdtempSync(join(tmpdir(), 'chommie-import-'));
const importFile = (path: string, format?: string, dryRun = false) =>
  runImport(suite.db, openFeed(path, format).rows, { source: format ?? 'test', dryRun, similar: suite.similar });
const jobCount = () => suite.db.prisma.job.count();

async function csvRecords(path: string): Promise<Record<string, string>[]> {
  const out: Record<string, string>[] = [];
  for await (const r of createReadStream(path).pipe(parse({ columns: true }))) out.push(r);
  return out;
}

describeWithFeeds('importing the Glassdoor feed', () => {
  let first: Awaited<ReturnType<typeof importFile>>;
  beforeAll(async () => {
    first = await importFile(GLASSDOOR, 'glassdoor');
  });

  it('accounts for every one of its 3,324 rows, repeats of a posting folded into one job', async () => {
    expect(first.rows).toBe(3324);
    expect(first.created + first.updated + first.unchanged + first.merged + first.rejected).toBe(3324);
    const records = await csvRecords(GLASSDOOR);
    const distinct = new Set(
      records.map((r) => [r.Job_title, r.Company, r.City, r.State, r.Job_Desc].map((s) => s.toLowerCase().replace(/\s+/g, ' ').trim()).join('|')),
    );
    expect(first.created).toBe(distinct.size - first.rejected);
    expect(first.merged).toBe(records.length - distinct.size);
    expect(await suite.db.prisma.job.count({ where: { source: 'glassdoor' } })).toBe(first.created);
  });

  it('deduplicates companies and keeps salaries yearly, with -1 as unknown', async () => {
    const records = await csvRecords(GLASSDOOR);
    const names = new Set(records.map((r) => r.Company.trim()));
    const companies = await suite.db.prisma.company.count({ where: { jobs: { some: { source: 'glassdoor' } } } });
    expect(companies).toBe(names.size);
    const sample = records.find((r) => r.Min_Salary !== '-1' && r.Job_Desc.length > 100)!;
    const job = await suite.db.prisma.job.findFirstOrThrow({
      where: { source: 'glassdoor', title: sample.Job_title, companyName: sample.Company.trim(), description: sample.Job_Desc },
    });
    expect([job.salaryMin, job.salaryMax]).toEqual([Number(sample.Min_Salary), Number(sample.Max_Salary)]);
    const unpaid = records.find((r) => r.Min_Salary === '-1')!;
    const noSalary = await suite.db.prisma.job.findFirstOrThrow({ where: { source: 'glassdoor', title: unpaid.Job_title, description: unpaid.Job_Desc } });
    expect([noSalary.salaryMin, noSalary.salaryMax]).toEqual([null, null]);
  });

  it('changes nothing when the same file is imported again', async () => {
    const before = await jobCount();
    const again = await importFile(GLASSDOOR, 'glassdoor');
    expect(again).toMatchObject({
      rows: 3324,
      created: 0,
      updated: 0,
      unchanged: first.created + first.updated,
      merged: first.merged,
      rejected: first.rejected,
    });
    expect(await jobCount()).toBe(before);
  });

  it('enriches real postings: skills, seniority and remote from their text', async () => {
    const jobs = await suite.db.prisma.job.findMany({ where: { source: 'glassdoor' } });
    const senior = jobs.find((j) => /^Senior Data Scientist/i.test(j.title) && /\b5\+? years/i.test(j.description));
    expect(senior?.experienceLevel).toBe('SENIOR');
    const pySql = jobs.filter((j) => /\bPython\b/.test(j.description) && /\bSQL\b/.test(j.description));
    expect(pySql.length).toBeGreaterThan(100);
    for (const j of pySql) expect(j.skills).toEqual(expect.arrayContaining(['Python', 'SQL']));
    const intern = jobs.find((j) => /\bintern\b/i.test(j.title));
    expect(intern?.experienceLevel).toBe('INTERN');
    expect(jobs.filter((j) => j.remote).every((j) => /remote|work(ing)? from home|telecommut|wfh/i.test(`${j.title} ${j.location} ${j.description}`))).toBe(
      true,
    );
  });

  // Working off the similar-jobs queue, which holds every active job (an import of over 1,000
  // jobs queues them all), takes minutes on 2 cores: 4-5 on PGlite, over 1 on PostgreSQL under
  // the suite's other load.
  it('makes imported jobs searchable and gives them similar jobs', async () => {
    await suite.similar.drain();
    const res = await suite.gql(
      '{ jobs(first: 5, orderBy: RELEVANCE, filter: { search: "\\"data scientist\\" python" }) { totalCount edges { node { title similarJobs(first: 3) { title } } } } }',
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.jobs.totalCount).toBeGreaterThan(100);
    const top = res.data.jobs.edges[0].node;
    expect(top.title).toMatch(/data scien/i);
    expect(top.similarJobs.length).toBe(3);
  }, 600_000);
});

describeWithFeeds('importing the LinkedIn feed', () => {
  let summary: Awaited<ReturnType<typeof importFile>>;
  beforeAll(async () => {
    summary = await importFile(LINKEDIN, 'linkedin');
  }, 300_000);

  it('accounts for every posting, rejecting those without a company with their line', () => {
    expect(summary.rows).toBe(33246);
    expect(summary.created + summary.updated + summary.unchanged + summary.merged + summary.rejected).toBe(33246);
    expect(summary.rejects.every((r) => r.line > 1 && r.reason.length > 0)).toBe(true);
  });

  it('keeps salaries (made yearly) and skills from the linked tables, and the company id', async () => {
    const salaries = await csvRecords(join(LINKEDIN, 'salaries.csv'));
    const skilled = new Set((await csvRecords(join(LINKEDIN, 'job_skills.csv'))).map((s) => s.job_id));
    const imported = new Set((await suite.db.prisma.job.findMany({ where: { source: 'linkedin' }, select: { externalId: true } })).map((j) => j.externalId));
    const hourly = salaries.find(
      (s) => s.pay_period === 'HOURLY' && s.min_salary && s.max_salary && s.currency === 'USD' && skilled.has(s.job_id) && imported.has(s.job_id),
    )!;
    const job = await suite.db.prisma.job.findUniqueOrThrow({
      where: { source_externalId: { source: 'linkedin', externalId: hourly.job_id } },
      include: { company: true },
    });
    expect([job.salaryMin, job.salaryMax]).toEqual([yearly(hourly.min_salary, 'HOURLY'), yearly(hourly.max_salary, 'HOURLY')]);
    expect(job.salaryMin).toBe(Math.round(Number(hourly.min_salary) * 2080));
    expect(job.company.externalRef).toMatch(/^linkedin:\d+$/);
    expect(job.company.name).toBe(`LinkedIn company ${job.company.externalRef!.slice('linkedin:'.length)}`);

    const skillNames = new Map((await csvRecords(join(LINKEDIN, 'skills.csv'))).map((s) => [s.skill_abr, s.skill_name]));
    const jobSkills = (await csvRecords(join(LINKEDIN, 'job_skills.csv'))).filter((s) => s.job_id === hourly.job_id).map((s) => skillNames.get(s.skill_abr));
    expect(jobSkills.length).toBeGreaterThan(0);
    expect(job.skills).toEqual(expect.arrayContaining(jobSkills));
    const withSalary = await suite.db.prisma.job.count({ where: { source: 'linkedin', salaryMin: { not: null } } });
    expect(withSalary).toBeGreaterThan(12_000);
  });
});

describe('broken feeds', () => {
  const HEADER = 'Job_title,Company,State,City,Min_Salary,Max_Salary,Job_Desc,Industry,Rating,Date_Posted,Valid_until,Job_Type,Region\n';
  const row = (title: string, desc = 'Build things with Python.') =>
    `${title},Acme Widgets,TX,Austin,90000,120000,"${desc}",Tech,4.1,2020-05-01,2020-06-01,FULL_TIME,TX\n`;

  it('refuses a CSV with a broken quote, naming the line, and writes nothing', async () => {
    const path = join(tmp, 'broken.csv');
    writeFileSync(path, HEADER + row('Welder') + row('Baker', 'An "unclosed quote') + row('Painter'));
    const before = await jobCount();
    await expect(importFile(path, 'glassdoor')).rejects.toThrow(FeedError);
    await expect(importFile(path, 'glassdoor')).rejects.toThrow(/line \d+/);
    expect(await jobCount()).toBe(before);
  });

  it('refuses a truncated file and writes nothing, even the rows before the cut', async () => {
    const path = join(tmp, 'truncated.csv');
    writeFileSync(path, HEADER + row('Welder') + row('Baker') + 'Painter,Acme Widgets,TX,Austin,1,2,"Half a descrip');
    const before = await jobCount();
    await expect(importFile(path, 'glassdoor')).rejects.toThrow(/broken CSV/);
    expect(await jobCount()).toBe(before);
  });

  it('refuses a wrong or unknown format flag before reading', async () => {
    const jsonl = join(tmp, 'feed.jsonl');
    writeFileSync(jsonl, '{"title":"x"}\n');
    await expect(importFile(jsonl, 'glassdoor')).rejects.toThrow(/is not in the expected format/);
    const otherCsv = join(tmp, 'other.csv');
    writeFileSync(otherCsv, 'name,age\nAda,36\n');
    await expect(importFile(otherCsv, 'glassdoor')).rejects.toThrow(/missing column\(s\) Job_title/);
    expect(() => openFeed(jsonl, 'linkedin')).toThrow(/expects a folder/);
    expect(() => openFeed(jsonl, 'xml')).toThrow(/unknown format "xml"/);
    expect(() => openFeed(join(tmp, 'nope.csv'))).toThrow(/does not exist/);
  });

  it('makes a company’s new industry and rating visible through the cache, even when no job changed', async () => {
    const { makeCache } = await import('../../helpers/cache');
    const { testGateway } = await import('../../helpers/gateway');
    const { invalidationOf } = await import('../../../src/cache/tags');
    const { Writes } = await import('../../../src/data/writes');
    const cache = makeCache(process.env.REDIS_URL);
    await cache.store.ready();
    const { gql } = testGateway(suite.db, { responseCache: cache });
    const path = join(tmp, 'kilns.csv');
    const feed = (industry: string, rating: string) =>
      `Job_title,Company,State,City,Min_Salary,Max_Salary,Job_Desc,Industry,Rating,Date_Posted,Job_Type\nKiln Tender,Kiln Cooperative,TX,Austin,40000,50000,Tend the kilns.,${industry},${rating},2026-11-01,FULL_TIME\n`;
    const load = () => runImport(suite.db, openFeed(path, 'glassdoor').rows, { source: 'glassdoor-kilns', writes: new Writes(invalidationOf(cache)) });
    writeFileSync(path, feed('Ceramics', '3.1'));
    await load();
    const q = '{ jobs(filter: { search: "kiln tender" }) { edges { node { company { industry rating } } } } }';
    expect((await gql(q)).data.jobs.edges[0].node.company).toEqual({ industry: 'Ceramics', rating: 3.1 });
    expect((await gql(q)).extensions?.responseCache).toEqual({ hit: true });
    writeFileSync(path, feed('Manufacturing', '4.2'));
    const s = await load();
    expect(s).toMatchObject({ created: 0, updated: 0 });
    expect((await gql(q)).data.jobs.edges[0].node.company).toEqual({ industry: 'Manufacturing', rating: 4.2 });
    await cache.close();
  });

  it('rejects bad JSON Lines rows with line and reason and writes the good ones', async () => {
    const path = join(tmp, 'mixed.jsonl');
    const good = (t: string) =>
      JSON.stringify({ title: t, description: 'Operate the kiln.', location: 'Austin, TX', jobType: 'FULL_TIME', companyName: 'Kiln Works', externalId: t });
    writeFileSync(
      path,
      [
        good('Kiln Operator'),
        '{not json',
        JSON.stringify({ title: 'No company' }),
        JSON.stringify({ ...JSON.parse(good('Bad Pay')), salaryMin: 9, salaryMax: 1 }),
        '',
        good('Kiln Lead'),
      ].join('\n'),
    );
    const dry = await importFile(path, 'jsonl', true);
    const before = await jobCount();
    const s = await importFile(path, 'jsonl');
    expect(await jobCount()).toBe(before + 2);
    expect(s).toMatchObject({ rows: 5, created: 2, rejected: 3 });
    expect(dry).toMatchObject({ rows: 5, created: 2, rejected: 3, dryRun: true });
    expect(s.rejects.map((r) => [r.line, r.reason.split(':')[0]])).toEqual([
      [2, 'not JSON'],
      [3, 'needs companyName or companyId'],
      [4, 'salaryMin 9 is greater than salaryMax 1'],
    ]);
    const lead = await suite.db.prisma.job.findFirstOrThrow({ where: { title: 'Kiln Lead' } });
    expect(lead.experienceLevel).toBe('LEAD');
    expect(readFileSync(path, 'utf8')).toContain('Kiln Operator');
  });
});

describe('the importJobs mutation', () => {
  const IMPORT =
    'mutation($jobs: [JobInput!]!) { importJobs(jobs: $jobs) { created updated unchanged merged rejected rejects { index reason } jobs { __typename id title company { id } } } }';
  const posting = (externalId: string, over: object = {}) => ({
    externalId,
    title: `Ceramics Technician ${externalId}`,
    description: 'Fire and glaze ceramics. 3+ years of experience.',
    location: 'Denver, CO',
    jobType: 'FULL_TIME',
    ...over,
  });

  it('lets an employer import for its own company, reporting bad rows by index', async () => {
    const token = tokenFor(50, 'EMPLOYER', 4);
    const res = await suite.gql(IMPORT, { jobs: [posting('a'), posting('b', { title: '   ' }), posting('c'), posting('a')] }, { token });
    expect(res.errors).toBeUndefined();
    expect(res.data.importJobs).toMatchObject({
      created: 2,
      updated: 0,
      merged: 1,
      rejected: 1,
      rejects: [{ index: 1, reason: expect.stringMatching(/title/) }],
    });
    expect(res.data.importJobs.jobs.map((j: any) => [j.__typename, j.company.id])).toEqual([
      ['Job', '4'],
      ['Job', '4'],
    ]);
    const again = await suite.gql(IMPORT, { jobs: [posting('a'), posting('c', { salaryMin: 50000 })] }, { token });
    expect(again.data.importJobs).toMatchObject({ created: 0, updated: 1, unchanged: 1 });
    const mid = await suite.db.prisma.job.findFirstOrThrow({ where: { externalId: 'a', source: 'api:company:4' } });
    expect(mid.experienceLevel).toBe('MID');
  });

  it('keeps one employer’s external ids apart from another’s', async () => {
    const res = await suite.gql(IMPORT, { jobs: [posting('a')] }, { token: tokenFor(51, 'EMPLOYER', 5) });
    expect(res.data.importJobs.created).toBe(1);
    expect(await suite.db.prisma.job.count({ where: { externalId: 'a', title: 'Ceramics Technician a' } })).toBe(2);
  });

  it('refuses other companies, other roles, anonymous callers and oversized calls, writing nothing', async () => {
    const before = await jobCount();
    const employer = tokenFor(50, 'EMPLOYER', 4);
    expect((await suite.gql(IMPORT, { jobs: [posting('x', { companyId: '9' })] }, { token: employer })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await suite.gql(IMPORT, { jobs: [posting('x', { companyName: 'Other' })] }, { token: employer })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await suite.gql(IMPORT, { jobs: [posting('x')] }, { token: tokenFor(3, 'SEEKER') })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await suite.gql(IMPORT, { jobs: [posting('x')] })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const many = Array.from({ length: 1001 }, (_, i) => posting(`m${i}`));
    expect((await suite.gql(IMPORT, { jobs: many }, { token: employer })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await jobCount()).toBe(before);
  });

  it('is one transaction: a failure at the 600th of 700 postings writes none of them, and the retry writes each once', async () => {
    const admin = tokenFor(1, 'ADMIN');
    const jobs = Array.from({ length: 700 }, (_, i) => posting(`tx${i}`, { companyId: '6', title: i === 599 ? 'Kiln Breaker' : `Kiln Technician ${i}` }));
    const stored = () => suite.db.prisma.job.count({ where: { source: 'api:admin', externalId: { startsWith: 'tx' } } });
    // The database fails mid-write, after the first 500 (the command-line importer's batch).
    await suite.db.raw.exec(`CREATE FUNCTION break_kiln() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.title = 'Kiln Breaker' THEN RAISE EXCEPTION 'the disk is full'; END IF; RETURN NEW; END $$`);
    await suite.db.raw.exec('CREATE TRIGGER break_kiln BEFORE INSERT ON job FOR EACH ROW EXECUTE FUNCTION break_kiln()');
    try {
      const failed = await suite.gql(IMPORT, { jobs }, { token: admin });
      expect(failed.data?.importJobs ?? null).toBeNull();
      expect(failed.errors?.length).toBeGreaterThan(0);
      expect(await stored()).toBe(0);
    } finally {
      await suite.db.raw.exec('DROP TRIGGER break_kiln ON job');
      await suite.db.raw.exec('DROP FUNCTION break_kiln()');
    }
    const retried = await suite.gql(IMPORT, { jobs }, { token: admin });
    expect(retried.data.importJobs).toMatchObject({ created: 700, rejected: 0 });
    const again = await suite.gql(IMPORT, { jobs }, { token: admin });
    expect(again.data.importJobs).toMatchObject({ created: 0, updated: 0, unchanged: 700 });
    expect(await stored()).toBe(700);
  });

  it('lets ADMIN import for any company by id or name', async () => {
    const res = await suite.gql(
      IMPORT,
      { jobs: [posting('k1', { companyId: '6' }), posting('k2', { companyName: 'Brand New Pottery' }), posting('k3', { companyId: '999999' })] },
      { token: tokenFor(1, 'ADMIN') },
    );
    expect(res.data.importJobs).toMatchObject({ created: 2, rejected: 1, rejects: [{ index: 2, reason: 'company 999999 does not exist' }] });
    expect(await suite.db.prisma.company.count({ where: { name: 'Brand New Pottery' } })).toBe(1);
  });
});
