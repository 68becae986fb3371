import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PG_BIN, ReplicatedPair, replicaUnavailable } from './pg-replica';
import { describeIf } from './skip';
import { pgUrl, TEMPLATE_ENV, uniqueName, withDatabase } from './template';

// What the replica suites (replicas.test.ts, replica-faults.test.ts) share: when they can run,
// and how they wait for a replica's state to change.

const url = pgUrl();
const unavailable = replicaUnavailable();

/** `describe` on a real PostgreSQL where a replicated pair can be made; otherwise skipped, saying why. */
export const describeReplicas = describeIf(
  url && !unavailable,
  !url ? 'needs TEST_DATABASE_URL (PostgreSQL: replicas do not exist for the embedded database)' : (unavailable ?? ''),
);

/** Polls `check` until it gives a value, or fails naming `what`. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A replicated pair whose primary holds a copy of the seeded test template (a database named
 * from `name`), its standby made once the copy is in. Call `pair.stop()` when done.
 */
export async function seededPair(prefix: string, name: string) {
  const pair = await ReplicatedPair.start(prefix);
  const database = uniqueName(name);
  execFileSync(join(PG_BIN, 'psql'), ['-q', '-d', pair.url('primary', 'postgres'), '-c', `CREATE DATABASE ${database}`]);
  const dump = execFileSync(join(PG_BIN, 'pg_dump'), ['--no-owner', '-d', withDatabase(url!, process.env[TEMPLATE_ENV]!)], { maxBuffer: 512 * 1024 * 1024 });
  execFileSync(join(PG_BIN, 'psql'), ['-q', '-v', 'ON_ERROR_STOP=1', '-d', pair.url('primary', database)], { input: dump, stdio: ['pipe', 'ignore', 'pipe'] });
  pair.makeReplica();
  return { pair, primaryUrl: pair.url('primary', database), replicaUrl: pair.url('replica', database) };
}
