import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ConnectionActivities, PageResult, SyncKind, SyncWindow } from '../activities/connection';
import type { ConnectionStatus } from '../src/ledger/status';

/**
 * One long-lived workflow per connection (ID `connection/<managementId>`): the full import, then every
 * SYNC_INTERVAL an incremental sync of what changed since, forever. Each cycle ends in continue-as-new,
 * and so does a very long import, so that the history stays small for years.
 */

export const syncNowSignal = defineSignal('syncNow');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const disconnectSignal = defineSignal('disconnect');
/** Settings (client ID, visibility, save mode…) changed: a connection waiting on an error tries again. */
export const settingsChangedSignal = defineSignal('settingsChanged');
/** The quota was raised: a connection stopped by `quota_exhausted` goes on. */
export const quotaRaisedSignal = defineSignal('quotaRaised');

export interface ConnectionProgress {
  status: ConnectionStatus;
  run: { kind: SyncKind; page: number; filesDone: number; filesTotal: number } | null;
  lastSyncWindowEnd: string | null;
  paused: boolean;
}
export const progressQuery = defineQuery<ConnectionProgress>('progress');

/** A sync in progress, carried over continue-as-new so a long import goes on at the page it reached. */
interface RunningSync {
  runId: string;
  kind: SyncKind;
  window: SyncWindow;
  page: number;
  filesDone: number;
  filesTotal: number;
}

export interface ConnectionState {
  cycle: number;
  /** `to` of the last finished sync: the next window starts there, less the overlap. */
  lastSyncWindowEnd: string | null;
  running: RunningSync | null;
  paused: boolean;
  syncRequested: boolean;
  /** An incident e-mail went out; the next success closes it, so that a later failure mails again. */
  incidentOpen: boolean;
}

export interface ConnectionWorkflowInput {
  connectionId: string;
  managementId: string;
  syncIntervalMs: number;
  /** How far each incremental window reaches back, so that a document that becomes visible late is found. */
  overlapMs?: number;
  state?: ConnectionState;
}

export function connectionWorkflowId(managementId: string): string {
  return `connection/${managementId}`;
}

const DEFAULT_OVERLAP_MS = 2 * 24 * 3_600_000;
/** Pages per workflow run before continue-as-new; each page is a handful of history events. */
const PAGES_PER_RUN = 200;
const RETRY_AFTER_STALL_MS = 30 * 60_000;
const QUOTA_RECHECK_MS = 3_600_000;

/** Refusals only a person can resolve: the workflow stops and waits for them, it does not crash-loop. */
const NEEDS_PERSON = ['invalid_client', 'forbidden', 'api_not_in_plan', 'plan_not_supported'];
const QUOTA_EXHAUSTED = 'quota_exhausted';

const short = proxyActivities<ConnectionActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const sync = proxyActivities<ConnectionActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    // About 45 minutes of retries; after that the workflow reports a stalled sync and keeps trying.
    maximumAttempts: 12,
    nonRetryableErrorTypes: [...NEEDS_PERSON, QUOTA_EXHAUSTED],
  },
});

