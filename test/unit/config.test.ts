import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { maxEntryTtlMs, tagTtlMs } from '../../src/cache/response-cache';
import { loadConfig } from '../../src/config';

describe('configuration from the environment', () => {
  it('has sane defaults: port 4000, embedded database in .data/, in-memory cache, SQL stats on', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ PORT: 4000, DATA_DIR: '.data', SQL_STATS: true, DATABASE_POOL_SIZE: 10 });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.REDIS_URL).toBeUndefined();
  });

  it('reads the documented variables', () => {
    const c = loadConfig({ PORT: '8080', DATABASE_URL: 'postgres://u@db:5432/x', DATABASE_POOL_SIZE: '20', REDIS_URL: 'redis://cache:6379', SQL_STATS: 'off' });
    expect(c).toMatchObject({ PORT: 8080, DATABASE_POOL_SIZE: 20, SQL_STATS: false, REDIS_URL: 'redis://cache:6379' });
  });

  it('keeps trending windows 1, 7 and 30 precomputed unless told otherwise; none keeps none', () => {
    expect(loadConfig({}).TRENDING_WINDOWS).toEqual([1, 7, 30]);
    expect(loadConfig({ TRENDING_WINDOWS: ' 7, 1 ,7,365' }).TRENDING_WINDOWS).toEqual([7, 1, 365]);
    expect(loadConfig({ TRENDING_WINDOWS: 'none' }).TRENDING_WINDOWS).toEqual([]);
    for (const bad of ['0', '366', '7.5', '1e1', '+7', 'week', ',']) expect(() => loadConfig({ TRENDING_WINDOWS: bad })).toThrow(/TRENDING_WINDOWS/);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });

  it('never quotes a Redis password when it refuses a REDIS_URL', () => {
    for (const bad of ['redis://:hunter2@', 'http://user:hunter2@cache:6379', 'redis+cluster://:hunter2@cache:notaport']) {
      let message = '';
      try {
        loadConfig({ REDIS_URL: bad });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/REDIS_URL/);
      expect(message).not.toContain('hunter2');
    }
  });

  it('reports every bad variable by name at once', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', DATABASE_POOL_SIZE: '500', SQL_STATS: 'maybe' })).toThrow(
      /PORT[\s\S]*DATABASE_URL: must start with postgres: or postgresql:\/\/[\s\S]*DATABASE_POOL_SIZE[\s\S]*SQL_STATS/,
    );
  });

  it('bounds request bodies at 8 MiB unless told otherwise, between 1 KiB and 1 GiB', () => {
    expect(loadConfig({}).MAX_BODY_BYTES).toBe(8 * 1024 * 1024);
    expect(loadConfig({ MAX_BODY_BYTES: '1048576' }).MAX_BODY_BYTES).toBe(1024 * 1024);
    expect(() => loadConfig({ MAX_BODY_BYTES: '100' })).toThrow(/MAX_BODY_BYTES/);
    expect(() => loadConfig({ MAX_BODY_BYTES: String(2 * 1024 ** 3) })).toThrow(/MAX_BODY_BYTES/);
  });

  it('turns trusted documents on in production unless told otherwise', () => {
    const secret = { JWT_SECRET: 'x'.repeat(32) };
    expect(loadConfig({}).TRUSTED_DOCUMENTS).toBe(false);
    expect(loadConfig({ ...secret, NODE_ENV: 'production' }).TRUSTED_DOCUMENTS).toBe(true);
    expect(loadConfig({ ...secret, NODE_ENV: 'production', TRUSTED_DOCUMENTS: 'false' }).TRUSTED_DOCUMENTS).toBe(false);
  });

  it('opens at most 2,000 subscription streams unless told otherwise: what HAProxy’s stream backend passes to one gateway', () => {
    expect(loadConfig({}).SUBSCRIPTIONS_MAX).toBe(2000);
    const cfg = readFileSync(join(__dirname, '../../deploy/haproxy/haproxy.cfg'), 'utf8');
    expect(Number(/^backend gateway_streams\n[\s\S]*?maxconn (\d+)/m.exec(cfg)?.[1])).toBe(loadConfig({}).SUBSCRIPTIONS_MAX);
    expect(loadConfig({ SUBSCRIPTIONS_MAX: '0' }).SUBSCRIPTIONS_MAX).toBe(0);
  });

  it('sizes admission control from the pool unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({ MAX_CONCURRENT_EXECUTIONS: 40, MAX_QUEUED_EXECUTIONS: 100, QUEUE_TIMEOUT_MS: 100 });
    expect(loadConfig({ DATABASE_POOL_SIZE: '5' }).MAX_CONCURRENT_EXECUTIONS).toBe(20);
    expect(loadConfig({ DATABASE_POOL_SIZE: '5', MAX_CONCURRENT_EXECUTIONS: '3', MAX_QUEUED_EXECUTIONS: '0' })).toMatchObject({
      MAX_CONCURRENT_EXECUTIONS: 3,
      MAX_QUEUED_EXECUTIONS: 0,
    });
    expect(() => loadConfig({ MAX_CONCURRENT_EXECUTIONS: '0', QUEUE_TIMEOUT_MS: '-1' })).toThrow(/MAX_CONCURRENT_EXECUTIONS[\s\S]*QUEUE_TIMEOUT_MS/);
  });

  it('refuses a rate-limit budget smaller than the costliest allowed query, with the production secret check', () => {
    expect(() => loadConfig({ RATE_LIMIT_POINTS: '100', NODE_ENV: 'production' })).toThrow(
      /JWT_SECRET: required[\s\S]*RATE_LIMIT_POINTS: must be at least QUERY_MAX_COST \(5000\)/,
    );
    expect(loadConfig({ RATE_LIMIT_POINTS: '100', RATE_LIMIT_ENABLED: 'false' }).RATE_LIMIT_POINTS).toBe(100);
  });

  it('keeps tag versions alive longer than the longest entry, whatever the TTLs, and refuses TTLs past 30 days', () => {
    for (const env of [
      {},
      { CACHE_TTL_PAGE_S: '86400', CACHE_TTL_TRENDING_S: '60' },
      { CACHE_TTL_PRIVATE_S: '2592000' },
      { CACHE_TTL_SEARCH_S: '1', CACHE_TTL_LIST_S: '7200' },
    ]) {
      const c = loadConfig(env);
      const longest = Math.max(c.CACHE_TTL_PAGE_S, c.CACHE_TTL_SEARCH_S, c.CACHE_TTL_LIST_S, c.CACHE_TTL_TRENDING_S, c.CACHE_TTL_PRIVATE_S) * 1000;
      expect({ env, maxEntry: maxEntryTtlMs(c) }).toEqual({ env, maxEntry: longest });
      expect(tagTtlMs(c)).toBeGreaterThan(longest);
    }
    expect(tagTtlMs(loadConfig({ CACHE_TTL_PAGE_S: '86400', CACHE_TTL_TRENDING_S: '60' }))).toBeGreaterThanOrEqual(86_400_000);
    expect(() => loadConfig({ CACHE_TTL_PAGE_S: '2592001', CACHE_TTL_PRIVATE_S: '0' })).toThrow(
      /CACHE_TTL_PAGE_S: at most 2592000 seconds \(30 days\)[\s\S]*CACHE_TTL_PRIVATE_S/,
    );
  });
});
