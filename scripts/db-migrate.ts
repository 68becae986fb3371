// npm run db:migrate — applies pending migrations to DATABASE_URL (or the embedded database).
import { loadConfig } from '../src/config';
import { migrate, openConfiguredDatabase } from '../src/db/setup';

(async () => {
  const db = await openConfiguredDatabase(loadConfig());
  try {
    const { applied, alreadyApplied } = await migrate(db.raw);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Nothing to apply.');
    console.log(`${alreadyApplied.length} migration(s) were already applied.`);
  } finally {
    await db.close();
  }
})().catch((err) => {
  console.error(err.message ?? err);
  process.exit(1);
});
