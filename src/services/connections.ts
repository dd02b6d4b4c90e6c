import type { CloudSignClient } from '../cloudsign';
import type { MikroORM } from '../db';
import { silentLogger, type Logger } from '../logging';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import {
  ConflictError,
  connectionsWithoutWorkflow,
  createConnection,
  disconnectConnection,
  getConnection,
  recordConnectionControl,
  recordWorkflowStarted,
  pendingReviewsOf,
  reviewsClosedByDisconnect,
  syncPositionOf,
  requestFileRetry,
  updateConnection,
  type AuditActor,
  type Connection,
  type ConnectionSettings,
} from '../ledger';
import {
  signalConnection,
  signalDisconnect,
  signalEach,
  startConnectionWorkflow,
  startReviewWorkflowAgain,
  type TemporalGateway,
} from '../temporal/gateway';
import {
  pauseSignal,
  resumeSignal,
  reconcileNowSignal,
  reviewClosedSignal,
  reviewWorkflowId,
  settingsChangedSignal,
  syncNowSignal,
  type ConnectionState,
} from '../temporal/messages';
import { UnavailableError } from './errors';
import { attachHookEndpoint } from './hooks';
import { unavailableDependency } from '../failures';

/**
 * A connection's life as an admin drives it: connecting (the ledger row and its workflow), changing its
 * settings, the controls (sync now, pause, resume) and disconnecting. The ledger records, the workflow is
 * told. A client ID CloudSign refuses fails with its CloudSignError before anything is written.
 */

export interface ConnectionServiceDeps {
  orm: MikroORM;
  cloudsign: CloudSignClient;
  temporal: TemporalGateway;
  secretsKey: string;
  syncIntervalMs: number;
  /** Where a workflow that could not be started is reported; silent if absent. */
  logger?: Logger;
  reconcileIntervalMs?: number;
}

/**
 * Connects a client ID CloudSign accepts; its workflow starts, and with it the full import — or, for a client
 * ID connected and disconnected before, its connection comes back (`createConnection`) and its workflow goes on
 * from the position its runs recorded, with a sync at once. The connection is
 * committed first, so that its workflow's first activity finds it. A start Temporal does not take now (it is
 * down) is not the request's failure: the connection is saved and answered, and its workflow is started by
 * startMissingWorkflows as soon as Temporal answers.
 */
export async function connect(deps: ConnectionServiceDeps, input: ConnectionSettings & { clientId: string; actor?: AuditActor }): Promise<Connection> {
  const access = await deps.cloudsign.checkAccess(input.clientId);
  const { restored: _restored, ...made } = await createConnection(deps.orm.em.fork(), { ...input, secretsKey: deps.secretsKey });
  // Its CloudSign team's Hook URL (src/ledger/hook-endpoints.ts), before its workflow can import anything.
  const created = { ...made, hookEndpointId: await attachHookEndpoint(deps.orm.em.fork(), { connectionId: made.id, teamId: access.user.team?.id, secretsKey: deps.secretsKey }) };
  try {
    // A connection brought back gets its workflow and its reopened reviews' workflows (startWorkflow).
    await startWorkflow(deps, created);
  } catch (error) {
    if (unavailableDependency(error) !== 'temporal') throw error;
    (deps.logger ?? silentLogger).warn('workflow not started now; it is started when Temporal answers', { managementId: created.managementId, error: error as Error });
  }
  return created;
}

/** Reviews started at once, at most: thousands may have waited when the connection was disconnected. */
const REVIEW_STARTS_AT_ONCE = 50;

/**
 * Starts the workflows of a connection's pending reviews: those a reconnect reopened (their workflows ended
 * with the disconnect). One still running (its disconnect's hint not yet handled) finds its review pending
 * again and goes on waiting, so it counts as started.
 */
