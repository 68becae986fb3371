import { spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A port nothing listens on now (something may take it before the caller binds it: callers retry). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The first of `candidates` that runs (Debian puts daemons in /usr/sbin, often not on PATH), or null. */
export function installed(candidates: string[], versionArgs: string[]): string | null {
  return candidates.find((c) => spawnSync(c, versionArgs, { stdio: 'ignore' }).status === 0) ?? null;
}

/** SIGTERM, then SIGKILL if it is still there after 5 s; resolves once it exited. */
export async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
