import { signToken } from '../../../src/auth/viewer';
import { createEventBus, DEFAULT_BACKLOG, type EventBus } from '../../../src/events/bus';
import type { GatewayConfig } from '../../../src/http/gateway';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';
import { TEST_JWT_SECRET, testGateway, tokenFor } from '../../helpers/gateway';
import { readSse, subscribe, type SseEvent, type SseStream } from '../../helpers/sse';

let db: TestDatabase;
let bus: EventBus;
const open: SseStream[] = [];

beforeAll(async () => {
  db = await openTestDatabase();
  bus = createEventBus({ prefix: 'subscription-test', timeoutMs: 250, warn: () => undefined });
});
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  await bus.close();
  await db.destroy();
});

/** A gateway on the test database with the bus, built on first use (the database opens in beforeAll). */
function gatewayWith(config: Partial<GatewayConfig> = {}) {
  let built: ReturnType<typeof testGateway> | undefined;
  const get = () => (built ??= testGateway(db, { events: bus, config }));
  const sub = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const s = await subscribe((url, init) => get().gateway.fetch(url, init), 'http://gateway.test/graphql', query, variables, token);
    open.push(s);
    return s;
  };
  const gql: ReturnType<typeof testGateway>['gql'] = (...args) => get().gql(...args);
  return {
    gql,
    sub,
    get gateway() {
      return get().gateway;
    },
  };
}

const data = (e: SseEvent | 'nothing' | 'closed') => (e !== 'nothing' && e !== 'closed' && e.event === 'next' ? e.data : e);
const errorCode = (e: SseEvent | 'nothing' | 'closed') => data(e)?.errors?.[0]?.extensions?.code;

const MY_UPDATES = 'subscription { myApplicationUpdates { id status job { id title } } }';
const RECEIVED = 'subscription($jobId: ID) { applicationReceived(jobId: $jobId) { id status user { id } job { id } } }';
const JOB_UPDATED = 'subscription($id: ID!) { jobUpdated(id: $id) { id title isActive applicationCount } }';
const NEW_JOBS = 'subscription($filter: JobFilter) { newJobs(filter: $filter) { id title company { id } } }';
const APPLY = 'mutation($jobId: ID!) { applyToJob(jobId: $jobId) { id } }';
const MOVE = 'mutation($id: ID!, $status: ApplicationStatus!) { updateApplicationStatus(id: $id, status: $status) { id status } }';
const WITHDRAW = 'mutation($id: ID!) { withdrawApplication(id: $id) { id status } }';
const CREATE = 'mutation($input: CreateJobInput!) { createJob(input: $input) { id } }';

/** An active job `userId` has not applied to, of a company other than `notCompany`. */
const freshJob = (userId: number, notCompany?: number) =>
  db.prisma.job.findFirstOrThrow({
    where: { isActive: true, applications: { none: { userId } }, ...(notCompany ? { companyId: { not: notCompany } } : {}) },
    orderBy: { id: 'desc' },
  });

describe('myApplicationUpdates', () => {
  const g = gatewayWith();

  it('streams the seeker’s own applications as an employer moves them and as the seeker withdraws, nobody else’s', async () => {
    const job = await freshJob(31);
    const other = await freshJob(32);
    const seeker = tokenFor(31, 'SEEKER');
    const mine = (await g.gql(APPLY, { jobId: String(job.id) }, { token: seeker })).data.applyToJob.id;
    const theirs = (await g.gql(APPLY, { jobId: String(other.id) }, { token: tokenFor(32, 'SEEKER') })).data.applyToJob.id;
    const stream = await g.sub(MY_UPDATES, {}, seeker);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);

    // Someone else's application moving is not this seeker's to hear.
    await g.gql(MOVE, { id: theirs, status: 'REVIEWING' }, { token: tokenFor(2, 'EMPLOYER', other.companyId) });
    await g.gql(MOVE, { id: mine, status: 'REVIEWING' }, { token: tokenFor(2, 'EMPLOYER', job.companyId) });
    expect(data(await stream.next())).toEqual({
      data: { myApplicationUpdates: { id: mine, status: 'REVIEWING', job: { id: String(job.id), title: job.title } } },
    });
    await g.gql(WITHDRAW, { id: mine }, { token: seeker });
    expect(data(await stream.next()).data.myApplicationUpdates).toMatchObject({ id: mine, status: 'WITHDRAWN' });
    expect(await stream.next(300)).toBe('nothing');
  });

  it('refuses an anonymous subscriber with UNAUTHENTICATED and a non-seeker with FORBIDDEN', async () => {
    const anonymous = await g.sub(MY_UPDATES);
    expect(errorCode(await anonymous.next())).toBe('UNAUTHENTICATED');
    expect(await anonymous.next()).toEqual({ event: 'complete' });
    const employer = await g.sub(MY_UPDATES, {}, tokenFor(2, 'EMPLOYER', 1));
    expect(errorCode(await employer.next())).toBe('FORBIDDEN');
  });

  it('sends heartbeats (comment lines) while nothing happens', async () => {
    const stream = await g.sub(MY_UPDATES, {}, tokenFor(33, 'SEEKER'));
    // Yoga pings every 12 s, every 300 ms under NODE_ENV=test.
    expect(await stream.next(1000)).toBe('nothing');
    expect(stream.pings).toBeGreaterThanOrEqual(2);
  });
});

