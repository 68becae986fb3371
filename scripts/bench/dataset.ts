import pg from 'pg';
import { openDatabase } from '../../src/db/database';
import { migrate } from '../../src/data/migrate';
import { seedDemo, type SeedSize } from '../../src/data/seed';
import { rebuildAllSimilar } from '../../src/data/similar';

/** ~20k jobs and ~200k applications by default; `--jobs 100000` scales everything with it. */
export function datasetSize(jobs: number): SeedSize {
  return { jobs, companies: Math.round(jobs / 11), users: Math.round(jobs / 2), applications: jobs * 10 };
}

const nameFor = (size: SeedSize) => `chommie_bench_${size.jobs}`;

/**
 * The benchmark's own database on the server of `serverUrl`, named by its size and kept
 * between runs (building it, similar-jobs lists included, takes minutes); `fresh` rebuilds it.
 * A build that did not finish leaves no `bench_ready` marker and is rebuilt next time.
 */
export async function ensureDataset(serverUrl: string, size: SeedSize, fresh: boolean, say: (msg: string) => void): Promise<string> {
  const name = nameFor(size);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount;
    if (exists && !fresh) {
      const probe = new pg.Client({ connectionString: url.toString() });
      await probe.connect();
      const ready = (await probe.query<{ ok: boolean }>("SELECT to_regclass('bench_ready') IS NOT NULL AS ok")).rows[0].ok;
      await probe.end();
      if (ready) {
        await vacuum(url.toString());
        return url.toString();
      }
    }
    say(
      `building dataset ${name}: ${size.jobs.toLocaleString('en-US')} jobs, ${size.applications.toLocaleString('en-US')} applications (once; kept for later runs)`,
    );
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const db = await openDatabase({ url: url.toString(), poolSize: 4 });
  try {
    const started = Date.now();
    await migrate(db.raw);
    await seedDemo(db.raw, size);
    say(`  seeded in ${((Date.now() - started) / 1000).toFixed(0)} s; computing similar jobs…`);
    await rebuildAllSimilar(db.prisma);
    await db.raw.exec('CREATE TABLE bench_ready (built_at timestamptz DEFAULT now())');
    say(`  built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await db.close();
  }
  await vacuum(url.toString());
  return url.toString();
}

/**
 * VACUUM ANALYZE of the dataset, as autovacuum keeps a production database (it is off on some
 * machines, this one's included): seeding, the similar-jobs rebuild and earlier runs' writes
 * leave dead rows (half of application and job_similar after a build), which every count and
 * list then steps over, and no visibility map for index-only reads. Quick when there is none.
 */
export async function vacuum(dbUrl: string): Promise<void> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    await c.query('VACUUM (ANALYZE)');
  } finally {
    await c.end();
  }
}

/** A full similar-jobs rebuild of the dataset, timed (the lists come out the same: it rewrites them). */
export async function timeRebuild(dbUrl: string): Promise<{ jobs: number; seconds: number }> {
  const db = await openDatabase({ url: dbUrl, poolSize: 4 });
  try {
    const started = performance.now();
    const jobs = await rebuildAllSimilar(db.prisma);
    const seconds = (performance.now() - started) / 1000;
    // It rewrote every list: the cells after it would step over the old ones.
    await vacuum(dbUrl);
    return { jobs, seconds };
  } finally {
    await db.close();
  }
}
