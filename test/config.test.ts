import { loadConfig } from '../src/config';

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

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
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

  it('refuses a rate-limit budget smaller than the costliest allowed query, with the production secret check', () => {
    expect(() => loadConfig({ RATE_LIMIT_POINTS: '100', NODE_ENV: 'production' })).toThrow(/JWT_SECRET: required[\s\S]*RATE_LIMIT_POINTS: must be at least QUERY_MAX_COST \(5000\)/);
    expect(loadConfig({ RATE_LIMIT_POINTS: '100', RATE_LIMIT_ENABLED: 'false' }).RATE_LIMIT_POINTS).toBe(100);
  });
});
