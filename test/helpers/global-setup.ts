import pg from 'pg';
import { openDatabase } from '../../src/db/database';
import { seed } from '../../src/data/seed';
import { migrate } from '../../src/data/migrate';
import { pgUrl, TEMPLATE_ENV, tempDir, uniqueName, withDatabase } from './template';

/** Builds one migrated, seeded database that every test file clones (see ./db.ts). */
export default async function globalSetup() {
  const url = pgUrl();
  let target: string;
  if (url) {
    target = uniqueName('chommie_tpl');
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${target}`);
    await admin.end();
    const db = await openDatabase({ url: withDatabase(url, target), poolSize: 4 });
    await migrate(db.raw);
    await seed(db);
    await db.close();
  } else {
    target = tempDir('chommie-tpl');
    const db = await openDatabase({ dataDir: target });
    await migrate(db.raw);
    await seed(db);
    await db.close();
  }
  process.env[TEMPLATE_ENV] = target;
}
