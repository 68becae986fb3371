import type { RawSql } from '../db/database';
import { migrate as migrateSchema, readMigrations, type MigrateResult } from '../db/migrate';
import { syncVocabulary } from './search-vocabulary';

/**
 * What every process that opens the database runs first: the migrations (db/migrate.ts), then,
 * in the same transaction and under its lock, the data the code ships kept in step with them
 * (the search vocabulary's synonym rules), so instances starting together write it once, whole.
 */
export const migrate = (raw: RawSql, migrations = readMigrations()): Promise<MigrateResult> => migrateSchema(raw, migrations, syncVocabulary);
