import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { DataDirInUseError, lockDataDir } from '../../src/db/data-dir-lock';
import { startGateway, type GatewayProcess } from '../helpers/process';
import { tempDir } from '../helpers/template';

// The process as an operator runs it: one owner per embedded data directory, a busy port
// refused before any database is touched, and SIGTERM honoured however it was started.
const root = join(__dirname, '../..');
const dirs: string[] = [];
const gateways: GatewayProcess[] = [];
afterAll(() => {
  for (const g of gateways) if (g.child.exitCode === null) g.child.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function embeddedEnv(dataDir: string, port = 0): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    SEED_ON_EMPTY: 'false',
    SHUTDOWN_GRACE_MS: '0',
    NODE_OPTIONS: '',
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  return env;
}

/** Runs a command of ours to its end: its exit code and everything it printed. */
function run(args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

const newDir = () => {
  const d = tempDir('chommie-owner');
  dirs.push(d);
  return d;
};

describe('one owner per embedded data directory', () => {
  it('refuses a second gateway, the importer and migrate on a directory in use, naming the holder; a dead holder blocks nothing', async () => {
    const dir = newDir();
    const first = await startGateway(embeddedEnv(dir));
    gateways.push(first);
    const pid = first.child.pid!;

    const second = run(['src/main.ts'], embeddedEnv(dir));
    expect(second.code).toBe(1);
    expect(second.output).toContain(`in use by`);
    expect(second.output).toContain(`(pid ${pid}`);
    expect(second.output).not.toMatch(/\n\s+at /); // one clear line, no stack

    const feed = join(dir, '..', `${process.pid}-feed.jsonl`);
    writeFileSync(
      feed,
      JSON.stringify({ companyName: 'Owner Test Co', title: 'Welder', description: 'Metal work', location: 'Austin, TX', jobType: 'FULL_TIME' }) + '\n',
    );
    dirs.push(feed);
    for (const args of [['scripts/import.ts', feed, '--format', 'jsonl'], ['scripts/db-migrate.ts'], ['scripts/db-seed.ts']]) {
      const r = run(args, embeddedEnv(dir));
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.output).toContain(`(pid ${pid}`);
    }
    // Nothing those refused commands could have written: the gateway still serves its data.
    const res = await fetch(`${first.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ jobs(first: 1) { totalCount } }"}',
    });
    expect((await res.json()).data.jobs.totalCount).toBe(0);

    // A holder that died without cleaning up (SIGKILL) leaves a stale lock: the next start takes it.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(join(dir, 'chommie.lock'))).toBe(true);
    const next = await startGateway(embeddedEnv(dir));
    gateways.push(next);
    expect(JSON.parse(readFileSync(join(dir, 'chommie.lock'), 'utf8')).pid).toBe(next.child.pid);
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
    expect(existsSync(join(dir, 'chommie.lock'))).toBe(false);
  }, 180_000);
});

describe('the data-directory lock', () => {
  it('tells a reused pid from its holder: a dead holder whose pid is now alive (here: ours) is stale; a live one is not', () => {
    const dir = newDir();
    mkdirSync(dir);
    const lock = join(dir, 'chommie.lock');
    // As after a reboot, or a container restart where the gateway is pid 1 again.
    writeFileSync(lock, JSON.stringify({ token: 'old', pid: process.pid, identity: 'another-boot:1', command: 'main.ts', since: '2026-01-01T00:00:00Z' }));
    const release = lockDataDir(dir, 'test');
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid, command: 'test' });
    // The same process opening it twice is refused too: two PGlite instances on one directory.
    expect(() => lockDataDir(dir, 'again')).toThrow(DataDirInUseError);
    expect(() => lockDataDir(dir, 'again')).toThrow(/this very process/);
    release();
    expect(existsSync(lock)).toBe(false);
  });
});

describe('a busy port', () => {
  let blocker: Server;
  afterAll(() => blocker?.close());

  it('is refused in one line with exit 1, before any database is opened', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const dir = newDir();
    for (const args of [['src/main.ts'], ['src/main.ts', '--workers', '2']]) {
      const env = { ...embeddedEnv(dir, port), ...(args.length > 1 ? { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' } : {}) };
      const r = run(args, env);
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.output).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(r.output).not.toMatch(/Unhandled|\n\s+at /);
    }
    // The embedded database was never created, let alone opened.
    expect(existsSync(dir)).toBe(false);
  }, 120_000);
});

describe('signals reach the gateway however it is started', () => {
  /** `npm start` in a process group of its own, as a process manager runs it. */
  async function npmStart(dir: string) {
    const env = embeddedEnv(dir);
    const child = spawn('npm', ['start'], { cwd: root, env, detached: true });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    for (let i = 0; i < 600 && !output.includes('Chommie Gateway ready'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(output).toContain('Chommie Gateway ready');
    return { child, exited, output: () => output };
  }
  /** Whether any process of the group `pgid` is left. */
  const groupAlive = (pgid: number) => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const groupGone = async (pgid: number) => {
    for (let i = 0; i < 300 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 100));
    return !groupAlive(pgid);
  };

  it('SIGTERM to the npm process stops the gateway gracefully and leaves no process of its group', async () => {
    const dir = newDir();
    const npm = await npmStart(dir);
    npm.child.kill('SIGTERM');
    await npm.exited;
    expect(await groupGone(npm.child.pid!)).toBe(true);
    expect(npm.output()).toContain('SIGTERM: finishing in-flight requests');
    expect(npm.output()).toContain('"stopped"');
    expect(existsSync(join(dir, 'chommie.lock'))).toBe(false);
  }, 120_000);

  it('an npm killed outright (SIGKILL, it passes nothing on) does not orphan the gateway', async () => {
    const dir = newDir();
    const npm = await npmStart(dir);
    npm.child.kill('SIGKILL');
    await npm.exited;
    expect(await groupGone(npm.child.pid!)).toBe(true);
    expect(existsSync(join(dir, 'chommie.lock'))).toBe(false);
  }, 120_000);
});
