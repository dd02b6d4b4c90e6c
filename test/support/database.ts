import { inject } from 'vitest';
import pg from 'pg';
import { openDatabase, type MikroORM } from '../../src/db';

/** Drops a test database (and the sessions still holding it); the maintenance database stays. */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await client.end();
  }
}

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
