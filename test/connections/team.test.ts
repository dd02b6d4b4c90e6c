import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startService, type Service } from '../support/service';
import { expectedContracts, ledgerContracts } from './expectations';

let service: Service;

beforeAll(async () => {
  service = await startService({ simulator: { documents: 30 } });
});
afterAll(async () => {
  await service?.close();
});

it("imports the whole team's concluded documents for a CloudSign user with the document-management right", async () => {
  const clientId = service.simulator.accounts.teamAdmin;
  const team = await expectedContracts(service, clientId, 'team');
  const own = await expectedContracts(service, clientId, 'user');
  expect(team.length).toBeGreaterThan(own.length);

  const preview = await service.api('POST', '/v1/connection-previews', { clientId });
  expect(preview.body.files).toBe(team.length);
  expect(preview.body.advice.join(' ')).toContain('書類管理権限');

  const created = await service.api('POST', '/v1/connections', { name: 'Team', clientId, visibility: { scope: 'private' }, owners: [], saveMode: 'direct' });
  expect(created.status).toBe(201);
  await eventually(async () => {
    const { body } = await service.api('GET', `/v1/connections/${created.body.id}`);
    return body.status === 'idle' && body.lastSyncAt;
  }, 60_000, 'the team import');
  const ledger = await ledgerContracts(service);
  expect(ledger.size).toBe(team.length);
  for (const file of team) expect(ledger.get(`${file.documentId}/${file.fileId}`)?.fields).toEqual(file.fields);
});
