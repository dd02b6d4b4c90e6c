// `npm run start:worker`: the Temporal worker alone, against the configured Temporal, Postgres and CloudSign.
import { openServices, requireSettings } from '../src/composition';
import { ConfigError, loadConfig } from '../src/config';
import { ensureSearchAttributes } from '../src/temporal/search-attributes';
import { runWorker } from './index';

async function main() {
  const config = requireSettings(loadConfig(), ['CLOUDSIGN_BASE_URL', 'SMTP_URL', 'SECRETS_KEY'], 'the worker');
  const services = await openServices(config);
  // Review workflows are started with search attributes: without them every start would fail.
  await ensureSearchAttributes(services.temporal.connection, config.TEMPORAL_NAMESPACE);
  const worker = await runWorker(services);
  console.log(`worker polling task queue ${config.TEMPORAL_TASK_QUEUE}`);
  // The SDK's runtime turns SIGINT/SIGTERM into a graceful shutdown, which ends the run.
  await worker.done;
  await worker.stop();
  await services.close();
}

main().catch((error: Error) => {
  // A configuration or a Temporal namespace that cannot work is one sentence; anything else shows its stack.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
