import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fromRoot } from '../../src/paths';
import { freePort, installed, stopChild } from './daemon';

/** Where haproxy is, or null. */
export const haproxyPath = () => installed(['haproxy', '/usr/sbin/haproxy'], ['-v']);

export interface Haproxy {
  url: string;
  stop(): Promise<void>;
}

/** haproxy in the foreground with the repository's configuration (deploy/haproxy/haproxy.cfg) in front of `gatewayPort`; resolves once it accepts. */
export async function startHaproxy(gatewayPort: number): Promise<Haproxy> {
  const haproxy = haproxyPath();
  if (!haproxy) throw new Error('haproxy is not installed (apt-get install haproxy)');
  let lastError: unknown;
  // A port found free can be taken before haproxy binds it: then another one.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const child = spawn(haproxy, ['-db', '-f', fromRoot('deploy', 'haproxy', 'haproxy.cfg')], {
      env: { ...process.env, CHOMMIE_LISTEN: `127.0.0.1:${port}`, CHOMMIE_GATEWAY: `127.0.0.1:${gatewayPort}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const stop = () => stopChild(child, exited);
    const deadline = Date.now() + 10_000;
    let up = false;
    while (!up && child.exitCode === null && Date.now() < deadline) {
      up = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (!up) await new Promise((r) => setTimeout(r, 50));
    }
    if (up) return { url: `http://127.0.0.1:${port}`, stop };
    lastError = new Error(`haproxy did not start: ${output.trim()}`);
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  }
  throw lastError;
}
