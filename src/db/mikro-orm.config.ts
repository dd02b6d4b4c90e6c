import { defineConfig } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { RequestSlotEntity } from '../cloudsign/shared-budget';
import { entities } from '../ledger/entities';

/** The ORM configuration for a database URL; also read by the MikroORM CLI (`npm run db:migration:create`). */
export function ormConfig(databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/cloudsign_sync') {
  return defineConfig({
    clientUrl: databaseUrl,
    // The ledger's, and the CloudSign request budget that every process shares.
    entities: [...entities, RequestSlotEntity],
    extensions: [Migrator],
    migrations: {
      path: 'src/db/migrations',
      pathTs: 'src/db/migrations',
      tableName: 'mikro_orm_migrations',
      emit: 'ts',
      snapshot: false,
      transactional: true,
      allOrNothing: true,
    },
    pool: { min: 0, max: 10 },
    // A database that does not answer fails a request within seconds (the API answers 503), never after a minute.
    driverOptions: { acquireConnectionTimeout: 4_000, connection: { connectionTimeoutMillis: 3_000 } },
    debug: false,
  });
}

export default ormConfig();
