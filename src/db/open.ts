import { resolve } from 'node:path';
import type { Config } from '../config';
import { openDatabase } from './database';

/** The database the configuration names: PostgreSQL at DATABASE_URL, else embedded PGlite in DATA_DIR. */
export function openConfiguredDatabase(config: Pick<Config, 'DATABASE_URL' | 'DATABASE_POOL_SIZE' | 'DATABASE_NAMED_STATEMENTS' | 'DATA_DIR'>) {
  return openDatabase(
    config.DATABASE_URL
      ? { url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, namedStatements: config.DATABASE_NAMED_STATEMENTS }
      : { dataDir: resolve(config.DATA_DIR) },
  );
}
