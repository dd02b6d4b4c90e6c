import type { Client, Connection } from '@temporalio/client';
import { createActivities, type Activities } from '../activities';
import { createCloudSignClient, SharedRequestBudget, type BudgetLane, type CloudSignClient, type RetryPolicy } from './cloudsign';
import { ConfigError, type Config } from './config';
import { openDatabase, type MikroORM } from './db';
import { createLogger, type Logger } from './logging';
import { createMailer, createOutboxSender, type OutboxSender } from './mail';
import { createMetrics, type Metrics } from './metrics';
import { createFileStorage, type FileStorage } from './storage';
import { lazyTemporalClient } from './temporal/client';
import type { TemporalGateway } from './temporal/gateway';

/**
 * The one composition root: how the service's parts are built from its configuration. The worker, the
 * API, `npm run dev`, the test harness and the benchmarks all call {@link openServices}; what they need
 * differently is either a configuration value (a simulator's URL, an SMTP catcher, a storage folder, a
 * task queue, a request budget of 0…) or one of the few {@link Overrides}.
 */

/** What a configuration cannot say: parts a test or a benchmark already has, and test-only speed-ups. */
export interface Overrides {
  /** An ORM that is open already (the test run's database); its opener closes it, not `close()`. */
  orm?: MikroORM;
  /** The client of a Temporal test environment; its environment closes the connection, not `close()`. */
  temporal?: { connection: Connection; client: Client };
  /** Faster CloudSign retries: tests inject faults and must not wait minutes for CloudSign's backoff. */
  cloudsignRetry?: Partial<RetryPolicy>;
  /** Documents of a page imported at once (`bench:import --concurrency`); the activity's default otherwise. */
  importConcurrency?: number;
  /** Where log lines go instead of stdout in the configured format (tests capture them, or drop them). */
  logger?: Logger;
}

export interface Services {
  config: Config;
  orm: MikroORM;
  /**
   * The API's client (previews, checks at connect): the interactive lane of the request budget per client ID
   * that every process shares; the activities have a client on the bulk lane.
   */
  cloudsign: CloudSignClient;
  storage: FileStorage;
  temporal: TemporalGateway;
  /** Encrypts client IDs before they are stored. */
  secretsKey: string;
  /** Handed to each new connection's workflow. */
  syncIntervalMs: number;
  /** This process's counters: the CloudSign client, the importer and the outbox record into it; /metrics serves it. */
  metrics: Metrics;
  /** The one logger (LOG_FORMAT, LOG_LEVEL). */
  logger: Logger;
  /** Handed to each new connection's workflow: RECONCILE_INTERVAL. */
  reconcileIntervalMs: number;
  /** The worker's activities; they need `SMTP_URL` too, which the API alone does not. */
  activities(): Activities;
  /** The sender of the mail outbox, started by whoever runs the activities (worker/index.ts). */
  outbox(): OutboxSender;
  /** Closes what `openServices` opened itself (never an overridden ORM or Temporal connection). */
  close(): Promise<void>;
}

type Setting = 'CLOUDSIGN_BASE_URL' | 'SMTP_URL' | 'SECRETS_KEY';

/** The settings `who` cannot run without, although another part can; `npm run dev` provides them itself. */
export function requireSettings<S extends Setting>(config: Config, names: readonly S[], who: string): Config & Required<Pick<Config, S>> {
  const missing = names.filter((name) => !config[name]);
  if (missing.length) {
    const list = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(', ')} and ${missing.at(-1)}`;
    throw new ConfigError(`Configuration error: ${who} needs ${list} (npm run dev sets them up by itself).`);
  }
  return config as Config & Required<Pick<Config, S>>;
}

/** Builds every part of the service from `config`; nothing is started, and Temporal is connected on first use. */
export async function openServices(config: Config, overrides: Overrides = {}): Promise<Services> {
  const { CLOUDSIGN_BASE_URL, SECRETS_KEY } = requireSettings(config, ['CLOUDSIGN_BASE_URL', 'SECRETS_KEY'], 'the service');
  const orm = overrides.orm ?? (await openDatabase(config.DATABASE_URL));
  const metrics = createMetrics();
  const logger = overrides.logger ?? createLogger({ format: config.LOG_FORMAT ?? 'json', level: config.LOG_LEVEL });
  // Shared through Postgres by the API and every worker process: together they stay under CloudSign's limit.
  const budget = new SharedRequestBudget((sql, params) => orm.em.getConnection().execute(sql, params), config.CLOUDSIGN_REQUESTS_PER_MINUTE);
  // One client per lane of the budget, so that the API's previews and checks never wait behind an import
  // (each keeps its own token: one more token request per client ID in a process that runs both).
  const clientOf = (lane: BudgetLane) =>
    createCloudSignClient({ metrics, baseUrl: CLOUDSIGN_BASE_URL, budget: budget.lane(lane), ...(overrides.cloudsignRetry && { retry: overrides.cloudsignRetry }) });
  const cloudsign = clientOf('interactive');
  const syncCloudsign = clientOf('bulk');
  const storage = createFileStorage({ dir: config.FILE_STORAGE_DIR });
  const temporal = overrides.temporal ?? lazyTemporalClient({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE });

  let activities: Activities | undefined;
  let outbox: OutboxSender | undefined;
  const outboxSender = () => {
    const { SMTP_URL } = requireSettings(config, ['SMTP_URL'], 'the worker');
    outbox ??= createOutboxSender({ orm, mailer: createMailer({ smtpUrl: SMTP_URL, from: config.MAIL_FROM }), metrics, logger });
    return outbox;
  };
  return {
    config,
    orm,
    cloudsign,
    storage,
    temporal: { ...temporal, taskQueue: config.TEMPORAL_TASK_QUEUE },
    secretsKey: SECRETS_KEY,
    syncIntervalMs: config.SYNC_INTERVAL,
    metrics,
    logger,
    reconcileIntervalMs: config.RECONCILE_INTERVAL,
    outbox: outboxSender,
    activities() {
      activities ??= createActivities({
        orm,
        cloudsign: syncCloudsign,
        storage,
        outbox: outboxSender(),
        secretsKey: SECRETS_KEY,
        reviewReminderAfterMs: config.REVIEW_REMINDER_AFTER,
        metrics,
        logger,
        reviewDecisionRecheckMs: config.REVIEW_DECISION_RECHECK,
        fileSizeLimit: config.FILE_SIZE_LIMIT,
        schedule: { syncIntervalMs: config.SYNC_INTERVAL, reconcileIntervalMs: config.RECONCILE_INTERVAL },
        ...(overrides.importConcurrency !== undefined && { importConcurrency: overrides.importConcurrency }),
      });
      return activities;
    },
    async close() {
      if (!overrides.temporal) await temporal.connection.close();
      if (!overrides.orm) await orm.close();
    },
  };
}
