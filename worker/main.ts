// `npm run start:worker`: the Temporal worker alone, against the configured Temporal, Postgres and CloudSign.
import { openServices, requireSettings } from '../src/composition';
import { ConfigError, loadConfig } from '../src/config';
import { runWorker } from './index';

async function main() {
  const config = requireSettings(loadConfig(), ['CLOUDSIGN_BASE_URL', 'SMTP_URL', 'SECRETS_KEY'], 'the worker');
  const services = await openServices(config);
  const worker = await runWorker(services);
  console.log(`worker polling task queue ${config.TEMPORAL_TASK_QUEUE}`);
  // The SDK's runtime turns SIGINT/SIGTERM into a graceful shutdown, which ends the run.
  await worker.done;
  await worker.stop();
  await services.close();
}

main().catch((error: Error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