async function startReviewsAgain(deps: WorkflowDeps, connection: Connection, reviews: { reviewId: string; documentId: string }[]): Promise<void> {
  for (let i = 0; i < reviews.length; i += REVIEW_STARTS_AT_ONCE) {
    const results = await Promise.allSettled(
      reviews
        .slice(i, i + REVIEW_STARTS_AT_ONCE)
        .map((review) => startReviewWorkflowAgain(deps.temporal, { ...review, connectionId: connection.id, managementId: connection.managementId })),
    );
    const failed = results.find((r) => r.status === 'rejected' && !(r.reason instanceof WorkflowExecutionAlreadyStartedError));
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
}

type WorkflowDeps = Pick<ConnectionServiceDeps, 'orm' | 'temporal' | 'syncIntervalMs' | 'reconcileIntervalMs' | 'logger'>;

/**
 * Starts a connection's workflow and records that it runs; one that runs already counts as started. A
 * connection that synced before (it was disconnected and connected again) goes on where its runs left off.
 * Its pending reviews (those a reconnect reopened; a new connection has none) get their workflows again —
 * before the start is recorded, so that a Temporal
 * outage in the middle leaves the whole start to the repair (startMissingWorkflows), which repeats it
 * harmlessly. A connection disconnected while its start was under way is told at once, so that no import
 * runs for it.
 */
async function startWorkflow(deps: WorkflowDeps, connection: Connection): Promise<void> {
  const position = await syncPositionOf(deps.orm.em.fork(), connection.id);
  try {
    await startConnectionWorkflow(deps.temporal, connection, { syncIntervalMs: deps.syncIntervalMs, reconcileIntervalMs: deps.reconcileIntervalMs, state: position ? restoredState(position) : undefined });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  await startReviewsAgain(deps, connection, await pendingReviewsOf(deps.orm.em.fork(), connection.id));
  await recordWorkflowStarted(deps.orm.em.fork(), connection.id);
  const now = await getConnection(deps.orm.em.fork(), connection.id);
  if (now.status === 'disconnected') await signalDisconnect(deps.temporal, connection.managementId);
}

/**
 * The workflow state of a connection that synced before: the next cycle number (its run keys are never
 * reused) and the end of its last window; a sync right away, since it missed everything while disconnected.
 */
function restoredState(position: { cycle: number; lastSyncWindowEnd: string | null }): ConnectionState {
  const { cycle, lastSyncWindowEnd } = position;
  return { cycle, lastSyncWindowEnd, running: null, paused: false, syncRequested: lastSyncWindowEnd !== null, incidentOpen: false };
}

/**
 * Sends a signal to a connection's workflow; a connection whose workflow start did not go through yet (it was
 * connected while Temporal was down) gets its workflow first, so that nothing asked of it is lost.
 */
async function signalOrStart(deps: WorkflowDeps, connection: Connection, signal: Parameters<typeof signalConnection>[2]): Promise<void> {
  try {
    await signalConnection(deps.temporal, connection.managementId, signal);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    await startWorkflow(deps, connection);
    await signalConnection(deps.temporal, connection.managementId, signal);
  }
}

/**
 * The repair: starts the workflow of every connection whose start did not go through. Run at API start and
 * then periodically (api/server.ts); several API processes doing it at once start each workflow once (its ID
 * is the management ID). Returns the management IDs started.
 */
export async function startMissingWorkflows(deps: WorkflowDeps): Promise<string[]> {
  const started: string[] = [];
  let firstFailure: unknown;
  for (const connection of await connectionsWithoutWorkflow(deps.orm.em.fork(), { limit: 100 })) {
    try {
      await startWorkflow(deps, connection);
      started.push(connection.managementId);
    } catch (error) {
      // Temporal down: the others would fail alike; anything else is this connection's alone.
      if (unavailableDependency(error) === 'temporal') throw error;
      firstFailure ??= error;
      (deps.logger ?? silentLogger).warn('workflow could not be started', { managementId: connection.managementId, error: error as Error });
    }
  }
  if (firstFailure && !started.length) throw firstFailure;
  return started;
}

/** Changes settings, or rotates the client ID (checked with CloudSign first); the sync position is kept. */
export async function changeSettings(
  deps: ConnectionServiceDeps,
  input: { connectionId: string; clientId?: string; actor?: AuditActor } & Partial<ConnectionSettings>,
): Promise<Connection> {
  const { clientId, ...settings } = input;
  const access = clientId === undefined ? undefined : await deps.cloudsign.checkAccess(clientId);
  const em = deps.orm.em.fork();
  let connection =
    clientId === undefined
      ? await updateConnection(em, settings)
      : await updateConnection(em, { ...settings, clientId, secretsKey: deps.secretsKey });
  // A new client ID may be a user of another CloudSign team: the Hook URL follows it.
  if (access) connection = { ...connection, hookEndpointId: await attachHookEndpoint(deps.orm.em.fork(), { connectionId: connection.id, teamId: access.user.team?.id, secretsKey: deps.secretsKey }) };
  await told(() => signalOrStart(deps, connection, settingsChangedSignal), 'The new settings are saved');
  return connection;
}

/**
 * Tells a workflow of a change the ledger has recorded already. When Temporal does not answer, the request
 * answers 503 saying what is saved: the same request, sent again, changes nothing more and tells it then.
 */
async function told(signal: () => Promise<void>, saved: string): Promise<void> {
  try {
    await signal();
  } catch (error) {
    if (unavailableDependency(error) !== 'temporal') throw error;
    throw new UnavailableError(
      'temporal_unavailable',
      `${saved}, but the connection's workflow could not be told now (Temporal does not answer). Send the same request again once it does.`,
    );
  }
}

/** The controls an admin has over a connection's workflow, and what each refusal says it cannot do. */
const CONTROLS = {
  sync: { signal: syncNowSignal, refused: 'sync' },
  pause: { signal: pauseSignal, refused: 'be paused' },
  resume: { signal: resumeSignal, refused: 'be resumed' },
  reconcile: { signal: reconcileNowSignal, refused: 'be reconciled' },
} as const;
export type Control = keyof typeof CONTROLS;

/** Delivers a control signal; a connection that is disconnected cannot be controlled any more. */
export async function controlConnection(deps: WorkflowDeps, connectionId: string, control: Control, actor?: AuditActor): Promise<Connection> {
  const connection = await getConnection(deps.orm.em.fork(), connectionId);
  if (connection.status === 'disconnected') {
    throw new ConflictError('connection_disconnected', `Connection ${connection.managementId} is disconnected; it cannot ${CONTROLS[control].refused}.`);
  }
  // Recorded once the workflow has it: the trail shows what was asked and delivered.
  await signalOrStart(deps, connection, CONTROLS[control].signal);
  if (actor) await recordConnectionControl(deps.orm.em.fork(), { connectionId, control, actor });
  return connection;
}

/**
 * Disconnects: the ledger first (which closes the connection's pending reviews), then the workflow ends and
 * so do the workflows of the closed reviews; imported contracts stay. Repeating it is harmless, and tells the
 * workflows again.
 */
export async function disconnect(deps: Pick<ConnectionServiceDeps, 'orm' | 'temporal'>, connectionId: string, actor?: AuditActor): Promise<Connection> {
  const connection = await disconnectConnection(deps.orm.em.fork(), connectionId, actor);
  await told(async () => {
    await signalDisconnect(deps.temporal, connection.managementId);
    const documents = await reviewsClosedByDisconnect(deps.orm.em.fork(), connection.id);
    await signalEach(deps.temporal, documents.map((documentId) => reviewWorkflowId(connection.managementId, documentId)), reviewClosedSignal);
  }, 'The connection is disconnected in the ledger');
  return connection;
}

/**
 * Failed files tried again at once (all of the connection's, or those of `ids`): they are due at the sync
 * this starts. Returns how many files will be retried; none to retry starts nothing.
 */
export async function retryFileErrors(deps: WorkflowDeps, input: { connectionId: string; ids?: string[]; actor?: AuditActor }): Promise<{ connection: Connection; retrying: number }> {
  const connection = await getConnection(deps.orm.em.fork(), input.connectionId);
  if (connection.status === 'disconnected') {
    throw new ConflictError('connection_disconnected', `Connection ${connection.managementId} is disconnected; its files are not retried any more.`);
  }
  const retrying = await requestFileRetry(deps.orm.em.fork(), input);
  if (retrying) await told(() => signalOrStart(deps, connection, syncNowSignal), `${retrying} file(s) are due for another attempt`);
  return { connection, retrying };
}
