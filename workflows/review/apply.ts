import { upsertSearchAttributes } from '@temporalio/workflow';
import { failureCategory } from '../../src/failures/categories';
import type { ReviewStatus } from '../../src/ledger/reviews';
import { REVIEW_STATUS, type Decision, type ReviewWorkflowInput } from '../../src/temporal/messages';
import { ledger } from './proxies';

/** A decision the ledger refuses for now (spent quota) is tried again this long after, doubling up to a day. */
const FIRST_RECHECK_MS = 3_600_000;
const LAST_RECHECK_MS = 24 * 3_600_000;

/** Makes the decision take effect; spent quota waits (for `quotaRaised`, or a timer) and tries again. */
export async function applyUntilDone(input: ReviewWorkflowInput, decision: Decision, wakeUp: (timeoutMs: number) => Promise<boolean>): Promise<ReviewStatus> {
  for (let recheckMs = FIRST_RECHECK_MS; ; recheckMs = Math.min(2 * recheckMs, LAST_RECHECK_MS)) {
    try {
      const { status } = await ledger.applyReviewDecision({ reviewId: input.reviewId, decision });
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
      await wakeUp(recheckMs);
    }
  }
}
