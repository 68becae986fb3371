import { cpSync, mkdtempSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, MigrationError, MIGRATIONS_DIR, readMigrations } from '../../../src/db/migrate';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase({ empty: true });
});
afterAll(() => db.destroy());

describe('migrations', () => {
  it('applies every migration once, records it like prisma migrate deploy, and re-running is a no-op', async () => {
    const files = readMigrations();
    const first = await migrate(db.raw);
    expect(first.applied).toEqual(files.map((m) => m.name));
    const rows = await db.raw.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((r) => [r.migration_name, r.checksum])).toEqual(files.map((m) => [m.name, m.checksum]));
    expect(rows.every((r) => r.finished_at instanceof Date)).toBe(true);
    const second = await migrate(db.raw);
    expect(second).toEqual({ applied: [], alreadyApplied: files.map((m) => m.name) });
    expect(await db.raw.query('SELECT count(*)::int AS n FROM "_prisma_migrations"')).toEqual([{ n: files.length }]);
  });

  it('creates the search machinery: a generated vector that follows company renames', async () => {
    const company = await db.prisma.company.create({ data: { name: 'Zyxwv Robotics' } });
    const job = await db.prisma.job.create({
      data: { title: 'Welder', description: 'Metal work', companyId: company.id, location: 'Austin, TX', jobType: 'FULL_TIME', skills: ['TIG'] },
    });
    const find = (q: string) => db.raw.query(`SELECT id FROM job WHERE search_vector @@ websearch_to_tsquery('english', $1)`, [q]);
    expect(await find('zyxwv')).toEqual([{ id: job.id }]);
    expect(await find('tig')).toEqual([{ id: job.id }]);
    await db.prisma.company.update({ where: { id: company.id }, data: { name: 'Qwert Machines' } });
    expect(await find('zyxwv')).toEqual([]);
    expect(await find('qwert')).toEqual([{ id: job.id }]);
  });

  it('refuses an applied migration whose file changed, naming it, and changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chommie-mig-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const [firstMigration] = readMigrations(dir);
    appendFileSync(join(dir, firstMigration.name, 'migration.sql'), '\n-- edited\n');
    writeFileSync(join(dir, 'x'), '');
    await expect(migrate(db.raw, readMigrations(dir))).rejects.toThrow(MigrationError);
    await expect(migrate(db.raw, readMigrations(dir))).rejects.toThrow(new RegExp(`${firstMigration.name} was changed after it was applied`));
  });

  it('applies a new migration, and rolls a failing one back whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chommie-mig-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, '99990101000000_bad'));
    writeFileSync(join(dir, '99990101000000_bad', 'migration.sql'), 'CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;');
    await expect(migrate(db.raw, readMigrations(dir))).rejects.toThrow(/99990101000000_bad failed, nothing was applied/);
    expect(await db.raw.query(`SELECT to_regclass('half_done') AS t`)).toEqual([{ t: null }]);
    writeFileSync(join(dir, '99990101000000_bad', 'migration.sql'), 'CREATE TABLE whole (id int);');
    expect((await migrate(db.raw, readMigrations(dir))).applied).toEqual(['99990101000000_bad']);
  });
});
