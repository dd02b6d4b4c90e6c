import { describe, expect, it } from 'vitest';
import {
  dismissFileErrors,
  dueFileErrors,
  finishRun,
  importFile,
  incidentRecipients,
  listFileErrors,
  recordRunError,
  requestFileRetry,
  listRuns,
  recordFileError,
  recordIncident,
  resolveIncidents,
  startRun,
} from '../../src/ledger';
import { aConnection, anImport, aRun, aUser, theRun, useLedger } from './fixtures';

const ledger = useLedger();
const window = { from: '2024-05-01T00:00:00.000000Z', to: '2024-05-02T00:00:00.000000Z' };

describe('runs', () => {
  it('starts once per run key and keeps the first end', async () => {
    const connection = await aConnection(ledger.em());
    const input = { connectionId: connection.id, runKey: 'connection/CS-0001/cycle-1', kind: 'incremental' as const, window, listed: 7 };
    const [run, retried] = await Promise.all([startRun(ledger.em(), input), startRun(ledger.em(), input)]);
    expect(retried.id).toBe(run.id);
    expect(run).toMatchObject({ kind: 'incremental', window, outcome: 'running', finishedAt: null, counts: { listed: 7, imported: 0, failed: 0 } });

    const stopped = await finishRun(ledger.em(), { runId: run.id, outcome: 'stopped', error: { code: 'disconnected', message: 'The connection was disconnected.' } });
    expect(stopped).toMatchObject({ outcome: 'stopped', error: { code: 'disconnected' }, finishedAt: expect.any(Date) });
    expect(await finishRun(ledger.em(), { runId: run.id, outcome: 'succeeded' })).toMatchObject({ outcome: 'stopped', finishedAt: stopped.finishedAt });
  });

  it('counts a failed file once per run, however often it fails, and ends such a run as partial', async () => {
    const connection = await aConnection(ledger.em());
    const first = await aRun(ledger.em(), connection.id);
    const failure = (runId: string, fileId: string) =>
      recordFileError(ledger.em(), { connectionId: connection.id, runId, documentId: 'doc-1', fileId, message: 'CloudSign cannot serve this file.' });

    // Retried activities report the same file again, some at the same time.
    await Promise.all([failure(first.id, 'a'), failure(first.id, 'a'), failure(first.id, 'b'), failure(first.id, 'a')]);
    await failure(first.id, 'b');
    expect((await theRun(ledger.em(), first)).counts.failed).toBe(2);
    expect(await finishRun(ledger.em(), { runId: first.id, outcome: 'succeeded' })).toMatchObject({ outcome: 'partial', counts: { failed: 2 } });

    // The next run that tries the file again counts it again, in its own counts.
    const second = await aRun(ledger.em(), connection.id);
    await failure(second.id, 'a');
    expect((await theRun(ledger.em(), second)).counts.failed).toBe(1);
    expect((await theRun(ledger.em(), first)).counts.failed).toBe(2);

    const clean = await aRun(ledger.em(), connection.id);
    expect(await finishRun(ledger.em(), { runId: clean.id, outcome: 'succeeded' })).toMatchObject({ outcome: 'succeeded', counts: { failed: 0 } });
  });

  it("lists a connection's runs, newest first, page by page", async () => {
    const connection = await aConnection(ledger.em());
    const other = await aConnection(ledger.em());
    const keys: string[] = [];
    for (let i = 0; i < 3; i++) {
      keys.push(`run-${i}`);
      await startRun(ledger.em(), { connectionId: connection.id, runKey: `run-${i}`, kind: i ? 'incremental' : 'full', window });
    }
    await startRun(ledger.em(), { connectionId: other.id, runKey: 'elsewhere', kind: 'manual', window });

    const first = await listRuns(ledger.em(), { connectionId: connection.id, limit: 2 });
    const second = await listRuns(ledger.em(), { connectionId: connection.id, limit: 2, cursor: first.nextCursor });
    expect([...first.items, ...second.items].map((r) => r.runKey)).toEqual(keys.reverse());
    expect(second.nextCursor).toBeNull();
    await expect(listRuns(ledger.em(), { connectionId: crypto.randomUUID() })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('incidents', () => {
  it('is new once per open incident, however often it is reported, and again after being resolved', async () => {
    const connection = await aConnection(ledger.em());
    const other = await aConnection(ledger.em());
    const report = (connectionId: string, kind = 'forbidden') => recordIncident(ledger.em(), { connectionId, kind, message: 'CloudSign refused access.' });

    expect(await Promise.all([report(connection.id), report(connection.id), report(connection.id)])).toEqual(expect.arrayContaining([true, false, false]));
    expect(await report(connection.id)).toBe(false);
    expect(await report(connection.id, 'quota_exhausted')).toBe(true);
    expect(await report(other.id)).toBe(true);

    expect(await resolveIncidents(ledger.em(), { connectionId: connection.id })).toBe(2);
    expect(await report(connection.id)).toBe(true);
    expect(await report(other.id)).toBe(false);
  });

  it('tells every admin and the owners of the connection', async () => {
    const admin = await aUser(ledger.em(), 'admin');
    const owner = await aUser(ledger.em());
    await aUser(ledger.em());
    const connection = await aConnection(ledger.em(), { owners: [owner.id] });
    expect((await incidentRecipients(ledger.em(), { connectionId: connection.id })).sort()).toEqual([admin.email, owner.email].sort());
  });
});

describe('run errors', () => {
  it('shows the error a running run waits on, clears it when the run goes on, and keeps it when the run ends failed', async () => {
    const connection = await aConnection(ledger.em());
    const run = await aRun(ledger.em(), connection.id);
    const refusal = { code: 'invalid_client', message: 'CloudSign does not recognise this client ID.' };
    await recordRunError(ledger.em(), { runId: run.id, error: refusal });
    expect(await theRun(ledger.em(), run)).toMatchObject({ outcome: 'running', error: refusal });
    await recordRunError(ledger.em(), { runId: run.id, error: null });
    expect((await theRun(ledger.em(), run)).error).toBeNull();
    await recordRunError(ledger.em(), { runId: run.id, error: refusal });
    expect(await finishRun(ledger.em(), { runId: run.id, outcome: 'failed' })).toMatchObject({ outcome: 'failed', error: refusal, ended: true });
    // An ended run's error is history: a late report changes nothing.
    await recordRunError(ledger.em(), { runId: run.id, error: null });
    expect((await theRun(ledger.em(), run)).error).toEqual(refusal);
  });

  it('ends a run with failed files as partial with an error that counts them, and a clean one with none', async () => {
    const connection = await aConnection(ledger.em());
    const run = await aRun(ledger.em(), connection.id);
    await recordRunError(ledger.em(), { runId: run.id, error: { code: 'stalled', message: 'CloudSign was down.' } });
    await recordFileError(ledger.em(), { connectionId: connection.id, runId: run.id, documentId: 'doc-1', fileId: 'f', message: 'not a PDF' });
    const partial = await finishRun(ledger.em(), { runId: run.id, outcome: 'succeeded' });
    expect(partial).toMatchObject({ outcome: 'partial', error: { code: 'files_failed' } });
    expect(partial.error!.message).toMatch(/^1 file\(s\) .*file-errors/);
    const clean = await aRun(ledger.em(), connection.id);
    await recordRunError(ledger.em(), { runId: clean.id, error: { code: 'stalled', message: 'CloudSign was down.' } });
    expect(await finishRun(ledger.em(), { runId: clean.id, outcome: 'succeeded' })).toMatchObject({ outcome: 'succeeded', error: null });
  });
});

describe('failed files retried by ID', () => {
  const HOUR = 3_600_000;

  it('makes a failed file due after a wait that grows with each failure, once per claim, never while dismissed', async () => {
    const connection = await aConnection(ledger.em());
    const t0 = new Date('2026-03-01T00:00:00Z');
    const at = (hours: number) => new Date(t0.getTime() + hours * HOUR);
    const fail = (when: Date) => recordFileError(ledger.em(), { connectionId: connection.id, documentId: 'doc-1', fileId: 'f1', title: 'NDA', message: 'not a PDF', at: when });
    const due = (when: Date) => dueFileErrors(ledger.em(), { connectionId: connection.id, now: when, limit: 50 });

    await fail(t0);
    expect(await due(at(11))).toEqual([]);
    expect(await due(at(13))).toEqual([{ documentId: 'doc-1', fileIds: ['f1'] }]);
    // Claimed: the same sync does not pick it again.
    expect(await due(at(13))).toEqual([]);
    await fail(at(13));
    expect(await due(at(13 + 23))).toEqual([]);
    expect(await due(at(13 + 25))).toHaveLength(1);

    const [item] = (await listFileErrors(ledger.em(), { connectionId: connection.id })).items;
    expect(item).toMatchObject({ attempts: 2, title: 'NDA' });
    expect(await dismissFileErrors(ledger.em(), { connectionId: connection.id, ids: [item!.id] })).toBe(1);
    expect(await due(at(24 * 365))).toEqual([]);
    expect(await requestFileRetry(ledger.em(), { connectionId: connection.id })).toBe(1);
    expect(await due(at(40))).toEqual([{ documentId: 'doc-1', fileIds: ['f1'] }]);
  });

  it('resolves, instead of retrying, a failed file that is in the ledger meanwhile', async () => {
    const connection = await aConnection(ledger.em());
    const other = await aConnection(ledger.em());
    const file = anImport(other.id);
    await recordFileError(ledger.em(), { connectionId: connection.id, documentId: file.documentId, fileId: file.fileId, message: 'gone', at: new Date(0) });
    await importFile(ledger.em(), file);
    expect(await dueFileErrors(ledger.em(), { connectionId: connection.id, now: new Date(), limit: 50 })).toEqual([]);
    expect((await listFileErrors(ledger.em(), { connectionId: connection.id })).items).toEqual([]);
  });
});
