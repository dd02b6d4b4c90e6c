import { condition, patched, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { ConnectionActivities } from '../activities/connection';
import type { ReviewActivities } from '../activities/review';
import { failureCategory } from '../src/failures/categories';
import type { ReviewStatus } from '../src/ledger/reviews';
import { decisionSignal, quotaRaisedSignal, REVIEW_STATUS, reviewClosedSignal, type Decision, type ReviewWorkflowInput } from '../src/temporal/messages';

/**
 * One workflow per CloudSign document of a review-mode connection (ID `review/<managementId>/<documentId>`),
 * started by the connection's workflow as an abandoned child: it outlives the parent's continue-as-new and
 * restarts. Its document's files are in storage and its pending review in the ledger already; it waits for
 * a reviewer's decision, makes it take effect once, and ends. Search attributes `ManagementId` and
 * `ReviewStatus` (`pending` → `approved` | `discarded`, or `closed` by a disconnect) make what waits easy to list
 * in the Web UI. A review the ledger closed (its connection was disconnected) ends its workflow: at its start,
 * and when `reviewClosed` hints at it.
 */

/** The ledger's closed reviews end their workflows; workflow runs recorded before it replay without it. */
const REVIEW_CLOSED_PATCH = 'review-closed';

/** A decision the ledger refuses for now (spent quota) is tried again this long after, doubling up to a day. */
const FIRST_RECHECK_MS = 3_600_000;
const LAST_RECHECK_MS = 24 * 3_600_000;

// No maximum of attempts: a database outage must delay a reviewer's decision, never lose it.
const ledger = proxyActivities<ReviewActivities & Pick<ConnectionActivities, 'hasQuota'>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function reviewWorkflow(input: ReviewWorkflowInput): Promise<ReviewStatus> {
  let decision: Decision | undefined;
  let wakeUp = false;
  // The first decision delivered stands: the ledger let only one be recorded, and a repeat is a redelivery.
  setHandler(decisionSignal, (d) => {
    decision ??= d;
    wakeUp = true;
  });
  setHandler(quotaRaisedSignal, () => void (wakeUp = true));

  let closeHinted = false;
  setHandler(reviewClosedSignal, () => void (closeHinted = true));
  const closed = async () => {
    if (!(await ledger.reviewClosed({ reviewId: input.reviewId }))) return false;
    upsertSearchAttributes([{ key: REVIEW_STATUS, value: 'closed' }]);
    return true;
  };

  // It may have been closed before this workflow started (its parent starts them after the page that found them).
  if (patched(REVIEW_CLOSED_PATCH) && (await closed())) return 'closed';
  // A reviewer may have decided before this workflow started (its parent starts a bounded number per workflow run).
  decision ??= (await ledger.recordedDecision({ reviewId: input.reviewId })) ?? undefined;
  while (decision === undefined) {
    await condition(() => decision !== undefined || closeHinted);
    closeHinted = false;
    if (decision === undefined && patched(REVIEW_CLOSED_PATCH) && (await closed())) return 'closed';
  }

  for (let recheckMs = FIRST_RECHECK_MS; ; recheckMs = Math.min(2 * recheckMs, LAST_RECHECK_MS)) {
    try {
      const { status } = await ledger.applyReviewDecision({ reviewId: input.reviewId, decision: decision! });
      upsertSearchAttributes([{ key: REVIEW_STATUS, value: status }]);
      return status;
    } catch (error) {
      const category = failureCategory(error);
      if (!category) throw error;
      // A refusal nothing will lift (a disconnected connection, an unknown review): the review stays
      // pending with the reason, and its workflow ends.
      if (category === 'refused') return 'pending';
      // Spent quota: the ledger recorded it as the review's pending reason. Raising the quota signals
      // `quotaRaised`; the timer covers a raise made while no signal could be sent.
      wakeUp = false;
      await condition(() => wakeUp, recheckMs);
    }
  }
}
