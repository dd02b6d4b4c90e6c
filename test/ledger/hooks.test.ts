import { expect, it } from 'vitest';
import { ensureHookEndpoint, finishHookImports, HOOK_HISTORY_DAYS, importFile, pendingHookImports, recordHook, setHookEndpoint, settleHookImports } from '../../src/ledger';
import { pruneOldHooks } from '../../src/services/hooks';
import { aConnection, anImport, aRun, SECRETS_KEY, useLedger } from './fixtures';

const ledger = useLedger();
const DAY = 86_400_000;

async function hookedConnection() {
  const connection = await aConnection(ledger.em());
  const endpointId = await ensureHookEndpoint(ledger.em(), { teamKey: `team-${connection.id}`, secretsKey: SECRETS_KEY });
  await setHookEndpoint(ledger.em(), { connectionId: connection.id, endpointId });
  return { connection, endpointId };
}

it('settles the hook imports left waiting whose document a sync has since imported, and only those', async () => {
  const { connection, endpointId } = await hookedConnection();
  for (const documentId of ['imported-meanwhile', 'still-missing']) await recordHook(ledger.em(), { endpointId, documentId, status: 2 });
  const run = await aRun(ledger.em(), connection.id);
  await importFile(ledger.em(), anImport(connection.id, { runId: run.id, documentId: 'imported-meanwhile' }));

  expect(await settleHookImports(ledger.em(), { connectionId: connection.id })).toBe(1);
  expect(await pendingHookImports(ledger.em(), { connectionId: connection.id, limit: 10 })).toEqual(['still-missing']);
  const [row] = await ledger.em().execute<{ outcome: string }[]>(`select outcome from hook_imports where document_id = 'imported-meanwhile'`);
  expect(row!.outcome).toBe('in_ledger');
  expect(await settleHookImports(ledger.em(), { connectionId: connection.id })).toBe(0);
});

it(`prunes hooks and finished hook imports older than ${HOOK_HISTORY_DAYS} days, and keeps recent ones and imports still waiting`, async () => {
  const { connection, endpointId } = await hookedConnection();
  const now = new Date('2026-12-01T00:00:00Z');
  const daysAgo = (days: number) => new Date(now.getTime() - days * DAY);

  // Old and finished; old and still waiting (its import never ran); recent and finished.
  for (const [documentId, at] of [['old-done', daysAgo(100)], ['old-waiting', daysAgo(95)], ['recent-done', daysAgo(10)]] as const) {
    expect((await recordHook(ledger.em(), { endpointId, documentId, status: 2, now: at })).queued).toHaveLength(1);
  }
  await finishHookImports(ledger.em(), { connectionId: connection.id, outcomes: new Map([['old-done', 'imported']]), now: daysAgo(99) });
  await finishHookImports(ledger.em(), { connectionId: connection.id, outcomes: new Map([['recent-done', 'imported']]), now: daysAgo(9) });

  expect(await pruneOldHooks({ orm: ledger.orm() }, now)).toEqual({ hooks: 2, hookImports: 1 });
  const rows = async (table: string) =>
    (await ledger.em().execute<{ document_id: string }[]>(`select document_id from ${table} order by document_id`)).map((r) => r.document_id);
  expect(await rows('hooks')).toEqual(['recent-done']);
  expect(await rows('hook_imports')).toEqual(['old-waiting', 'recent-done']);
  expect(await pendingHookImports(ledger.em(), { connectionId: connection.id, limit: 10 })).toEqual(['old-waiting']);

  // A repeat of the pruned hook asks its connection once more; nothing else changes, and pruning again is a no-op.
  expect((await recordHook(ledger.em(), { endpointId, documentId: 'old-done', status: 2, now })).queued).toEqual([{ connectionId: connection.id, managementId: connection.managementId }]);
  expect(await pruneOldHooks({ orm: ledger.orm() }, now)).toEqual({ hooks: 0, hookImports: 0 });
});
