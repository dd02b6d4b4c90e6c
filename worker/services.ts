import { createActivities } from '../activities';
import { createCloudSignClient, RequestBudget } from '../src/cloudsign';
import type { Config } from '../src/config';
import { openDatabase } from '../src/db';
import { createMailer } from '../src/mail';
import { createFileStorage } from '../src/storage';

/** Settings the worker cannot run without, even though the API alone can. */
export interface WorkerSettings {
  cloudsignBaseUrl: string;
  smtpUrl: string;
  secretsKey: string;
}

/** Everything that `npm run start:worker` needs but `npm run dev` may provide itself. */
export function requireWorkerSettings(config: Config): WorkerSettings {
  const missing = (['CLOUDSIGN_BASE_URL', 'SMTP_URL', 'SECRETS_KEY'] as const).filter((name) => !config[name]);
  if (missing.length) {
    throw new Error(`Configuration error: the worker needs ${missing.join(', ')} (npm run dev sets them up by itself).`);
  }
  return { cloudsignBaseUrl: config.CLOUDSIGN_BASE_URL!, smtpUrl: config.SMTP_URL!, secretsKey: config.SECRETS_KEY! };
}

/** Builds the worker's dependencies from configuration, and the activities that use them. */
export async function openWorkerServices(config: Config, settings: WorkerSettings) {
  const orm = await openDatabase(config.DATABASE_URL);
  const cloudsign = createCloudSignClient({
    baseUrl: settings.cloudsignBaseUrl,
    budget: new RequestBudget(config.CLOUDSIGN_REQUESTS_PER_MINUTE),
  });
  const storage = createFileStorage({ dir: config.FILE_STORAGE_DIR });
  const mailer = createMailer({ smtpUrl: settings.smtpUrl, from: config.MAIL_FROM });
  const activities = createActivities({
    orm,
    cloudsign,
    storage,
    mailer,
    secretsKey: settings.secretsKey,
    reviewReminderAfterMs: config.REVIEW_REMINDER_AFTER,
  });
  return { orm, cloudsign, storage, mailer, activities, close: () => orm.close() };
}
