import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { signToken, TOKEN_MAX_LIFETIME_S } from '../../../src/auth/viewer';
import { DEV_JWT_SECRET } from '../../../src/config';
import { TEST_JWT_SECRET, tokenFor, useGatewaySuite } from '../../helpers/gateway';

const suite = useGatewaySuite();
const gql: typeof suite.gql = (...args) => suite.gql(...args);

const ME = '{ me { id name email subscriptionPlan applications(first: 5) { totalCount edges { node { id status job { id } } } } } }';

describe('authentication', () => {
  it('serves public reads to anonymous requests, and asks them to sign in for me', async () => {
    const pub = await gql('{ job(id: "1") { title } }');
    expect(pub.data.job.title).toEqual(expect.any(String));
    const me = await gql(ME);
    expect(me.data?.me ?? null).toBeNull();
    expect(me.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('reads the viewer from a valid Bearer token', async () => {
    const res = await gql(ME, {}, { token: tokenFor(3, 'SEEKER') });
    expect(res.errors).toBeUndefined();
    const user = await suite.db.prisma.user.findUniqueOrThrow({ where: { id: 3 } });
    expect(res.data.me).toMatchObject({ id: '3', email: user.email, subscriptionPlan: user.subscriptionPlan });
    expect(res.data.me.applications.totalCount).toBe(await suite.db.prisma.application.count({ where: { userId: 3 } }));
  });

  const valid = tokenFor(3, 'SEEKER');
  const now = Math.floor(Date.now() / 1000);
  it.each([
    ['a tampered signature', `Bearer ${valid.slice(0, -3)}${valid.slice(-3) === 'AAA' ? 'BBB' : 'AAA'}`, /not valid/],
    [
      'a tampered payload',
      `Bearer ${valid.split('.')[0]}.${Buffer.from(JSON.stringify({ sub: '1', role: 'ADMIN' })).toString('base64url')}.${valid.split('.')[2]}`,
      /not valid/,
    ],
    ['another secret', `Bearer ${jwt.sign({ role: 'ADMIN' }, 'x'.repeat(40), { subject: '1' })}`, /not valid/],
    ['an expired token', `Bearer ${jwt.sign({ role: 'SEEKER', exp: now - 10 }, TEST_JWT_SECRET, { subject: '3' })}`, /expired/],
    ['alg none', `Bearer ${jwt.sign({ role: 'ADMIN' }, '', { algorithm: 'none', subject: '1' })}`, /not valid/],
    ['a token without role', `Bearer ${jwt.sign({}, TEST_JWT_SECRET, { subject: '3' })}`, /claims/],
    ['an EMPLOYER without company', `Bearer ${jwt.sign({ role: 'EMPLOYER' }, TEST_JWT_SECRET, { subject: '3' })}`, /companyId/],
    ['a Basic header', 'Basic dXNlcjpwYXNz', /Bearer/],
    ['garbage', 'Bearer not.a.jwt', /not valid/],
  ])('rejects %s with UNAUTHENTICATED and HTTP 401, never falling back to anonymous', async (_name, authorization, message) => {
    const res = await gql('{ job(id: "1") { title } }', {}, { authorization });
    expect(res.status).toBe(401);
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.errors?.[0].message).toMatch(message);
  });
});

describe('token claims and lifetime', () => {
  const now = Math.floor(Date.now() / 1000);
  // jwt.sign refuses to write a bad exp: sign such a payload by hand.
  const hs256 = (payload: object) => {
    const body = [{ alg: 'HS256', typ: 'JWT' }, payload].map((p) => Buffer.from(JSON.stringify(p)).toString('base64url')).join('.');
    return `${body}.${createHmac('sha256', TEST_JWT_SECRET).update(body).digest('base64url')}`;
  };
  const sign = (claims: object, options: jwt.SignOptions = {}) => jwt.sign({ role: 'SEEKER', ...claims }, TEST_JWT_SECRET, { subject: '3', ...options });
  it.each([
    ['a token without exp (it would never expire)', sign({}), /claims.*exp is missing/],
    ['a token living 31 days from its iat', sign({ iat: now, exp: now + 31 * 86400 }), /at most 30 days/],
    ['a token expiring in 31 days whatever its iat', sign({ iat: now + 30 * 86400, exp: now + 31 * 86400 }), /at most 30 days/],
    ['a token not valid yet (nbf)', sign({ nbf: now + 3600 }, { expiresIn: '2h' }), /not valid yet/],
    ['a token with a non-numeric exp', hs256({ sub: '3', role: 'SEEKER', exp: 'tomorrow' }), /claims.*exp must be a number/],
    [
      'a token signed with another algorithm',
      jwt.sign({ role: 'ADMIN' }, TEST_JWT_SECRET, { subject: '1', algorithm: 'HS512', expiresIn: '1h' }),
      /must be signed with HS256/,
    ],
    ['a token signed with another secret', jwt.sign({ role: 'ADMIN' }, 'y'.repeat(40), { subject: '1', expiresIn: '1h' }), /bad signature/],
    ['a malformed token', 'a.b', /malformed/],
    ['a token whose parts are not JSON', 'eyJub3Q.eyJqc29u.c2ln', /malformed/],
    ['a sub beyond the int4 range', sign({}, { subject: '2147483648', expiresIn: '1h' }), /claims.*sub must be a user id/],
    ['a companyId beyond the int4 range', sign({ role: 'EMPLOYER', companyId: 2 ** 31 }, { expiresIn: '1h' }), /claims.*companyId/],
    ['an expired token', sign({ exp: now - 60 }), /expired \(at 20/],
  ])('refuses %s with a message saying so (HTTP 401, UNAUTHENTICATED)', async (_name, token, message) => {
    const res = await gql('{ job(id: "1") { title } }', {}, { token });
    expect(res.status).toBe(401);
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(res.errors?.[0].message).toMatch(message);
  });

  it('accepts tokens up to the maximum lifetime, and signToken refuses to make longer or invalid ones', async () => {
    const viewer = { userId: 3, role: 'SEEKER' as const, companyId: null };
    for (const token of [signToken(viewer, TEST_JWT_SECRET, '30d'), signToken(viewer, TEST_JWT_SECRET), signToken(viewer, TEST_JWT_SECRET, 60)]) {
      const res = await gql('{ me { id } }', {}, { token });
      expect(res.errors).toBeUndefined();
      expect(res.data.me.id).toBe('3');
    }
    const { exp, iat } = jwt.decode(signToken(viewer, TEST_JWT_SECRET)) as jwt.JwtPayload;
    expect(exp! - iat!).toBeLessThanOrEqual(TOKEN_MAX_LIFETIME_S);
    expect(() => signToken(viewer, TEST_JWT_SECRET, '31d')).toThrow(/at most 30 days/);
    expect(() => signToken(viewer, TEST_JWT_SECRET, '-1h')).toThrow(/in the future/);
    expect(() => signToken({ ...viewer, userId: 2 ** 31 }, TEST_JWT_SECRET)).toThrow(/sub must be a user id/);
    expect(() => signToken({ userId: 3, role: 'EMPLOYER', companyId: null }, TEST_JWT_SECRET)).toThrow(/companyId/);
  });

  // Signed payloads written as JSON text: 1e400 is valid JSON and parses to Infinity.
  const hs256Text = (payload: string, header = '{"alg":"HS256","typ":"JWT"}') => {
    const body = [header, payload].map((p) => Buffer.from(p).toString('base64url')).join('.');
    return `${body}.${createHmac('sha256', TEST_JWT_SECRET).update(body).digest('base64url')}`;
  };

  it.each([
    ['exp: 1e308', `{"sub":"3","role":"SEEKER","exp":1e308}`, /lives too long: it expires 1e\+308 seconds since 1970, beyond any date/],
    ['exp: -1e308', `{"sub":"3","role":"SEEKER","exp":-1e308}`, /has expired \(at -1e\+308 seconds/],
    ['exp: 1e400 (Infinity)', `{"sub":"3","role":"SEEKER","exp":1e400}`, /lives too long: it expires Infinity/],
    ['nbf: 1e308', `{"sub":"3","role":"SEEKER","exp":${now + 60},"nbf":1e308}`, /not valid yet \(not before 1e\+308 seconds/],
    ['nbf: "soon"', `{"sub":"3","role":"SEEKER","exp":${now + 60},"nbf":"soon"}`, /claims.*nbf must be a number/],
    ['iat: {}', `{"sub":"3","role":"SEEKER","exp":${now + 60},"iat":{}}`, /claims.*iat must be a number/],
  ])('refuses a signed token with %s with a reason (HTTP 401), never a 500', async (_name, payload, message) => {
    const res = await gql('{ job(id: "1") { title } }', {}, { token: hs256Text(payload) });
    expect({ status: res.status, codes: res.errors?.map((e) => e.extensions?.code) }).toEqual({ status: 401, codes: ['UNAUTHENTICATED'] });
    expect(res.errors?.[0].message).toMatch(message);
  });

  it('answers every claim of every JSON type with 200 or a 401 saying why, never a 500', async () => {
    const values = [
      '1e308',
      '-1e308',
      '1e400',
      '-1e400',
      '0',
      '-0',
      '1.5',
      '9007199254740993',
      '-1',
      '""',
      '"x"',
      '"1"',
      'true',
      'null',
      '[]',
      '[1]',
      '{}',
      '{"$gt":0}',
    ];
    const base: Record<string, string> = { sub: '"3"', role: '"EMPLOYER"', companyId: '1', exp: String(now + 3600), iat: String(now) };
    const refusedFor: string[] = [];
    for (const claim of ['sub', 'role', 'companyId', 'exp', 'nbf', 'iat']) {
      for (const value of values) {
        const payload = `{${Object.entries({ ...base, [claim]: value })
          .map(([k, v]) => `"${k}":${v}`)
          .join(',')}}`;
        const res = await gql('{ job(id: "1") { title } }', {}, { token: hs256Text(payload) });
        const seen = { claim, value, status: res.status, code: res.errors?.[0]?.extensions?.code };
        if (res.status === 200) expect(seen).toEqual({ claim, value, status: 200, code: undefined });
        else {
          expect(seen).toEqual({ claim, value, status: 401, code: 'UNAUTHENTICATED' });
          expect(res.errors?.[0].message).toMatch(/^the (token|token's claims) /);
          refusedFor.push(`${claim}=${value}`);
        }
      }
    }
    // Far-off and non-numeric times are among the refusals (a far-past nbf or far-future iat is harmless).
    for (const refused of [
      'exp=1e308',
      'exp=-1e308',
      'exp=1e400',
      'exp="x"',
      'nbf=1e308',
      'nbf=1e400',
      'nbf={}',
      'iat=-1e308',
      'iat=-1e400',
      'iat=[]',
      'sub=1e308',
      'companyId=1e400',
    ])
      expect(refusedFor).toContain(refused);
    // Headers of every type too.
    for (const header of ['{"alg":1e308}', '{"alg":["HS256"]}', 'null', '[]', '1e400']) {
      const res = await gql('{ job(id: "1") { title } }', {}, { token: hs256Text(`{"sub":"3","role":"SEEKER","exp":${now + 60}}`, header) });
      expect({ header, status: res.status, code: res.errors?.[0]?.extensions?.code }).toEqual({ header, status: 401, code: 'UNAUTHENTICATED' });
    }
  });
});

describe('private data', () => {
  let appId: string;
  let jobId: number;
  let companyId: number;
  let applicant: number;
  beforeAll(async () => {
    const app = await suite.db.prisma.application.findFirstOrThrow({ include: { job: true }, orderBy: { id: 'asc' } });
    appId = String(app.id);
    jobId = app.jobId;
    companyId = app.job.companyId;
    applicant = app.userId;
  });

  const APP = 'query($id: ID!) { application(id: $id) { id status user { id name email } } }';

  it('shows an application to its applicant, the employer of the job and ADMIN', async () => {
    for (const token of [tokenFor(applicant, 'SEEKER'), tokenFor(99, 'EMPLOYER', companyId), tokenFor(600, 'ADMIN')]) {
      const res = await gql(APP, { id: appId }, { token });
      expect(res.data.application.id).toBe(appId);
      expect(res.data.application.user.id).toBe(String(applicant));
    }
  });

  it('refuses it to other seekers, other employers and analysts; anonymous must sign in', async () => {
    const other = applicant === 1 ? 2 : 1;
    for (const token of [tokenFor(other, 'SEEKER'), tokenFor(99, 'EMPLOYER', companyId + 1), tokenFor(5, 'ANALYST')]) {
      const res = await gql(APP, { id: appId }, { token });
      expect(res.data.application).toBeNull();
      expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('keeps the applicant’s email from the employer (null + FORBIDDEN) but shows it to the user and ADMIN', async () => {
    const email = (await suite.db.prisma.user.findUniqueOrThrow({ where: { id: applicant } })).email;
    const employer = await gql(APP, { id: appId }, { token: tokenFor(99, 'EMPLOYER', companyId) });
    expect(employer.data.application.user).toMatchObject({ id: String(applicant), email: null });
    expect(employer.errors?.map((e) => [e.extensions?.code, (e as any).path.join('.')])).toEqual([['FORBIDDEN', 'application.user.email']]);
    for (const token of [tokenFor(applicant, 'SEEKER'), tokenFor(600, 'ADMIN')]) {
      expect((await gql(APP, { id: appId }, { token })).data.application.user.email).toBe(email);
    }
  });

  it('lists a job’s applications to its employer and ADMIN only', async () => {
    const Q = 'query($id: ID!) { job(id: $id) { applications(first: 100) { totalCount edges { node { id } } } } }';
    const expected = await suite.db.prisma.application.count({ where: { jobId } });
    for (const token of [tokenFor(99, 'EMPLOYER', companyId), tokenFor(600, 'ADMIN')]) {
      const res = await gql(Q, { id: String(jobId) }, { token });
      expect(res.data.job.applications.totalCount).toBe(expected);
      expect(res.data.job.applications.edges.map((e: any) => e.node.id)).toContain(appId);
    }
    for (const token of [undefined, tokenFor(applicant, 'SEEKER'), tokenFor(99, 'EMPLOYER', companyId + 1), tokenFor(5, 'ANALYST')]) {
      const res = await gql(Q, { id: String(jobId) }, { token });
      expect(res.data.job.applications).toBeNull();
      expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('pages my applications, filtered by status, within 4 SQL statements', async () => {
    const busiest = await suite.db.prisma.application.groupBy({ by: ['userId'], _count: true, orderBy: { _count: { userId: 'desc' } }, take: 1 });
    const userId = busiest[0].userId;
    const token = tokenFor(userId, 'SEEKER');
    const res = await gql('{ me { applications(first: 50) { edges { node { job { title company { name } } } } } } }', {}, { token });
    expect(res.errors).toBeUndefined();
    expect(res.data.me.applications.edges).toHaveLength(Math.min(50, busiest[0]._count));
    expect(res.extensions?.sql?.statements).toBeLessThanOrEqual(4);
    const submitted = await gql('{ me { applications(first: 100, status: SUBMITTED) { totalCount edges { node { status } } } } }', {}, { token });
    const n = await suite.db.prisma.application.count({ where: { userId, status: 'SUBMITTED' } });
    expect(submitted.data.me.applications.totalCount).toBe(n);
    expect(submitted.data.me.applications.edges.every((e: any) => e.node.status === 'SUBMITTED')).toBe(true);
  });
});

describe('npm run token', () => {
  const run = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '../../../scripts/token.ts'), '--user', '3', '--role', 'SEEKER', '--expires', '1h'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '', JWT_SECRET: undefined, NODE_ENV: 'development', ...env },
    });

  it('prints the token alone on stdout and says on stderr which secret signed it', () => {
    const dev = run({});
    expect(dev.status).toBe(0);
    expect(dev.stderr).toMatch(/development secret \(JWT_SECRET is unset\)/);
    expect((jwt.verify(dev.stdout.trim(), DEV_JWT_SECRET) as { sub: string }).sub).toBe('3');
    const own = run({ JWT_SECRET: TEST_JWT_SECRET });
    expect(own.stderr).toMatch(/Signed with JWT_SECRET from the environment; valid 1h/);
    expect((jwt.verify(own.stdout.trim(), TEST_JWT_SECRET) as { role: string }).role).toBe('SEEKER');
  });
});
