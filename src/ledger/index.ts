/**
 * The ledger: every rule about users, groups, connections, contracts, imports, quota, runs, incidents and reviews.
 * The API and the Temporal activities call these services (each takes an EntityManager of its own,
 * `orm.em.fork()`, and one input object) and re-implement none of their rules.
 */
export * from './errors';
export type { Page, PageRequest } from './pagination';
export { NOT_BLANK, nonBlankText } from './text';
export { CURSOR_PATTERN, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './pagination';
export { CONNECTION_STATUSES, type ConnectionStatus } from './status';
export { USER_ROLES, type User, type UserRole } from './user';
export {
  createUser,
  authenticate,
  ensureBootstrapAdmin,
  applyBootstrapEmail,
  isDeliverable,
  updateUser,
  getUser,
  listUsers,
  revokeConfiguredToken,
  rotateToken,
  setUserDisabled,
  type CreateUserInput,
} from './users';
export { startConsoleSession, findConsoleSession, endConsoleSession, type ConsoleSession } from './sessions';
export { createGroup, setGroupMembers, getGroup, listGroups, type Group } from './groups';
export { VISIBILITY_SCOPES, type Visibility } from './visibility';
export {
  SAVE_MODES,
  createConnection,
  getConnection,
  listConnections,
  updateConnection,
  revealClientId,
  storedSecretsOpen,
  disconnectConnection,
  pendingReviewsOf,
  reviewsClosedByDisconnect,
  connectionWarnings,
  syncPositionOf,
  setConnectionStatus,
  setHookEndpoint,
  recordConnectionError,
  clearConnectionError,
  recordConnectionProgress,
  recordConnectionControl,
  recordLastSync,
  recordWorkflowStarted,
  connectionsWithoutWorkflow,
  type Connection,
  type ConnectionError,
  type ConnectionWarning,
  type ConnectionSettings,
  type Reviewers,
  type SaveMode,
  type Completeness,
} from './connections';
export {
  CONTRACT_FIELDS,
  CONTRACT_FIELD_DEFINITIONS,
  FIELD_SOURCES,
  contractFieldsSchema,
  extractedFieldsSchema,
  ISO_DATE_MESSAGE,
  isIsoDate,
  mapContractFields,
  type ContractField,
  type ContractFieldKind,
  type ContractFieldValues,
  type FieldSource,
} from './contract-fields';
export { getContract, contractsVisibleTo, type Contract, type ContractQuery } from './contracts';
export { editContract, applyExtraction, type RefusedField } from './provenance';
export { IMPORT_OUTCOMES, importFile, type ImportFileInput, type ImportOutcome, type ImportResult } from './imports';
export { DEFAULT_QUOTA_LIMIT, getQuota, setQuotaLimit, type Quota } from './quota';
export { RUN_KINDS, RUN_OUTCOMES, startRun, finishRun, recordRunError, recordRunListed, listRuns, type RunError, type RunCounts, type RunKind, type RunOutcome, type SyncRun } from './runs';
export {
  recordFileError,
  listFileErrors,
  dueFileErrors,
  requestFileRetry,
  dismissFileErrors,
  newFailuresOfRun,
  retryWaitMs,
  type DueDocument,
  type FileError,
} from './file-errors';
export { fileStates, completenessOf, recordCompleteness, type FileState } from './completeness';
export { recordIncident, resolveIncidents, incidentRecipients } from './incidents';
export { settleKnownFiles, type FileKey } from './known-files';
export {
  DECISION_ACTIONS,
  REVIEW_STATUSES,
  applyDecision,
  createReview,
  decideReview,
  getReview,
  mayDecide,
  remindReviewers,
  reviewOf,
  reviewReadableBy,
  reviewsAwaitingQuota,
  reviewsFor,
  reviewedConnections,
  releaseReviewFiles,
  undeliveredDecisions,
  type DecisionOptions,
  type PendingReason,
  type Review,
  type DecisionAction,
  type ReviewFile,
  type ReviewQuery,
  type ReviewStatus,
} from './reviews';
export {
  MAX_BULK_FILTERED,
  MAX_BULK_IDS,
  countReviewsToDecide,
  queueNeighbours,
  reviewsAnything,
  selectReviewsToDecide,
  type BulkSelection,
  type ReviewFilter,
  type ReviewSelection,
  type SkippedReviews,
} from './bulk-reviews';
export {
  AUDIT_SUBJECT_KINDS,
  QUOTA_SUBJECT_ID,
  SYSTEM_ACTOR,
  historyOf,
  listAuditEvents,
  type AuditActor,
  type AuditChanges,
  type AuditEvent,
  type AuditQuery,
  type AuditSubjectKind,
} from './audit';
export { claimDueMail, markMailFailed, markMailSent, queueMail, type OutboxMail } from './outbox';
export { ensureHookEndpoint, hookEndpointByToken, hookTeamKey, hookTokenOf } from './hook-endpoints';
export {
  CONCLUDED_HOOK_STATUS,
  connectionsWithUnsignalledHooks,
  documentsSeenBy,
  finishHookImports,
  HOOK_HISTORY_DAYS,
  pendingHookImports,
  pruneHookHistory,
  recordHook,
  recordHooksSignalled,
  settleHookImports,
  type HookImportOutcome,
  type RecordedHook,
} from './hooks';
