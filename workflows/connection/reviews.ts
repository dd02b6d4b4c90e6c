import { getExternalWorkflowHandle, log, ParentClosePolicy, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { decisionSignal, MANAGEMENT_ID, REVIEW_STATUS, reviewWorkflowId, type ReviewToStart } from '../../src/temporal/messages';
import type { reviewWorkflow } from '../review';
import { ledger } from './proxies';
import type { Connection } from './state';

/**
 * Review mode, as the connection's workflow sees it: each new document's review workflow (workflows/review/)
 * started as an abandoned child, and the reviews' upkeep while the connection waits for its next sync.
 */

/**
 * Review workflows started per workflow run. They are abandoned children that wait for people, for days or
 * months, and each one a workflow run starts counts against Temporal's limit of 2,000 unfinished children
 * (500 recommended) until that workflow run closes. One that reaches this number continues as new, carrying
 * the reviews it could not start yet: the next one starts them with a fresh count, and the children live on.
 */
const REVIEWS_PER_WORKFLOW_RUN = 400;

/** The review workflows this workflow run starts, and the starts still under way. */
export interface ReviewStarts {
  /** Starts the queued reviews, as many as this workflow run may; false when some must wait for the next. */
  startQueued(): boolean;
  /** Waits for every start under way: one still pending when the workflow run closes would be dropped. */
  settled(): Promise<void>;
}

export function reviewStarts(connection: Connection): ReviewStarts {
  let started = 0;
  // The starts go on while the next page is imported (starting a hundred workflows takes the server a while).
  const underWay: Promise<void>[] = [];
  return {
    startQueued() {
      const queue = connection.state.reviewsToStart;
      if (!queue?.length) return true;
      const batch = queue.splice(0, REVIEWS_PER_WORKFLOW_RUN - started);
      started += batch.length;
      underWay.push(...batch.map((review) => startReview(connection, review)));
      if (queue.length) return false;
      delete connection.state.reviewsToStart;
      return true;
    },
    async settled() {
      await Promise.all(underWay);
    },
  };
}

/** A review whose workflow exists already (its page was listed twice) is skipped. */
async function startReview({ input }: Connection, { reviewId, documentId }: ReviewToStart): Promise<void> {
  try {
    await startChild<typeof reviewWorkflow>('reviewWorkflow', {
      workflowId: reviewWorkflowId(input.managementId, documentId),
      args: [{ reviewId, connectionId: input.connectionId, managementId: input.managementId, documentId }],
      // It waits for a person and must outlive this workflow run (continue-as-new), a restart, even a disconnect.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      // One workflow per review, ever: a review done already is never started again.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: MANAGEMENT_ID, value: input.managementId },
        { key: REVIEW_STATUS, value: 'pending' },
      ],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/**
 * Review mode's care, while the connection waits for its next sync anyway: the reviewers' reminder (the
 * activity sends it when due, at most weekly) and a new delivery of decisions whose signal seems lost.
 * One place for every review of the connection, instead of a timer in each of thousands of review
 * workflows. Returns when the next reminder may be due; best effort: a failure waits for the next cycle.
 */
export async function reviewUpkeep({ input }: Connection): Promise<number | null> {
  try {
    const upkeep = await ledger.reviewUpkeep({ connectionId: input.connectionId });
    await Promise.all(
      upkeep.undelivered.map(({ documentId, decision }) =>
        // A workflow that has ended (the decision took effect meanwhile) or not started yet needs nothing.
        getExternalWorkflowHandle(reviewWorkflowId(input.managementId, documentId)).signal(decisionSignal, decision).catch(() => undefined),
      ),
    );
    return upkeep.nextReminderAt === null ? null : new Date(upkeep.nextReminderAt).getTime();
  } catch (error) {
    log.warn('review upkeep failed; it runs again at the next sync', { error: (error as Error).message });
    return null;
  }
}
