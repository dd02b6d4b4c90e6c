import { Context } from '@temporalio/activity';

/**
 * Now on Temporal's clock: when this attempt was scheduled, which is the time workflows (and their timers)
 * see. Reviews are created and reminders timed on this one clock, so that a reminder due "7 days after" is
 * due when the workflow's 7-day timer fires — also on a test server that skips time.
 */
export function temporalNow(): Date {
  return new Date(Context.current().info.currentAttemptScheduledTimestampMs);
}
