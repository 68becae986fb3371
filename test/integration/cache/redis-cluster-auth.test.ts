import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectRedis } from '../../../src/redis';
import { makeCache, quiet, REDIS_SERVER } from '../../helpers/cache';
import { freeNodePort, hasRedisClusterTools, REDIS_CLI } from '../../helpers/redis-cluster';
import { describeIf } from '../../helpers/skip';

// A Redis Cluster that asks for a password: the client reaches the nodes other than the seed
// with the seed URL's credentials (it once sent them to the seed only, and every other node
// answered NOAUTH).

const run = promisify(execFile);
const PASSWORD = 'cluster-secret';
const dir = mkdtempSync(join(tmpdir(), 'chommie-cluster-auth-'));
const ports: number[] = [];
const cli = (port: number, ...args: string[]) => run(REDIS_CLI, ['-a', PASSWORD, '--no-auth-warning', '-p', String(port), ...args]);

describeIf(hasRedisClusterTools(), `needs ${REDIS_SERVER} and ${REDIS_CLI}`)('a password-protected Redis Cluster', () => {
  beforeAll(async () => {
    // Ports free with their cluster-bus ports (+10,000): a node that cannot bind one never answers.
    const taken = new Set<number>();
    for (let i = 0; i < 3; i++) ports.push(await freeNodePort(taken));
    for (const p of ports) {
      await run(REDIS_SERVER, [
        '--port',
        String(p),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${p}.conf`),
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--requirepass',
        PASSWORD,
        '--masterauth',
        PASSWORD,
        '--daemonize',
        'yes',
        '--logfile',
        join(dir, `${p}.log`),
      ]);
    }
    // Each node answering, however long a loaded machine takes to start it.
    for (const p of ports) {
      for (let i = 0; i < 100 && !(await cli(p, 'ping').catch(() => ({ stdout: '' }))).stdout.includes('PONG'); i += 1)
        await new Promise((r) => setTimeout(r, 100));
    }
    await run(REDIS_CLI, ['-a', PASSWORD, '--no-auth-warning', '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes']);
    for (let i = 0; i < 50 && !(await cli(ports[0], 'cluster', 'info')).stdout.includes('cluster_state:ok'); i += 1)
      await new Promise((r) => setTimeout(r, 200));
  }, 30_000);
  afterAll(async () => {
    for (const p of ports) await cli(p, 'shutdown', 'nosave').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads and writes keys on every shard with the seed URL’s password', async () => {
    const connection = connectRedis(`redis+cluster://:${PASSWORD}@127.0.0.1:${ports[0]}`, 1000, 'test', quiet);
    await connection.ready();
    const client = connection.client as unknown as { set(k: string, v: string): Promise<unknown>; get(k: string): Promise<string | null> };
    const keys = Array.from({ length: 30 }, (_, i) => `auth-test-${i}`);
    for (const k of keys) await client.set(k, k);
    const read = await Promise.all(keys.map((k) => client.get(k)));
    expect(read).toEqual(keys);
    const owners = new Set(await Promise.all(keys.map(async (k) => (await cli(ports[0], 'cluster', 'keyslot', k)).stdout.trim())));
    expect(owners.size).toBeGreaterThan(3);
    expect(connection.isDown()).toBe(false);
    await connection.close();
  });

  it('keeps a response cache on it', async () => {
    const cache = makeCache(`redis+cluster://:${PASSWORD}@127.0.0.1:${ports[0]}`);
    await cache.store.ready();
    await cache.set('op', 'public', { data: { ok: 1 }, at: Date.now(), tags: ['jobs:all'], private: false, ttlMs: 60_000 });
    expect(await cache.get('op', 'public')).toEqual({ data: { ok: 1 } });
    await cache.invalidate(['jobs:all']);
    expect(await cache.get('op', 'public')).toBeUndefined();
    expect(cache.stats().degraded).toBe(false);
    await cache.close();
  });
});
