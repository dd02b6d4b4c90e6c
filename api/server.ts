import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { createCloudSignClient, RequestBudget } from '../src/cloudsign';
import { loadConfig, type Config } from '../src/config';
import { migrate, openDatabase } from '../src/db';
import { ensureBootstrapAdmin } from '../src/ledger';
import { createFileStorage } from '../src/storage';
import { lazyTemporalClient } from '../src/temporal/client';
import { createApp } from './app';
import type { ApiDeps } from './context';

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

/** Listens with the API on `config.PORT`. */
export async function startApiServer(config: Config, services: Omit<ApiDeps, 'temporal' | 'syncIntervalMs'>): Promise<ApiServer> {
  const temporal = lazyTemporalClient({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE });
  const app = createApp({
    ...services,
    temporal: { ...temporal, taskQueue: config.TEMPORAL_TASK_QUEUE },
    syncIntervalMs: config.SYNC_INTERVAL,
  });
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: '0.0.0.0' });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return {
    url: `http://127.0.0.1:${config.PORT}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await temporal.connection.close();
    },
  };
}

/** `npm run start:api`: the API alone, against the configured Postgres and Temporal. */
async function main() {
  const config = loadConfig();
  if (!config.CLOUDSIGN_BASE_URL || !config.SECRETS_KEY) {
    throw new Error('Configuration error: the API needs CLOUDSIGN_BASE_URL and SECRETS_KEY (npm run dev sets them up by itself).');
  }
  const orm = await openDatabase(config.DATABASE_URL);
  await migrate(orm);
  if (config.BOOTSTRAP_ADMIN_TOKEN) await ensureBootstrapAdmin(orm.em.fork(), { token: config.BOOTSTRAP_ADMIN_TOKEN });
  const cloudsign = createCloudSignClient({
    baseUrl: config.CLOUDSIGN_BASE_URL,
    budget: new RequestBudget(config.CLOUDSIGN_REQUESTS_PER_MINUTE),
  });
  const storage = createFileStorage({ dir: config.FILE_STORAGE_DIR });
  const server = await startApiServer(config, { orm, cloudsign, storage, secretsKey: config.SECRETS_KEY });
  console.log(`API listening on ${server.url}`);
  const stop = async () => {
    await server.close();
    await orm.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: Error) => {
    console.error(error.message.startsWith('Configuration error') ? error.message : error);
    process.exit(1);
  });
}
