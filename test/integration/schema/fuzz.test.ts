import fc from 'fast-check';
import { ROLES } from '../../../src/auth/viewer';
import { tokenFor, useGatewaySuite, type GqlResponse } from '../../helpers/gateway';

const suite = useGatewaySuite();
const ADMIN = tokenFor(1, 'ADMIN');
const CREATE = 'mutation($input: CreateJobInput!) { createJob(input: $input) { id title description skills } }';
const UPDATE = 'mutation($id: ID!, $input: UpdateJobInput!) { updateJob(id: $id, input: $input) { id } }';
const APPLY = 'mutation($jobId: ID!) { applyToJob(jobId: $jobId) { id } }';

/** Deterministic, so a failure names a case that can be rerun. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a * 1_103_515_245 + 12_345) % 2_147_483_648;
    return a / 2_147_483_648;
  };
}

const HOSTILE = ["'; DROP TABLE job; --", '" OR 1=1 --', 'a & b | !c :* <-> (d)', '<script>alert(1)</script>', '😀 Ünïcödé 職位', '\\\\x00', '%_%', '$1 $$ $2'];
const base = { title: 'Fuzz Engineer', description: 'Fuzzes things.', location: 'Austin, TX', jobType: 'FULL_TIME', companyId: '3' };

// Each corrupts one field of a valid input; every one must be refused.
const corruptions: [string, unknown][] = [
  ['title', ''],
  ['title', '   '],
  ['title', 'x'.repeat(201)],
  ['title', 'a\u0000b'],
  ['title', 'bell\u0007'],
  ['description', ''],
  ['description', 'y'.repeat(20_001)],
  ['location', ''],
  ['location', 'z'.repeat(201)],
  ['salaryMin', -1],
  ['salaryMin', -2_000_000_000],
  ['salaryMax', 10_000_001],
  ['salaryMin', 2 ** 31],
  ['salaryMin', 1.5],
  ['salaryMin', 'lots'],
  ['salaryMin', Number.MAX_SAFE_INTEGER],
  ['jobType', 'NOPE'],
  ['jobType', "FULL_TIME' OR '1"],
  ['companyId', 'abc'],
  ['companyId', '-1'],
  ['companyId', '0'],
  ['companyId', '1 OR 1=1'],
  ['companyId', '99999999999'],
  ['skills', Array.from({ length: 51 }, (_, i) => `s${i}`)],
  ['skills', ['']],
  ['skills', ['k'.repeat(61)]],
  ['experienceLevel', 'GOD'],
  ['remote', 'yes'],
  ['title', null],
  ['title', 42],
];

describe('mutation input fuzzing', () => {
  it('refuses every corrupted job input with BAD_USER_INPUT and writes nothing', async () => {
    const before = await suite.db.prisma.job.count();
    const next = rng(7);
    const cases = [...corruptions, ...corruptions.map(([f, v]) => [f, v, true] as const)];
    for (const [field, value, also] of cases) {
      const input: Record<string, unknown> = { ...base, [field]: value };
      // Second pass: a hostile but valid string elsewhere must not make the bad field pass.
      if (also) input[field === 'description' ? 'title' : 'description'] = HOSTILE[Math.floor(next() * HOSTILE.length)];
      const res = await suite.gql(CREATE, { input }, { token: ADMIN });
      expect({ field, value, code: res.errors?.[0].extensions?.code }).toEqual({ field, value, code: 'BAD_USER_INPUT' });
      expect(res.data?.createJob ?? null).toBeNull();
    }
    const salaries = await suite.gql(CREATE, { input: { ...base, salaryMin: 100, salaryMax: 99 } }, { token: ADMIN });
    expect(salaries.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await suite.db.prisma.job.count()).toBe(before);
  });

  it('refuses corrupted updates and leaves the job as it was', async () => {
    const job = await suite.db.prisma.job.findFirstOrThrow({ where: { isActive: true } });
    for (const [field, value] of corruptions.filter(([f]) => f !== 'companyId')) {
      const res = await suite.gql(UPDATE, { id: String(job.id), input: { [field]: value } }, { token: ADMIN });
      expect({ field, value, code: res.errors?.[0].extensions?.code }).toEqual({ field, value, code: 'BAD_USER_INPUT' });
    }
    for (const id of ['', 'abc', '-5', '1.5', '1e3', "1'; --", '9'.repeat(30)]) {
      const res = await suite.gql(UPDATE, { id, input: { title: 'never' } }, { token: ADMIN });
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
    const { updatedAt: _u, ...after } = await suite.db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    const { updatedAt: _b, ...was } = job;
    expect(after).toEqual(was);
  });

  it('stores hostile but valid text verbatim and can search it without errors', async () => {
    for (const s of HOSTILE) {
      const res = await suite.gql(CREATE, { input: { ...base, title: `Fuzz ${s}`, description: `About ${s}`, skills: [s] } }, { token: ADMIN });
      expect(res.errors).toBeUndefined();
      expect(res.data.createJob).toMatchObject({ title: `Fuzz ${s}`, description: `About ${s}`, skills: [s] });
      const found = await suite.gql('query($s: String) { jobs(filter: { search: $s }) { totalCount } }', { s });
      expect(found.errors).toBeUndefined();
    }
  });

  it('refuses hostile application ids with BAD_USER_INPUT and writes nothing', async () => {
    const before = await suite.db.prisma.application.count();
    const next = rng(11);
    for (let i = 0; i < 40; i++) {
      const jobId =
        i < HOSTILE.length ? HOSTILE[i] : String.fromCharCode(...Array.from({ length: 1 + Math.floor(next() * 12) }, () => 32 + Math.floor(next() * 95)));
      if (/^[1-9][0-9]{0,8}$/.test(jobId)) continue;
      const res = await suite.gql(APPLY, { jobId }, { token: tokenFor(30, 'SEEKER') });
      expect({ jobId, code: res.errors?.[0].extensions?.code }).toEqual({ jobId, code: 'BAD_USER_INPUT' });
    }
    expect(await suite.db.prisma.application.count()).toBe(before);
  });
});

// Property-based: fast-check generates arguments, variables, documents and viewers and throws
// them at the in-process gateway. A failure prints the seed and the shrunk counterexample;
// rerun with the same seed to reproduce it.
describe('generated requests (fast-check)', () => {
  const SEED = 20_250_601;
  const KNOWN = new Set([
    'BAD_USER_INPUT',
    'UNAUTHENTICATED',
    'FORBIDDEN',
    'NOT_FOUND',
    'CONFLICT',
    'QUERY_TOO_COMPLEX',
    'GRAPHQL_PARSE_FAILED',
    'GRAPHQL_VALIDATION_FAILED',
    'BAD_REQUEST',
  ]);
  const JOB_TYPES = ['FULL_TIME', 'PART_TIME', 'CONTRACT', 'TEMPORARY', 'INTERNSHIP', 'OTHER'];
  const STATUSES = ['SUBMITTED', 'REVIEWING', 'INTERVIEWING', 'OFFERED', 'HIRED', 'REJECTED', 'WITHDRAWN'];
  const LEVELS = ['INTERN', 'ENTRY', 'MID', 'SENIOR', 'LEAD', 'EXECUTIVE'];

  // NUL (PostgreSQL refuses it), other controls, lone surrogates, invisible and astral characters.
  const special = fc.oneof(
    fc.constant('\u0000'),
    fc.constantFrom(
      '\u0001',
      '\u0007',
      '\b',
      '\t',
      '\n',
      '\r',
      '\u001b',
      '\u007f',
      '\u0085',
      '\u009f',
      '\ud800',
      '\udfff',
      '\u200b',
      '\ufeff',
      '\uffff',
      '😀',
      'é',
    ),
  );
  const text = fc.oneof(
    fc
      .tuple(fc.string({ maxLength: 8 }), special, fc.string({ unit: fc.oneof(special, fc.constantFrom(...'aZ9 %_\\\'"-|&!:*()<>$;,')), maxLength: 12 }))
      .map((parts) => parts.join('')),
    fc.string({ unit: 'binary', maxLength: 30 }),
    // Printable but odd: lone surrogates, invisible characters, emoji.
    fc.string({ unit: fc.constantFrom('\ud800', '\udfff', '\ud83d', '😀', 'é', '\u200b', '\ufeff', '\uffff', 'a', ' ', '-'), minLength: 1, maxLength: 12 }),
    fc.constantFrom(...HOSTILE),
    fc.string({ unit: 'grapheme-ascii', minLength: 90, maxLength: 260 }),
  );
  const number = fc.oneof(
    fc.integer(),
    fc.constantFrom(-1, 0, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1e21, 1e308, 1.5, -0.5, 10_000_001),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  );
  // Mostly plausible values, so a request often gets past its other arguments to the hostile one.
  const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) => fc.oneof({ arbitrary: good, weight: 3 }, { arbitrary: bad, weight: 1 });
  const int = (min: number, max: number) => mostly(fc.integer({ min, max }), number);
  const id = mostly(
    fc.oneof(fc.integer({ min: 1, max: 2600 }).map(String), fc.integer({ min: 1, max: 300 })),
    fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 + 10 }).map(String), fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String), text),
  );
  // Anything at all where a typed value is expected: graphql-js must refuse it cleanly.
  const wild = fc.jsonValue({ maxDepth: 2 });
  const or = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ arbitrary: arb, weight: 9 }, { arbitrary: wild, weight: 1 });
  const ORDERS = ['NEWEST', 'RELEVANCE', 'SALARY_DESC', 'COMPANY_NEWEST', 'APPLICATION_NEWEST'];
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const keyPart = fc.oneof(
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.integer({ min: -1, max: 3000 }),
    number,
    id,
    wild,
  );
  /** A cursor as the API encodes them, with a generated key, for `order` (or any ordering). */
  const forged = (order?: string) =>
    fc
      .record({
        o: order ? fc.constant(order) : mostly(fc.constantFrom(...ORDERS), text),
        k: fc.oneof(fc.tuple(keyPart, keyPart), fc.array(keyPart, { maxLength: 4 })),
      })
      .map(b64);
  const filter = fc.record(
    {
      search: mostly(fc.constantFrom('engineer', 'python -java', '"data engineer"', 'nurse or driver', '-'), text),
      location: mostly(fc.constantFrom('Austin', 'tx', 'Remote', 'San Fran', '%'), text),
      jobType: or(mostly(fc.constantFrom(...JOB_TYPES), text)),
      salaryMin: int(0, 300_000),
      salaryMax: int(50_000, 10_000_000),
      remote: or(fc.boolean()),
      companyId: id,
    },
    { requiredKeys: [] },
  );
  const viewer = fc.oneof(
    { arbitrary: fc.constant({}), weight: 2 },
    {
      arbitrary: fc
        .record({ user: fc.integer({ min: 1, max: 600 }), role: fc.constantFrom(...ROLES), company: fc.integer({ min: 1, max: 220 }) })
        .map(({ user, role, company }) => ({ token: tokenFor(user, role, role === 'EMPLOYER' ? company : undefined) })),
      weight: 6,
    },
    { arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((s) => ({ authorization: `Bearer ${s}` })), weight: 1 },
  );

  const JOB_NODE = 'id title company { id name } applicationCount(days: $d) similarJobs(first: $n) { id }';
  const READS: [string, fc.Arbitrary<Record<string, unknown>>][] = [
    [
      `query($f: JobFilter, $o: JobOrder, $first: Int, $after: String, $d: Int, $n: Int) {
        jobs(filter: $f, orderBy: $o, first: $first, after: $after) { totalCount pageInfo { endCursor } edges { cursor node { ${JOB_NODE} } } } }`,
      fc
        .constantFrom('NEWEST', 'SALARY_DESC', 'RELEVANCE')
        .chain((o) =>
          fc.record(
            { f: or(filter), o: or(fc.constant(o)), first: int(1, 100), after: fc.oneof(forged(o), forged(), text), d: int(1, 3650), n: int(1, 10) },
            { requiredKeys: [] },
          ),
        ),
    ],
    [
      `query($f: JobFilter, $top: Int, $days: Int) {
        jobStats(filter: $f) { total byJobType { key count } byLocation(top: $top) { key count } salaryPercentiles { p50 sampleSize } applicationsPerDay(days: $days) { day count } } }`,
      fc.record({ f: or(filter), top: int(1, 100), days: int(1, 366) }, { requiredKeys: [] }),
    ],
    [
      'query($days: Int, $first: Int, $d: Int, $n: Int) { trendingJobs(days: $days, first: $first) { ' + JOB_NODE + ' } }',
      fc.record({ days: int(1, 365), first: int(1, 100), d: int(1, 3650), n: int(1, 10) }, { requiredKeys: [] }),
    ],
    [
      'query($id: ID!, $first: Int, $after: String) { job(id: $id) { id applications(first: $first, after: $after) { totalCount edges { node { id user { email } } } } } company(id: $id) { jobs(first: $first, after: $after) { totalCount edges { cursor } } } }',
      fc.record(
        { id: or(id), first: int(1, 100), after: fc.oneof(forged('COMPANY_NEWEST'), forged('APPLICATION_NEWEST'), forged(), text) },
        { requiredKeys: ['id'] },
      ),
    ],
    [
      'query($id: ID!, $first: Int, $after: String, $status: ApplicationStatus) { application(id: $id) { id status } me { id email applications(first: $first, after: $after, status: $status) { edges { cursor node { id } } } } }',
      fc.record(
        { id: or(id), first: int(1, 100), after: fc.oneof(forged('APPLICATION_NEWEST'), forged(), text), status: or(fc.constantFrom(...STATUSES)) },
        { requiredKeys: ['id'] },
      ),
    ],
  ];

  const valid = { title: 'Fuzz Potter', description: 'Throws pots.\n\tDaily.', location: 'Austin, TX', jobType: 'FULL_TIME' };
  // Each field gets values of its own type mostly (so requests pass GraphQL's coercion and reach
  // the resolvers), and anything at all sometimes.
  const FIELDS: Record<string, fc.Arbitrary<unknown>> = {
    title: text,
    description: text,
    location: text,
    city: text,
    state: text,
    companyName: text,
    externalId: text,
    companyId: id,
    jobType: mostly(fc.constantFrom(...JOB_TYPES), text),
    experienceLevel: mostly(fc.constantFrom(...LEVELS), text),
    salaryMin: int(0, 300_000),
    salaryMax: int(0, 10_000_000),
    remote: fc.boolean(),
    skills: fc.array(mostly(fc.constantFrom('Python', 'SQL', 'python'), text), { maxLength: 4 }),
  };
  const field = (names: string[]) => fc.constantFrom(...names).chain((name) => or(FIELDS[name]).map((v) => ({ [name]: v })));
  /** A valid posting with up to two fields replaced, or (rarely) fields alone; both refusals and writes happen. */
  const job = (names: string[]) =>
    fc
      .tuple(fc.array(field(names), { maxLength: 2 }), mostly(fc.constant(true), fc.constant(false)), fc.constantFrom('1', '3', '7'))
      .map(([over, fromValid, companyId]) => Object.assign(fromValid ? { ...valid, companyId } : {}, ...over));
  const CORE = ['title', 'description', 'location', 'city', 'state', 'jobType', 'salaryMin', 'salaryMax', 'remote', 'experienceLevel', 'skills'];
  // Postings carry the most text to SQL: create, update and import are tried most.
  const WRITES: [string, string, fc.Arbitrary<Record<string, unknown>>, number?][] = [
    ['createJob', 'mutation($input: CreateJobInput!) { createJob(input: $input) { id } }', fc.record({ input: or(job([...CORE, 'companyId'])) }), 3],
    [
      'updateJob',
      'mutation($id: ID!, $input: UpdateJobInput!) { updateJob(id: $id, input: $input) { id } }',
      fc.record({ id: or(id), input: or(job(CORE).map(({ companyId: _c, ...rest }: Record<string, unknown>) => rest)) }),
      2,
    ],
    ['closeJob', 'mutation($id: ID!) { closeJob(id: $id) { id } }', fc.record({ id: or(id) })],
    ['applyToJob', 'mutation($id: ID!) { applyToJob(jobId: $id) { id } }', fc.record({ id: or(id) })],
    ['withdrawApplication', 'mutation($id: ID!) { withdrawApplication(id: $id) { id } }', fc.record({ id: or(id) })],
    [
      'updateApplicationStatus',
      'mutation($id: ID!, $s: ApplicationStatus!) { updateApplicationStatus(id: $id, status: $s) { id } }',
      fc.record({ id: or(id), s: or(fc.constantFrom(...STATUSES)) }),
    ],
    [
      'importJobs',
      'mutation($jobs: [JobInput!]!) { importJobs(jobs: $jobs) { created rejected } }',
      fc.record({ jobs: or(fc.array(job([...CORE, 'companyId', 'companyName', 'externalId']), { minLength: 1, maxLength: 3 })) }),
      4,
    ],
  ];

  /**
   * A stamp of the tables a mutation may write: row count and newest row version. Every
   * committed insert or update makes a row version with a newer transaction id (xmin), every
   * delete lowers the count; a rolled-back write leaves neither. (Hashing every row would do
   * the same at ten times the cost.)
   */
  const snapshot = () =>
    suite.db.prisma.$queryRawUnsafe<{ t: string; h: string }[]>(
      ['job', 'company', 'application']
        .map((t) => `SELECT '${t}' AS t, count(*) || ':' || coalesce(max(x.xmin::text::bigint), 0) AS h FROM ${t} x`)
        .join(' UNION ALL '),
    );

  function wellFormed(res: GqlResponse, what: unknown) {
    const codes = (res.errors ?? []).map((e) => e.extensions?.code);
    expect({ what, status: res.status < 500, unknown: codes.filter((c) => !KNOWN.has(c as string)) }).toEqual({ what, status: true, unknown: [] });
    expect(res.data !== undefined || codes.length > 0).toBe(true);
  }

  it('answers generated reads with data or known error codes, never INTERNAL_SERVER_ERROR', async () => {
    const real = await suite.gql(
      '{ a: jobs(first: 1) { pageInfo { endCursor } } b: jobs(first: 1, orderBy: SALARY_DESC) { pageInfo { endCursor } } c: jobs(first: 1, orderBy: RELEVANCE, filter: { search: "engineer" }) { pageInfo { endCursor } } }',
    );
    const cursors = Object.values(real.data as Record<string, { pageInfo: { endCursor: string } }>).map((j) => j.pageInfo.endCursor);
    const read = fc.oneof(...READS.map(([query, vars]) => vars.map((variables) => ({ query, variables }))));
    // Real cursors of one ordering used with another, or with a filter they were not made for.
    const swapped = fc
      .record({ after: fc.constantFrom(...cursors), o: fc.constantFrom('NEWEST', 'RELEVANCE', 'SALARY_DESC'), f: filter })
      .map((variables) => ({ query: READS[0][0], variables }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(read, swapped), viewer, async ({ query, variables }, options) => {
        wellFormed(await suite.gql(query, variables, options), variables);
      }),
      { seed: SEED, numRuns: 600 },
    );
  });

  it('writes nothing unless a generated mutation succeeds, and never fails with INTERNAL_SERVER_ERROR', async () => {
    const write = fc.oneof(
      ...WRITES.map(([field, query, vars, weight = 1]) => ({ arbitrary: vars.map((variables) => ({ field, query, variables })), weight })),
    );
    // Writers get further than anyone: ADMIN, and the employer of company 3 (one of the companies postings name).
    const writer = fc.oneof(
      { arbitrary: viewer, weight: 2 },
      { arbitrary: fc.constantFrom({ token: ADMIN }, { token: tokenFor(50, 'EMPLOYER', 3) }), weight: 2 },
    );
    let succeeded = 0;
    await fc.assert(
      fc.asyncProperty(write, writer, async ({ field, query, variables }, options) => {
        const before = await snapshot();
        const res = await suite.gql(query, variables, options);
        wellFormed(res, variables);
        if (res.errors?.length || res.data?.[field] == null) expect({ variables, after: await snapshot() }).toEqual({ variables, after: before });
        else succeeded += 1;
      }),
      { seed: SEED, numRuns: 400 },
    );
    // The generator reaches the success path too, so "nothing written" is not vacuous.
    expect(succeeded).toBeGreaterThan(5);
  });

  it('refuses generated and mangled documents with known codes, and keeps serving', async () => {
    const templates = [...READS.map(([q]) => q), ...WRITES.map(([, q]) => q)];
    const token = fc.constantFrom(
      '{',
      '}',
      '(',
      ')',
      '$',
      '$f',
      '@include(if: true)',
      '@skip(if: $x)',
      '...',
      '... on Job { id }',
      'fragment F on Job { id }',
      ':',
      '"',
      '"""',
      'query',
      'mutation',
      '#',
      '\u0000',
      'a: job(id: 1) { id }',
      '__typename',
      '__schema { types { name } }',
    );
    const mangled = fc
      .tuple(fc.constantFrom(...templates), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 6 }), fc.oneof(token, text)), { minLength: 1, maxLength: 4 }))
      .map(([t, edits]) => edits.reduce((s, [at, cut, put]) => s.slice(0, at % (s.length + 1)) + put + s.slice((at % (s.length + 1)) + cut), t));
    const deep = fc
      .integer({ min: 1, max: 40 })
      .map((n) => `{ job(id: "1") { ${'company { jobs(first: 1) { edges { node { '.repeat(n)} id ${'} } } }'.repeat(n)} } }`);
    const wide = fc
      .integer({ min: 1, max: 60 })
      .map((n) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: jobs(first: 100) { edges { node { similarJobs(first: 10) { id } } } }`).join(' ')} }`);
    const document = fc.oneof(fc.string({ unit: 'binary', maxLength: 120 }), mangled, deep, wide);
    await fc.assert(
      fc.asyncProperty(document, fc.dictionary(fc.string({ maxLength: 3 }), wild, { maxKeys: 3 }), viewer, async (query, variables, options) => {
        const before = /mutation/.test(query) ? await snapshot() : null;
        const res = await suite.gql(query, variables, options);
        wellFormed(res, query);
        if (before && (res.errors?.length || !res.data)) expect(await snapshot()).toEqual(before);
      }),
      { seed: SEED, numRuns: 400 },
    );
    const alive = await suite.gql('{ job(id: "1") { id } }');
    expect(alive.data).toEqual({ job: { id: '1' } });
  });
});
