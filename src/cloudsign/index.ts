export { RequestBudget } from './budget';
export { systemClock, type Clock } from './clock';
export {
  CLOUDSIGN_PRODUCTION_URL,
  CLOUDSIGN_SANDBOX_URL,
  createCloudSignClient,
  type CloudSignAccess,
  type CloudSignClient,
  type CloudSignClientOptions,
  type ConcludedDocumentsPage,
  type DownloadedFile,
  type ListConcludedDocumentsOptions,
  type RetryPolicy,
} from './client';
export * from './errors';
export type { CloudSignDocument, CloudSignDocumentAttribute, CloudSignFile, CloudSignUser } from './schemas';
