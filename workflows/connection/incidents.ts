import { ActivityFailure, condition, patched } from '@temporalio/workflow';
import { incidentKindOf, type IncidentKind } from '../../src/failures/categories';
import type { ConnectionStatus } from '../../src/ledger/status';
import { ledger } from './proxies';
import { setStatus, showStatus, untilRunnable, type Connection } from './state';

/**
 * The incident policy: what a failure that outlasted its activity's retries does to the connection. By
 * its category (src/failures): a refusal only a person can fix shows `error`, mails once and waits for
 * resume or new settings; spent quota shows `quota_exhausted`, mails once and waits for more; anything
 * else (it kept failing for about 45 minutes) mails once as a stalled sync and tries again later.
 */

const RETRY_AFTER_STALL_MS = 30 * 60_000;
/** A pause during an incident ends its wait, so the connection shows `paused` at once; before, only resume did. */
const PAUSE_DURING_INCIDENT_PATCH = 'pause-during-incident';
const QUOTA_RECHECK_MS = 3_600_000;

/**
 * Runs a step until it succeeds, showing `busy` meanwhile; undefined when the connection is being
 * disconnected. The first success after an incident closes it, so that the next failure mails again.
 */
export async function untilDone<T>(connection: Connection, step: () => Promise<T>, busy: ConnectionStatus): Promise<T | undefined> {
  const { connectionId } = connection.input;
  for (;;) {
    if (!(await untilRunnable(connection))) return undefined;
    if (connection.status !== busy) await setStatus(connection, busy);
    try {
      const result = await step();
      if (connection.state.incidentOpen) {
        await ledger.resolveIncidents({ connectionId, ...runOf(connection) });
        connection.state.incidentOpen = false;
      }
      return result;
    } catch (error) {
      await reportAndWait(connection, error);
    }
  }
}

/** Reports the failure as an incident and waits for what may end it. */
async function reportAndWait(connection: Connection, error: unknown): Promise<void> {
  const failure = error instanceof ActivityFailure ? error.cause : undefined;
  const kind = incidentKindOf(error);
  const message = failure?.message ?? (error as Error).message;
  connection.wakeUp = false;
  connection.state.incidentOpen = true;
  const pauseEndsWait = patched(PAUSE_DURING_INCIDENT_PATCH);
  // Paused, the step waits in untilRunnable for resume, then tries again.
  const woken = () => connection.wakeUp || connection.disconnectRequested || (pauseEndsWait && connection.state.paused);
  if (kind === 'quota_exhausted') {
    await report(connection, kind, message, 'quota_exhausted');
    // The API signals a raise; the periodic check covers a raise made while no signal could be sent.
    while (!woken() && !(await ledger.hasQuota())) await condition(woken, QUOTA_RECHECK_MS);
  } else if (kind === 'stalled') {
    await report(connection, kind, message);
    await condition(woken, RETRY_AFTER_STALL_MS);
  } else {
    await report(connection, kind, message, 'error');
    await condition(woken);
  }
}

/** Opens an incident (one e-mail per incident), showing `status` while it lasts. */
async function report(connection: Connection, kind: IncidentKind, message: string, status?: 'error' | 'quota_exhausted') {
  if (status) showStatus(connection, status);
  await ledger.reportIncident({ connectionId: connection.input.connectionId, kind, message, ...(status ? { status } : {}), ...runOf(connection) });
}

/** The run an incident holds up, whose `error` shows it meanwhile. */
function runOf({ state }: Connection): { runId?: string } {
  return state.running ? { runId: state.running.runId } : {};
}
