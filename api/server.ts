import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { openServices, requireSettings, type Services } from '../src/composition';
import { ConfigError, loadConfig } from '../src/config';
import { migrate } from '../src/db';
import { applyBootstrapEmail, ensureBootstrapAdmin, revokeConfiguredToken } from '../src/ledger';
import { startMissingWorkflows } from '../src/services/connections';
import { deliverUnsignalledHooks, pruneOldHooks } from '../src/services/hooks';
import { unavailableDependency } from '../src/failures';
import { startMetricsServer } from '../src/metrics';
import { ensureSearchAttributes } from '../src/temporal/search-attributes';
import { createApp } from './app';

export interface ApiServer {
  url: string;
  /** Stops listening; the services stay open for their owner to close. */
  close(): Promise<void>;
}

/** How often the API looks for connections whose workflow start did not go through. */
const REPAIR_EVERY_MS = 30_000;
/** How often a repair round also prunes the hook tables (src/services/hooks.ts): hourly is plenty. */
const PRUNE_EVERY_MS = 60 * 60_000;

/**
 * Listens with the API on `config.PORT`, and keeps every connection's workflow started: at start and every
 * REPAIR_EVERY_MS, it starts the workflows that a Temporal outage kept from starting when they were connected,
 * and tells the workflows of hook imports whose signal did not go out; hourly, it prunes old hooks.
 */
export async function startApiServer(services: Services): Promise<ApiServer> {
  const { PORT } = services.config;
  const server = serve({ fetch: createApp(services).fetch, port: PORT, hostname: '0.0.0.0' });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  let repairing: Promise<unknown> | undefined;
  let prunedAt = 0;
  // One round at a time: a round against a slow Temporal may outlast the interval.
  const { logger } = services;
  const repair = () =>
    (repairing ??= startMissingWorkflows(services)
      .then(
        (started) => started.length && logger.info('started the connections\' workflows', { managementIds: started }),
        (error: Error) => logger.warn('connections\' workflows not started yet; trying again shortly', { error: error.message.split('\n')[0] }),
      )
      // Hooks accepted while Temporal was down: their connections' workflows are told now.
      .then(() => deliverUnsignalledHooks({ ...services, logger }))
      .catch((error: Error) => logger.warn('hook imports not signalled yet; trying again shortly', { error: error.message.split('\n')[0] }))
      .then(() => {
        if (Date.now() - prunedAt < PRUNE_EVERY_MS) return;
        prunedAt = Date.now();
        return pruneOldHooks(services).then(undefined, (error: Error) => logger.warn('old hooks not pruned; trying again in an hour', { error: error.message.split('\n')[0] }));
      })
      .finally(() => (repairing = undefined)));
  void repair();
  const timer = setInterval(() => void repair(), REPAIR_EVERY_MS);
  return {
    url: `http://127.0.0.1:${PORT}`,
    close: () => {
      clearInterval(timer);
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Connections' workflows are started with search attributes: create what the namespace lacks, or stop with
 * the sentence that says how. A Temporal that does not answer yet does not stop the API (its /health says so).
 */
async function checkSearchAttributes(services: Services): Promise<void> {
  const { connection } = services.temporal;
  try {
    await connection.withDeadline(Date.now() + 5_000, () => ensureSearchAttributes(connection, services.config.TEMPORAL_NAMESPACE));
  } catch (error) {
    if (unavailableDependency(error) !== 'temporal') throw error;
    services.logger.warn('Temporal does not answer yet; the API starts anyway, and GET /health reports it as down.');
  }
}

/** `npm run start:api`: the API alone, against the configured Postgres and Temporal. */
async function main() {
  const config = requireSettings(loadConfig(), ['CLOUDSIGN_BASE_URL', 'SECRETS_KEY'], 'the API');
  const services = await openServices(config);
  await migrate(services.orm);
  // The bootstrap token works only while the configuration holds it: removing the variable revokes it.
  const email = config.BOOTSTRAP_ADMIN_EMAIL;
  if (config.BOOTSTRAP_ADMIN_TOKEN) await ensureBootstrapAdmin(services.orm.em.fork(), { token: config.BOOTSTRAP_ADMIN_TOKEN, ...(email && { email }) });
  else {
    if (await revokeConfiguredToken(services.orm.em.fork())) services.logger.info('BOOTSTRAP_ADMIN_TOKEN is unset: the bootstrap token no longer works.');
    if (email) await applyBootstrapEmail(services.orm.em.fork(), { email });
  }
  await checkSearchAttributes(services);
  const server = await startApiServer(services);
  const metrics =
    config.METRICS_PORT === undefined ? undefined : await startMetricsServer({ metrics: services.metrics, address: config.METRICS_ADDRESS, port: config.METRICS_PORT });
  services.logger.info('API listening', { url: server.url, ...(metrics && { metrics: metrics.url }) });
  const stop = async () => {
    await server.close();
    await metrics?.close();
    await services.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: Error) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
}
