import { condition, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { ConnectionStatus } from '../../src/ledger/status';
import {
  CONNECTION_STATUS,
  disconnectSignal,
  hookReceivedSignal,
  pauseSignal,
  progressQuery,
  quotaRaisedSignal,
  reconcileNowSignal,
  resumeSignal,
  settingsChangedSignal,
  syncNowSignal,
  type ConnectionState,
  type ConnectionWorkflowInput,
} from '../../src/temporal/messages';
import { ledger } from './proxies';

/**
 * What one workflow run of a connection knows: the state it carries over continue-as-new, and what only
 * this workflow run holds (the status shown, the signals received meanwhile).
 */
export interface Connection {
  readonly input: ConnectionWorkflowInput;
  readonly state: ConnectionState;
  status: ConnectionStatus;
  disconnectRequested: boolean;
  /** Something a waiting connection should look at again arrived: resume, new settings, more quota. */
  wakeUp: boolean;
  /** Hook import batches this workflow run started: names their runs (hooks.ts). */
  hookBatches: number;
}

const FRESH: ConnectionState = { cycle: 0, lastSyncWindowEnd: null, running: null, paused: false, syncRequested: false, incidentOpen: false };

/** The connection of this workflow run, answering its signals and the `progress` query from now on. */
export function listen(input: ConnectionWorkflowInput): Connection {
  const connection: Connection = { input, state: input.state ?? { ...FRESH }, status: 'idle', disconnectRequested: false, wakeUp: false, hookBatches: 0 };
  const { state } = connection;
  setHandler(syncNowSignal, () => void (state.syncRequested = true));
  setHandler(reconcileNowSignal, () => void (state.reconcileRequested = true));
  setHandler(pauseSignal, () => void (state.paused = true));
  setHandler(resumeSignal, () => {
    state.paused = false;
    connection.wakeUp = true;
  });
  setHandler(disconnectSignal, () => void (connection.disconnectRequested = true));
  setHandler(settingsChangedSignal, () => void (connection.wakeUp = true));
  setHandler(quotaRaisedSignal, () => void (connection.wakeUp = true));
  setHandler(hookReceivedSignal, () => void (state.hooksPending = true));
  setHandler(progressQuery, () => ({
    status: connection.status,
    run: state.running && {
      kind: state.running.kind,
      page: state.running.page,
      filesDone: state.running.filesDone,
      filesTotal: state.running.filesTotal,
    },
    lastSyncWindowEnd: state.lastSyncWindowEnd,
    paused: state.paused,
  }));
  return connection;
}

/** Shows `next` in the `progress` query and the Web UI's `ConnectionStatus`, without telling the ledger. */
export function showStatus(connection: Connection, next: ConnectionStatus): void {
  connection.status = next;
  upsertSearchAttributes([{ key: CONNECTION_STATUS, value: next }]);
}

/** Shows `next` and records it in the ledger, which the API reads. */
export async function setStatus(connection: Connection, next: ConnectionStatus, extra: { nextSyncAt?: string } = {}): Promise<void> {
  showStatus(connection, next);
  // The API records a disconnect itself; the other states only the workflow knows.
  if (next !== 'disconnected') await ledger.setConnectionStatus({ connectionId: connection.input.connectionId, status: next, ...extra });
}

/** Waits while paused; false when the connection is being disconnected. */
export async function untilRunnable(connection: Connection): Promise<boolean> {
  if (connection.state.paused && !connection.disconnectRequested) {
    await setStatus(connection, 'paused');
    await condition(() => !connection.state.paused || connection.disconnectRequested);
  }
  return !connection.disconnectRequested;
}
