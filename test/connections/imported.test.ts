import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startService, type Service } from '../support/service';
import { contractsOf, ledgerContracts, truthDocuments, type ExpectedContract, type TruthDocument } from './expectations';

/**
 * Documents brought into CloudSign with 書類インポート (status 13) are contracts: synced in both listing scopes,
 * whichever way the open question goes (does GET /documents?status=-1 list them? cloudsign-api.md Uncertain #4).
 */
let service: Service;
/** Every contract the connections so far should have brought in, by `documentId/fileId`. */
const union = new Map<string, ExpectedContract>();

beforeAll(async () => {
  service = await startService({ simulator: { documents: 30 } });
});
afterAll(async () => {
  await service?.close();
});

const IMPORTED = 13;

/** Previews and connects `clientId`, waits for its full import, and checks the ledger against the truth. */
async function importAll(clientId: string, scope: 'user' | 'team'): Promise<TruthDocument[]> {
  const truth = await truthDocuments(service, clientId, scope);
  const expected = contractsOf(truth);
  const preview = await service.api('POST', '/v1/connection-previews', { clientId });
  expect(preview.status).toBe(200);
  expect(preview.body).toMatchObject({
    documents: truth.length,
    importedDocuments: truth.filter((d) => d.status === IMPORTED).length,
    files: expected.length,
  });

  const created = await service.api('POST', '/v1/connections', { name: clientId.slice(0, 8), clientId, visibility: { scope: 'company' }, owners: [], saveMode: 'direct' });
  expect(created.status).toBe(201);
  await eventually(async () => {
    const { body } = await service.api('GET', `/v1/connections/${created.body.id}`);
    return body.status === 'idle' && body.lastSyncAt;
  }, 60_000, 'the full import');

  for (const file of expected) union.set(`${file.documentId}/${file.fileId}`, file);
  const ledger = await ledgerContracts(service);
  expect([...ledger.keys()].sort()).toEqual([...union.keys()].sort());
  for (const file of expected) {
    const contract = ledger.get(`${file.documentId}/${file.fileId}`)!;
    expect(contract.sha256).toBe(file.sha256);
    expect(contract.fields).toEqual(file.fields);
  }
  return truth;
}

it('imports imported documents when 全ての状態 lists them: a user without and one with 書類管理権限 but no 親展 right', async () => {
  const demo = await importAll(service.simulator.accounts.demo, 'user');
  expect(demo.filter((d) => d.status === IMPORTED).length).toBeGreaterThan(0);

  // 書類管理権限 without 親展書類管理権限: /team_documents leaves out its own 親展 documents, concluded and imported.
  const manager = await importAll(service.simulator.accounts.documentManager, 'team');
  expect(manager.some((d) => d.private && d.status === IMPORTED)).toBe(true);
  expect(manager.some((d) => d.private && d.status === 2)).toBe(true);
});

it('imports what can be seen when 全ての状態 does not list them: a member without, the team administrator with 書類管理権限', async () => {
  const memberId = service.simulator.accounts.members[2]!;
  const memberImported = (await truthDocuments(service, memberId)).filter((d) => d.status === IMPORTED);
  expect(memberImported.length).toBeGreaterThan(0);

  await service.sim('PUT', '/behaviour', { importedInAllStatuses: false });
  const member = await importAll(memberId, 'user');
  expect(member.some((d) => d.status === IMPORTED)).toBe(false);

  // /team_documents lists imported documents whatever 全ての状態 does: the member's among them.
  const team = await importAll(service.simulator.accounts.teamAdmin, 'team');
  const teamIds = new Set(team.map((d) => d.id));
  for (const document of memberImported) expect(teamIds.has(document.id)).toBe(true);
});
