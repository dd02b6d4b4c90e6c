// A worker in a process of its own, so that a test can kill it (SIGKILL) in the middle of an import.
// Everything comes from the environment the test sets.
import { createActivities } from '../../activities';
import { createCloudSignClient, RequestBudget } from '../../src/cloudsign';
import { openDatabase } from '../../src/db';
import { createMailer } from '../../src/mail';
import { createFileStorage } from '../../src/storage';
import { createWorker } from '../../worker';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const orm = await openDatabase(env('DATABASE_URL'));
const activities = createActivities({
  orm,
  cloudsign: createCloudSignClient({ baseUrl: env('CLOUDSIGN_BASE_URL'), budget: new RequestBudget(0), retry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200 } }),
  storage: createFileStorage({ dir: env('FILE_STORAGE_DIR') }),
  mailer: createMailer({ smtpUrl: env('SMTP_URL'), from: 'cloudsign-sync <sync@test.invalid>' }),
  secretsKey: env('SECRETS_KEY'),
});
// The time-skipping test server does not move a workflow task off the sticky queue of a killed worker
// (a real server does after its schedule-to-start timeout): this worker keeps no workflow cache, so it
// never asks for a sticky queue.
const { worker } = await createWorker({
  maxCachedWorkflows: 0,
  address: env('TEMPORAL_ADDRESS'),
  namespace: 'default',
  taskQueue: env('TEMPORAL_TASK_QUEUE'),
  activities,
});
process.stdout.write('worker ready\n');
await worker.run();
await orm.close();
