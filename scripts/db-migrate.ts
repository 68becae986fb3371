// npm run db:migrate — applies pending migrations to DATABASE_URL (or the embedded database).
import { withDatabase } from './with-database';

withDatabase(async (_db, { applied, alreadyApplied }) => {
  console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Nothing to apply.');
  console.log(`${alreadyApplied.length} migration(s) were already applied.`);
});
