import { expect, it } from 'vitest';
import { ensureHookEndpoint, finishHookImports, HOOK_HISTORY_DAYS, pendingHookImports, recordHook, setHookEndpoint } from '../../src/ledger';
import { pruneOldHooks } from '../../src/services/hooks';
import { aConnection, SECRETS_KEY, useLedger } from './fixtures';

const ledger = useLedger();
const DAY = 86_400_000;

it(`prunes hooks and finished hook imports older than ${HOOK_HISTORY_DAYS} days, and keeps recent ones and imports still waiting`, async () => {
  const connection = await aConnection(ledger.em());
  const endpointId = await ensureHookEndpoint(ledger.em(), { teamKey: `team-${connection.id}`, secretsKey: SECRETS_KEY });
  await setHookEndpoint(ledger.em(), { connectionId: connection.id, endpointId });
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
