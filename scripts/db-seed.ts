// npm run db:seed — migrates, then writes the demo data set into an empty database.
import { seed } from '../src/db/setup';
import { withDatabase } from './with-database';

withDatabase(async (db) => {
  const started = Date.now();
  await seed(db);
  const [jobs, companies, applications] = await Promise.all([db.prisma.job.count(), db.prisma.company.count(), db.prisma.application.count()]);
  console.log(`Seeded ${jobs} jobs, ${companies} companies, ${applications} applications in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
});
