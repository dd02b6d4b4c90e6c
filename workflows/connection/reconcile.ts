import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { MISSING_FILES, type RunningSync } from '../../src/temporal/messages';
import { untilDone } from './incidents';
import { importing, ledger } from './proxies';
import type { ReviewStarts } from './reviews';
import type { Connection } from './state';
import type { SyncOutcome } from './sync';

/**
 * Reconciliation, as a run of kind `reconcile`: a list-only sweep of everything the CloudSign user sees,
 * compared with the ledger, importing what is missing (activities/repair.ts). Due every reconcile interval
 * (RECONCILE_INTERVAL, 7 days by default) or when asked for; it takes the place of that cycle's sync, whose
 * window it covers, so the next incremental window starts at its end.
 */

const DEFAULT_RECONCILE_INTERVAL_MS = 7 * 24 * 3_600_000;

/** Whether the sync now due should be a reconciliation; the first cycle that asks starts the interval. */
export function reconcileDue({ input, state }: Connection): boolean {
  if (state.reconcileRequested) return true;
  state.lastReconciledAt ??= Date.now();
  return Date.now() - state.lastReconciledAt >= (input.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS);
}

export async function runReconcile(connection: Connection, reviews: ReviewStarts): Promise<SyncOutcome> {
  const { input, state } = connection;
  state.reconcileRequested = false;
  state.running ??= (await beginReconcile(connection)) ?? null;
  const running = state.running;
  if (!running) return 'stopped';
  const { connectionId } = input;
  const found = await untilDone(connection, () => importing.reconcile({ connectionId, runId: running.runId, window: running.window }), 'syncing');
  if (!found) return 'stopped';
  running.filesDone = running.filesTotal = found.cloudsignFiles;
  if (found.reviews?.length) (state.reviewsToStart ??= []).push(...found.reviews);
  reviews.startQueued();
  await ledger.finishRun({ connectionId, runId: running.runId, outcome: 'succeeded' });
  // Operators see it in the Web UI too: `MissingFiles > 0` lists the connections whose repair left a gap.
  upsertSearchAttributes([{ key: MISSING_FILES, value: found.missing }]);
  state.lastSyncWindowEnd = running.window.to;
  state.lastReconciledAt = Date.now();
  state.running = null;
  return 'done';
}

async function beginReconcile(connection: Connection): Promise<RunningSync | undefined> {
  const runKey = `${workflowInfo().workflowId}/${connection.state.cycle}`;
  const run = await untilDone(connection, () => importing.beginReconcile({ connectionId: connection.input.connectionId, runKey }), 'syncing');
  return run && { runId: run.runId, kind: 'reconcile', window: run.window, page: 1, filesDone: 0, filesTotal: 0 };
}
