import { cpSync, rmSync } from 'node:fs';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/database';
import { pgUrl, TEMPLATE_ENV, tempDir, uniqueName, withDatabase } from './template';

export interface TestDatabase extends Database {
  /** Its connection string, on PostgreSQL. */
  url?: string;
  /** Drops the clone. */
  destroy(): Promise<void>;
}

/**
 * A private copy of the seeded template for one test file: a new PostgreSQL database when
 * TEST_DATABASE_URL is set (CREATE DATABASE … TEMPLATE), else a copied PGlite data directory.
 */
export async function openTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const template = process.env[TEMPLATE_ENV];
  if (!template) throw new Error('run the tests through jest (its globalSetup builds the template database)');
  const url = pgUrl();
  if (url) {
    const name = uniqueName('chommie_test');
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(options.empty ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${template}`);
    await admin.end();
    const db = await openDatabase({ url: withDatabase(url, name), poolSize: 5 });
    return {
      ...db,
      url: withDatabase(url, name),
      destroy: async () => {
        await db.close();
        const a = new pg.Client({ connectionString: url });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await a.end();
      },
    };
  }
  const dir = tempDir('chommie-test');
  if (!options.empty) cpSync(template, dir, { recursive: true });
  const db = await openDatabase({ dataDir: dir });
  return {
    ...db,
    destroy: async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
