import { continueAsNew, patched, upsertSearchAttributes } from '@temporalio/workflow';
import { MANAGEMENT_ID, type ConnectionWorkflowInput, type SyncKind } from '../../src/temporal/messages';
import { ledger } from './proxies';
import { reconcileDue, runReconcile } from './reconcile';
import { reviewStarts } from './reviews';
import { waitForNextSync } from './schedule';
import { listen, setStatus, type Connection } from './state';
import { runSync, type SyncOutcome } from './sync';

/**
 * One long-lived workflow per connection (ID `connection/<managementId>`): the full import, then every
 * sync interval an incremental sync of what changed since, forever. Each cycle ends in continue-as-new,
 * and so does a very long import, so that the history stays small for years. In review mode each new
 * document gets a review workflow of its own (workflows/review/), started here as an abandoned child.
 *
 * Read on in: state.ts (signals, the query, the status), sync.ts (one run, page by page), incidents.ts
 * (what a failure does), reviews.ts (review children and upkeep), schedule.ts (the wait between syncs).
 */

/** A run cut short by a disconnect is closed as `stopped`; workflow runs recorded before replay without it. */
const STOPPED_RUN_PATCH = 'stopped-run-outcome';
/** A workflow ending after a disconnect goes on when the connection is back; runs recorded before replay without it. */
const CONNECTED_AGAIN_PATCH = 'connected-again';
/** Reconciliations (reconcile.ts); workflow runs recorded before replay without them. */
const RECONCILE_PATCH = 'reconcile';
/** The sync and reconcile intervals read from the workers each cycle; workflow runs recorded before replay without it. */
const SCHEDULE_PATCH = 'schedule-from-workers';

export async function connectionWorkflow(input: ConnectionWorkflowInput): Promise<void> {
  const connection = listen(input);
  const { state } = connection;
  const reviews = reviewStarts(connection);

  upsertSearchAttributes([{ key: MANAGEMENT_ID, value: input.managementId }]);
  // Reviews the last workflow run could not start come first (one starts at most a bounded number).
  if (!reviews.startQueued()) {
    await reviews.settled();
    await continueAsNew<typeof connectionWorkflow>({ ...input, state });
  }
  await followSchedule(input);
  const outcome = await nextSync(connection, reviews);

  await reviews.settled();
  if (outcome === 'stopped' || connection.disconnectRequested) {
    await stopRun(connection);
    await setStatus(connection, 'disconnected');
    if (await connectedAgain(connection)) {
      // A new cycle number: the stopped run keeps its key; and a sync at once, as a connection brought back gets.
      await continueAsNew<typeof connectionWorkflow>({ ...input, state: { ...state, cycle: state.cycle + 1, syncRequested: true } });
    }
    return;
  }
  if (outcome === 'done') state.cycle++;
  await continueAsNew<typeof connectionWorkflow>({ ...input, state });
}

/** Goes on with the sync under way, or the full import, or waits for the next sync and runs it (`rested`: a wait to go on in the next run). */
async function nextSync(connection: Connection, reviews: ReturnType<typeof reviewStarts>): Promise<SyncOutcome | 'rested'> {
  const { state } = connection;
  if (state.running?.kind === 'reconcile') return runReconcile(connection, reviews);
  if (state.running) return runSync(connection, state.running.kind, reviews);
  if (state.lastSyncWindowEnd === null) return runSync(connection, 'full', reviews);
  if ((await waitForNextSync(connection, reviews)) === 'rest') return 'rested';
  if (patched(RECONCILE_PATCH) && reconcileDue(connection)) return runReconcile(connection, reviews);
  const kind: SyncKind = state.syncRequested ? 'manual' : 'incremental';
  state.syncRequested = false;
  return runSync(connection, kind, reviews);
}

/**
 * Takes SYNC_INTERVAL and RECONCILE_INTERVAL as the workers have them now (an operator may have changed them
 * since the connection was made); they travel on in the input of the next continue-as-new.
 */
async function followSchedule(input: ConnectionWorkflowInput): Promise<void> {
  if (!patched(SCHEDULE_PATCH)) return;
  const schedule = await ledger.currentSchedule();
  if (schedule) Object.assign(input, schedule);
}

/**
 * Whether the connection was brought back (its client ID connected again) while this workflow was ending: the
 * API's start of its workflow found this one still running, so this one goes on. Workflow runs recorded before
 * it replay without asking.
 */
async function connectedAgain({ input }: Connection): Promise<boolean> {
  return patched(CONNECTED_AGAIN_PATCH) && !(await ledger.isDisconnected({ connectionId: input.connectionId }));
}

/** Closes the ledger's run a disconnect interrupted, so that it does not show as running forever. */
async function stopRun({ input, state }: Connection): Promise<void> {
  if (!state.running || !patched(STOPPED_RUN_PATCH)) return;
  // Ended while an error held it up: `failed`, with that error (recorded on the run when it was reported).
  const outcome = state.incidentOpen ? 'failed' : 'stopped';
  await ledger.finishRun({ connectionId: input.connectionId, runId: state.running.runId, outcome });
  state.running = null;
}
