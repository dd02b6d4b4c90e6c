import { inject } from 'vitest';
import { openDatabase, type MikroORM } from '../../src/db';

export { dropDatabase } from '../../src/db';

/** The run's test database, migrated by the global setup. */
export function testDatabaseUrl(): string {
  return inject('databaseUrl');
}

export async function openTestDatabase(): Promise<MikroORM> {
  return openDatabase(testDatabaseUrl());
}

/** Empties every ledger table, so that each test starts from nothing. */
export async function resetDatabase(orm: MikroORM): Promise<void> {
  const tables = Object.values(orm.getMetadata().getAll()).map((meta) => `"${meta.tableName}"`);
  if (tables.length) await orm.em.getConnection().execute(`truncate ${tables.join(', ')} restart identity cascade`);
}
