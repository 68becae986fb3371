// npm run db:seed — migrates, then writes the demo data set into an empty database. How far it
// has got goes to stderr (one line rewritten on a terminal); the summary to stdout.
import { seed, tableCounts } from '../src/data/seed';
import { seedReporter, seedSummary } from '../src/data/seed-progress';
import { withDatabase } from './with-database';

withDatabase(async (db) => {
  const started = Date.now();
  const progress = seedReporter(process.stderr, (line) => console.error(line));
  try {
    await seed(db, undefined, progress.onProgress);
  } finally {
    progress.stop();
  }
  console.log(`${seedSummary(await tableCounts(db), Date.now() - started)}.`);
});
