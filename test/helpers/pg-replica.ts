import { execFileSync, execSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './daemon';

// A streaming replica of our own, for test/integration/db/replicas.test.ts and the bench's replica run: a
// private primary cluster (the machine's server is never reconfigured) and a standby made from
// it by pg_basebackup -R, both in a temp dir on free ports.

export const PG_BIN = '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid?.() === 0;

/** Why a replicated pair cannot be made here, or null. */
export function replicaUnavailable(): string | null {
  if (!['initdb', 'pg_ctl', 'pg_basebackup', 'pg_dump', 'psql'].every((b) => existsSync(join(PG_BIN, b)))) return `needs PostgreSQL 15 binaries in ${PG_BIN}`;
  if (asRoot) {
    try {
      execSync('id -u postgres', { stdio: 'ignore' });
    } catch {
      return 'runs as root without a postgres user to run initdb and pg_ctl as';
    }
  }
  return null;
}

/** Runs a PostgreSQL binary, as the `postgres` user when we are root (initdb and pg_ctl refuse root). */
function pgBin(bin: string, args: string[]): string {
  const [cmd, full] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, bin), ...args]] : [join(PG_BIN, bin), args];
  return execFileSync(cmd, full, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

export class ReplicatedPair {
  private readonly started = new Set<'primary' | 'replica'>();

  private constructor(
    readonly dir: string,
    readonly primaryPort: number,
    readonly replicaPort: number,
  ) {}

  /** A primary cluster, initialised and started; `makeReplica` once it holds the data. */
  static async start(prefix: string): Promise<ReplicatedPair> {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    if (asRoot) chownSync(dir, Number(execSync('id -u postgres').toString()), Number(execSync('id -g postgres').toString()));
    const pair = new ReplicatedPair(dir, await freePort(), await freePort());
    pgBin('initdb', ['-D', join(dir, 'primary'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    pair.control('primary', 'start');
    return pair;
  }

  /** `postgres://postgres@127.0.0.1:<port>/<database>` of either server. */
  url(which: 'primary' | 'replica', database: string): string {
    return `postgres://postgres@127.0.0.1:${which === 'primary' ? this.primaryPort : this.replicaPort}/${database}`;
  }

  /** The standby: a base backup of the primary as it is now, streaming from it. */
  makeReplica(): void {
    pgBin('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(this.primaryPort),
      '-U',
      'postgres',
      '-D',
      join(this.dir, 'replica'),
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
      '--no-sync',
    ]);
    this.control('replica', 'start');
  }

  control(which: 'primary' | 'replica', action: 'start' | 'stop'): void {
    const port = which === 'primary' ? this.primaryPort : this.replicaPort;
    const options = ['-o', `-p ${port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c hot_standby_feedback=on`];
    pgBin('pg_ctl', [
      '-D',
      join(this.dir, which),
      '-w',
      '-t',
      '60',
      '-l',
      join(this.dir, `${which}.log`),
      ...(action === 'start' ? options : ['-m', 'fast']),
      action,
    ]);
    if (action === 'start') this.started.add(which);
    else this.started.delete(which);
  }

  /** Stops both and removes the dir. Synchronous, so that it can run from an 'exit' handler. */
  teardown(): void {
    for (const which of ['replica', 'primary'] as const) {
      if (!this.started.has(which)) continue;
      try {
        this.control(which, 'stop');
      } catch {
        // Already stopped.
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
