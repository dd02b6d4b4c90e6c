import { proxyActivities } from '@temporalio/workflow';
import type { ConnectionActivities } from '../../activities/connection';
import type { ReviewActivities } from '../../activities/review';
import { NEEDS_PERSON_CODES, QUOTA_CODE } from '../../src/failures/categories';

/**
 * The connection workflow's activities, by what they are for. Their names and options are part of every
 * recorded history: change them only with a versioning patch.
 */

/** Bookkeeping in the ledger (status, incidents and their mail, the run's end, quota, review upkeep): quick. */
export const ledger = proxyActivities<ConnectionActivities & ReviewActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Talking to CloudSign and storage to begin a run and import its pages: long, and heartbeating. */
export const importing = proxyActivities<Pick<ConnectionActivities, 'beginRun' | 'importPage' | 'retryFailedFiles' | 'beginReconcile' | 'reconcile'>>({
  startToCloseTimeout: '30 minutes',
  // The activities heartbeat every few seconds whatever they are doing (see activities/connection.ts),
  // so a worker that died is noticed within this time and its page is retried elsewhere.
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    // About 45 minutes of retries; after that the workflow reports a stalled sync and keeps trying.
    maximumAttempts: 12,
    // The activities mark these final themselves (src/failures); the list keeps the recorded retry policy.
    nonRetryableErrorTypes: [...NEEDS_PERSON_CODES, QUOTA_CODE],
  },
});

/**
 * The webhook's imports by ID (workflows/connection/hooks.ts): a few documents, so a shorter bound, and few
 * retries — a hook is a hint, and the daily sync imports whatever one failed to.
 */
export const hooked = proxyActivities<Pick<ConnectionActivities, 'importHookedDocuments'>>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: [...NEEDS_PERSON_CODES, QUOTA_CODE] },
});
