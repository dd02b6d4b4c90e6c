import { ConnectionSchema } from './connections';
import { ContractSchema } from './contracts';
import { DiscardedDocumentSchema } from './discards';
import { FileErrorSchema } from './file-errors';
import { GroupSchema } from './groups';
import { ImportRecordSchema, RunFileSchema } from './imports';
import { IncidentSchema } from './incidents';
import { QuotaSchema } from './quota';
import { ReviewReminderSchema, ReviewSchema } from './reviews';
import { SyncRunSchema } from './runs';
import { UserSchema } from './user';

/** Every entity of the ledger; the ORM configuration and the migrations are built from this list. */
export const entities = [
  UserSchema,
  GroupSchema,
  ConnectionSchema,
  ContractSchema,
  ImportRecordSchema,
  QuotaSchema,
  SyncRunSchema,
  RunFileSchema,
  FileErrorSchema,
  IncidentSchema,
  DiscardedDocumentSchema,
  ReviewSchema,
  ReviewReminderSchema,
];
