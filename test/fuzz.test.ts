import { tokenFor, useGatewaySuite } from './helpers/gateway';

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
  ['title', ''], ['title', '   '], ['title', 'x'.repeat(201)], ['title', 'a\u0000b'], ['title', 'bell\u0007'],
  ['description', ''], ['description', 'y'.repeat(20_001)], ['location', ''], ['location', 'z'.repeat(201)],
  ['salaryMin', -1], ['salaryMin', -2_000_000_000], ['salaryMax', 10_000_001], ['salaryMin', 2 ** 31], ['salaryMin', 1.5],
  ['salaryMin', 'lots'], ['salaryMin', Number.MAX_SAFE_INTEGER], ['jobType', 'NOPE'], ['jobType', "FULL_TIME' OR '1"],
  ['companyId', 'abc'], ['companyId', '-1'], ['companyId', '0'], ['companyId', '1 OR 1=1'], ['companyId', '99999999999'],
  ['skills', Array.from({ length: 51 }, (_, i) => `s${i}`)], ['skills', ['']], ['skills', ['k'.repeat(61)]],
  ['experienceLevel', 'GOD'], ['remote', 'yes'], ['title', null], ['title', 42],
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
      const jobId = i < HOSTILE.length ? HOSTILE[i] : String.fromCharCode(...Array.from({ length: 1 + Math.floor(next() * 12) }, () => 32 + Math.floor(next() * 95)));
      if (/^[1-9][0-9]{0,8}$/.test(jobId)) continue;
      const res = await suite.gql(APPLY, { jobId }, { token: tokenFor(30, 'SEEKER') });
      expect({ jobId, code: res.errors?.[0].extensions?.code }).toEqual({ jobId, code: 'BAD_USER_INPUT' });
    }
    expect(await suite.db.prisma.application.count()).toBe(before);
  });
});
