import { condition, continueAsNew, log, patched, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ReviewStatus } from '../../src/ledger/reviews';
import {
  decisionSignal,
  quotaRaisedSignal,
  REVIEW_STATUS,
  reviewClosedSignal,
  sameDecision,
  type Decision,
  type ReviewWorkflowInput,
} from '../../src/temporal/messages';
import { applyUntilDone } from './apply';
import { signalledDecisionWorkflow } from './legacy';
import { ledger } from './proxies';

/**
 * One workflow per CloudSign document of a review-mode connection (ID `review/<managementId>/<documentId>`),
 * started by the connection's workflow as an abandoned child: it outlives the parent's continue-as-new and
 * restarts. Its document's files are in storage and its pending review in the ledger already; it waits for
 * the decision a reviewer recorded in the ledger, makes it take effect once, and ends. Search attributes
 * `ManagementId` and `ReviewStatus` (`pending` → `approved` | `discarded`) make what waits easy to list.
 *
 * The ledger is the only authority on a decision. The API records a reviewer's decision there (after its
 * check that the user is a reviewer) and then signals; the signal only wakes the workflow, which reads the
 * decision from the ledger. So anyone who can reach Temporal but is no reviewer cannot decide a document
 * (a forged signal is logged and changes nothing), and a lost signal costs at most one re-read interval.
 *
 * Read on in: apply.ts (the decision taking effect, waiting for quota), legacy.ts (the workflow as it ran
 * before the ledger decided), proxies.ts (its activities).
 */

/** Workflows started before the ledger became the only source of decisions replay on the code they ran. */
const LEDGER_DECISION_PATCH = 'review-decision-from-ledger';

/**
 * Each re-read of the ledger adds about eleven events (timer, two workflow tasks, an activity); past this
 * many a review continues as new (about weekly at the default hour), so that one waiting for years keeps a
 * short history. Not a local activity, which would halve that: those need the workflow in the worker's
 * cache, and a worker may run without one.
 */
const HISTORY_EVENTS_PER_RUN = 2_000;

export async function reviewWorkflow(input: ReviewWorkflowInput): Promise<ReviewStatus> {
  if (!patched(LEDGER_DECISION_PATCH)) return signalledDecisionWorkflow(input);
  let woken = false;
  let signalled: Decision | undefined;
  setHandler(decisionSignal, (d) => {
    signalled = d;
    woken = true;
  });
  setHandler(quotaRaisedSignal, () => void (woken = true));
  // A disconnect closed the review in the ledger; the signal only wakes the workflow to read it.
  setHandler(reviewClosedSignal, () => void (woken = true));
  const wakeUp = async (timeoutMs: number) => {
    woken = false;
    return condition(() => woken, timeoutMs);
  };

  const decision = await recordedDecision(input, wakeUp, () => {
    const last = signalled;
    signalled = undefined;
    return last;
  });
  if (decision === 'closed') {
    upsertSearchAttributes([{ key: REVIEW_STATUS, value: 'closed' }]);
    return 'closed';
  }
  return applyUntilDone(input, decision, wakeUp);
}

/**
 * Reads the ledger until it holds a decision, or has closed the review (`closed`): at the start (a reviewer may have decided before this
 * workflow started), on every signal, and when a timer fires, so that a decision whose signal was lost
 * (the API recorded it, then could not reach Temporal) is found by the review itself. The timer starts at
 * the worker's REVIEW_DECISION_RECHECK / 4 and doubles up to it: a lost signal is found within that bound.
 */
async function recordedDecision(
  input: ReviewWorkflowInput,
  wakeUp: (timeoutMs: number) => Promise<boolean>,
  takeSignalled: () => Decision | undefined,
): Promise<Decision | 'closed'> {
  let waitMs = input.recheckMs;
  for (;;) {
    const { decision, closed, recheckMaxMs } = await ledger.decisionCheck({ reviewId: input.reviewId });
    if (closed) return 'closed';
    const signalled = takeSignalled();
    if (signalled && !(decision && sameDecision(signalled, decision))) {
      // Not an instruction: only the API, after checking the reviewer, records decisions.
      log.warn('a decision signal that does not match the ledger was ignored', { reviewId: input.reviewId, signalled, recorded: decision });
    }
    if (decision) return decision;
    waitMs = waitMs === undefined ? Math.ceil(recheckMaxMs / 4) : Math.min(recheckMaxMs, waitMs);
    if (workflowInfo().historyLength >= HISTORY_EVENTS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof reviewWorkflow>({ ...input, recheckMs: waitMs });
    }
    const hinted = await wakeUp(waitMs);
    if (!hinted) waitMs = Math.min(2 * waitMs, recheckMaxMs);
  }
}