describe('applicationReceived', () => {
  const g = gatewayWith();

  it('streams new applications to the employer’s company’s jobs (all, or one job), never another company’s', async () => {
    const job = await freshJob(34);
    const sibling = await db.prisma.job.findFirstOrThrow({ where: { companyId: job.companyId, isActive: true, id: { not: job.id } } });
    const elsewhere = await freshJob(34, job.companyId);
    const employer = tokenFor(3, 'EMPLOYER', job.companyId);
    const all = await g.sub(RECEIVED, {}, employer);
    const one = await g.sub(RECEIVED, { jobId: String(sibling.id) }, employer);
    const rival = await g.sub(RECEIVED, {}, tokenFor(4, 'EMPLOYER', elsewhere.companyId));

    const applied = (await g.gql(APPLY, { jobId: String(job.id) }, { token: tokenFor(34, 'SEEKER') })).data.applyToJob.id;
    expect(data(await all.next()).data.applicationReceived).toEqual({ id: applied, status: 'SUBMITTED', user: { id: '34' }, job: { id: String(job.id) } });
    expect(await one.next(300)).toBe('nothing');
    expect(await rival.next(300)).toBe('nothing');
    const toSibling = (await g.gql(APPLY, { jobId: String(sibling.id) }, { token: tokenFor(34, 'SEEKER') })).data.applyToJob.id;
    expect(data(await one.next()).data.applicationReceived.id).toBe(toSibling);
    expect(data(await all.next()).data.applicationReceived.id).toBe(toSibling);
  });

  it('checks on every event, not only at subscribe time: a job moved to another company stops reaching its former employer', async () => {
    const job = await freshJob(42);
    const other = await db.prisma.company.findFirstOrThrow({ where: { id: { not: job.companyId } } });
    const former = await g.sub(RECEIVED, { jobId: String(job.id) }, tokenFor(3, 'EMPLOYER', job.companyId));
    const now = await g.sub(RECEIVED, {}, tokenFor(4, 'EMPLOYER', other.id));
    await db.prisma.job.update({ where: { id: job.id }, data: { companyId: other.id } });
    const applied = (await g.gql(APPLY, { jobId: String(job.id) }, { token: tokenFor(42, 'SEEKER') })).data.applyToJob.id;
    expect(data(await now.next()).data.applicationReceived.id).toBe(applied);
    expect(await former.next(300)).toBe('nothing');
  });

  it('refuses a seeker, another company’s job and an unknown job', async () => {
    const job = await freshJob(35);
    expect(errorCode(await (await g.sub(RECEIVED, {}, tokenFor(35, 'SEEKER'))).next())).toBe('FORBIDDEN');
    expect(errorCode(await (await g.sub(RECEIVED, { jobId: String(job.id) }, tokenFor(3, 'EMPLOYER', job.companyId + 1))).next())).toBe('FORBIDDEN');
    expect(errorCode(await (await g.sub(RECEIVED, { jobId: '987654' }, tokenFor(3, 'EMPLOYER', job.companyId))).next())).toBe('NOT_FOUND');
    expect(errorCode(await (await g.sub(RECEIVED, {})).next())).toBe('UNAUTHENTICATED');
  });
});

