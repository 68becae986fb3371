import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResponseCache } from '../../src/cache/response-cache';
import { openCacheStore } from '../../src/cache/store';
import { loadConfig } from '../../src/config';
import { uniqueName } from './template';

export const quiet = () => undefined;

/** A response cache on Redis at `redisUrl` (under a key prefix of its own), else in memory. */
export function makeCache(redisUrl?: string, prefix = uniqueName('test'), timeoutMs = 250): ResponseCache {
  const config = { ...loadConfig({}), REDIS_URL: redisUrl, CACHE_PREFIX: prefix, CACHE_TIMEOUT_MS: timeoutMs };
  return new ResponseCache(openCacheStore(config, quiet), config, quiet);
}

/** Empties (bounded: the store may be down) and closes the caches a test file made. */
export async function emptyAndClose(caches: ResponseCache[]): Promise<void> {
  for (const c of caches) {
    await Promise.race([c.store.keyv.clear().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    await c.close();
  }
}

export const REDIS_SERVER = '/usr/bin/redis-server';
export const hasRedisServer = () => existsSync(REDIS_SERVER);

/**
 * A Redis server of the test's own on a free port, persisting to disk (append-only file), so
 * that it can be killed and restarted with its data, as a crashed production Redis would be.
 */
export class OwnRedis {
  private child?: ChildProcess;
  readonly dir = mkdtempSync(join(tmpdir(), 'chommie-redis-'));
  constructor(readonly port = 20_000 + Math.floor(Math.random() * 20_000)) {}

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  start(): Promise<void> {
    this.child = spawn(REDIS_SERVER, [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
    ]);
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 10_000);
      this.child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}
