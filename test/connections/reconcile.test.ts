import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectionWorkflowId, MISSING_FILES } from '../../src/temporal/messages';
import { recordHistoryWith } from '../support/histories';
import { eventually, startService, type Service } from '../support/service';
import { expectedContracts, ledgerContracts } from './expectations';

let service: Service;

beforeAll(async () => {
  service = await startService({ simulator: { documents: 130 } });
});
afterAll(async () => {
  await service?.close();
});

const DAY = 24 * 3_600_000;

const connectionWhen = (id: string, predicate: (c: any) => boolean, what: string) =>
  eventually(async () => {
    const { body } = await service.api('GET', `/v1/connections/${id}`);
    return predicate(body) ? body : undefined;
  }, 90_000, what);

const truthOf = async () => (await service.sim('GET', `/truth?client_id=${service.simulator.accounts.demo}`)).documents as { id: string }[];

const reconcileRuns = async (id: string) =>
  (await service.api('GET', `/v1/connections/${id}/runs`)).body.items.filter((r: any) => r.kind === 'reconcile' && r.finishedAt);

it('imports what a shifting listing lost and what became visible late, reports missing 0, and costs list requests only when nothing is missing', async () => {
  // A document hidden during the full import becomes visible later with its old last_processed_at.
  const late = (await truthOf())[60]!.id;
  await service.sim('PUT', `/documents/${late}/quirks`, { hidden: true });
  const created = await service.api('POST', '/v1/connections', {
    name: 'Legal', clientId: service.simulator.accounts.demo, visibility: { scope: 'company' }, owners: [], saveMode: 'direct',
  });
  const { id, managementId } = created.body;
  const first = await connectionWhen(id, (c) => c.status === 'idle' && c.lastSyncAt, 'the full import');
  expect(first.completeness).toBeNull();
  await service.sim('DELETE', `/documents/${late}/quirks`);

  // The daily sync's window (two days back) does not reach it.
  await service.untilSleeping(managementId);
  await service.env.sleep(DAY + 60_000);
  const daily = await connectionWhen(id, (c) => c.status === 'idle' && c.lastSyncAt !== first.lastSyncAt, 'the daily sync');
  expect([...(await ledgerContracts(service)).values()].some((c) => c.documentId === late)).toBe(false);

  // A document lost to a listing that shifted: the first of page 2, gone from the ledger. During the
  // reconciliation's own listing a document of page 1 leaves after page 1, which moves it up to page 1 unseen.
  const truth = await truthOf();
  expect(truth.length).toBeGreaterThan(101);
  const [leaving, lost] = [truth[0]!.id, truth[100]!.id];
  expect([leaving, lost]).not.toContain(late);
  await service.orm.em.getConnection().execute(
    `delete from run_files where document_id = ?; delete from import_records where document_id = ?; delete from contracts where document_id = ?;`,
    [lost, lost, lost],
  );
  await service.sim('PUT', `/documents/${leaving}/quirks`, { hideAfterListPage: 1 });
  const expected = await expectedContracts(service, service.simulator.accounts.demo);
  const filesOf = (documentId: string) => expected.filter((e) => e.documentId === documentId).length;

  expect((await service.api('POST', `/v1/connections/${id}/reconcile`)).status).toBe(202);
  const repaired = await connectionWhen(id, (c) => c.status === 'idle' && c.completeness, 'the reconciliation');
  const ledger = await ledgerContracts(service);
  for (const file of expected) expect(ledger.get(`${file.documentId}/${file.fileId}`)?.sha256, file.documentId).toBe(file.sha256);
  expect(repaired.completeness).toMatchObject({ missing: 0, failed: 0, inReview: 0, discarded: 0 });
  // The union of its sweeps: what the CloudSign user saw when it began, the document that left meanwhile included.
  expect(repaired.completeness.cloudsignFiles).toBe(expected.length);
  expect(repaired.completeness.ledgerFiles).toBe(repaired.completeness.cloudsignFiles);
  const [run] = await reconcileRuns(id);
  expect(run).toMatchObject({ outcome: 'succeeded', error: null, counts: { imported: filesOf(late) + filesOf(lost), failed: 0 } });
  const description = await service.env.client.workflow.getHandle(connectionWorkflowId(managementId)).describe();
  expect(description.typedSearchAttributes.get(MISSING_FILES)).toBe(0);

  // Nothing missing now: a reconciliation lists, and reads nothing else.
  await service.sim('DELETE', '/requests');
  expect((await service.api('POST', `/v1/connections/${id}/reconcile`)).status).toBe(202);
  await eventually(async () => (await reconcileRuns(id)).length === 2 && (await service.api('GET', `/v1/connections/${id}`)).body.status === 'idle', 90_000, 'the second reconciliation');
  const { requests } = await service.sim('GET', '/requests');
  const lists = requests.filter((r: any) => /^\/documents(\?|$)/.test(r.path));
  const visible = (await truthOf()) as { id: string; status: number }[];
  // One request per 100 documents of each list: the concluded ones (status=2), and 全ての状態 (status=-1)
  // for the imported ones (status 13), which pages through every state the user sees.
  const concluded = lists.filter((r: any) => /[?&]status=2(&|$)/.test(r.path));
  expect(concluded).toHaveLength(Math.ceil(visible.filter((d) => d.status === 2).length / 100));
  expect(lists.filter((r: any) => /[?&]status=-1(&|$)/.test(r.path)).length).toBe(lists.length - concluded.length);
  expect(requests.filter((r: any) => !/^\/documents(\?|$)/.test(r.path) && !['/me', '/token'].some((p) => r.path.startsWith(p)))).toEqual([]);
  const [second] = await reconcileRuns(id);
  expect(second).toMatchObject({ outcome: 'succeeded', counts: { listed: expected.length - filesOf(leaving), imported: 0 } });
  expect(daily.lastSyncAt).not.toBe((await service.api('GET', `/v1/connections/${id}`)).body.lastSyncAt);
  await recordHistoryWith(service.env.client, connectionWorkflowId(managementId), 'reconcile', 'connection-reconcile');
});
