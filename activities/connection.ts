import { heartbeat } from '@temporalio/activity';
import type { EntityManager } from '@mikro-orm/postgresql';
import { classified, type IncidentKind } from '../src/failures';
import { importDocuments } from '../src/import/importer';
import { contractListingsOf, countWindow, listingScopeOf, listWindowPage } from '../src/import/window';
import {
  clearConnectionError,
  finishRun,
  getConnection,
  getQuota,
  incidentRecipients,
  recordConnectionError,
  recordConnectionProgress,
  recordIncident,
  queueMail,
  recordLastSync,
  recordRunError,
  newFailuresOfRun,
  resolveIncidents,
  setConnectionStatus,
  settleHookImports,
  startRun,
  type ConnectionStatus,
} from '../src/ledger';
import { fileFailuresMail, incidentMail } from '../src/mail';
import { attachHookEndpoint } from '../src/services/hooks';
import { silentLogger } from '../src/logging';
import { noMetrics } from '../src/metrics';
import type { PageResult, SyncKind, SyncWindow } from '../src/temporal/messages';
import { temporalNow } from './clock';
import { activityLogger } from './log';
import { importContextOf, longRunning, type ConnectionActivityDeps, type ConnectionSchedule } from './deps';
import { createHookActivities } from './hooks';
import { createRepairActivities } from './repair';

export type { ConnectionActivityDeps } from './deps';

/** How a sync run ends: all of its window done, ended while an error held it, or cut short by a disconnect. */
type RunEnd = 'succeeded' | 'failed' | 'stopped';

/** The sync itself: a run opened with its window counted, its pages imported, the run closed. */
export function createSyncActivities(deps: Omit<ConnectionActivityDeps, 'outbox'> & Partial<Pick<ConnectionActivityDeps, 'outbox'>>) {
  const { orm, cloudsign, secretsKey, outbox, metrics = noMetrics, logger = silentLogger } = deps;
  const { services, concurrency, clientIdOf } = importContextOf(deps);

  return {
    /** Opens a sync run (once per run key, however often retried) and counts the files of its window. */
    async beginRun(input: { connectionId: string; kind: SyncKind; runKey: string; from: string | null }) {
      return longRunning(async () => {
        const clientId = await clientIdOf(input.connectionId);
        // The window ends now by this worker's clock, recorded once in history; the next window starts
        // there less an overlap, which also absorbs clock differences with CloudSign.
        const user = await cloudsign.getMe(clientId);
        // A connection made before the webhook (or whose team changed) learns its team's Hook URL here.
        await attachHookEndpoint(orm.em.fork(), { connectionId: input.connectionId, teamId: user.team?.id, secretsKey });
        const scope = listingScopeOf(user);
        const bounds = { from: input.from, to: new Date().toISOString() };
        const count = await countWindow(cloudsign, clientId, { ...bounds, listings: contractListingsOf(user) }, (documents) => heartbeat({ counted: documents }));
        const window: SyncWindow = { ...bounds, scope, listings: count.listings };
        const run = await startRun(orm.em.fork(), {
          connectionId: input.connectionId,
          runKey: input.runKey,
          kind: input.kind,
          window,
          listed: count.files,
        });
        await recordConnectionProgress(orm.em.fork(), { connectionId: input.connectionId, filesDone: 0, filesTotal: count.files });
        activityLogger(logger, { connectionId: input.connectionId, runId: run.id }).info('sync run begun', { kind: input.kind, from: window.from, to: window.to, filesTotal: count.files });
        const recorded: SyncWindow = { ...run.window, scope, listings: count.listings };
        return { runId: run.id, window: recorded, filesTotal: count.files };
      });
    },

    /**
     * Imports one page of a window: every file not yet in the ledger is downloaded into storage and saved
     * as a contract — or, when the connection is in review mode now, each new document is sent to review.
     * Retried as a whole, it does nothing twice: the ledger's import records skip what an earlier attempt
     * (or another connection) saved, and a document has one review per connection.
     */
    async importPage(input: {
      connectionId: string;
      runId: string;
      window: SyncWindow;
      page: number;
      /** Files of the run handled before this page, for the progress shown in the API. */
      filesDoneBefore: number;
      filesTotal: number;
    }): Promise<PageResult> {
      return longRunning(async () => {
        const clientId = await clientIdOf(input.connectionId);
        // Read per page, so that a change of save mode applies from the next page on.
        const { saveMode } = await getConnection(orm.em.fork(), input.connectionId);
        const { documents, hasMore } = await listWindowPage(cloudsign, clientId, input.window, input.page);
        const counts = await importDocuments(services, {
          connectionId: input.connectionId,
          runId: input.runId,
          clientId,
          documents,
          concurrency,
          onProgress: (done) => heartbeat({ page: input.page, documentsDone: done }),
          saveMode,
          now: temporalNow(),
        });
        const filesDone = input.filesDoneBefore + counts.files;
        await recordConnectionProgress(orm.em.fork(), { connectionId: input.connectionId, filesDone, filesTotal: Math.max(filesDone, input.filesTotal) });
        activityLogger(logger, { connectionId: input.connectionId, runId: input.runId }).info('page imported', { page: input.page, documents: counts.documents, files: counts.files, saveMode });
        return { filesDone: counts.files, hasMore, ...(saveMode === 'review' && { reviews: counts.reviews }) };
      });
    },

    /**
     * Closes the run with how it ended (the ledger makes `succeeded` `partial` when files failed); a run
     * that reached its end records when the connection last synced. The run's files that began failing in it
     * get one digest e-mail, queued in the transaction that ends the run: once, however often retried.
     */
    async finishRun(input: { connectionId: string; runId: string; outcome?: RunEnd }) {
      return classified(async () => {
        const { run, queued } = await orm.em.fork().transactional(async (em) => {
          // Workflow runs recorded before the outcome travelled finish their sync as `succeeded`.
          const run = await finishRun(em, { runId: input.runId, outcome: input.outcome ?? 'succeeded' });
          // A stopped or failed run did not reach the end of its window: the connection did not sync.
          if (run.outcome === 'succeeded' || run.outcome === 'partial') {
            await recordLastSync(em, { connectionId: input.connectionId, syncedAt: new Date() });
            // Hook imports a failed hook batch left waiting, for documents this sync imported: settled now.
            await settleHookImports(em, { connectionId: input.connectionId });
          }
          return { run, queued: run.ended && (await queueFailureDigest(em, input)) };
        });
        activityLogger(logger, { connectionId: input.connectionId, runId: input.runId }).info('sync run finished', { outcome: run.outcome, counts: run.counts });
        if (queued) {
          metrics.mailQueued();
          outbox?.kick();
        }
      });
    },
  };
}