export async function connectionWorkflow(input: ConnectionWorkflowInput): Promise<void> {
  const { connectionId, syncIntervalMs } = input;
  const overlapMs = input.overlapMs ?? DEFAULT_OVERLAP_MS;
  const state: ConnectionState = input.state ?? {
    cycle: 0,
    lastSyncWindowEnd: null,
    running: null,
    paused: false,
    syncRequested: false,
    incidentOpen: false,
  };
  let status: ConnectionStatus = 'idle';
  let disconnectRequested = false;
  let wakeUp = false;

  setHandler(syncNowSignal, () => void (state.syncRequested = true));
  setHandler(pauseSignal, () => void (state.paused = true));
  setHandler(resumeSignal, () => {
    state.paused = false;
    wakeUp = true;
  });
  setHandler(disconnectSignal, () => void (disconnectRequested = true));
  setHandler(settingsChangedSignal, () => void (wakeUp = true));
  setHandler(quotaRaisedSignal, () => void (wakeUp = true));
  setHandler(progressQuery, () => ({
    status,
    run: state.running && {
      kind: state.running.kind,
      page: state.running.page,
      filesDone: state.running.filesDone,
      filesTotal: state.running.filesTotal,
    },
    lastSyncWindowEnd: state.lastSyncWindowEnd,
    paused: state.paused,
  }));

  async function setStatus(next: ConnectionStatus, extra: { nextSyncAt?: string } = {}) {
    status = next;
    upsertSearchAttributes({ ConnectionStatus: [next] });
    // The API records a disconnect itself; the other states only the workflow knows.
    if (next !== 'disconnected') await short.setConnectionStatus({ connectionId, status: next, ...extra });
  }

  /** Opens an incident (one e-mail per incident), showing `next` as the status while it lasts. */
  async function reportTrouble(kind: string, message: string, next?: 'error' | 'quota_exhausted') {
    if (next) {
      status = next;
      upsertSearchAttributes({ ConnectionStatus: [next] });
    }
    await short.reportIncident({ connectionId, kind, message, ...(next ? { status: next } : {}) });
  }

  /** Waits while paused; false when the connection is being disconnected. */
  async function untilRunnable(): Promise<boolean> {
    if (state.paused && !disconnectRequested) {
      await setStatus('paused');
      await condition(() => !state.paused || disconnectRequested);
    }
    return !disconnectRequested;
  }

  /**
   * Runs a step until it succeeds. Transient trouble is retried by the activity's retry policy; what
   * remains is either a refusal for a person (status `error`, one e-mail, wait for resume or new
   * settings), spent quota (status `quota_exhausted`, wait for more), or a sync that could not finish
   * for a long time (one e-mail, try again later).
   */
  async function persist<T>(step: () => Promise<T>, busy: ConnectionStatus): Promise<T | undefined> {
    for (;;) {
      if (!(await untilRunnable())) return undefined;
      if (status !== busy) await setStatus(busy);
      try {
        const result = await step();
        if (state.incidentOpen) {
          await short.resolveIncidents({ connectionId });
          state.incidentOpen = false;
        }
        return result;
      } catch (error) {
        const failure = error instanceof ActivityFailure ? error.cause : undefined;
        const type = failure instanceof ApplicationFailure ? failure.type ?? 'unknown' : 'unknown';
        const message = failure?.message ?? (error as Error).message;
        wakeUp = false;
        state.incidentOpen = true;
        if (type === QUOTA_EXHAUSTED) {
          await reportTrouble(type, message, 'quota_exhausted');
          // The API signals a raise; the periodic check covers a raise made while no signal could be sent.
          while (!wakeUp && !disconnectRequested && !(await short.hasQuota())) {
            await condition(() => wakeUp || disconnectRequested, QUOTA_RECHECK_MS);
          }
        } else if (NEEDS_PERSON.includes(type)) {
          await reportTrouble(type, message, 'error');
          await condition(() => wakeUp || disconnectRequested);
        } else {
          await reportTrouble('stalled', message);
          await condition(() => wakeUp || disconnectRequested, RETRY_AFTER_STALL_MS);
        }
      }
    }
  }

  async function runSync(kind: SyncKind): Promise<'done' | 'continued' | 'stopped'> {
    const busy: ConnectionStatus = kind === 'full' ? 'importing' : 'syncing';
    if (!state.running) {
      const from = state.lastSyncWindowEnd
        ? new Date(new Date(state.lastSyncWindowEnd).getTime() - overlapMs).toISOString()
        : null;
      const run = await persist(
        () => sync.beginRun({ connectionId, kind, runKey: `${workflowInfo().workflowId}/${state.cycle}`, from }),
        busy,
      );
      if (!run) return 'stopped';
      state.running = { runId: run.runId, kind, window: run.window, page: 1, filesDone: 0, filesTotal: run.filesTotal };
    }
    const running = state.running;
    for (let pagesThisRun = 0; ; pagesThisRun++) {
      if (pagesThisRun >= PAGES_PER_RUN || workflowInfo().continueAsNewSuggested) return 'continued';
      const page: PageResult | undefined = await persist(
        () =>
          sync.importPage({
            connectionId,
            runId: running.runId,
            window: running.window,
            page: running.page,
            filesDoneBefore: running.filesDone,
            filesTotal: running.filesTotal,
          }),
        busy,
      );
      if (!page) return 'stopped';
      running.filesDone += page.filesDone;
      if (!page.hasMore) break;
      running.page++;
    }
    await short.finishRun({ connectionId, runId: running.runId });
    state.lastSyncWindowEnd = running.window.to;
    state.running = null;
    return 'done';
  }

  upsertSearchAttributes({ ManagementId: [input.managementId] });
  let outcome: Awaited<ReturnType<typeof runSync>>;
  if (state.running) {
    outcome = await runSync(state.running.kind);
  } else if (state.lastSyncWindowEnd === null) {
    outcome = await runSync('full');
  } else {
    await waitForNextSync();
    const kind: SyncKind = state.syncRequested ? 'manual' : 'incremental';
    state.syncRequested = false;
    outcome = await runSync(kind);
  }

  if (outcome === 'stopped' || disconnectRequested) {
    await setStatus('disconnected');
    return;
  }
  if (outcome === 'done') state.cycle++;
  await continueAsNew<typeof connectionWorkflow>({ ...input, state });

  /** Sleeps until the next sync is due or asked for, showing `paused` while a pause holds it. */
  async function waitForNextSync() {
    const dueAt = Date.now() + syncIntervalMs;
    const nextSyncAt = new Date(dueAt).toISOString();
    for (;;) {
      const paused = state.paused;
      await setStatus(paused ? 'paused' : 'idle', { nextSyncAt });
      const remaining = dueAt - Date.now();
      if (remaining <= 0) return;
      const woke = await condition(
        () => state.syncRequested || disconnectRequested || state.paused !== paused,
        remaining,
      );
      if (!woke || state.syncRequested || disconnectRequested) return;
    }
  }
}
