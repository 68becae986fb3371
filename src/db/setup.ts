import { resolve } from 'node:path';
import type { Config } from '../config';
import { rebuildAllSimilar } from '../similar/refresher';
import { openDatabase, type Database } from './database';
import { migrate } from './migrate';
import { seedDemo, type SeedSize } from './seed';

export function openConfiguredDatabase(config: Pick<Config, 'DATABASE_URL' | 'DATABASE_POOL_SIZE' | 'DATA_DIR'>) {
  return openDatabase(config.DATABASE_URL ? { url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE } : { dataDir: resolve(config.DATA_DIR) });
}

export async function isEmpty(db: Database): Promise<boolean> {
  return (await db.prisma.job.count()) === 0 && (await db.prisma.company.count()) === 0;
}

/** Demo data plus its similar-jobs lists. Refuses to write into a database that has jobs. */
export async function seed(db: Database, size?: SeedSize): Promise<void> {
  if (!(await isEmpty(db))) throw new Error('the database already has jobs or companies: refusing to seed over them');
  await seedDemo(db.raw, size);
  await rebuildAllSimilar(db.prisma);
}

export { migrate };
