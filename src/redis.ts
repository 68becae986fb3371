import { createClient, type RedisClientType } from '@redis/client';

export interface RedisConnection {
  client: RedisClientType;
  /** True from a connection error until the client is ready again. */
  isDown(): boolean;
  /** Called on every (re)connection. */
  onReady(listener: () => void): void;
  /** Resolves once the client first accepts commands. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A Redis client that fails fast while disconnected: no offline queue (a command would wait
 * for a reconnection that may never come, and the request with it), a bounded connect
 * timeout, reconnection with backoff. Callers treat a failed command as "Redis is down" and
 * degrade; `what` names the user in the logs (one line when it goes down, one when it is back).
 */
export function connectRedis(url: string, timeoutMs: number, what: string, log: (msg: string, err?: unknown) => void): RedisConnection {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: Math.max(timeoutMs, 1000), reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5000) },
  }) as RedisClientType;
  let down = false;
  client.on('error', (err) => {
    if (!down) log(`${what}: Redis unreachable`, err);
    down = true;
  });
  let firstReady!: () => void;
  const ready = new Promise<void>((resolve) => (firstReady = resolve));
  const listeners: (() => void)[] = [firstReady];
  client.on('ready', () => {
    if (down) log(`${what}: Redis is back`);
    down = false;
    listeners.forEach((l) => l());
  });
  client.connect().catch(() => undefined);
  return {
    client,
    isDown: () => down,
    onReady: (l) => listeners.push(l),
    ready: () => ready,
    // No graceful QUIT: a dead server would keep it waiting, and nothing here needs flushing.
    close: async () => client.destroy(),
  };
}
