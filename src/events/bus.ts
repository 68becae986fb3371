/**
 * The event bus: what subscriptions (schema/subscription.ts) hear of committed writes, on this
 * instance and, with REDIS_URL, on every instance sharing the Redis and the CACHE_PREFIX.
 *
 * API. A topic is a name in `Topics` with its payload type (ids, never rows: a subscriber loads
 * what it may read itself). Another module adds a topic by declaration merging:
 * `declare module '../events/bus' { interface Topics { savedSearchMatch: { userId: number; jobIds: number[] } } }`.
 * `bus.publish(topic, payload, id?)` sends it (after the write committed; best effort: it never
 * throws nor waits for Redis, and a failure is logged and counted in `counts.failed`);
 * `bus.subscribe(topic, id?)` is an AsyncIterable of payloads for a `Subscription` field's
 * `subscribe` (stop it with `return()`, which the GraphQL executor does when the stream ends).
 * A subscriber that falls more than `backlog` events behind (its client stopped reading) is
 * ended: its queue is dropped and its next `next()` rejects with `SubscriberTooSlowError`, so a
 * stalled client costs a bounded amount of memory and never holds up the others.
 * `id` narrows a topic to a channel of its own (e.g. one user's), so other subscribers' events
 * never reach this process's filter. Writes reach the bus through `writeEvents` (data/writes.ts
 * calls it with every committed write's `Change`s); nothing else needs to publish those.
 */
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { Change } from '../domain/changes';
import { connectRedis, type RedisConnection } from '../redis';

/** Topics and their payloads. Open for other modules to add theirs (see the header). */
export interface Topics {
  /** Jobs created (posted or imported) and changed (edited, closed, re-imported, their application count moved), by id. */
  jobs: { created: number[]; changed: number[] };
  /** An application created, or its status moved. */
  application: { id: number; jobId: number; userId: number; created: boolean };
}

export type Topic = keyof Topics;

export interface BusCounts {
  published: number;
  /** Publishes Redis did not take (it was down): those events reached no one. */
  failed: number;
  /** Subscriptions ended for falling `backlog` events behind. */
  tooSlow: number;
}

/** Events a subscriber may fall behind before it is ended (a stalled client's stream, not a busy one's). */
export const DEFAULT_BACKLOG = 1000;

/** What a subscription that fell too far behind rejects with (its next `next()`), once. */
export class SubscriberTooSlowError extends Error {
  readonly code = 'SUBSCRIPTION_TOO_SLOW';
  constructor(readonly backlog: number) {
    super(`this subscription fell more than ${backlog} events behind (its client is not reading): subscribe again`);
    this.name = 'SubscriberTooSlowError';
  }
}

export interface EventBus {
  readonly kind: 'redis' | 'memory';
  publish<K extends Topic>(topic: K, payload: Topics[K], id?: string | number): void;
  subscribe<K extends Topic>(topic: K, id?: string | number): AsyncIterableIterator<Topics[K]>;
  readonly counts: BusCounts;
  close(): Promise<void>;
}

/**
 * A Redis pub/sub connection pair shaped as the event target expects of ioredis, over this
 * project's client (redis.ts: fails fast while down, reconnects). Its own promises are never
 * left unhandled: a failed publish is counted and dropped, a failed SUBSCRIBE is sent again
 * once the connection is back (with every other channel, which Redis takes as a no-op).
 */
function redisClients(pub: RedisConnection, sub: RedisConnection, failed: (err: unknown) => void, inFlight: Set<Promise<unknown>>) {
  let deliver: (channel: string, message: string) => void = () => undefined;
  const onMessage = (message: string | Buffer, channel: string | Buffer) => deliver(channel.toString(), message.toString());
  const channels = new Set<string>();
  const subscriber = sub.client;
  const subscribe = (channel: string) => subscriber.subscribe(channel, onMessage).catch(() => undefined);
  sub.onReady(() => channels.forEach((c) => void subscribe(c)));
  return {
    publishClient: {
      publish: (channel: string, message: string) => {
        const sent = (pub.client.publish(channel, message) as Promise<unknown>).catch(failed).finally(() => inFlight.delete(sent));
        inFlight.add(sent);
        return sent;
      },
    },
    subscribeClient: {
      on: (_event: 'message', listener: (channel: string, message: string) => void) => void (deliver = listener),
      subscribe: (channel: string) => {
        channels.add(channel);
        return subscribe(channel);
      },
      unsubscribe: (channel: string) => {
        channels.delete(channel);
        return subscriber.unsubscribe(channel, onMessage).catch(() => undefined);
      },
    },
  };
}

/**
 * The process's bus: over Redis (two connections of its own: a subscribing connection can send
 * nothing else) when `redisUrl` is set, in memory otherwise. Channels are `<prefix>:events:<topic>[:<id>]`.
 */
