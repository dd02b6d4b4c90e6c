import { patched, workflowInfo } from '@temporalio/workflow';
import type { ConnectionStatus } from '../../src/ledger/status';
import type { PageResult, RunningSync, SyncKind } from '../../src/temporal/messages';
import { importing, ledger } from './proxies';
import { untilDone } from './incidents';
import type { ReviewStarts } from './reviews';
import type { Connection } from './state';

/**
 * One sync of a connection, as one run in the ledger: begin it (its window and file count), import its
 * pages one by one, finish it. A long one goes on in the next workflow run at the page it reached.
 */

/** How far each incremental window reaches back, so that a document that becomes visible late is found. */
const OVERLAP_MS = 2 * 24 * 3_600_000;
/** Pages per workflow run before continue-as-new; each page is a handful of history events. */
const PAGES_PER_WORKFLOW_RUN = 200;
/** Failed files retried by ID at the end of each sync; workflow runs recorded before replay without it. */
const RETRY_BY_ID_PATCH = 'retry-failed-files-by-id';
/** Batches of retries per sync (50 documents each); what is left is due at the next sync. */
const RETRY_BATCHES_PER_SYNC = 20;

/** `done`: the run finished; `continued`: it goes on after continue-as-new; `stopped`: a disconnect. */
export type SyncOutcome = 'done' | 'continued' | 'stopped';

export async function runSync(connection: Connection, kind: SyncKind, reviews: ReviewStarts): Promise<SyncOutcome> {
  const { state } = connection;
  const busy: ConnectionStatus = kind === 'full' ? 'importing' : 'syncing';
  state.running ??= (await beginRun(connection, kind, busy)) ?? null;
  const running = state.running;
  if (!running) return 'stopped';
  for (let pages = 0; ; pages++) {
    if (pages >= PAGES_PER_WORKFLOW_RUN || workflowInfo().continueAsNewSuggested) return 'continued';
    const page = await importPage(connection, running, busy);
    if (!page) return 'stopped';
    running.filesDone += page.filesDone;
    if (page.reviews?.length) (state.reviewsToStart ??= []).push(...page.reviews);
    const allQueuedStarted = reviews.startQueued();
    if (!page.hasMore) break;
    running.page++;
    if (!allQueuedStarted) return 'continued';
  }
  if (patched(RETRY_BY_ID_PATCH) && !(await retryFailedFiles(connection, running, busy, reviews))) return 'stopped';
  await ledger.finishRun({ connectionId: connection.input.connectionId, runId: running.runId, outcome: 'succeeded' });
  state.lastSyncWindowEnd = running.window.to;
  state.running = null;
  return 'done';
}

/** Opens the ledger's run of this sync, once per cycle however often retried (its run key). */
async function beginRun(connection: Connection, kind: SyncKind, busy: ConnectionStatus): Promise<RunningSync | undefined> {
  const { state } = connection;
  const from = state.lastSyncWindowEnd ? new Date(new Date(state.lastSyncWindowEnd).getTime() - OVERLAP_MS).toISOString() : null;
  const runKey = `${workflowInfo().workflowId}/${state.cycle}`;
  const run = await untilDone(connection, () => importing.beginRun({ connectionId: connection.input.connectionId, kind, runKey, from }), busy);
  return run && { runId: run.runId, kind, window: run.window, page: 1, filesDone: 0, filesTotal: run.filesTotal };
}

function importPage(connection: Connection, running: RunningSync, busy: ConnectionStatus): Promise<PageResult | undefined> {
  const { runId, window, page, filesDone, filesTotal } = running;
  return untilDone(
    connection,
    () => importing.importPage({ connectionId: connection.input.connectionId, runId, window, page, filesDoneBefore: filesDone, filesTotal }),
    busy,
  );
}

/**
 * The connection's failed files that are due, retried by document ID whatever this sync's window lists,
 * as part of this run. False when a disconnect cut it short.
 */
async function retryFailedFiles(connection: Connection, running: RunningSync, busy: ConnectionStatus, reviews: ReviewStarts): Promise<boolean> {
  const { connectionId } = connection.input;
  for (let batch = 0; batch < RETRY_BATCHES_PER_SYNC; batch++) {
    const retried = await untilDone(connection, () => importing.retryFailedFiles({ connectionId, runId: running.runId }), busy);
    if (!retried) return false;
    running.filesDone += retried.filesDone;
    if (retried.reviews?.length) (connection.state.reviewsToStart ??= []).push(...retried.reviews);
    reviews.startQueued();
    if (!retried.hasMore) break;
  }
  return true;
}
