import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN_TOKEN, eventually, startService, type Service } from '../support/service';
import { contractsOf, ledgerContracts, truthDocuments, type TruthDocument } from './expectations';

/**
 * Whatever is wrong with one document or file is that file's failure, with a reason a person understands;
 * every other file is imported exactly and the connection stays healthy. Values at the vendor spec's limits
 * are no trouble at all: the ledger holds them exactly.
 */
let service: Service;
let truth: TruthDocument[];
/** FILE_SIZE_LIMIT: one byte less than the largest PDF, so that exactly the largest ones are too large. */
let limit: number;

const INT64_MAX = '9223372036854775807';

beforeAll(async () => {
  // The size limit must be known before the worker starts: find the largest PDF in a simulator of the same seed first.
  const probe = await startService({ simulator: { documents: 40 } });
  const sizes = (await truthDocuments(probe, probe.simulator.accounts.demo)).flatMap((d) => d.files.map((f) => f.size));
  await probe.close();
  limit = Math.max(...sizes) - 1;
  service = await startService({ simulator: { documents: 40 }, fileSizeLimit: limit });
  truth = await truthDocuments(service, service.simulator.accounts.demo);
});
afterAll(async () => {
  await service?.close();
});

it('records a poisoned document as failed files with their reasons, imports every other file exactly, and stays healthy', async () => {
  const clientId = service.simulator.accounts.demo;
  const candidates = truth.filter((d) => d.attribute !== null && d.status === 2 && d.files.every((f) => f.size <= limit));
  const [forbiddenAttribute, forbiddenFile, notPdf, atLimits, otherTitle] = candidates;
  const quirk = (document: TruthDocument | undefined, quirks: object) => service.sim('PUT', `/documents/${document!.id}/quirks`, quirks);
  await quirk(forbiddenAttribute, { attributeForbidden: true });
  await quirk(forbiddenFile, { fileForbidden: true });
  await quirk(notPdf, { notPdf: true });
  await quirk(atLimits, { valuesAtLimits: true });
  await quirk(otherTitle, { attributeTitle: '管理用タイトル：業務委託基本契約（2024年度）' });

  const created = await service.api('POST', '/v1/connections', { name: 'Isolation', clientId, visibility: { scope: 'company' }, owners: [], saveMode: 'direct' });
  expect(created.status).toBe(201);
  const connection = await eventually(async () => {
    const { body } = await service.api('GET', `/v1/connections/${created.body.id}`);
    return body.status === 'idle' && body.lastSyncAt ? body : undefined;
  }, 60_000, 'the full import');
  expect(connection.lastError ?? null).toBeNull();

  const failures = new Map<string, string>();
  for (const [document, code] of [[forbiddenAttribute, 'forbidden'], [forbiddenFile, 'forbidden'], [notPdf, 'not_pdf']] as const) {
    for (const file of document!.files) failures.set(`${document!.id}/${file.id}`, code);
  }
  for (const document of truth) for (const file of document.files) if (file.size > limit) failures.set(`${document.id}/${file.id}`, 'too_large');

  const rows = await service.orm.em.getConnection().execute<{ document_id: string; file_id: string; title: string; code: string; message: string }[]>(
    'select document_id, file_id, title, code, message from file_errors where connection_id = ?',
    [created.body.id],
  );
  expect(new Map(rows.map((r) => [`${r.document_id}/${r.file_id}`, r.code]))).toEqual(failures);
  for (const row of rows) {
    expect(row.title).toBe(truth.find((d) => d.id === row.document_id)!.title);
    expect(row.message).toMatch(/retry the file\.$/);
  }
  expect(rows.find((r) => r.code === 'forbidden')!.message).toContain('although the client ID still works');
  expect(rows.find((r) => r.code === 'too_large')!.message).toContain('FILE_SIZE_LIMIT');

  const runs = (await service.api('GET', `/v1/connections/${created.body.id}/runs`)).body.items;
  expect(runs[0]).toMatchObject({ outcome: 'partial', counts: { failed: failures.size } });

  // Every other file, exactly; the 書類情報's title over the document's; values at the limits whole.
  const quirked = await truthDocuments(service, clientId);
  const expected = contractsOf(quirked).filter((c) => !failures.has(`${c.documentId}/${c.fileId}`));
  const ledger = await ledgerContracts(service);
  expect(ledger.size).toBe(expected.length);
  for (const file of expected) {
    const contract = ledger.get(`${file.documentId}/${file.fileId}`)!;
    expect(contract.sha256).toBe(file.sha256);
    // The truth's JSON, parsed here, rounds the int64 amount: the ledger must have every digit.
    expect(contract.fields).toEqual(file.documentId === atLimits!.id ? { ...file.fields, amount: INT64_MAX } : file.fields);
  }
  expect([...ledger.values()].find((c) => c.documentId === otherTitle!.id)!.fields.title).toBe('管理用タイトル：業務委託基本契約（2024年度）');
});

it('returns values at every vendor-spec limit exactly through the API: 500 characters, the largest int64 amount', async () => {
  const atLimits = truth.filter((d) => d.attribute !== null && d.status === 2 && d.files.every((f) => f.size <= limit))[3]!;
  const contract = [...(await ledgerContracts(service)).values()].find((c) => c.documentId === atLimits.id)!;
  const [row] = await service.orm.em.getConnection().execute<{ id: string }[]>('select id from contracts where document_id = ? and file_id = ?', [contract.documentId, contract.fileId]);
  const id = row!.id;
  const res = await service.app.request(`/v1/contracts/${id}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  const text = await res.text();
  expect(text).toContain(`"amount":{"value":"${INT64_MAX}"`);
  const body = JSON.parse(text);
  for (const field of ['title', 'counterparty', 'approvalNumber']) expect([...body[field].value]).toHaveLength(500);
  const attribute = (await service.sim('GET', `/truth?client_id=${encodeURIComponent(service.simulator.accounts.demo)}`)) as { documents: TruthDocument[] };
  const fromCloudSign = attribute.documents.find((d) => d.id === atLimits.id)!.attribute!;
  expect(body.title.value).toBe(fromCloudSign.title);
  expect(body.counterparty.value).toBe(fromCloudSign.counterparty);
  expect(body.approvalNumber.value).toBe(fromCloudSign.local_id);

  // A person's edit at the other end of int64 comes back as exactly; the OpenAPI document says it is digits.
  const edited = await service.api('PATCH', `/v1/contracts/${id}`, { amount: '-9223372036854775808' });
  expect(edited.status).toBe(200);
  expect(edited.body.amount).toEqual({ value: '-9223372036854775808', source: 'user' });
  expect((await service.api('PATCH', `/v1/contracts/${id}`, { amount: '9223372036854775808' })).status).toBe(400);
  const openapi = await service.app.request('/openapi.json');
  expect(openapi.status).toBe(200);
  expect(((await openapi.json()) as any).components.schemas.Contract.properties.amount.properties.value).toMatchObject({ pattern: expect.any(String) });
});