describe('jobUpdated', () => {
  const g = gatewayWith();

  it('streams a job’s edits, its application count and its closing, to anyone', async () => {
    const job = await freshJob(36);
    const employer = tokenFor(3, 'EMPLOYER', job.companyId);
    const stream = await g.sub(JOB_UPDATED, { id: String(job.id) });
    const before = await db.prisma.application.count({ where: { jobId: job.id } });
    await g.gql('mutation($id: ID!) { updateJob(id: $id, input: { title: "Renamed live" }) { id } }', { id: String(job.id) }, { token: employer });
    expect(data(await stream.next()).data.jobUpdated).toMatchObject({ id: String(job.id), title: 'Renamed live', isActive: true, applicationCount: before });
    await g.gql(APPLY, { jobId: String(job.id) }, { token: tokenFor(36, 'SEEKER') });
    expect(data(await stream.next()).data.jobUpdated.applicationCount).toBe(before + 1);
    await g.gql('mutation($id: ID!) { closeJob(id: $id) { id } }', { id: String(job.id) }, { token: employer });
    expect(data(await stream.next()).data.jobUpdated.isActive).toBe(false);
  });

  it('refuses an unknown job with NOT_FOUND and a malformed id with BAD_USER_INPUT', async () => {
    expect(errorCode(await (await g.sub(JOB_UPDATED, { id: '987654' })).next())).toBe('NOT_FOUND');
    expect(errorCode(await (await g.sub(JOB_UPDATED, { id: 'x' })).next())).toBe('BAD_USER_INPUT');
  });
});

describe('newJobs', () => {
  const g = gatewayWith();
  const input = (title: string, description: string) => ({ title, description, location: 'Austin, TX', jobType: 'FULL_TIME' });

  it('streams new jobs matching the filter’s search and conditions as jobs(filter) does, not others', async () => {
    const employer = tokenFor(3, 'EMPLOYER', 1);
    const golang = await g.sub(NEW_JOBS, { filter: { search: 'golang' } });
    const partTime = await g.sub(NEW_JOBS, { filter: { jobType: 'PART_TIME' } });
    const everything = await g.sub(NEW_JOBS);
    const chef = (await g.gql(CREATE, { input: input('Pastry Chef', 'Croissants at dawn.') }, { token: employer })).data.createJob.id;
    const gopher = (await g.gql(CREATE, { input: input('Golang Engineer', 'Services in Go (golang) and PostgreSQL.') }, { token: employer })).data.createJob.id;
    expect(data(await golang.next())).toEqual({ data: { newJobs: { id: gopher, title: 'Golang Engineer', company: { id: '1' } } } });
    expect(await golang.next(300)).toBe('nothing');
    expect(data(await everything.next()).data.newJobs.id).toBe(chef);
    expect(data(await everything.next()).data.newJobs.id).toBe(gopher);
    expect(await partTime.next(300)).toBe('nothing');
    // The same jobs(filter) finds: the gateway's one definition of matching.
    const listed = await g.gql('{ jobs(filter: { search: "golang" }, first: 100) { edges { node { id } } } }');
    const ids = listed.data.jobs.edges.map((e: any) => e.node.id);
    expect(ids).toContain(gopher);
    expect(ids).not.toContain(chef);
  });

  it('refuses a bad filter at subscribe time with BAD_USER_INPUT', async () => {
    expect(errorCode(await (await g.sub(NEW_JOBS, { filter: { search: 'x'.repeat(201) } })).next())).toBe('BAD_USER_INPUT');
    expect(errorCode(await (await g.sub(NEW_JOBS, { filter: { salaryMin: 10, salaryMax: 5 } })).next())).toBe('BAD_USER_INPUT');
    // Text arguments are checked as every field's are (a NUL never reaches SQL).
    expect(errorCode(await (await g.sub(NEW_JOBS, { filter: { search: 'go\u0000lang' } })).next())).toBe('BAD_USER_INPUT');
  });
});

