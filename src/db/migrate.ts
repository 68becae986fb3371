import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromRoot } from '../paths';
import type { RawSql } from './database';

export const MIGRATIONS_DIR = fromRoot('prisma', 'migrations');

export class MigrationError extends Error {}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

// The table `prisma migrate deploy` keeps, so either tool can take over a database.
const HISTORY_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

// Any constant: serialises gateways that start at the same time against one database.
const LOCK_KEY = 72_610_433;

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

/**
 * Applies pending migrations in one transaction, like `prisma migrate deploy`: re-running is a
 * no-op, and a database whose history disagrees with the files (an applied migration edited
 * afterwards, or a failed one) is refused before anything is changed. `then` runs last in the
 * same transaction, under its lock (data/migrate.ts: the data the code ships, kept in step).
 */
export async function migrate(
  raw: RawSql,
  migrations = readMigrations(),
  then?: (tx: Omit<RawSql, 'transaction'>) => Promise<unknown>,
): Promise<MigrateResult> {
  return raw.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.exec(HISTORY_TABLE);
    const rows = await tx.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    const history = new Map(rows.map((r) => [r.migration_name, r]));
    const result: MigrateResult = { applied: [], alreadyApplied: [] };
    for (const m of migrations) {
      const done = history.get(m.name);
      if (!done) continue;
      if (!done.finished_at) {
        throw new MigrationError(
          `Migration ${m.name} failed or is still running in this database (finished_at is empty in _prisma_migrations). Fix the database by hand, then mark it rolled back.`,
        );
      }
      if (done.checksum !== m.checksum) {
        throw new MigrationError(
          `Migration ${m.name} was changed after it was applied (checksum ${done.checksum.slice(0, 12)}… in the database, ${m.checksum.slice(0, 12)}… on disk). Applied migrations are immutable: restore the file and put the change in a new migration.`,
        );
      }
      result.alreadyApplied.push(m.name);
    }
    for (const m of migrations) {
      if (history.has(m.name)) continue;
      try {
        await tx.exec(m.sql);
      } catch (err) {
        throw new MigrationError(`Migration ${m.name} failed, nothing was applied: ${(err as Error).message}`);
      }
      await tx.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), now(), 1)`,
        [randomUUID(), m.checksum, m.name],
      );
      result.applied.push(m.name);
    }
    await then?.(tx);
    return result;
  });
}

/** Names of the migrations applied to the database (and not rolled back). */
export async function appliedMigrations(raw: Pick<RawSql, 'query'>): Promise<Set<string>> {
  const rows = await raw.query<{ migration_name: string }>(
    'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
  );
  return new Set(rows.map((r) => r.migration_name));
}