export function createEventBus(options: {
  prefix: string;
  redisUrl?: string;
  timeoutMs: number;
  warn: (msg: string, err?: unknown) => void;
  /** Events one subscriber may have waiting; DEFAULT_BACKLOG unless told. */
  backlog?: number;
}): EventBus {
  const backlog = options.backlog ?? DEFAULT_BACKLOG;
  const counts: BusCounts = { published: 0, failed: 0, tooSlow: 0 };
  let lastFailureLog = 0;
  const failed = (err: unknown) => {
    counts.failed++;
    // One line per outage-ish, not one per write.
    if (Date.now() - lastFailureLog > 10_000) {
      lastFailureLog = Date.now();
      options.warn('event bus: an event was not published (Redis unreachable); subscribers miss it', err);
    }
  };
  let connections: RedisConnection[] = [];
  const inFlight = new Set<Promise<unknown>>();
  let eventTarget: ReturnType<typeof createRedisEventTarget> | undefined;
  if (options.redisUrl) {
    const what = 'event bus (subscriptions hear nothing from other instances while it is down)';
    const pub = connectRedis(options.redisUrl, options.timeoutMs, what, options.warn);
    const sub = connectRedis(options.redisUrl, options.timeoutMs, `${what}, subscriber`, () => undefined);
    connections = [pub, sub];
    const clients = redisClients(pub, sub, failed, inFlight);
    // The target's types name ioredis; it calls only what redisClients gives.
    eventTarget = createRedisEventTarget(clients as unknown as Parameters<typeof createRedisEventTarget>[0]);
  }
  // Not Yoga's createPubSub: its subscriptions are Repeaters without a bound, whose overflow (past
  // 1,024 waiting events) throws inside the target's listener: uncaught in memory (the process
  // dies), and over Redis it stops the delivery of that message to every later listener.
  const target: Pick<EventTarget, 'addEventListener' | 'removeEventListener' | 'dispatchEvent'> = eventTarget ?? new EventTarget();
  const channel = (topic: string, id?: string | number) => `${options.prefix}:events:${topic}${id === undefined ? '' : `:${id}`}`;
  return {
    kind: options.redisUrl ? 'redis' : 'memory',
    counts,
    publish(topic, payload, id) {
      counts.published++;
      try {
        target.dispatchEvent(new CustomEvent(channel(topic, id), { detail: payload }));
      } catch (err) {
        failed(err);
      }
    },
    subscribe<K extends Topic>(topic: K, id?: string | number) {
      const name = channel(topic, id);
      const queue: Topics[K][] = [];
      let waiter: ((r: IteratorResult<Topics[K]>) => void) | undefined;
      // Set once: done (true), or the error the next next() rejects with (then true).
      let ended: true | Error | undefined;
      const finish = (why: true | Error) => {
        if (ended) return;
        ended = why;
        queue.length = 0;
        target.removeEventListener(name, listener);
        const w = waiter;
        waiter = undefined;
        if (w) w({ done: true, value: undefined });
      };
      // Listening from now (over Redis, once its SUBSCRIBE is through), not from the first next().
      // Never throws: a throw here would reach the target (see above).
      function listener(event: Event) {
        const payload = (event as CustomEvent<Topics[K]>).detail;
        if (ended) return;
        if (waiter) {
          const w = waiter;
          waiter = undefined;
          return w({ done: false, value: payload });
        }
        if (queue.length < backlog) return void queue.push(payload);
        counts.tooSlow++;
        options.warn(`event bus: a subscription to ${topic} fell more than ${backlog} events behind (its client is not reading); ended`);
        finish(new SubscriberTooSlowError(backlog));
      }
      target.addEventListener(name, listener);
      const it: AsyncIterableIterator<Topics[K]> = {
        next: () => {
          if (queue.length) return Promise.resolve({ done: false, value: queue.shift()! });
          if (ended instanceof Error) {
            const err = ended;
            ended = true;
            return Promise.reject(err);
          }
          if (ended) return Promise.resolve({ done: true, value: undefined });
          return new Promise((resolve) => (waiter = resolve));
        },
        return: () => {
          finish(true);
          return Promise.resolve({ done: true, value: undefined });
        },
        throw: (err?: unknown) => {
          finish(true);
          return Promise.reject(err instanceof Error ? err : new Error(String(err)));
        },
        [Symbol.asyncIterator]: () => it,
      };
      return it;
    },
    // What was published is sent first (a short-lived writer, the import CLI, publishes last thing).
    async close() {
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, options.timeoutMs * 4))]);
      await Promise.all(connections.map((c) => c.close()));
    },
  };
}

/**
 * What a committed write tells subscribers (data/writes.ts calls it with every write's changes).
 * Derived from the changes alone: no statement is added to a write.
 */
export function writeEvents(bus: Pick<EventBus, 'publish'>): (changes: readonly Change[]) => void {
  return (changes) => {
    const created = new Set<number>();
    const changed = new Set<number>();
    for (const change of changes) {
      if (typeof change === 'string') continue;
      if ('job' in change) (change.created ? created : changed).add(change.job.id);
      else if ('application' in change) {
        const { id, jobId, userId } = change.application;
        bus.publish('application', { id, jobId, userId, created: change.created === true });
        // A new application changes its job's application count.
        if (change.created) changed.add(jobId);
      }
    }
    if (created.size || changed.size) bus.publish('jobs', { created: [...created], changed: [...changed] });
  };
}
