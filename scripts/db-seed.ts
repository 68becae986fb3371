// npm run db:seed — migrates, then writes the demo data set into an empty database.
import { loadConfig } from '../src/config';
import { migrate, openConfiguredDatabase, seed } from '../src/db/setup';

(async () => {
  const db = await openConfiguredDatabase(loadConfig());
  try {
    await migrate(db.raw);
    const started = Date.now();
    await seed(db);
    const [jobs, companies, applications] = await Promise.all([db.prisma.job.count(), db.prisma.company.count(), db.prisma.application.count()]);
    console.log(`Seeded ${jobs} jobs, ${companies} companies, ${applications} applications in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  } finally {
    await db.close();
  }
})().catch((err) => {
  console.error(err.message ?? err);
  process.exit(1);
});
