import { condition, setHandler } from '@temporalio/workflow';
import type { ReviewStatus } from '../../src/ledger/reviews';
import { decisionSignal, quotaRaisedSignal, type Decision, type ReviewWorkflowInput } from '../../src/temporal/messages';
import { applyUntilDone } from './apply';
import { ledger } from './proxies';

/**
 * The workflow as it ran before LEDGER_DECISION_PATCH, kept command for command for the reviews it still
 * runs. It took a signal's decision as given; `applyReviewDecision` now applies the ledger's whatever the
 * signal says, and fails (retried) while the ledger holds none, so these reviews are safe too.
 */
export async function signalledDecisionWorkflow(input: ReviewWorkflowInput): Promise<ReviewStatus> {
  let decision: Decision | undefined;
  let wakeUp = false;
  setHandler(decisionSignal, (d) => {
    decision ??= d;
    wakeUp = true;
  });
  setHandler(quotaRaisedSignal, () => void (wakeUp = true));

  decision ??= (await ledger.recordedDecision({ reviewId: input.reviewId })) ?? undefined;
  await condition(() => decision !== undefined);
  return applyUntilDone(input, decision!, async (timeoutMs) => {
    wakeUp = false;
    return condition(() => wakeUp, timeoutMs);
  });
}
