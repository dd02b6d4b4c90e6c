/**
 * The CloudSign Web API client (client.ts): one per process, shared by every connection. Every call takes
 * the client ID it acts for; tokens and the request budget are kept per client ID (the budget shared with
 * other processes through Postgres: shared-budget.ts). Failures are typed (errors.ts) and sorted into the
 * service's one failure taxonomy by src/failures.
 */
export { RequestBudget, type Budget, type BudgetOptions } from './budget';
export { RequestSlotEntity, SharedRequestBudget, reservedSlotsOf, type BudgetLane, type SqlRunner } from './shared-budget';
export { systemClock, type Clock } from './clock';
export {
  CLOUDSIGN_PRODUCTION_URL,
  CLOUDSIGN_SANDBOX_URL,
  createCloudSignClient,
  type CloudSignAccess,
  type CloudSignClient,
  type CloudSignClientOptions,
  type ConcludedDocumentsPage,
  type ListConcludedDocumentsOptions,
  type ListingScope,
  type ContractListing,
  CONCLUDED_STATUS,
  IMPORTED_STATUS,
  type RetryPolicy,
} from './client';
export type { DownloadedFile } from './download';
export * from './errors';
export type { CloudSignDocument, CloudSignDocumentAttribute, CloudSignFile, CloudSignUser } from './schemas';
