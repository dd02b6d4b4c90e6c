import { condition, patched, workflowInfo } from '@temporalio/workflow';
import { hooksDue, importHooked } from './hooks';
import { reviewUpkeep, type ReviewStarts } from './reviews';
import { setStatus, type Connection } from './state';

/** Review upkeep (reminders, lost decisions) while waiting; workflow runs recorded before it replay without it. */
const REVIEW_UPKEEP_PATCH = 'review-upkeep';
/** The shortest wait for a reminder, so that a clock a little behind cannot make a busy loop. */
const MIN_REMINDER_WAIT_MS = 60_000;
/**
 * A wait that imports many hooks rests (continue-as-new) and goes on in a new run, due at the same time:
 * workflow runs recorded before it replay without it.
 */
const RESTING_WAIT_PATCH = 'hook-wait-rests';
/** Hook batches (of 20 documents, about 6 history events each) a run takes before it rests. */
export const HOOK_BATCHES_PER_RUN = 200;

/** `due`: the next sync is due or asked for; `rest`: the history has grown, continue as new and wait on. */
export type WaitEnd = 'due' | 'rest';

/**
 * Sleeps until the next sync is due (the sync interval after now) or asked for, showing `paused` while a
 * pause holds it, and waking meanwhile for the review upkeep when a reviewers' reminder falls due, and for
 * the documents CloudSign's webhook named (hooks.ts), which it imports without ending the wait.
 */
export async function waitForNextSync(connection: Connection, reviews: ReviewStarts): Promise<WaitEnd> {
  const { state } = connection;
  const rests = patched(RESTING_WAIT_PATCH);
  // A wait that rested goes on to the time it had; a new one waits the sync interval.
  const dueAt = (rests && state.syncDueAt) || Date.now() + connection.input.syncIntervalMs;
  if (rests) state.syncDueAt = dueAt;
  const nextSyncAt = new Date(dueAt).toISOString();
  let reminderAt = patched(REVIEW_UPKEEP_PATCH) ? await reviewUpkeep(connection) : null;
  for (;;) {
    const paused = state.paused;
    await setStatus(connection, paused ? 'paused' : 'idle', { nextSyncAt });
    for (;;) {
      const remaining = dueAt - Date.now();
      if (remaining <= 0) return due(state);
      const reminderIn = reminderAt === null ? Infinity : Math.max(reminderAt - Date.now(), MIN_REMINDER_WAIT_MS);
      const woke = await condition(
        () => state.syncRequested || !!state.reconcileRequested || connection.disconnectRequested || state.paused !== paused || hooksDue(connection),
        Math.min(remaining, reminderIn),
      );
      if (woke && hooksDue(connection) && !state.syncRequested && !state.reconcileRequested) {
        await importHooked(connection, reviews);
        // A flood of hooks must not grow one run's history without bound (Temporal ends it at 51,200 events).
        if (rests && (connection.hookBatches >= HOOK_BATCHES_PER_RUN || workflowInfo().continueAsNewSuggested)) return 'rest';
        continue;
      }
      if (woke) break;
      if (reminderIn >= remaining) return due(state);
      reminderAt = await reviewUpkeep(connection);
    }
    if (state.syncRequested || state.reconcileRequested || connection.disconnectRequested) return due(state);
  }
}

/** The wait is over: the next one starts afresh. */
function due(state: Connection['state']): WaitEnd {
  delete state.syncDueAt;
  return 'due';
}
