import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  ValidationError,
  disconnectConnection,
  getConnection,
  listConnections,
  recordConnectionError,
  recordLastSync,
  revealClientId,
  setConnectionStatus,
  updateConnection,
  createGroup,
  finishRun,
  startRun,
  syncPositionOf,
  storedSecretsOpen,
} from '../../src/ledger';
import { aConnection, aUser, SECRETS_KEY, useLedger } from './fixtures';

const ledger = useLedger();

describe('connections', () => {
  it('numbers management IDs in order and never gives one out again, even after a disconnect', async () => {
    const first = await aConnection(ledger.em());
    const second = await aConnection(ledger.em());
    expect([first.managementId, second.managementId]).toEqual(['CS-0001', 'CS-0002']);

    await disconnectConnection(ledger.em(), second.id);
    const third = await aConnection(ledger.em());
    expect(third.managementId).toBe('CS-0003');
  });

  it('stores the client ID encrypted, shows only its last 4 characters and decrypts it for the activities', async () => {
    const clientId = 'c1d2e3f4-aaaa-bbbb-cccc-0123456789ab';
    const connection = await aConnection(ledger.em(), { clientId });
    expect(connection.clientIdLast4).toBe('89ab');
    expect(JSON.stringify(connection)).not.toContain(clientId);

    const [row] = await ledger.em().execute(`select * from connections where id = ?`, [connection.id]);
    expect(JSON.stringify(row)).not.toContain(clientId);
    expect(JSON.stringify(row)).not.toContain(clientId.slice(0, 12));

    expect(await revealClientId(ledger.em(), { connectionId: connection.id, secretsKey: SECRETS_KEY })).toBe(clientId);
  });

  it('refuses a client ID that is connected already, and brings its connection back after a disconnect', async () => {
    const first = await aConnection(ledger.em(), { clientId: 'the-same-client-id' });
    const again = aConnection(ledger.em(), { clientId: '  the-same-client-id ' });
    await expect(again).rejects.toBeInstanceOf(ConflictError);
    await expect(again).rejects.toMatchObject({ code: 'client_id_already_connected', details: { managementId: first.managementId } });
    const run = await startRun(ledger.em(), { connectionId: first.id, runKey: `connection/${first.managementId}/0`, kind: 'full', window: { from: null, to: '2026-11-01T00:00:00.000Z' } });
    await finishRun(ledger.em(), { runId: run.id, outcome: 'succeeded' });
    await startRun(ledger.em(), { connectionId: first.id, runKey: `connection/${first.managementId}/1`, kind: 'incremental', window: { from: '2026-10-30T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z' } });

    await disconnectConnection(ledger.em(), first.id);
    const back = await aConnection(ledger.em(), { clientId: 'the-same-client-id', name: 'Back', saveMode: 'direct' });
    // The same connection, with the new request's settings, live again; its workflow is to be started anew.
    expect(back).toMatchObject({ id: first.id, managementId: 'CS-0001', name: 'Back', status: 'idle', disconnectedAt: null, restored: true });
    expect(back.createdAt).toEqual(first.createdAt);
    // It goes on after the last finished window, in a cycle of its own (the unfinished cycle 1 is not reused).
    expect(await syncPositionOf(ledger.em(), first.id)).toEqual({ cycle: 2, lastSyncWindowEnd: '2026-11-01T00:00:00.000Z' });
    await expect(aConnection(ledger.em(), { clientId: 'the-same-client-id' })).rejects.toMatchObject({ code: 'client_id_already_connected' });
    expect((await listConnections(ledger.em())).items).toHaveLength(1);
    // A client ID never connected is a new connection, which has no position.
    const other = await aConnection(ledger.em());
    expect(other).toMatchObject({ managementId: 'CS-0002', status: 'importing', restored: false });
    expect(await syncPositionOf(ledger.em(), other.id)).toBeNull();
  });

  it('checks owners, groups and reviewers, and needs reviewers in review mode', async () => {
    const owner = await aUser(ledger.em());
    await expect(aConnection(ledger.em(), { saveMode: 'review' })).rejects.toMatchObject({ code: 'reviewers_required' });
    await expect(aConnection(ledger.em(), { owners: [owner.id, 'nobody'] })).rejects.toMatchObject({
      code: 'unknown_users',
      details: { field: 'owners', userIds: ['nobody'] },
    });
    const missingGroup = crypto.randomUUID();
    await expect(aConnection(ledger.em(), { visibility: { scope: 'groups', groupIds: [missingGroup] } })).rejects.toBeInstanceOf(ValidationError);

    const group = await createGroup(ledger.em(), { name: 'Legal', memberIds: [owner.id] });
    const connection = await aConnection(ledger.em(), {
      owners: [owner.id],
      visibility: { scope: 'groups', groupIds: [group.id] },
      saveMode: 'review',
      reviewers: { groupIds: [group.id], userIds: [] },
    });
    expect(connection).toMatchObject({
      owners: [owner.id],
      visibility: { scope: 'groups', groupIds: [group.id] },
      saveMode: 'review',
      reviewers: { groupIds: [group.id], userIds: [] },
      status: 'importing',
      lastSyncAt: null,
      progress: { filesDone: 0, filesTotal: 0 },
      totals: { imported: 0, discarded: 0, failed: 0 },
    });
  });

  it('changes settings and rotates the client ID while keeping the last sync', async () => {
    const connection = await aConnection(ledger.em(), { clientId: 'old-client-id' });
    await aConnection(ledger.em(), { clientId: 'taken-client-id' });
    const syncedAt = new Date('2024-05-01T00:00:00Z');
    await recordLastSync(ledger.em(), { connectionId: connection.id, syncedAt });

    await expect(
      updateConnection(ledger.em(), { connectionId: connection.id, clientId: 'taken-client-id', secretsKey: SECRETS_KEY }),
    ).rejects.toBeInstanceOf(ConflictError);

    const updated = await updateConnection(ledger.em(), {
      connectionId: connection.id,
      name: 'Sales',
      visibility: { scope: 'private' },
      clientId: 'new-client-id',
      secretsKey: SECRETS_KEY,
    });
    expect(updated).toMatchObject({ name: 'Sales', visibility: { scope: 'private' }, clientIdLast4: 't-id', lastSyncAt: syncedAt });
    expect(await revealClientId(ledger.em(), { connectionId: connection.id, secretsKey: SECRETS_KEY })).toBe('new-client-id');
    // The old client ID is free again.
    await aConnection(ledger.em(), { clientId: 'old-client-id' });
  });

  it('records status, errors and the last sync; a disconnected connection stays so', async () => {
    const { id } = await aConnection(ledger.em());
    await recordConnectionError(ledger.em(), { connectionId: id, code: 'forbidden', message: 'CloudSign refused access.' });
    expect(await getConnection(ledger.em(), id)).toMatchObject({ status: 'error', lastError: { code: 'forbidden', at: expect.any(Date) } });

    await recordLastSync(ledger.em(), { connectionId: id, syncedAt: '2024-05-02T00:00:00.000Z' });
    expect((await getConnection(ledger.em(), id)).lastSyncAt).toEqual(new Date('2024-05-02T00:00:00.000Z'));

    await disconnectConnection(ledger.em(), id);
    await setConnectionStatus(ledger.em(), { connectionId: id, status: 'idle', nextSyncAt: '2030-01-01T00:00:00Z' });
    expect(await getConnection(ledger.em(), id)).toMatchObject({ status: 'disconnected', nextSyncAt: null });
    await expect(updateConnection(ledger.em(), { connectionId: id, name: 'x' })).rejects.toMatchObject({ code: 'connection_disconnected' });
  });

  it('lists connections newest first, page by page', async () => {
    for (let i = 0; i < 3; i++) await aConnection(ledger.em());
    const first = await listConnections(ledger.em(), { limit: 2 });
    expect(first.items.map((c) => c.managementId)).toEqual(['CS-0003', 'CS-0002']);
    const second = await listConnections(ledger.em(), { limit: 2, cursor: first.nextCursor });
    expect(second).toMatchObject({ items: [{ managementId: 'CS-0001' }], nextCursor: null });
    await expect(getConnection(ledger.em(), 'not-an-id')).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('storedSecretsOpen', () => {
  it('tells whether SECRETS_KEY opens the secrets the database holds, as npm run dev checks at start', async () => {
    expect(await storedSecretsOpen(ledger.em(), SECRETS_KEY)).toBe(true);
    await aConnection(ledger.em());
    expect(await storedSecretsOpen(ledger.em(), SECRETS_KEY)).toBe(true);
    expect(await storedSecretsOpen(ledger.em(), 'b4'.repeat(32))).toBe(false);
  });
});
