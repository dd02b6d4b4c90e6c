import { heartbeat } from '@temporalio/activity';
import type { CloudSignClient } from '../src/cloudsign';
import { classified } from '../src/failures';
import type { ImportServices } from '../src/import/importer';
import { revealClientId } from '../src/ledger';
import type { MikroORM } from '../src/db';
import type { Logger } from '../src/logging';
import type { OutboxSender } from '../src/mail';
import type { Metrics } from '../src/metrics';
import type { FileStorage } from '../src/storage';

/** What a connection's activities (a sync's, its status', its repairs') are built from. */
export interface ConnectionActivityDeps {
  orm: MikroORM;
  cloudsign: CloudSignClient;
  storage: FileStorage;
  /** Sends what the activities queue in the mail outbox; `kick` asks it to send now. */
  outbox: Pick<OutboxSender, 'kick'>;
  secretsKey: string;
  /** Documents of a page imported at once; CloudSign's request budget bounds the rate anyway. */
  importConcurrency?: number;
  metrics?: Pick<Metrics, 'fileImported' | 'fileFailed' | 'mailQueued'>;
  logger?: Logger;
  /** FILE_SIZE_LIMIT: bytes a PDF may have (0: none). */
  fileSizeLimit?: number;
  /** SYNC_INTERVAL and RECONCILE_INTERVAL as the workers have them now, which each connection follows. */
  schedule?: ConnectionSchedule;
}

export interface ConnectionSchedule {
  syncIntervalMs: number;
  reconcileIntervalMs: number;
}


/**
 * What every import of a connection's documents is given — a sync's pages, a hook's documents, the retries
 * by ID and the reconciliation: the same services (so the same metrics and FILE_SIZE_LIMIT), the same
 * concurrency, and the connection's client ID, revealed per call and never passed through workflow history.
 */
export function importContextOf({ orm, cloudsign, storage, secretsKey, importConcurrency = 4, metrics, fileSizeLimit = 0 }: Omit<ConnectionActivityDeps, 'outbox'>) {
  const services: ImportServices = { orm, cloudsign, storage, fileSizeLimit, ...(metrics && { metrics }) };
  return {
    services,
    concurrency: importConcurrency,
    clientIdOf: (connectionId: string) => revealClientId(orm.em.fork(), { connectionId, secretsKey }),
  };
}

/**
 * Runs a long activity's work with its failures classified (src/failures), heartbeating on a timer all
 * along: a single slow download (CloudSign may take up to 180 s to answer) must not look like a dead
 * worker, while a worker that really died is noticed within the heartbeat timeout.
 */
export async function longRunning<T>(work: () => Promise<T>): Promise<T> {
  const alive = setInterval(() => heartbeat(), 5_000);
  try {
    return await classified(work);
  } finally {
    clearInterval(alive);
  }
}
