import { afterAll, beforeAll, expect, it } from 'vitest';
import { getQuota } from '../../src/ledger';
import { eventually, startService, type Service } from '../support/service';
import { expectedContracts, ledgerContracts } from './expectations';

let service: Service;

beforeAll(async () => {
  service = await startService({ simulator: { documents: 40 } });
});
afterAll(async () => {
  await service?.close();
});

async function connect(name: string, clientId: string) {
  const created = await service.api('POST', '/v1/connections', { name, clientId, visibility: { scope: 'company' }, owners: [], saveMode: 'direct' });
  expect(created.status).toBe(201);
  return created.body as { id: string; managementId: string };
}

const connectionWhen = (id: string, predicate: (c: any) => boolean, what: string) =>
  eventually(async () => {
    const { body } = await service.api('GET', `/v1/connections/${id}`);
    return predicate(body) ? body : undefined;
  }, 60_000, what);

const keys = (files: { documentId: string; fileId: string }[]) => new Set(files.map((f) => `${f.documentId}/${f.fileId}`));

it('keeps one contract per file and uses quota once when two connections see the same documents', async () => {
  const { demo, members } = service.simulator.accounts;
  const demoFiles = keys(await expectedContracts(service, demo));
  const memberFiles = keys(await expectedContracts(service, members[0]!));
  const shared = [...memberFiles].filter((k) => demoFiles.has(k));
  expect(shared.length).toBeGreaterThan(0);

  const first = await connect('Demo user', demo);
  await connectionWhen(first.id, (c) => c.status === 'idle' && c.lastSyncAt, 'the first import');
  const second = await connect('Member', members[0]!);
  await connectionWhen(second.id, (c) => c.status === 'idle' && c.lastSyncAt, 'the second import');

  const ledger = await ledgerContracts(service);
  expect(keys([...ledger.values()])).toEqual(new Set([...demoFiles, ...memberFiles]));
  expect((await getQuota(service.orm.em.fork())).used).toBe(ledger.size);
  const [run] = (await service.api('GET', `/v1/connections/${second.id}/runs`)).body.items;
  expect(run.counts).toMatchObject({ imported: memberFiles.size - shared.length, skippedDuplicate: shared.length });
});

it('stops with status error and exactly one e-mail when the CloudSign user is disabled, and completes after resume', async () => {
  const clientId = service.simulator.accounts.members[1]!;
  const { id, managementId } = await connect('Personal user', clientId);
  await connectionWhen(id, (c) => c.status === 'idle' && c.lastSyncAt, 'the import');
  const mailsBefore = service.mail.messages.length;

  await service.sim('POST', '/users/disable', { clientId });
  await service.sim('POST', '/documents/conclude', { count: 2, clientId });
  expect((await service.api('POST', `/v1/connections/${id}/sync`)).status).toBe(202);
  const failed = await connectionWhen(id, (c) => c.status === 'error', 'status error');
  expect(failed.lastError.code).toBe('forbidden');
  const mail = await service.mail.waitFor((m) => m.subject.includes(managementId));
  expect(mail.text).toContain(managementId);
  expect(mail.text).toMatch(/disabled|無効/);
  expect(mail.text).toMatch(/IP/);
  expect(mail.to).toContain('admin@cloudsign-sync.invalid');

  // Asking again does not make a second e-mail, nor a crash loop.
  expect((await service.api('POST', `/v1/connections/${id}/sync`)).status).toBe(202);
  await new Promise((r) => setTimeout(r, 1_500));
  expect(service.mail.messages.length - mailsBefore).toBe(1);
  expect((await service.api('GET', `/v1/connections/${id}`)).body.status).toBe('error');

  await service.sim('POST', '/users/enable', { clientId });
  expect((await service.api('POST', `/v1/connections/${id}/resume`)).status).toBe(202);
  const healed = await connectionWhen(id, (c) => c.status === 'idle' && c.lastError === null, 'the sync after resume');
  expect(healed.lastError).toBeNull();
  const expected = await expectedContracts(service, clientId);
  const ledger = await ledgerContracts(service);
  for (const file of expected) expect(ledger.has(`${file.documentId}/${file.fileId}`)).toBe(true);
});

it('stops cleanly when the quota runs out mid-import, e-mails once, and finishes exactly when the quota is raised', async () => {
  const clientId = service.simulator.accounts.members[2]!;
  const expected = await expectedContracts(service, clientId);
  const known = await ledgerContracts(service);
  const missing = expected.filter((e) => !known.has(`${e.documentId}/${e.fileId}`));
  expect(missing.length).toBeGreaterThan(8);
  const { used } = (await service.api('GET', '/v1/quota')).body;
  expect((await service.api('PUT', '/v1/quota', { limit: used + 5 })).status).toBe(200);

  const { id, managementId } = await connect('Quota', clientId);
  const stopped = await connectionWhen(id, (c) => c.status === 'quota_exhausted', 'status quota_exhausted');
  expect(stopped.lastError.code).toBe('quota_exhausted');
  expect((await ledgerContracts(service)).size).toBe(known.size + 5);
  const mail = await service.mail.waitFor((m) => m.subject.includes(managementId));
  expect(mail.text).toMatch(/quota/i);

  expect((await service.api('PUT', '/v1/quota', { limit: used + 10_000 })).status).toBe(200);
  await connectionWhen(id, (c) => c.status === 'idle' && c.lastSyncAt, 'the import after the raise');
  const ledger = await ledgerContracts(service);
  for (const file of expected) expect(ledger.get(`${file.documentId}/${file.fileId}`)?.sha256).toBe(file.sha256);
  expect(ledger.size).toBe(known.size + missing.length);
  expect((await getQuota(service.orm.em.fork())).used).toBe(ledger.size);
  expect(service.mail.messages.filter((m) => m.subject.includes(managementId))).toHaveLength(1);
});