/** Queues the digest of the files that began failing in a run, if any; true when one was queued. */
async function queueFailureDigest(em: EntityManager, input: { connectionId: string; runId: string }): Promise<boolean> {
  const failures = await newFailuresOfRun(em, { runId: input.runId });
  if (!failures.length) return false;
  const connection = await getConnection(em, input.connectionId);
  const mail = fileFailuresMail({ managementId: connection.managementId, connectionName: connection.name, failures });
  return (await queueMail(em, { to: await incidentRecipients(em, { connectionId: input.connectionId }), ...mail })) !== null;
}

/** Keeps the connection's status and incidents in the ledger, and mails a person once per incident. */
export function createConnectionStatusActivities({
  orm,
  outbox,
  metrics = noMetrics,
  logger = silentLogger,
  schedule,
}: Pick<ConnectionActivityDeps, 'orm' | 'outbox' | 'metrics' | 'logger' | 'schedule'>) {
  return {
    async setConnectionStatus(input: { connectionId: string; status: Exclude<ConnectionStatus, 'disconnected'>; nextSyncAt?: string }) {
      return classified(() => setConnectionStatus(orm.em.fork(), input));
    },

    /**
     * Records an incident and, the first time only, queues the e-mail to the admins and the connection's
     * owners with the management ID, what happened and how to fix it. One transaction: the incident and its
     * mail are recorded together or not at all, so a retried activity queues no second e-mail; the outbox
     * sends it, and SMTP being down delays the mail and nothing else.
     */
    async reportIncident(input: { connectionId: string; kind: IncidentKind; message: string; status?: 'error' | 'quota_exhausted'; runId?: string }) {
      return classified(async () => {
        const { connectionId, kind, message } = input;
        const incident = await orm.em.fork().transactional(async (em) => {
          // The run it holds up shows why, until it goes on or ends (`failed` if it ends so).
          if (input.runId) await recordRunError(em, { runId: input.runId, error: { code: kind, message } });
          if (input.status) await recordConnectionError(em, { connectionId, code: kind, message, status: input.status });
          if (!(await recordIncident(em, { connectionId, kind, message }))) return undefined;
          const connection = await getConnection(em, connectionId);
          const mail = incidentMail({ kind, managementId: connection.managementId, connectionName: connection.name, message });
          return { mailId: await queueMail(em, { to: await incidentRecipients(em, { connectionId }), ...mail }) };
        });
        activityLogger(logger, { connectionId }).warn(incident ? 'incident reported' : 'incident continues (already reported)', { kind, message, status: input.status, mailId: incident?.mailId });
        if (incident?.mailId) metrics.mailQueued();
        if (incident) outbox.kick();
      });
    },

    /** The trouble is over: the next incident mails again, and the last error is cleared. */
    async resolveIncidents(input: { connectionId: string; runId?: string }) {
      return classified(async () => {
        const em = orm.em.fork();
        await resolveIncidents(em, { connectionId: input.connectionId });
        if (input.runId) await recordRunError(em, { runId: input.runId, error: null });
        await clearConnectionError(em, input.connectionId);
      });
    },

    /**
     * Whether the connection is disconnected in the ledger now. A workflow ending after a disconnect asks it:
     * its client ID may have been connected again meanwhile (the same connection, back), and it goes on then.
     */
    async isDisconnected(input: { connectionId: string }): Promise<boolean> {
      return classified(async () => (await getConnection(orm.em.fork(), input.connectionId)).status === 'disconnected');
    },

    async hasQuota(): Promise<boolean> {
      return classified(async () => (await getQuota(orm.em.fork())).remaining > 0);
    },

    /**
     * SYNC_INTERVAL and RECONCILE_INTERVAL as this worker has them, read by each connection's workflow at the
     * start of every cycle: a new setting applies to every connection from its next cycle, not only to those
     * connected after it. Null when the worker was built without them (its workflows keep what they have).
     */
    async currentSchedule(): Promise<ConnectionSchedule | null> {
      return schedule ?? null;
    },
  };
}

/** Every activity of a connection's workflow. */
export function createConnectionActivities(deps: ConnectionActivityDeps) {
  return { ...createSyncActivities(deps), ...createConnectionStatusActivities(deps), ...createRepairActivities(deps), ...createHookActivities(deps) };
}

export type ConnectionActivities = ReturnType<typeof createConnectionActivities>;
