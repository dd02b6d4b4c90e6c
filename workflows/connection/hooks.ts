import { log, patched, workflowInfo } from '@temporalio/workflow';
import { hooked } from './proxies';
import type { ReviewStarts } from './reviews';
import type { Connection } from './state';

/**
 * CloudSign's webhook, as the connection's workflow sees it: hookReceivedSignal says documents wait in the
 * ledger's hook_imports; while the connection waits for its next sync (not paused, not importing), it
 * imports them by ID, a batch per activity, each batch its own run of kind `hook`. The signal is a nudge:
 * the documents come from the ledger, so repeated signals, or one that reaches a workflow busy with its full
 * import, change nothing but when they are looked at.
 */

/** Hook imports; workflow runs recorded before them never got the signal, and replay without them. */
const HOOK_PATCH = 'cloudsign-hook';
/** Batches (of 20 documents) per wake; a larger burst goes on at the next wake, at once. */
const BATCHES_PER_WAKE = 10;

/** Whether hooks wait that the connection may import now. */
export function hooksDue({ state, disconnectRequested }: Connection): boolean {
  return !!state.hooksPending && !state.paused && !disconnectRequested;
}

/**
 * Imports what the hooks named. A failure is not an incident: the hook was only a hint. The next sync (which
 * reports what needs a person) imports the documents and settles their waiting rows at its end
 * (settleHookImports), or the next hook takes them up again.
 */
export async function importHooked(connection: Connection, reviews: ReviewStarts): Promise<void> {
  const { state, input } = connection;
  state.hooksPending = false;
  if (!patched(HOOK_PATCH)) return;
  const { workflowId, runId } = workflowInfo();
  for (let batch = 0; batch < BATCHES_PER_WAKE; batch++) {
    const runKey = `${workflowId}/hook/${runId}/${connection.hookBatches++}`;
    let result;
    try {
      result = await hooked.importHookedDocuments({ connectionId: input.connectionId, runKey });
    } catch (error) {
      log.warn('hooked documents not imported now; the next hook or sync takes them up', { error: (error as Error).message });
      return;
    }
    if (result.reviews?.length) (state.reviewsToStart ??= []).push(...result.reviews);
    reviews.startQueued();
    if (!result.hasMore) return;
  }
  state.hooksPending = true;
}
