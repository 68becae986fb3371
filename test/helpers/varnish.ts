import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromRoot } from '../../src/paths';
import { freePort, installed, stopChild } from './daemon';

/** Where varnishd is, or null. */
export const varnishdPath = () => installed(['varnishd', '/usr/sbin/varnishd'], ['-V']);

export interface Varnish {
  port: number;
  /** varnishd's manager process (its worker is a child). */
  pid: number;
  url: string;
  stop(): Promise<void>;
}

/**
 * varnishd in the foreground with the repository's VCL (deploy/varnish/chommie.vcl), its
 * backend pointed at `backendPort`, in a temporary working directory; resolves once it answers.
 */
export async function startVarnish(backendPort: number): Promise<Varnish> {
  const varnishd = varnishdPath();
  if (!varnishd) throw new Error('varnishd is not installed (apt-get install varnish)');
  const dir = mkdtempSync(join(tmpdir(), 'chommie-varnish-'));
  // Run as root, varnishd drops to its own users, which must read the VCL: nothing secret in it.
  chmodSync(dir, 0o755);
  const vcl = join(dir, 'chommie.vcl');
  const source = readFileSync(fromRoot('deploy', 'varnish', 'chommie.vcl'), 'utf8');
  writeFileSync(vcl, source.replace(/\.port = "\d+";/, `.port = "${backendPort}";`));
  let lastError: unknown;
  // A port found free can be taken before varnishd binds it: then another one.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const args = ['-F', '-n', join(dir, 'work'), '-a', `127.0.0.1:${port}`, '-f', vcl, '-s', 'malloc,32m', '-T', 'none'];
    const child: ChildProcess = spawn(varnishd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const stop = async () => {
      await stopChild(child, exited);
      rmSync(dir, { recursive: true, force: true });
    };
    const deadline = Date.now() + 20_000;
    let up = false;
    while (!up && child.exitCode === null && Date.now() < deadline) {
      up = await fetch(`http://127.0.0.1:${port}/ready`).then(
        () => true,
        () => false,
      );
      if (!up) await new Promise((r) => setTimeout(r, 100));
    }
    if (up) return { port, pid: child.pid!, url: `http://127.0.0.1:${port}/graphql`, stop };
    lastError = new Error(`varnishd did not start: ${output.trim()}`);
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}
