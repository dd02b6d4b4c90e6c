import type { CloudSignClient } from '../src/cloudsign';
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
}

