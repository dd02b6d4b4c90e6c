import { WorkflowNotFoundError, type Client, type Connection } from '@temporalio/client';
import { TypedSearchAttributes, type SignalDefinition } from '@temporalio/common';
import type { ConnectionStatus } from '../ledger/status';
import {
  CONNECTION_STATUS,
  MANAGEMENT_ID,
  REVIEW_STATUS,
  connectionWorkflowId,
  decisionSignal,
  disconnectSignal,
  reviewWorkflowId,
  type ConnectionState,
  type ConnectionWorkflowInput,
  type Decision,
  type ReviewWorkflowInput,
} from './messages';

/**
 * How the service outside the worker drives workflows: starting a connection's workflow and sending it
 * signals. Workflow IDs, signals and search-attribute keys come from `./messages`, so the API's services
 * and the workflows cannot disagree on a name.
 */

/** A Temporal client and the task queue the service's workers poll. */
export interface TemporalGateway {
  connection: Connection;
  client: Client;
  taskQueue: string;
}

/**
 * How long one call to Temporal may take, retries included, before the request answers 503. A server that
 * cannot be reached is given up sooner, after about 2 s (client.ts); this is for one that is reachable but
 * slow or shedding load. (This was 2.5 s until a fuzz run's signal met a workflow closing for continue-as-new
 * twice: the SDK's retries after RESOURCE_EXHAUSTED, 1.7 s and 2.9 s, outlasted it and the API answered 503.)
 */
export const TEMPORAL_DEADLINE_MS = 10_000;

const withinDeadline = <T>(temporal: TemporalGateway, call: () => Promise<T>) =>
  temporal.connection.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, call);

/**
 * Starts a connection's one long-lived workflow, findable in the Web UI by management ID and status; `state`
 * for a connection that synced before (connected again), so that it goes on where it left off.
 */
export async function startConnectionWorkflow(
  temporal: TemporalGateway,
  connection: { id: string; managementId: string; status: ConnectionStatus },
  start: { syncIntervalMs: number; reconcileIntervalMs?: number | undefined; state?: ConnectionState | undefined },
): Promise<void> {
  const { syncIntervalMs, reconcileIntervalMs, state } = start;
  await withinDeadline(temporal, () => temporal.client.workflow.start<(input: ConnectionWorkflowInput) => Promise<void>>('connectionWorkflow', {
    taskQueue: temporal.taskQueue,
    workflowId: connectionWorkflowId(connection.managementId),
    args: [{ connectionId: connection.id, managementId: connection.managementId, syncIntervalMs, ...(reconcileIntervalMs && { reconcileIntervalMs }), ...(state && { state }) }],
    typedSearchAttributes: new TypedSearchAttributes([
      { key: MANAGEMENT_ID, value: connection.managementId },
      { key: CONNECTION_STATUS, value: connection.status },
    ]),
  }));
}

/**
 * Starts a review's workflow again, from outside its connection's workflow: a review a disconnect closed (its
 * workflow ended) and that connecting the client ID again reopened. Same workflow ID, so decisions find it.
 */
export async function startReviewWorkflowAgain(temporal: TemporalGateway, review: ReviewWorkflowInput): Promise<void> {
  await withinDeadline(temporal, () => temporal.client.workflow.start<(input: ReviewWorkflowInput) => Promise<string>>('reviewWorkflow', {
    taskQueue: temporal.taskQueue,
    workflowId: reviewWorkflowId(review.managementId, review.documentId),
    args: [review],
    // The closed review's workflow has completed: its ID may be used again.
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: new TypedSearchAttributes([
      { key: MANAGEMENT_ID, value: review.managementId },
      { key: REVIEW_STATUS, value: 'pending' },
    ]),
  }));
}

/** Sends a signal without arguments to a connection's workflow. */
export async function signalConnection(temporal: TemporalGateway, managementId: string, signal: SignalDefinition<[], string>): Promise<void> {
  await withinDeadline(temporal, () => temporal.client.workflow.getHandle(connectionWorkflowId(managementId)).signal(signal));
}

/** Tells a connection's workflow to end; one that has ended already (a repeated disconnect) is fine. */
export async function signalDisconnect(temporal: TemporalGateway, managementId: string): Promise<void> {
  await signalConnection(temporal, managementId, disconnectSignal).catch((error: Error) => {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  });
}

/**
 * Delivers a recorded decision to its review's workflow; false when there is no such workflow — it has not
 * been started yet (and reads the decision from the ledger when it starts) or has ended already.
 */
export async function deliverDecision(temporal: TemporalGateway, review: { managementId: string; documentId: string }, decision: Decision): Promise<boolean> {
  try {
    await withinDeadline(temporal, () => temporal.client.workflow.getHandle(reviewWorkflowId(review.managementId, review.documentId)).signal(decisionSignal, decision));
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/** How long each signal of a fan-out may take before it is given up. */
const SIGNAL_DEADLINE_MS = 5_000;
/** Signals in flight at once: thousands of workflows may be waiting. */
const SIGNALS_AT_ONCE = 100;

/**
 * Sends `signal` to many workflows, a bounded number at a time, each within a deadline. A workflow that is
 * missing or cannot be reached is logged and skipped. Returns the IDs of the workflows signalled.
 */
export async function signalEach(temporal: TemporalGateway, workflowIds: readonly string[], signal: SignalDefinition<[], string>): Promise<string[]> {
  const { connection, client } = temporal;
  const signalled: string[] = [];
  for (let i = 0; i < workflowIds.length; i += SIGNALS_AT_ONCE) {
    const batch = workflowIds.slice(i, i + SIGNALS_AT_ONCE);
    const results = await Promise.allSettled(
      batch.map((workflowId) => connection.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () => client.workflow.getHandle(workflowId).signal(signal))),
    );
    results.forEach((result, j) => {
      const workflowId = batch[j]!;
      if (result.status === 'fulfilled') signalled.push(workflowId);
      else console.warn(`${signal.name}: could not signal workflow ${workflowId}: ${(result.reason as Error).message}`);
    });
  }
  return signalled;
}