describe('limits, expiry and shutdown', () => {
  it('refuses a viewer’s stream past SUBSCRIPTIONS_MAX_PER_VIEWER and the instance’s past SUBSCRIPTIONS_MAX, with TOO_MANY_SUBSCRIPTIONS; a closed stream frees its place', async () => {
    const g = gatewayWith({ SUBSCRIPTIONS_MAX_PER_VIEWER: 2, SUBSCRIPTIONS_MAX: 3 });
    const seeker = tokenFor(37, 'SEEKER');
    const first = await g.sub(MY_UPDATES, {}, seeker);
    await g.sub(MY_UPDATES, {}, seeker);
    const third = await g.sub(MY_UPDATES, {}, seeker);
    expect(third.status).toBe(429);
    expect(data(await third.next())).toMatchObject({ errors: [{ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: 2 } }] });
    // Another viewer still may, until the instance is full.
    expect(await (await g.sub(MY_UPDATES, {}, tokenFor(38, 'SEEKER'))).next(200)).toBe('nothing');
    expect(errorCode(await (await g.sub(NEW_JOBS)).next())).toBe('TOO_MANY_SUBSCRIPTIONS');
    expect(g.gateway.streams.open).toBe(3);
    await first.close();
    for (let i = 0; i < 50 && g.gateway.streams.open > 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(g.gateway.streams.open).toBe(2);
    expect(await (await g.sub(MY_UPDATES, {}, seeker)).next(200)).toBe('nothing');
  });

  it('with SUBSCRIPTIONS_MAX=0 says subscriptions are not served here (501 SUBSCRIPTIONS_NOT_SERVED), not to retry shortly', async () => {
    const g = gatewayWith({ SUBSCRIPTIONS_MAX: 0 });
    const refused = await g.sub(NEW_JOBS);
    expect(refused.status).toBe(501);
    expect(refused.headers.get('retry-after')).toBeNull();
    const ending = await refused.next();
    expect(errorCode(ending)).toBe('SUBSCRIPTIONS_NOT_SERVED');
    expect(data(ending).errors[0].message).toMatch(/not served by this gateway/);
    expect(data(ending).errors[0].message).not.toMatch(/retry/);
    expect(g.gateway.streams.refused.off).toBe(1);
  });

  it('ends a stream when its token expires, with a last UNAUTHENTICATED event', async () => {
    const g = gatewayWith();
    const token = signToken({ userId: 39, role: 'SEEKER', companyId: null }, TEST_JWT_SECRET, 2);
    const stream = await g.sub(MY_UPDATES, {}, token);
    expect(stream.status).toBe(200);
    const ending = await stream.next(5000);
    expect(errorCode(ending)).toBe('UNAUTHENTICATED');
    expect(data(ending).errors[0].message).toMatch(/expired/);
    expect(await stream.next()).toEqual({ event: 'complete' });
    expect(g.gateway.streams.open).toBe(0);
  });

  it('ends every stream when the process stops, and refuses new ones', async () => {
    const g = gatewayWith();
    const a = await g.sub(MY_UPDATES, {}, tokenFor(40, 'SEEKER'));
    const b = await g.sub(NEW_JOBS);
    g.gateway.streams.endAll();
    for (const s of [a, b]) {
      expect(errorCode(await s.next())).toBe('SERVICE_UNAVAILABLE');
      expect(await s.next()).toEqual({ event: 'complete' });
    }
    expect(g.gateway.streams.open).toBe(0);
    const late = await g.sub(NEW_JOBS);
    expect(late.status).toBe(503);
    expect(errorCode(await late.next())).toBe('SERVICE_UNAVAILABLE');
  });

  it('ends a stream whose client stops reading once it falls a backlog behind, with a last SUBSCRIPTION_TOO_SLOW event; other streams carry on', async () => {
    const g = gatewayWith();
    const [stalledJob, otherJob] = await db.prisma.job.findMany({ where: { isActive: true }, take: 2, orderBy: { id: 'asc' } });
    // A client that never reads its response (as one with a full receive buffer).
    const res = await g.gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        query: 'subscription($id: ID!) { jobUpdated(id: $id) { id description company { name } } }',
        variables: { id: String(stalledJob.id) },
      }),
    });
    expect(res.status).toBe(200);
    const other = await g.sub(JOB_UPDATED, { id: String(otherJob.id) });
    const openBefore = g.gateway.streams.open;
    for (let i = 0; i < DEFAULT_BACKLOG + 100; i++) {
      bus.publish('jobs', { created: [], changed: [stalledJob.id] });
      // One event a turn, as writes commit: the streams that read keep up.
      await new Promise((r) => setImmediate(r));
    }
    bus.publish('jobs', { created: [], changed: [otherJob.id] });
    expect(data(await other.next()).data.jobUpdated.id).toBe(String(otherJob.id));
    // The stalled client, reading at last: what was under way, then why it ended.
    const stalled = readSse(res);
    open.push(stalled);
    const events: (SseEvent | 'nothing' | 'closed')[] = [];
    for (let e = await stalled.next(); e !== 'closed' && e !== 'nothing'; e = await stalled.next()) events.push(e);
    expect(events.length).toBeLessThan(10);
    expect(events.at(-1)).toEqual({ event: 'complete' });
    expect(data(events.at(-2)!)).toMatchObject({ errors: [{ extensions: { code: 'SUBSCRIPTION_TOO_SLOW', backlog: DEFAULT_BACKLOG } }] });
    expect(g.gateway.streams.open).toBe(openBefore - 1);
  });

  it('counts open streams and delivered events in /metrics', async () => {
    const g = gatewayWith();
    const job = await freshJob(41);
    const stream = await g.sub(JOB_UPDATED, { id: String(job.id) });
    await g.gql(APPLY, { jobId: String(job.id) }, { token: tokenFor(41, 'SEEKER') });
    expect(data(await stream.next()).data.jobUpdated.id).toBe(String(job.id));
    const { text } = await g.gateway.metricsText();
    expect(text).toMatch(/^graphql_subscriptions_open 1$/m);
    expect(Number(/^graphql_subscription_events_total (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
  });
});
