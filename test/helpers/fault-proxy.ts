import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 between the code under test and a server (PostgreSQL, Redis) that a
 * test can break on purpose:
 * - `cut()`: every open connection is reset and new ones are refused until `restore()` (a
 *   server that went away: restart, failover, network partition);
 * - `stall()`: connections stay open but nothing is forwarded either way until `restore()` (a
 *   server or network that hangs);
 * - `reset()`: open connections are reset once; new ones work (an idle-connection reaper, a
 *   load balancer dropping flows).
 * Written here rather than taken from a package: the few that exist proxy HTTP, not raw TCP
 * with RST on demand, and this is a few dozen lines over node:net.
 */
export interface FaultProxy {
  port: number;
  url(base: string): string;
  /** Open client connections now. */
  connections(): number;
  cut(): void;
  stall(): void;
  reset(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<FaultProxy> {
  let mode: 'open' | 'cut' | 'stall' = 'open';
  const pairs = new Set<[Socket, Socket]>();
  const held: (() => void)[] = [];
  const kill = (s: Socket) => (s.destroyed ? undefined : s.resetAndDestroy());

  const server: Server = createServer((client) => {
    if (mode === 'cut') return kill(client);
    const upstream = connect(targetPort, targetHost);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      kill(client);
      kill(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    // Data is forwarded by hand, not piped, so that a stall can hold it back.
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk) => {
        const send = () => void (to.destroyed || to.write(chunk));
        if (mode === 'stall' || held.length) held.push(send);
        else send();
      });
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  const resetAll = () => {
    for (const [a, b] of [...pairs]) {
      kill(a);
      kill(b);
    }
    pairs.clear();
    held.length = 0;
  };
  return {
    port,
    url: (base) => {
      const u = new URL(base);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    connections: () => pairs.size,
    cut: () => {
      mode = 'cut';
      resetAll();
    },
    stall: () => void (mode = 'stall'),
    reset: resetAll,
    restore: () => {
      mode = 'open';
      for (const send of held.splice(0)) send();
    },
    close: async () => {
      resetAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
