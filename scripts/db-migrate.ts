// Creates the database when missing and applies every committed migration (`npm run db:migrate`).
import { loadConfig } from '../src/config';
import { migrate, openDatabase } from '../src/db';

const config = loadConfig();
const orm = await openDatabase(config.DATABASE_URL);
try {
  const applied = await migrate(orm);
  console.log(applied.length ? `applied ${applied.join(', ')}` : 'the database is up to date');
} finally {
  await orm.close();
}
