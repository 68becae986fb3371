import { loadConfig } from '../src/config';
import { migrate } from '../src/data/migrate';
import { openConfiguredDatabase } from '../src/db/open';
import type { Database } from '../src/db/database';

/** Runs a command-line task on the configured database, migrated; exits 1 with its message on failure. */
export function withDatabase(task: (db: Database, migrated: Awaited<ReturnType<typeof migrate>>) => Promise<void>): void {
  (async () => {
    const db = await openConfiguredDatabase(loadConfig());
    try {
      await task(db, await migrate(db.raw));
    } finally {
      await db.close();
    }
  })().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
