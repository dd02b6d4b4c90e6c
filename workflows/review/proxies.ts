import { proxyActivities } from '@temporalio/workflow';
import type { ConnectionActivities } from '../../activities/connection';
import type { ReviewActivities } from '../../activities/review';

/**
 * The review workflow's activities. Their names and options are part of every recorded history: change them
 * only with a versioning patch. No maximum of attempts: a database outage must delay a reviewer's decision,
 * never lose it.
 */
export const ledger = proxyActivities<ReviewActivities & Pick<ConnectionActivities, 'hasQuota'>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

