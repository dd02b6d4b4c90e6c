import { heartbeat } from '@temporalio/activity';
import { importHookedDocuments } from '../src/import/hooked';
import { finishHookImports, finishRun, getConnection, pendingHookImports, startRun } from '../src/ledger';
import { silentLogger } from '../src/logging';
import type { HookImportResult } from '../src/temporal/messages';
import { temporalNow } from './clock';
import { importContextOf, longRunning, type ConnectionActivityDeps } from './deps';
import { activityLogger } from './log';

/** Documents a hook import handles per call: a hook usually names one; a burst is taken in batches. */
const HOOK_BATCH = 20;

/**
 * CloudSign's webhook, the fast path: the documents hooks named (src/ledger/hooks.ts) imported by ID between
 * syncs. Idempotent: a retried call finds the rows it closed closed, and the import path's records skip what
 * an earlier attempt saved.
 */
export function createHookActivities(deps: Omit<ConnectionActivityDeps, 'outbox'>) {
  const { orm, logger = silentLogger } = deps;
  // The same import path as a sync's pages: its metrics and its file size limit.
  const { services, concurrency, clientIdOf } = importContextOf(deps);
  return {
    /**
     * Imports up to HOOK_BATCH documents waiting for this connection's hook import, as the run `runKey` (kind
     * `hook`, opened only when a document is read for import); `hasMore` when more may wait.
     */
    async importHookedDocuments(input: { connectionId: string; runKey: string }): Promise<HookImportResult> {
      return longRunning(async () => {
        const documentIds = await pendingHookImports(orm.em.fork(), { connectionId: input.connectionId, limit: HOOK_BATCH });
        if (!documentIds.length) return { filesDone: 0, hasMore: false };
        const { saveMode, status } = await getConnection(orm.em.fork(), input.connectionId);
        const now = temporalNow();
        if (status === 'disconnected') {
          await finishHookImports(orm.em.fork(), { connectionId: input.connectionId, outcomes: new Map(documentIds.map((id) => [id, 'disconnected'])) });
          return { filesDone: 0, hasMore: false };
        }
        const result = await importHookedDocuments(services, {
          connectionId: input.connectionId,
          clientId: await clientIdOf(input.connectionId),
          documentIds,
          openRun: async () =>
            (await startRun(orm.em.fork(), { connectionId: input.connectionId, runKey: input.runKey, kind: 'hook', window: { from: null, to: now.toISOString() } })).id,
          concurrency,
          onProgress: (done) => heartbeat({ documentsDone: done }),
          saveMode,
          now,
        });
        if (result.runId) await finishRun(orm.em.fork(), { runId: result.runId, outcome: 'succeeded' });
        await finishHookImports(orm.em.fork(), { connectionId: input.connectionId, outcomes: result.outcomes });
        activityLogger(logger, { connectionId: input.connectionId, ...(result.runId && { runId: result.runId }) }).info('hooked documents handled', {
          documents: documentIds.length,
          files: result.files,
          outcomes: Object.fromEntries(result.outcomes),
        });
        return { filesDone: result.files, hasMore: documentIds.length === HOOK_BATCH, ...(saveMode === 'review' && { reviews: result.reviews }) };
      });
    },
  };
}
