// A worker in a process of its own, so that a test can kill it (SIGKILL) in the middle of an import.
// Everything comes from the environment the test sets, through the composition root like `npm run start:worker`.
import { openServices } from '../../src/composition';
import { loadConfig } from '../../src/config';
import { runWorker } from '../../worker';

const config = { ...loadConfig(), CLOUDSIGN_REQUESTS_PER_MINUTE: 0, MAIL_FROM: 'cloudsign-sync <sync@test.invalid>' };
const services = await openServices(config, { cloudsignRetry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200 } });
// The time-skipping test server does not move a workflow task off the sticky queue of a killed worker
// (a real server does after its schedule-to-start timeout): this worker keeps no workflow cache, so it
// never asks for a sticky queue.
const worker = await runWorker(services, { maxCachedWorkflows: 0 });
process.stdout.write('worker ready\n');
await worker.done;
await services.close();
