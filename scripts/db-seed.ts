// npm run db:seed — migrates, then writes the demo data set into an empty database. How far it
// has got goes to stderr (one line rewritten on a terminal); the summary to stdout.
import { seedShowingProgress } from '../src/data/seed-progress';
import { withDatabase } from './with-database';

withDatabase(async (db) => {
  console.log(`${(await seedShowingProgress(db, (line) => console.error(line))).summary}.`);
});
