import { heartbeat } from '@temporalio/activity';
import type { ContractListing } from '../src/cloudsign';
import { importDocumentsById } from '../src/import/by-id';
import { reconcileConnection } from '../src/import/reconcile';
import { contractListingsOf, listingScopeOf } from '../src/import/window';
import { dueFileErrors, getConnection, recordRunListed, startRun } from '../src/ledger';
import type { PageResult, ReconcileResult, SyncWindow } from '../src/temporal/messages';
import { importContextOf, longRunning, type ConnectionActivityDeps } from './deps';
import { temporalNow } from './clock';

/** Documents retried by ID per call: a call is as long as a listing page's import. */
const RETRY_BATCH = 50;

/**
 * What repairs a connection's ledger beyond a sync's window: its failed files retried by ID, and the
 * reconciliation that compares everything CloudSign shows with the ledger.
 */
export function createRepairActivities(deps: Omit<ConnectionActivityDeps, 'outbox'>) {
  const { orm, cloudsign } = deps;
  // The same import path as a sync's pages: its metrics and its file size limit.
  const { services, concurrency, clientIdOf } = importContextOf(deps);

  return {
    /**
     * Retries, by document ID, up to RETRY_BATCH documents whose failed files are due, as part of `runId`;
     * `hasMore` when more may be due. Whatever window the sync lists: a file that failed in a document
     * concluded long ago is imported once the fault is gone.
     */
    async retryFailedFiles(input: { connectionId: string; runId: string }): Promise<PageResult> {
      return longRunning(async () => {
        const now = temporalNow();
        const due = await dueFileErrors(orm.em.fork(), { connectionId: input.connectionId, now, limit: RETRY_BATCH });
        if (!due.length) return { filesDone: 0, hasMore: false };
        const { saveMode } = await getConnection(orm.em.fork(), input.connectionId);
        const counts = await importDocumentsById(services, {
          connectionId: input.connectionId,
          runId: input.runId,
          clientId: await clientIdOf(input.connectionId),
          documents: due,
          concurrency,
          onProgress: (done) => heartbeat({ retried: done }),
          saveMode,
          now,
        });
        return { filesDone: counts.files, hasMore: due.length === RETRY_BATCH, ...(saveMode === 'review' && { reviews: counts.reviews }) };
      });
    },

    /** Opens a reconciliation's run (once per run key): its window is everything up to now. */
    async beginReconcile(input: { connectionId: string; runKey: string }): Promise<{ runId: string; window: SyncWindow }> {
      return longRunning(async () => {
        const user = await cloudsign.getMe(await clientIdOf(input.connectionId));
        const run = await startRun(orm.em.fork(), {
          connectionId: input.connectionId,
          runKey: input.runKey,
          kind: 'reconcile',
          window: { from: null, to: new Date().toISOString() },
        });
        // Its lists' pages are not counted: a reconciliation reads each list to its end.
        const listings = contractListingsOf(user).map((listing) => ({ listing, pages: 0 }));
        return { runId: run.id, window: { ...run.window, scope: listingScopeOf(user), listings } };
      });
    },

    /**
     * Lists everything of the run's window, compares it with the ledger, imports what is missing and records
     * the connection's completeness. Retried as a whole it imports nothing twice (the import path's records).
     */
    async reconcile(input: { connectionId: string; runId: string; window: SyncWindow }): Promise<ReconcileResult> {
      return longRunning(async () => {
        const { saveMode } = await getConnection(orm.em.fork(), input.connectionId);
        let pages = 0;
        const result = await reconcileConnection(services, {
          connectionId: input.connectionId,
          runId: input.runId,
          clientId: await clientIdOf(input.connectionId),
          listings: listingsOf(input.window),
          to: input.window.to,
          concurrency,
          onPage: () => heartbeat({ listed: ++pages }),
          onProgress: (done) => heartbeat({ imported: done }),
          saveMode,
          now: temporalNow(),
        });
        await recordRunListed(orm.em.fork(), { runId: input.runId, listed: result.completeness.cloudsignFiles });
        return {
          missingBefore: result.missingBefore,
          missing: result.completeness.missing,
          cloudsignFiles: result.completeness.cloudsignFiles,
          ...(saveMode === 'review' && { reviews: result.imported.reviews }),
        };
      });
    },
  };
}

/** A reconciliation's lists; one begun before imported documents were listed swept its scope's one list. */
function listingsOf(window: SyncWindow): ContractListing[] {
  return window.listings?.map((l) => l.listing) ?? [window.scope === 'team' ? 'team' : 'concluded'];
}
