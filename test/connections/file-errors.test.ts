import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectionWorkflowId } from '../../src/temporal/messages';
import { recordHistoryWith } from '../support/histories';
import { eventually, startService, type Service } from '../support/service';
import { expectedContracts, ledgerContracts } from './expectations';

let service: Service;

beforeAll(async () => {
  service = await startService({ simulator: { documents: 30 } });
});
afterAll(async () => {
  await service?.close();
});

const DAY = 24 * 3_600_000;

const connectionWhen = (id: string, predicate: (c: any) => boolean, what: string) =>
  eventually(async () => {
    const { body } = await service.api('GET', `/v1/connections/${id}`);
    return predicate(body) ? body : undefined;
  }, 60_000, what);

it('retries failed files by ID at the next sync once the fault is gone, although their document is outside the window; one digest mail per run', async () => {
  const expected = await expectedContracts(service, service.simulator.accounts.demo);
  const [broken, dismissed] = [...new Set(expected.map((e) => e.documentId))].slice(3, 5) as [string, string];
  for (const id of [broken, dismissed]) await service.sim('PUT', `/documents/${id}/quirks`, { notPdf: true });
  const filesOf = (documentId: string) => expected.filter((e) => e.documentId === documentId);

  const created = await service.api('POST', '/v1/connections', {
    name: 'Legal', clientId: service.simulator.accounts.demo, visibility: { scope: 'company' }, owners: [], saveMode: 'direct',
  });
  const { id, managementId } = created.body;
  const first = await connectionWhen(id, (c) => c.status === 'idle' && c.lastSyncAt, 'the full import');
  const failedFiles = filesOf(broken).length + filesOf(dismissed).length;
  expect(first.totals.failed).toBe(failedFiles);

  // The run says what happened: partial, its failed files counted, an error that says where to look.
  const [full] = (await service.api('GET', `/v1/connections/${id}/runs`)).body.items;
  expect(full).toMatchObject({ kind: 'full', outcome: 'partial', counts: { failed: failedFiles, imported: expected.length - failedFiles } });
  expect(full.error.code).toBe('files_failed');
  expect(full.error.message).toContain('file-errors');

  const listed = (await service.api('GET', `/v1/connections/${id}/file-errors`)).body.items;
  expect(listed).toHaveLength(failedFiles);
  for (const item of listed) {
    expect([broken, dismissed]).toContain(item.documentId);
    expect(item).toMatchObject({ attempts: 1, dismissedAt: null });
    expect(item.reason).toMatch(/PDF/i);
    expect(item.title).toBeTruthy();
    expect(item.lastTriedAt).toEqual(expect.any(String));
  }

  // One mail for the run, a digest naming the management ID and both documents.
  const digest = await service.mail.waitFor((m) => m.subject.includes(managementId) && m.subject.includes('could not be imported'));
  expect(digest.text).toContain(broken);
  expect(digest.text).toContain(dismissed);
  expect(service.mail.messages.filter((m) => m.subject.includes('could not be imported'))).toHaveLength(1);

  // The fault of one is gone; the other is dismissed and must never be tried again.
  await service.sim('DELETE', `/documents/${broken}/quirks`);
  const dismissIds = listed.filter((i: any) => i.documentId === dismissed).map((i: any) => i.id);
  expect((await service.api('POST', `/v1/connections/${id}/file-errors/dismiss`, { ids: dismissIds })).body).toEqual({ dismissed: dismissIds.length });
  await service.sim('DELETE', '/requests');

  await service.untilSleeping(managementId);
  await service.env.sleep(DAY + 60_000);
  await connectionWhen(id, (c) => c.status === 'idle' && c.lastSyncAt !== first.lastSyncAt, 'the daily sync');

  const ledger = await ledgerContracts(service);
  for (const file of filesOf(broken)) expect(ledger.get(`${file.documentId}/${file.fileId}`)?.sha256).toBe(file.sha256);
  for (const file of filesOf(dismissed)) expect(ledger.has(`${file.documentId}/${file.fileId}`)).toBe(false);
  const [daily] = (await service.api('GET', `/v1/connections/${id}/runs`)).body.items;
  expect(daily).toMatchObject({ kind: 'incremental', outcome: 'succeeded', error: null, counts: { imported: filesOf(broken).length, failed: 0 } });
  const { requests } = await service.sim('GET', '/requests');
  expect(requests.filter((r: any) => r.path.includes(dismissed))).toEqual([]);
  const left = (await service.api('GET', `/v1/connections/${id}/file-errors`)).body.items;
  expect(left.map((i: any) => i.documentId)).toEqual(dismissIds.map(() => dismissed));
  expect(left.every((i: any) => i.attempts === 1 && i.dismissedAt)).toBe(true);
  expect((await service.api('GET', `/v1/connections/${id}`)).body.totals.failed).toBe(0);
  expect(service.mail.messages.filter((m) => m.subject.includes('could not be imported'))).toHaveLength(1);

  // Asked to, it tries the dismissed one again at once: its fault lasts, so it fails again, with no new digest.
  const retry = await service.api('POST', `/v1/connections/${id}/file-errors/retry`, { ids: dismissIds });
  expect(retry).toMatchObject({ status: 202, body: { retrying: dismissIds.length } });
  await eventually(async () => {
    const items = (await service.api('GET', `/v1/connections/${id}/file-errors`)).body.items;
    return items.every((i: any) => i.attempts === 2 && !i.dismissedAt);
  }, 60_000, 'the retried file to fail again');
  const [manual] = (await service.api('GET', `/v1/connections/${id}/runs`)).body.items;
  expect(manual).toMatchObject({ kind: 'manual', counts: { failed: dismissIds.length } });
  expect(service.mail.messages.filter((m) => m.subject.includes('could not be imported'))).toHaveLength(1);
  await recordHistoryWith(service.env.client, connectionWorkflowId(managementId), 'retryFailedFiles', 'connection-retry-failed-files');
});

it('refuses retry and dismiss requests that are malformed or name another connection, changing nothing', async () => {
  const { items } = (await service.api('GET', '/v1/connections')).body;
  const id = items[0].id;
  expect((await service.api('POST', `/v1/connections/${id}/file-errors/dismiss`, {})).status).toBe(400);
  expect((await service.api('POST', `/v1/connections/${id}/file-errors/retry`, { ids: [] })).status).toBe(400);
  expect((await service.api('POST', `/v1/connections/${id}/file-errors/retry`, { ids: ['x'], all: true })).status).toBe(400);
  expect((await service.api('GET', `/v1/connections/00000000-0000-4000-8000-000000000000/file-errors`)).status).toBe(404);
  const dismissed = await service.api('POST', `/v1/connections/${id}/file-errors/dismiss`, { ids: ['00000000-0000-4000-8000-000000000000', 'not-a-uuid'] });
  expect(dismissed).toMatchObject({ status: 200, body: { dismissed: 0 } });
  expect((await service.api('GET', `/v1/connections/${id}/file-errors`)).body.items.every((i: any) => !i.dismissedAt)).toBe(true);

  // Without a body: every failing file of the connection.
  const failing = (await service.api('GET', `/v1/connections/${id}/file-errors`)).body.items.length;
  expect(failing).toBeGreaterThan(0);
  expect(await service.api('POST', `/v1/connections/${id}/file-errors/retry`)).toMatchObject({ status: 202, body: { retrying: failing } });
});
