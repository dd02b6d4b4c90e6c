import { AuditEventEntity } from './audit';
import { ConnectionEntity } from './connections';
import { ContractEntity } from './contracts';
import { DiscardedDocumentEntity } from './discards';
import { FileErrorEntity } from './file-errors';
import { GroupEntity } from './groups';
import { ImportRecordEntity, RunFileEntity } from './imports';
import { HookEndpointEntity } from './hook-endpoints';
import { HookEntity, HookImportEntity } from './hooks';
import { IncidentEntity } from './incidents';
import { OutboxMailEntity } from './outbox';
import { QuotaEntity } from './quota';
import { ReviewReminderEntity, ReviewEntity } from './reviews';
import { SyncRunEntity } from './runs';
import { ConsoleSessionEntity } from './sessions';
import { UserEntity } from './user';

/** Every entity of the ledger; the ORM configuration and the migrations are built from this list. */
export const entities = [
  UserEntity,
  GroupEntity,
  ConnectionEntity,
  ContractEntity,
  ImportRecordEntity,
  QuotaEntity,
  SyncRunEntity,
  RunFileEntity,
  FileErrorEntity,
  IncidentEntity,
  DiscardedDocumentEntity,
  ReviewEntity,
  ReviewReminderEntity,
  OutboxMailEntity,
  AuditEventEntity,
  ConsoleSessionEntity,
  HookEndpointEntity,
  HookEntity,
  HookImportEntity,
];
