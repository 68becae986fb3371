// Measures the saved-search matcher (data/saved-searches.ts matchQueued): N new jobs against
// M saved searches, one statement per batch. Builds a scratch database on the PostgreSQL server
// of DATABASE_URL (dropped afterwards): the demo seed with --jobs jobs, M saved searches drawn
// from the seed's roles, skills, places and levels (compiled as saveSearch compiles them), then N
// new jobs (copies of random seeded ones, so their words are the seed's), matched in batches.
// Prints wall time and, when the server runs on this machine, the CPU its backend spent.
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx scripts/saved-search-measure.ts \
//     [--searches 10000] [--new 10000] [--batch 1000] [--jobs 20000] [--keep | --reuse <database>]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase, type Database } from '../src/db/database';
import { migrate } from '../src/data/migrate';
import { seed, rng } from '../src/data/seed';
import { LEVELS, LOCATIONS, ROLES } from '../src/data/seed-data';
import { compileFilter, insertSavedSearch, matchQueued } from '../src/data/saved-searches';
import type { JobFilterInput } from '../src/data/jobs';
import { placeIndex, readSearch } from '../src/domain/search-understanding';

const { values } = parseArgs({
  options: {
    searches: { type: 'string', default: '10000' },
    new: { type: 'string', default: '10000' },
    batch: { type: 'string', default: '1000' },
    jobs: { type: 'string', default: '20000' },
    // Keep the scratch database, or measure again on one kept before (its newest --new jobs queued anew).
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
  },
});
const SEARCHES = Number(values.searches);
const NEW = Number(values.new);
const BATCH = Number(values.batch);

/** CPU seconds (user + system) a local process has used; null when it is not on this machine. */
function cpuOf(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
  } catch {
    return null;
  }
}

/**
 * A filter as people save them: words with a place, "remote" or a level, or conditions alone.
 * The seed has few roles and cities, so each search still matches a share of all jobs that a
 * real board's would not: the matches, which are the work, are counted and printed.
 */
function filterOf(next: () => number): JobFilterInput {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)];
  const role = pick(ROLES);
  const place = pick(LOCATIONS);
  const r = next();
  if (r < 0.35) return { search: `${pick(role.skills)} ${place.city}` };
  if (r < 0.55) return { search: role.title, location: place.city };
  if (r < 0.7) return { search: `${pick(role.skills)} remote` };
  if (r < 0.8) return { search: `${pick(LEVELS.filter((l) => l.prefix)).prefix} ${role.title}` };
  if (r < 0.9) return { jobType: pick(['FULL_TIME', 'CONTRACT', 'PART_TIME']), location: place.city };
  return { experienceLevel: [pick(LEVELS).level], remote: true, salaryMin: 50_000 + Math.floor(next() * 10) * 10_000 };
}

async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('set DATABASE_URL to a PostgreSQL server (a scratch database is created on it and dropped)');
  const name = values.reuse ?? `chommie_ss_measure_${Date.now()}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  if (!values.reuse) await admin.query(`CREATE DATABASE ${name}`);
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  // One connection: the matcher's statements run on the backend whose CPU is read.
  const db = await openDatabase({ url: dbUrl.toString(), poolSize: 1 });
  try {
    if (values.reuse) {
      await db.raw.query('TRUNCATE saved_search_match, saved_search_queue');
      await db.raw.query('INSERT INTO saved_search_queue (job_id) SELECT id FROM job ORDER BY id DESC LIMIT $1', [NEW]);
    } else await setUp(db);
    await measure(db);
  } finally {
    await db.close();
    if (values.keep || values.reuse) console.log(`kept database ${name}`);
    else await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function setUp(db: Database) {
  await migrate(db.raw);
  const users = Math.ceil(SEARCHES / 25);
  let t = performance.now();
  await seed(db, { companies: 220, jobs: Number(values.jobs), users: Math.max(users, 600), applications: 0 });
  await db.raw.query('DELETE FROM saved_search_queue');
  console.log(`seeded ${values.jobs} jobs, ${Math.max(users, 600)} users in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const { next } = rng(42);
  const index = placeIndex(LOCATIONS);
  const [{ first }] = await db.raw.query<{ first: number }>('SELECT min(id)::int AS first FROM "user"');
  t = performance.now();
  for (let i = 0; i < SEARCHES; i++) {
    const filter = filterOf(next);
    const read = filter.search ? { ...filter, reading: readSearch(filter.search, filter, index) } : filter;
    await insertSavedSearch(db.prisma, {
      userId: first + Math.floor(i / 25),
      name: `search ${i}`,
      filter: filter as Record<string, unknown>,
      alerts: i % 3 === 0 ? 'DAILY' : 'NONE',
      compiled: compileFilter(read),
    });
  }
  console.log(`saved ${SEARCHES} searches in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  await db.raw.query(
    `INSERT INTO job (title, description, company_id, location, city, state, job_type, salary_min, salary_max, remote, experience_level, skills)
     SELECT title, description, company_id, location, city, state, job_type, salary_min, salary_max, remote, experience_level, skills
     FROM job WHERE is_active ORDER BY random() LIMIT $1`,
    [NEW],
  );
  await db.raw.query('ANALYZE');
}

async function measure(db: Database) {
  const [kinds] = await db.raw.query<{ words: number; conditions: number; none: number }>(
    `SELECT count(*) FILTER (WHERE anchors[1] NOT LIKE ' %')::int AS words, count(*) FILTER (WHERE anchors[1] LIKE ' %')::int AS conditions,
       count(*) FILTER (WHERE coalesce(cardinality(anchors), 0) = 0)::int AS none FROM saved_search`,
  );
  console.log(`saved searches reached by a word they require: ${kinds.words}, by a condition: ${kinds.conditions}, by none (every job): ${kinds.none}`);
  const [{ pid }] = await db.prisma.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
  const cpu0 = cpuOf(pid);
  const t = performance.now();
  let taken = 0;
  let matches = 0;
  const batches: string[] = [];
  for (;;) {
    const b0 = performance.now();
    const batch = await matchQueued(db.prisma, BATCH);
    if (!batch.taken) break;
    taken += batch.taken;
    matches += batch.matched.reduce((n, m) => n + m.jobIds.length, 0);
    batches.push(`${batch.taken} in ${(performance.now() - b0).toFixed(0)} ms`);
  }
  const ms = performance.now() - t;
  const cpu1 = cpuOf(pid);
  console.log(`matched ${taken} new jobs against ${SEARCHES} saved searches: ${matches} matches, ${batches.length} statement(s) (${batches.join(', ')})`);
  const cpu = cpu0 != null && cpu1 != null ? `${((cpu1 - cpu0) * 1000).toFixed(0)} ms` : 'unknown (server not on this machine)';
  console.log(`wall ${ms.toFixed(0)} ms; PostgreSQL backend CPU ${cpu}`);
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
