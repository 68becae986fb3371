import { createClient, createCluster, createSentinel, type RedisClientType, type RedisClusterType, type RedisSentinelType } from '@redis/client';
import { parseRedisUrl } from './redis-url';

/** A node client, a cluster's or a Sentinel-managed primary's: each runs the same single-key commands. */
export type AnyRedisClient = RedisClientType | RedisClusterType | RedisSentinelType;

export interface RedisConnection {
  client: AnyRedisClient;
  kind: 'single' | 'cluster' | 'sentinel';
  /**
   * True from a connection error until the client is ready again. For a cluster: from the
   * moment any primary's connection fails until every slot has a reachable primary again.
   */
  isDown(): boolean;
  /** Called on every (re)connection, and after every cluster or Sentinel failover. */
  onReady(listener: () => void): void;
  /** Resolves once the client first accepts commands. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** How often a cluster that lost a primary asks again for the slot map. */
const HEAL_EVERY_MS = 250;

/**
 * A Redis client that fails fast while disconnected: no offline queue (a command would wait
 * for a reconnection that may never come, and the request with it), a bounded connect
 * timeout, reconnection with backoff. Callers treat a failed command as "Redis is down" and
 * degrade; `what` names the user in the logs (one line when it goes down, one when it is back).
 * `url` is REDIS_URL in any of its forms (see redis-url.ts): one node, a cluster, or Sentinel.
 *
 * "Ready again" is what the cache's invalidation relies on (debts.ts): Redis may come back with
 * less than it had acknowledged (a restart, or a failover to a replica that had not received
 * every write), so every ready after the first makes the cache empty itself before it reads.
 */
export function connectRedis(url: string, timeoutMs: number, what: string, log: (msg: string, err?: unknown) => void): RedisConnection {
  const target = parseRedisUrl(url);
  if (typeof target === 'string') throw new Error(`REDIS_URL: ${target}`);
  const socket = { connectTimeout: Math.max(timeoutMs, 1000), reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5000) };
  let down = false;
  let firstReady!: () => void;
  const ready = new Promise<void>((resolve) => (firstReady = resolve));
  const listeners: (() => void)[] = [firstReady];
  const goDown = (err?: unknown) => {
    if (!down) log(`${what}: Redis unreachable`, err);
    down = true;
  };
  // The listeners before `down` clears, in one turn: nothing reads between the two.
  const goUp = () => {
    if (down) log(`${what}: Redis is back`);
    listeners.forEach((l) => l());
    down = false;
  };
  const common = (client: AnyRedisClient, kind: RedisConnection['kind'], close: () => void): RedisConnection => ({
    client,
    kind,
    isDown: () => down,
    onReady: (l) => listeners.push(l),
    ready: () => ready,
    // No graceful QUIT: a dead server would keep it waiting, and nothing here needs flushing.
    close: async () => close(),
  });

  if (target.kind === 'single') {
    const client = createClient({ url: target.url, disableOfflineQueue: true, socket }) as RedisClientType;
    client.on('error', goDown);
    client.on('ready', goUp);
    client.connect().catch(() => undefined);
    return common(client, 'single', () => client.destroy());
  }

  if (target.kind === 'sentinel') {
    const client = createSentinel({
      name: target.masterName,
      sentinelRootNodes: target.sentinels,
      nodeClientOptions: { disableOfflineQueue: true, socket: { ...socket, tls: target.tls }, username: target.username, password: target.password },
      sentinelClientOptions: { socket },
    }) as unknown as RedisSentinelType;
    client.on('error', goDown);
    client.on('client-error', (event: { type?: string; error?: unknown }) => {
      if (event.type === 'MASTER') goDown(event.error);
    });
    // A new primary may lack writes the old one acknowledged: a failover counts as a reconnection.
    client.on('topology-change', (event: { type?: string }) => {
      if (event.type === 'MASTER_CHANGE' && started) goUp();
    });
    let started = false;
    client
      .connect()
      .then(() => {
        started = true;
        goUp();
      })
      .catch((err: unknown) => goDown(err));
    return common(client, 'sentinel', () => void client.destroy());
  }

  // The client builds its connections to the other nodes from `defaults` and their host and
  // port only: the seeds' credentials and TLS must be there too, or every node but the seed
  // refuses it (NOAUTH) and the cache stays degraded.
  const seed = new URL(target.seeds[0]);
  const cluster = createCluster({
    rootNodes: target.seeds.map((url) => ({ url })),
    defaults: {
      disableOfflineQueue: true,
      socket: { ...socket, ...(seed.protocol === 'rediss:' ? { tls: true as const } : {}) },
      ...(seed.username ? { username: decodeURIComponent(seed.username) } : {}),
      ...(seed.password ? { password: decodeURIComponent(seed.password) } : {}),
    },
  }) as unknown as RedisClusterType;
  let healing: NodeJS.Timeout | undefined;
  let closed = false;
  // The client follows a failover only when a node answers MOVED; a primary that died answers
  // nothing, so while one is unreachable this asks for the slot map until every slot has a
  // reachable primary again (the replica promoted, or the node back).
  const heal = async () => {
    healing = undefined;
    if (closed) return;
    if (!cluster.isOpen) return;
    try {
      const live = cluster.masters.find((m) => m.client?.isReady)?.client;
      if (live) await cluster._slots.rediscover(live);
      const masters = cluster.masters;
      const covered = cluster.slots.every((shard) => shard?.master);
      if (masters.length && covered && masters.every((m) => m.client?.isReady)) return goUp();
    } catch (err) {
      goDown(err);
    }
    if (!closed) healing = setTimeout(() => void heal(), HEAL_EVERY_MS);
  };
  const lost = (err?: unknown) => {
    goDown(err);
    healing ??= setTimeout(() => void heal(), HEAL_EVERY_MS);
  };
  cluster.on('error', lost);
  cluster.on('node-error', lost);
  cluster.on('node-reconnecting', () => lost());
  // No seed answered: try again (a client whose connect() failed is closed, not reconnecting).
  const start = () =>
    cluster
      .connect()
      .then(() => (down ? void heal() : goUp()))
      .catch((err: unknown) => {
        goDown(err);
        if (!closed) healing = setTimeout(() => void start(), 1000);
      });
  void start();
  return common(cluster, 'cluster', () => {
    closed = true;
    clearTimeout(healing);
    void cluster.destroy();
  });
}
