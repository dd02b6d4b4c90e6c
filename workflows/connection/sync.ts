import { workflowInfo } from '@temporalio/workflow';
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
