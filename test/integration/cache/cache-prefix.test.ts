import { assertOneCachePrefix, StartupError } from '../../../src/app';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';
import { startGateway } from '../../helpers/process';
import { describeIf } from '../../helpers/skip';
import { pgUrl, uniqueName } from '../../helpers/template';

// One database, one cache prefix (docs/CACHING.md, Response cache): the database remembers the prefixes
// that used it, and a second one is refused at start, named.
let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(() => db.destroy());

describe('the cache prefixes a database remembers', () => {
  it('accepts its own prefix again, refuses another naming the first, and accepts it once the first is removed', async () => {
    const first = uniqueName('prefix_a');
    const second = uniqueName('prefix_b');
    await assertOneCachePrefix(db.raw, first);
    await assertOneCachePrefix(db.raw, first); // a restart, another instance of the same deployment
    const refused = await assertOneCachePrefix(db.raw, second).then(
      () => null,
      (err: Error) => err,
    );
    expect(refused).toBeInstanceOf(StartupError);
    expect(refused?.message).toContain(`CACHE_PREFIX "${second}": this database is already used with the cache prefix "${first}"`);
    expect(refused?.message).toContain(`DELETE FROM cache_prefix WHERE prefix = '${first}'`);
    // Refused, it is still remembered, so the first deployment (restarting) hears of it too.
    await expect(assertOneCachePrefix(db.raw, first)).rejects.toThrow(`"${second}"`);
    await db.raw.query('DELETE FROM cache_prefix WHERE prefix = $1', [first]);
    await assertOneCachePrefix(db.raw, second);
    await db.raw.query('DELETE FROM cache_prefix');
  });
});

describeIf(pgUrl() && process.env.REDIS_URL, 'needs TEST_DATABASE_URL and REDIS_URL: a gateway process on the test database with a shared cache')(
  'a gateway started with a second prefix',
  () => {
    it('exits 1 at start with one line naming the prefix the database already has', async () => {
      const env = { ...process.env, DATABASE_URL: db.url!, PORT: '0', HOST: '127.0.0.1', LOG_FORMAT: 'json' };
      const first = uniqueName('deploy_a');
      const a = await startGateway({ ...env, CACHE_PREFIX: first });
      a.child.kill('SIGTERM');
      expect(await a.exited).toBe(0);
      const b = await startGateway({ ...env, CACHE_PREFIX: uniqueName('deploy_b') }).then(
        () => null,
        (err: Error) => err.message,
      );
      expect(b).toMatch(/gateway exited with 1/);
      expect(b).toContain(`already used with the cache prefix "${first}"`);
    }, 120_000);
  },
);
