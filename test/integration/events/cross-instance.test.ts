import { createClient } from '@redis/client';
import { hasRedisServer, OwnRedis } from '../../helpers/cache';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';
import { TEST_JWT_SECRET, tokenFor } from '../../helpers/gateway';
import { startGateway, type GatewayProcess } from '../../helpers/process';
import { describeIf } from '../../helpers/skip';
import { subscribe, type SseStream } from '../../helpers/sse';
import { pgUrl, uniqueName } from '../../helpers/template';

// Two gateway processes on one PostgreSQL and one Redis (a redis-server of this test's own, so
// that it can be killed): what a write on A changes reaches subscribers on B.
describeIf(pgUrl() && hasRedisServer(), 'needs TEST_DATABASE_URL (PostgreSQL shared by two gateway processes) and /usr/bin/redis-server')(
  'subscriptions across instances',
  () => {
    let db: TestDatabase;
    const redis = new OwnRedis();
    const prefix = uniqueName('cross');
    const gateways: GatewayProcess[] = [];
    const streams: SseStream[] = [];
    let a: GatewayProcess;
    let b: GatewayProcess;
    let probe: ReturnType<typeof createClient>;

    const start = async () => {
      const g = await startGateway({
        ...process.env,
        DATABASE_URL: db.url!,
        REDIS_URL: redis.url,
        CACHE_PREFIX: prefix,
        JWT_SECRET: TEST_JWT_SECRET,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_FORMAT: 'json',
        NODE_ENV: 'test',
        SHUTDOWN_GRACE_MS: '0',
        SHUTDOWN_TIMEOUT_MS: '60000',
      });
      gateways.push(g);
      return g;
    };
    const gql = async (on: GatewayProcess, query: string, variables: Record<string, unknown>, token?: string) => {
      const res = await fetch(`${on.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return await res.json();
    };
    const sub = async (on: GatewayProcess, query: string, variables: Record<string, unknown> = {}, token?: string) => {
      const s = await subscribe(fetch, `${on.base}/graphql`, query, variables, token);
      streams.push(s);
      return s;
    };
    /** Resolves once `n` connections listen to the topic's channel (an event published before that reaches no one). */
    const listening = async (topic: string, n = 1) => {
      for (;;) {
        const counts = (await probe.pubSubNumSub(`${prefix}:events:${topic}`)) as Record<string, number>;
        if ((Object.values(counts)[0] ?? 0) >= n) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    beforeAll(async () => {
      await redis.start();
      db = await openTestDatabase();
      probe = createClient({ url: redis.url });
      // It sees this test's Redis go down on purpose.
      probe.on('error', () => undefined);
      await probe.connect();
      [a, b] = await Promise.all([start(), start()]);
    }, 120_000);
    afterAll(async () => {
      await Promise.all(streams.map((s) => s.close()));
      for (const g of gateways) if (g.child.exitCode === null) g.child.kill('SIGKILL');
      await Promise.all(gateways.map((g) => g.exited));
      probe.destroy();
      await redis.kill();
      await db.destroy();
    }, 60_000);

    it('a seeker subscribed on B hears, within a second, the status change an employer makes on A', async () => {
      const job = await db.prisma.job.findFirstOrThrow({ where: { isActive: true, applications: { none: { userId: 51 } } }, orderBy: { id: 'desc' } });
      const seeker = tokenFor(51, 'SEEKER');
      const applied = await gql(a, 'mutation($jobId: ID!) { applyToJob(jobId: $jobId) { id } }', { jobId: String(job.id) }, seeker);
      const id = applied.data.applyToJob.id;
      const stream = await sub(b, 'subscription { myApplicationUpdates { id status } }', {}, seeker);
      await listening('application');
      const moved = await gql(
        a,
        'mutation($id: ID!) { updateApplicationStatus(id: $id, status: REVIEWING) { id status } }',
        { id },
        tokenFor(2, 'EMPLOYER', job.companyId),
      );
      expect(moved.errors).toBeUndefined();
      const event = await stream.next(1000);
      expect(event).toEqual({ event: 'next', data: { data: { myApplicationUpdates: { id, status: 'REVIEWING' } } } });
    });

    it('newJobs(filter: { search: "golang" }) on B hears a matching job created on A, not a non-matching one', async () => {
      const stream = await sub(b, 'subscription { newJobs(filter: { search: "golang" }) { id title } }');
      await listening('jobs');
      const employer = tokenFor(2, 'EMPLOYER', 1);
      const create = (title: string, description: string) =>
        gql(
          a,
          'mutation($input: CreateJobInput!) { createJob(input: $input) { id } }',
          { input: { title, description, location: 'Austin, TX', jobType: 'FULL_TIME' } },
          employer,
        );
      await create('Pastry Chef', 'Croissants at dawn.');
      const gopher = (await create('Golang Developer', 'Backend services in golang.')).data.createJob.id;
      expect(await stream.next(2000)).toEqual({ event: 'next', data: { data: { newJobs: { id: gopher, title: 'Golang Developer' } } } });
      expect(await stream.next(300)).toBe('nothing');
    });

    it('Redis going down mid-stream fails no write and crashes nothing; once it is back, events flow again', async () => {
      const job = await db.prisma.job.findFirstOrThrow({ where: { isActive: true }, orderBy: { id: 'asc' } });
      const employer = tokenFor(2, 'EMPLOYER', job.companyId);
      const rename = (title: string) =>
        gql(a, 'mutation($id: ID!, $title: String!) { updateJob(id: $id, input: { title: $title }) { title } }', { id: String(job.id), title }, employer);
      const stream = await sub(b, 'subscription($id: ID!) { jobUpdated(id: $id) { title } }', { id: String(job.id) });
      await listening('jobs');
      await redis.kill();
      const during = await rename('Renamed while Redis is down');
      expect(during.errors).toBeUndefined();
      expect(during.data).toEqual({ updateJob: { title: 'Renamed while Redis is down' } });
      expect(a.child.exitCode).toBeNull();
      expect(b.child.exitCode).toBeNull();
      await redis.start();
      await listening('jobs');
      // The event made while Redis was down is lost (best effort). A's publishing connection
      // reconnects on its own backoff (up to 5 s): writes until one is heard.
      let heard: unknown = 'nothing';
      for (let i = 0; i < 30 && heard === 'nothing'; i++) {
        expect((await rename(`Renamed once Redis is back ${i}`)).errors).toBeUndefined();
        const event = await stream.next(1000);
        if (event !== 'nothing') heard = event;
      }
      expect(heard).toMatchObject({ event: 'next', data: { data: { jobUpdated: { title: expect.stringMatching(/^Renamed once Redis is back/) } } } });
    }, 60_000);

    it('SIGTERM ends open streams with a last SERVICE_UNAVAILABLE event, and the process exits 0 without waiting for them', async () => {
      const c = await start();
      const stream = await sub(c, 'subscription { newJobs { id } }');
      expect(stream.status).toBe(200);
      c.child.kill('SIGTERM');
      const last = await stream.next(10_000);
      expect(last !== 'nothing' && last !== 'closed' && last.event === 'next' && last.data.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
      expect(await stream.next(10_000)).toEqual({ event: 'complete' });
      // SHUTDOWN_TIMEOUT_MS is a minute: an exit within the test's time means the drain did not wait for the stream.
      expect(await c.exited).toBe(0);
      const ended = c
        .output()
        .split('\n')
        .filter((l) => l.includes('"msg":"subscription ended"'));
      expect(ended).toHaveLength(1);
      expect(JSON.parse(ended[0])).toMatchObject({ type: 'subscription', reason: 'shutdown', events: 0 });
    }, 45_000);
  },
);
