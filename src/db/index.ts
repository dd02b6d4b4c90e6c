import { MikroORM } from '@mikro-orm/postgresql';
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
