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
 * `id` narrows a topic to a channel of its own (e.g. one user's), so other subscribers' events
 * never reach this process's filter. Writes reach the bus through `writeEvents` (data/writes.ts
 * calls it with every committed write's `Change`s); nothing else needs to publish those.
 */
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from 'graphql-yoga';
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
export function createEventBus(options: { prefix: string; redisUrl?: string; timeoutMs: number; warn: (msg: string, err?: unknown) => void }): EventBus {
  const counts: BusCounts = { published: 0, failed: 0 };
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
  // Typed by the bus's own methods: the pub/sub underneath sees channels, not topics.
  const pubsub = createPubSub(eventTarget ? { eventTarget } : undefined) as unknown as {
    publish(channel: string, ...args: unknown[]): void;
    subscribe(channel: string, id?: string | number): AsyncIterableIterator<unknown>;
  };
  const channel = (topic: string) => `${options.prefix}:events:${topic}`;
  return {
    kind: options.redisUrl ? 'redis' : 'memory',
    counts,
    publish(topic, payload, id) {
      counts.published++;
      try {
        if (id === undefined) pubsub.publish(channel(topic), payload);
        else pubsub.publish(channel(topic), id, payload);
      } catch (err) {
        failed(err);
      }
    },
    subscribe<K extends Topic>(topic: K, id?: string | number) {
      const events = (id === undefined ? pubsub.subscribe(channel(topic)) : pubsub.subscribe(channel(topic), id)) as AsyncIterableIterator<Topics[K]>;
      // The pub/sub listens from the first next() only: asked now, so that what is published
      // from the moment of subscribing on is heard (over Redis, once its SUBSCRIBE is through).
      let first: Promise<IteratorResult<Topics[K]>> | undefined = events.next();
      const it: AsyncIterableIterator<Topics[K]> = {
        next: () => {
          const pending = first ?? events.next();
          first = undefined;
          return pending;
        },
        return: (value?: unknown) => events.return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
        throw: (err?: unknown) => events.throw?.(err) ?? Promise.reject(err instanceof Error ? err : new Error(String(err))),
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
