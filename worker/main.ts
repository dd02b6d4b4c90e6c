// `npm run start:worker`: the Temporal worker alone, against the configured Temporal, Postgres and CloudSign.
import { openServices, requireSettings } from '../src/composition';
import { ConfigError, loadConfig } from '../src/config';
import { startMetricsServer } from '../src/metrics';
import { ensureSearchAttributes } from '../src/temporal/search-attributes';
import { runWorker } from './index';
import { installTemporalRuntime } from './telemetry';

async function main() {
  const config = requireSettings(loadConfig(), ['CLOUDSIGN_BASE_URL', 'SMTP_URL', 'SECRETS_KEY'], 'the worker');
  const services = await openServices(config);
  const { logger } = services;
  // Before the worker's native connection: the runtime is set up once, by its first user.
  const telemetry = await installTemporalRuntime({ logger, metrics: config.METRICS_PORT !== undefined });
  // Review workflows are started with search attributes: without them every start would fail.
  await ensureSearchAttributes(services.temporal.connection, config.TEMPORAL_NAMESPACE);
  const worker = await runWorker(services);
  const metrics =
    config.METRICS_PORT === undefined
      ? undefined
      : await startMetricsServer({ metrics: services.metrics, address: config.METRICS_ADDRESS, port: config.METRICS_PORT, ...(telemetry.sdkMetrics && { extra: telemetry.sdkMetrics }) });
  logger.info('worker polling', { taskQueue: config.TEMPORAL_TASK_QUEUE, ...(metrics && { metrics: metrics.url }) });
  // The SDK's runtime turns SIGINT/SIGTERM into a graceful shutdown, which ends the run.
  await worker.done;
  await worker.stop();
  await metrics?.close();
  await services.close();
}

main().catch((error: Error) => {
  // A configuration or a Temporal namespace that cannot work is one sentence; anything else shows its stack.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
