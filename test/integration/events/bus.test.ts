import { createEventBus, DEFAULT_BACKLOG, SubscriberTooSlowError, writeEvents, type EventBus } from '../../../src/events/bus';
import { hasRedisServer, OwnRedis, quiet } from '../../helpers/cache';
import { describeIf } from '../../helpers/skip';
import { timedReader } from '../../helpers/sse';
import { uniqueName } from '../../helpers/template';

/** Reads a stream one payload at a time, within a time limit. */
const reader = <T>(events: AsyncIterator<T>) => timedReader(() => events.next().then((r) => r.value as T));

/** Resolves once a subscription's SUBSCRIBE has reached Redis (events published before that are lost). */
async function subscribed(bus: EventBus, read: ReturnType<typeof reader>) {
  for (let i = 0; i < 50; i++) {
    bus.publish('jobs', { created: [0], changed: [] });
    if ((await read(100)) !== 'nothing') {
      // Drain the probes still in flight.
      while ((await read(100)) !== 'nothing');
      return;
    }
  }
  throw new Error('never subscribed');
}

/**
 * A subscriber that is never read and one that keeps up, while more than a backlog of events is
 * published (one at a time, so that the reader keeps up): the process stays up, the reader hears
 * every event and the next one, and the stalled subscriber ends with SubscriberTooSlowError.
 */
async function stalledSubscriber(publisher: EventBus, listener: EventBus, ready: (read: ReturnType<typeof reader>) => Promise<void>) {
  const stalled = listener.subscribe('jobs');
  const keeping = listener.subscribe('jobs');
  const read = reader(keeping);
  await ready(read);
  const slowBefore = listener.counts.tooSlow;
  const total = DEFAULT_BACKLOG + 100;
  for (let i = 1; i <= total; i++) {
    publisher.publish('jobs', { created: [], changed: [i] });
    expect(await read()).toEqual({ created: [], changed: [i] });
  }
  publisher.publish('jobs', { created: [], changed: [-1] });
  expect(await read()).toEqual({ created: [], changed: [-1] });
  expect(listener.counts.tooSlow).toBe(slowBefore + 1);
  const ended = await stalled.next().catch((err: unknown) => err);
  expect(ended).toBeInstanceOf(SubscriberTooSlowError);
  expect((ended as SubscriberTooSlowError).code).toBe('SUBSCRIPTION_TOO_SLOW');
  // Ended for good: nothing more queues for it.
  expect(await stalled.next()).toEqual({ done: true, value: undefined });
  await keeping.return?.();
}

describe('event bus in memory', () => {
  const bus = createEventBus({ prefix: uniqueName('bus'), timeoutMs: 250, warn: quiet });
  afterAll(() => bus.close());

  it('delivers a topic’s payloads to its subscribers, and a channel by id only to that id’s', async () => {
    const allEvents = bus.subscribe('application');
    const mineEvents = bus.subscribe('application', 7);
    const [all, mine] = [reader(allEvents), reader(mineEvents)];
    const payload = { id: 1, jobId: 2, userId: 3, created: false };
    bus.publish('application', payload);
    bus.publish('application', { ...payload, id: 9 }, 8);
    bus.publish('application', { ...payload, id: 10 }, 7);
    expect(await all()).toEqual(payload);
    expect(await mine()).toEqual({ ...payload, id: 10 });
    expect(await mine(100)).toBe('nothing');
    await allEvents.return?.();
    await mineEvents.return?.();
    expect(bus.counts.published).toBe(3);
  });

  it('ends a subscriber that falls a backlog behind (SUBSCRIPTION_TOO_SLOW); the process and the other subscribers carry on', async () => {
    const warnings: string[] = [];
    const own = createEventBus({ prefix: uniqueName('bus'), timeoutMs: 250, warn: (msg) => void warnings.push(msg) });
    await stalledSubscriber(own, own, async () => undefined);
    expect(warnings).toEqual([expect.stringMatching(/fell more than 1000 events behind/)]);
    await own.close();
  });

  it('turns a write’s changes into events: new jobs, changed jobs (an application moves its job’s count), applications', async () => {
    const jobEvents = bus.subscribe('jobs');
    const applicationEvents = bus.subscribe('application');
    const [jobs, applications] = [reader(jobEvents), reader(applicationEvents)];
    const job = { id: 5, jobType: 'FULL_TIME', companyId: 1 };
    writeEvents(bus)([
      { job, created: true },
      { job: { ...job, id: 6 }, before: job },
      { application: { id: 4, jobId: 8, userId: 2 }, created: true },
    ]);
    expect(await applications()).toEqual({ id: 4, jobId: 8, userId: 2, created: true });
    expect(await jobs()).toEqual({ created: [5], changed: [6, 8] });
    // What concerns no subscriber (recomputed lists) publishes nothing.
    writeEvents(bus)(['trending', { similarLists: [1] }]);
    expect(await jobs(100)).toBe('nothing');
    await jobEvents.return?.();
    await applicationEvents.return?.();
  });
});

describeIf(hasRedisServer(), 'needs /usr/bin/redis-server')('event bus over Redis', () => {
  const redis = new OwnRedis();
  const buses: EventBus[] = [];
  const open = (prefix: string) => {
    const bus = createEventBus({ prefix, redisUrl: redis.url, timeoutMs: 250, warn: quiet });
    buses.push(bus);
    return bus;
  };
  beforeAll(() => redis.start());
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
    await redis.kill();
  });

  it('carries an event from one instance to another of the same prefix, never to another prefix', async () => {
    const prefix = uniqueName('bus');
    const a = open(prefix);
    const b = open(prefix);
    const other = open(uniqueName('other'));
    const onB = b.subscribe('jobs');
    const onOther = other.subscribe('jobs');
    const [readB, readOther] = [reader(onB), reader(onOther)];
    await subscribed(a, readB);
    await subscribed(other, readOther);
    a.publish('jobs', { created: [42], changed: [] });
    expect(await readB()).toEqual({ created: [42], changed: [] });
    expect(await readOther(300)).toBe('nothing');
    await onB.return?.();
    await onOther.return?.();
  });

  it('ends a subscriber that falls a backlog behind (SUBSCRIPTION_TOO_SLOW); later events still reach the other subscribers', async () => {
    const prefix = uniqueName('bus');
    const a = open(prefix);
    const b = open(prefix);
    await stalledSubscriber(a, b, (read) => subscribed(a, read));
  }, 30_000);

  it('while Redis is down a publish neither throws nor waits, and is counted; once it is back events flow again', async () => {
    const prefix = uniqueName('bus');
    const a = open(prefix);
    const b = open(prefix);
    const onB = b.subscribe('jobs');
    const readB = reader(onB);
    await subscribed(a, readB);
    await redis.kill();
    // The clients notice a dead server on their next command or socket close.
    await new Promise((r) => setTimeout(r, 200));
    const failedBefore = a.counts.failed;
    expect(() => a.publish('jobs', { created: [1], changed: [] })).not.toThrow();
    await new Promise((r) => setTimeout(r, 100));
    expect(a.counts.failed).toBeGreaterThan(failedBefore);
    await redis.start();
    // Resubscribed on its own after the reconnection.
    await subscribed(a, readB);
    a.publish('jobs', { created: [2], changed: [] });
    expect(await readB()).toEqual({ created: [2], changed: [] });
    await onB.return?.();
  }, 30_000);
});
