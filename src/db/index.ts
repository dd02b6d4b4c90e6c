import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { ormConfig } from './mikro-orm.config';

export type { MikroORM } from '@mikro-orm/postgresql';

/** Connects to the database, creating it first when it does not exist yet. */
export async function openDatabase(databaseUrl: string): Promise<MikroORM> {
  const orm = await MikroORM.init({ ...ormConfig(databaseUrl), connect: false });
  // Creates an empty database only: the tables come from the committed migrations, never from the entities.
  await orm.schema.ensureDatabase({ create: false });
  await orm.connect();
  return orm;
}

/** Applies every committed migration that has not run yet; returns their names. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}

/** Drops a database (and the sessions still holding it), through the maintenance database: tests' and the fuzz's own. */
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
