import { condition, patched } from '@temporalio/workflow';
import { hooksDue, importHooked } from './hooks';
import { reviewUpkeep, type ReviewStarts } from './reviews';
import { setStatus, type Connection } from './state';

/** Review upkeep (reminders, lost decisions) while waiting; workflow runs recorded before it replay without it. */
const REVIEW_UPKEEP_PATCH = 'review-upkeep';
/** The shortest wait for a reminder, so that a clock a little behind cannot make a busy loop. */
const MIN_REMINDER_WAIT_MS = 60_000;

/**
 * Sleeps until the next sync is due (the sync interval after now) or asked for, showing `paused` while a
 * pause holds it, and waking meanwhile for the review upkeep when a reviewers' reminder falls due, and for
 * the documents CloudSign's webhook named (hooks.ts), which it imports without ending the wait.
 */
export async function waitForNextSync(connection: Connection, reviews: ReviewStarts): Promise<void> {
  const { state } = connection;
  const dueAt = Date.now() + connection.input.syncIntervalMs;
  const nextSyncAt = new Date(dueAt).toISOString();
  let reminderAt = patched(REVIEW_UPKEEP_PATCH) ? await reviewUpkeep(connection) : null;
  for (;;) {
    const paused = state.paused;
    await setStatus(connection, paused ? 'paused' : 'idle', { nextSyncAt });
    for (;;) {
      const remaining = dueAt - Date.now();
      if (remaining <= 0) return;
      const reminderIn = reminderAt === null ? Infinity : Math.max(reminderAt - Date.now(), MIN_REMINDER_WAIT_MS);
      const woke = await condition(
        () => state.syncRequested || !!state.reconcileRequested || connection.disconnectRequested || state.paused !== paused || hooksDue(connection),
        Math.min(remaining, reminderIn),
      );
      if (woke && hooksDue(connection) && !state.syncRequested && !state.reconcileRequested) {
        await importHooked(connection, reviews);
        continue;
      }
      if (woke) break;
      if (reminderIn >= remaining) return;
      reminderAt = await reviewUpkeep(connection);
    }
    if (state.syncRequested || state.reconcileRequested || connection.disconnectRequested) return;
  }
}
