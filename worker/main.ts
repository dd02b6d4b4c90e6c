// `npm run start:worker`: the Temporal worker alone, against the configured Temporal, Postgres and CloudSign.
import { loadConfig } from '../src/config';
import { DEFAULT_TEMPORAL_ADDRESS } from '../src/temporal/client';
import { createWorker } from './index';
import { openWorkerServices, requireWorkerSettings } from './services';

async function main() {
  const config = loadConfig();
  const services = await openWorkerServices(config, requireWorkerSettings(config));
  const { worker, connection } = await createWorker({
    address: config.TEMPORAL_ADDRESS ?? DEFAULT_TEMPORAL_ADDRESS,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities: services.activities,
  });
  console.log(`worker polling task queue ${config.TEMPORAL_TASK_QUEUE}`);
  // The SDK's runtime turns SIGINT/SIGTERM into a graceful shutdown, which ends run().
  await worker.run();
  await connection.close();
  await services.close();
}

main().catch((error: Error) => {
  console.error(error.message.startsWith('Configuration error') ? error.message : error);
  process.exit(1);
});
