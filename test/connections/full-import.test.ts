import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startService, type Service } from '../support/service';
import { expectedContracts, ledgerContracts } from './expectations';

let service: Service;
let clientId: string;

beforeAll(async () => {
  service = await startService({ simulator: { documents: 60 } });
  clientId = service.simulator.accounts.demo;
});
afterAll(async () => {
  await service?.close();
});

const DAY = 24 * 3_600_000;

async function connectionWhen(id: string, predicate: (c: any) => boolean, what: string) {
  return eventually(async () => {
    const { body } = await service.api('GET', `/v1/connections/${id}`);
    return predicate(body) ? body : undefined;
  }, 60_000, what);
}

it('previews the full import in files, writing nothing', async () => {
  const expected = await expectedContracts(service, clientId);
  const { status, body } = await service.api('POST', '/v1/connection-previews', { clientId });
  expect(status).toBe(200);
  expect(body.files).toBe(expected.length);
  expect(body.documents).toBe(new Set(expected.map((e) => e.documentId)).size);
  expect(body.quota.required).toBe(expected.length);
  expect((await service.api('GET', '/v1/connections')).body.items).toEqual([]);
});

it('imports every concluded file exactly once, with its fields and its PDF, then syncs only the difference', async () => {
  const created = await service.api('POST', '/v1/connections', {
    name: 'Legal team',
    clientId,
    visibility: { scope: 'company' },
    owners: [],
    saveMode: 'direct',
  });
  expect(created.status).toBe(201);
  expect(created.body.managementId).toMatch(/^CS-\d{4}$/);
  expect(JSON.stringify(created.body)).not.toContain(clientId);

  const connection = await connectionWhen(created.body.id, (c) => c.status === 'idle' && c.lastSyncAt, 'the full import');
  const expected = await expectedContracts(service, clientId);
  const ledger = await ledgerContracts(service);
  expect(ledger.size).toBe(expected.length);
  for (const file of expected) {
    const contract = ledger.get(`${file.documentId}/${file.fileId}`);
    expect(contract, `${file.documentId}/${file.fileId}`).toBeDefined();
    expect(contract!.sha256).toBe(file.sha256);
    expect(contract!.size).toBe(file.size);
    expect(contract!.fields).toEqual(file.fields);
    expect(await service.storage.exists(file.sha256)).toBe(true);
  }
  expect(connection.progress).toEqual({ filesDone: expected.length, filesTotal: expected.length });
  const runs = (await service.api('GET', `/v1/connections/${created.body.id}/runs`)).body.items;
  expect(runs).toHaveLength(1);
  expect(runs[0]).toMatchObject({ kind: 'full', outcome: 'succeeded', counts: { imported: expected.length, failed: 0 } });

  // A day later: three new documents were concluded; only their files are imported.
  const { documents: fresh } = await service.sim('POST', '/documents/conclude', { count: 3, filesPerDocument: 2 });
  await service.sim('DELETE', '/requests');
  await service.untilSleeping(created.body.managementId);
  await service.env.sleep(DAY + 60_000);
  await connectionWhen(created.body.id, (c) => c.status === 'idle' && c.lastSyncAt !== connection.lastSyncAt, 'the daily sync');
  const after = await ledgerContracts(service);
  expect(after.size).toBe(expected.length + 6);
  for (const id of fresh) expect([...after.values()].filter((c) => c.documentId === id)).toHaveLength(2);
  const incremental = (await service.api('GET', `/v1/connections/${created.body.id}/runs`)).body.items[0];
  expect(incremental).toMatchObject({ kind: 'incremental', outcome: 'succeeded', counts: { imported: 6 } });

  // Another day with nothing new costs a handful of requests: a token, the user, each list of the window
  // counted (concluded, and 全ての状態 for imported documents), the one page that has documents, nothing else.
  await service.sim('DELETE', '/requests');
  const before = (await service.api('GET', `/v1/connections/${created.body.id}`)).body.lastSyncAt;
  await service.untilSleeping(created.body.managementId);
  await service.env.sleep(DAY + 60_000);
  await connectionWhen(created.body.id, (c) => c.status === 'idle' && c.lastSyncAt !== before, 'the quiet daily sync');
  const { requests } = await service.sim('GET', '/requests');
  expect(requests.length).toBeLessThanOrEqual(5);
  expect((await ledgerContracts(service)).size).toBe(expected.length + 6);
});
