import { describe, expect, it } from 'vitest';
import {
  QuotaExhaustedError,
  getConnection,
  getContract,
  getQuota,
  importFile,
  listFileErrors,
  recordFileError,
  setQuotaLimit,
  settleKnownFiles,
} from '../../src/ledger';
import { discardDocument } from '../../src/ledger/discards';
import { aConnection, anImport, aRun as aRunOf, aUser, importSome, theRun, useLedger } from './fixtures';

const ledger = useLedger();

async function countRows(table: string): Promise<number> {
  const [row] = await ledger.em().execute<{ n: string }[]>(`select count(*) as n from ${table}`);
  return Number(row!.n);
}

const aRun = (connectionId: string) => aRunOf(ledger.em(), connectionId);

describe('importFile', () => {
  it('saves one contract with provenance, and is idempotent', async () => {
    const connection = await aConnection(ledger.em());
    const input = anImport(connection.id, { fields: { title: '秘密保持契約書', conclusionDate: '2024-04-01', amount: null, counterparty: '' } });

    const first = await importFile(ledger.em(), input);
    expect(first.outcome).toBe('imported');
    expect(await importFile(ledger.em(), input)).toEqual({ outcome: 'duplicate', contractId: first.contractId });

    const contract = await getContract(ledger.em(), { contractId: first.contractId! });
    expect(contract.fields.title).toEqual({ value: '秘密保持契約書', source: 'cloudsign' });
    expect(contract.fields.conclusionDate).toEqual({ value: '2024-04-01', source: 'cloudsign' });
    // No value in CloudSign: no source, so extraction may fill it later.
    expect(contract.fields.amount).toEqual({ value: null, source: null });
    expect(contract.fields.counterparty).toEqual({ value: null, source: null });
    expect(contract.origin).toEqual({ connectionId: connection.id, managementId: connection.managementId, documentId: input.documentId, fileId: input.fileId });
    expect(contract.file).toEqual(input.file);
    expect(contract.visibility).toEqual(connection.visibility);
    expect(await getQuota(ledger.em())).toMatchObject({ used: 1 });
  });

  it('keeps one contract and uses quota once when two connections see the same file', async () => {
    const a = await aConnection(ledger.em());
    const b = await aConnection(ledger.em());
    const input = anImport(a.id);

    const first = await importFile(ledger.em(), input);
    const second = await importFile(ledger.em(), { ...input, connectionId: b.id, file: { sha256: 'f'.repeat(64), size: 1 } });
    expect(second).toEqual({ outcome: 'duplicate', contractId: first.contractId });
    expect(await countRows('contracts')).toBe(1);
    expect((await getQuota(ledger.em())).used).toBe(1);
  });

  it('imports a file once when several activities import it at the same moment', async () => {
    const connections = await Promise.all([aConnection(ledger.em()), aConnection(ledger.em())]);
    const input = anImport(connections[0]!.id);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => importFile(ledger.em(), { ...input, connectionId: connections[i % 2]!.id })),
    );
    expect(results.filter((r) => r.outcome === 'imported')).toHaveLength(1);
    expect(new Set(results.map((r) => r.contractId)).size).toBe(1);
    expect(await countRows('contracts')).toBe(1);
    expect((await getQuota(ledger.em())).used).toBe(1);
  });

  it('stops at the quota without writing anything, and goes on once the quota is raised', async () => {
    const connection = await aConnection(ledger.em());
    await setQuotaLimit(ledger.em(), { limit: 2 });
    await importSome(ledger.em(), connection.id, 2);

    const third = anImport(connection.id);
    const error = await importFile(ledger.em(), third).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuotaExhaustedError);
    expect(error).toMatchObject({ code: 'quota_exhausted', limit: 2, used: 2 });
    expect(await countRows('contracts')).toBe(2);
    expect(await countRows('import_records')).toBe(2);

    // Parallel imports cannot overshoot either.
    await setQuotaLimit(ledger.em(), { limit: 4 });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => importFile(ledger.em(), anImport(connection.id))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(await getQuota(ledger.em())).toEqual({ limit: 4, used: 4, remaining: 0 });
    expect(await countRows('contracts')).toBe(4);

    await setQuotaLimit(ledger.em(), { limit: 10 });
    expect((await importFile(ledger.em(), third)).outcome).toBe('imported');
  });

  it('refuses a quota below what is used', async () => {
    const connection = await aConnection(ledger.em());
    await importSome(ledger.em(), connection.id, 3);
    await expect(setQuotaLimit(ledger.em(), { limit: 2 })).rejects.toMatchObject({ code: 'quota_below_usage', details: { used: 3 } });
    expect(await setQuotaLimit(ledger.em(), { limit: 3 })).toEqual({ limit: 3, used: 3, remaining: 0 });
  });

  it('never imports a discarded document and uses no quota for it', async () => {
    const connection = await aConnection(ledger.em());
    const reviewer = await aUser(ledger.em());
    const input = anImport(connection.id);
    await discardDocument(ledger.em(), { documentId: input.documentId, connectionId: connection.id, decidedBy: reviewer.id });
    expect(await importFile(ledger.em(), input)).toEqual({ outcome: 'discarded', contractId: null });
    expect((await getQuota(ledger.em())).used).toBe(0);
    expect((await aConnectionTotals(connection.id)).discarded).toBe(1);
  });

  it("takes a reviewer's visibility and owners, and checks them", async () => {
    const connection = await aConnection(ledger.em());
    const owner = await aUser(ledger.em());
    const { contractId } = await importFile(ledger.em(), anImport(connection.id, { visibility: { scope: 'private' }, owners: [owner.id] }));
    expect(await getContract(ledger.em(), { contractId: contractId! })).toMatchObject({ visibility: { scope: 'private' }, owners: [owner.id] });
    await expect(importFile(ledger.em(), anImport(connection.id, { owners: ['ghost'] }))).rejects.toMatchObject({ code: 'unknown_users' });
    await expect(importFile(ledger.em(), anImport(connection.id, { fields: { conclusionDate: '2024-02-30' } }))).rejects.toMatchObject({
      code: 'invalid_fields',
    });
  });

  it('counts each file once in its run, however often an activity is retried', async () => {
    const connection = await aConnection(ledger.em());
    const other = await aConnection(ledger.em());
    const run = await aRun(connection.id);
    const fresh = anImport(connection.id, { runId: run.id });
    const known = anImport(other.id);
    await importFile(ledger.em(), known);

    for (let attempt = 0; attempt < 2; attempt++) {
      expect((await importFile(ledger.em(), fresh)).outcome).toBe('imported');
      expect((await importFile(ledger.em(), { ...known, connectionId: connection.id, runId: run.id })).outcome).toBe('duplicate');
    }
    expect((await theRun(ledger.em(), run)).counts).toMatchObject({ imported: 1, skippedDuplicate: 1 });
    expect((await getQuota(ledger.em())).used).toBe(2);
  });

  it('settles files known already before they are downloaded, counting them once', async () => {
    const connection = await aConnection(ledger.em());
    const reviewer = await aUser(ledger.em());
    const run = await aRun(connection.id);
    const imported = anImport(connection.id);
    await importFile(ledger.em(), imported);
    const discarded = anImport(connection.id);
    await discardDocument(ledger.em(), { documentId: discarded.documentId, connectionId: connection.id, decidedBy: reviewer.id });
    const files = [imported, discarded, anImport(connection.id)].map(({ documentId, fileId }) => ({ documentId, fileId }));

    for (let attempt = 0; attempt < 2; attempt++) {
      const known = await settleKnownFiles(ledger.em(), { connectionId: connection.id, runId: run.id, files });
      expect([...known].sort()).toEqual([imported.fileId, discarded.fileId].sort());
    }
    expect((await theRun(ledger.em(), run)).counts).toMatchObject({ skippedDuplicate: 1, skippedDiscarded: 1, imported: 0 });
  });

  it('records per-file errors with their attempts until the file is imported', async () => {
    const connection = await aConnection(ledger.em());
    const run = await aRun(connection.id);
    const input = anImport(connection.id);
    const failure = { connectionId: connection.id, runId: run.id, documentId: input.documentId, fileId: input.fileId, message: 'download failed' };
    expect(await recordFileError(ledger.em(), failure)).toEqual({ attempts: 1 });
    expect(await recordFileError(ledger.em(), { ...failure, code: 'transient' })).toEqual({ attempts: 2 });
    expect((await listFileErrors(ledger.em(), { connectionId: connection.id })).items).toMatchObject([
      { documentId: input.documentId, attempts: 2, code: 'transient', runId: run.id, resolvedAt: null },
    ]);
    expect((await aConnectionTotals(connection.id)).failed).toBe(1);

    await importFile(ledger.em(), input);
    expect((await listFileErrors(ledger.em(), { connectionId: connection.id })).items).toEqual([]);
    expect((await listFileErrors(ledger.em(), { connectionId: connection.id, includeResolved: true })).items).toHaveLength(1);
    expect(await aConnectionTotals(connection.id)).toEqual({ imported: 1, pendingReview: 0, discarded: 0, failed: 0 });
  });
});

async function aConnectionTotals(connectionId: string) {
  return (await getConnection(ledger.em(), connectionId)).totals;
}
