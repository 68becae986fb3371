// npm run db:seed — migrates, then writes the demo data set into an empty database.
import { seed, tableCounts } from '../src/data/seed';
import { withDatabase } from './with-database';

withDatabase(async (db) => {
  const started = Date.now();
  await seed(db);
  const { jobs, companies, applications } = await tableCounts(db);
  console.log(`Seeded ${jobs} jobs, ${companies} companies, ${applications} applications in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
});
