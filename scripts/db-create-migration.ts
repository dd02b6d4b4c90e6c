// Writes a migration for the difference between the entities and the database (`npm run db:migration:create`).
import { loadConfig } from '../src/config';
import { migrate, openDatabase } from '../src/db';

const config = loadConfig();
const orm = await openDatabase(config.DATABASE_URL);
try {
  await migrate(orm);
  const initial = (await orm.getMigrator().getExecutedMigrations()).length === 0;
  const result = await orm.getMigrator().createMigration(undefined, false, initial);
  console.log(result.fileName ? `created ${result.fileName}` : 'the database already matches the entities');
} finally {
  await orm.close();
}
