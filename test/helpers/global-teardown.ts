import { rmSync } from 'node:fs';
import pg from 'pg';
import { pgUrl, TEMPLATE_ENV } from './template';

export default async function globalTeardown() {
  const target = process.env[TEMPLATE_ENV];
  if (!target) return;
  const url = pgUrl();
  if (url) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${target} WITH (FORCE)`);
    await admin.end();
  } else {
    rmSync(target, { recursive: true, force: true });
  }
}
