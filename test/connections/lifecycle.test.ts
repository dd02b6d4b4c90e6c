import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { startMissingWorkflows } from '../../src/services/connections';
import { connectionWorkflowId, reviewWorkflowId } from '../../src/temporal/messages';
import { testServices } from '../support/app';
import { expectedContracts } from './expectations';
import { ADMIN_TOKEN, eventually, startService, type Service } from '../support/service';
import { connectForReview, connectionWhen, listReviews, people, type People } from '../reviews/support';

/** A connection's end and its return: nothing of it is left waiting, and nothing of it is lost. */

let service: Service;
let who: People;
/** The review-mode connection the first test disconnects. */
let reviewed: { id: string; managementId: string };

beforeAll(async () => {
  service = await startService({ simulator: { documents: 8 }, ownTemporalServer: true, restartableWorker: true });
  who = await people(service);
});
afterAll(async () => {
  await service?.close();
});

const workflowStatus = async (workflowId: string) => (await service.env.client.workflow.getHandle(workflowId).describe()).status.name;

const contractsOfConnection = async (connectionId: string) =>
  service.orm.em
    .getConnection()
    .execute<{ document_id: string; file_id: string }[]>('select document_id, file_id from contracts where connection_id = ?', [connectionId]);

describe('disconnecting a review-mode connection', () => {
  it('closes its pending reviews with the reason, ends their workflows, and takes them out of the reviewers\' queue', async () => {
    const connection = await connectForReview(service, service.simulator.accounts.demo, who);
    reviewed = connection;
    const idle = await connectionWhen(service, connection.id, (c) => c.status === 'idle' && c.lastSyncAt, 'the full import');
    const pending = await listReviews(service, 'status=pending', who.reviewer.token);
    expect(pending.length).toBeGreaterThan(0);
    expect(idle.totals.pendingReview).toBe(pending.length);
    const workflowIds = pending.map((r) => reviewWorkflowId(connection.managementId, r.documentId));
    await eventually(async () => (await Promise.all(workflowIds.map(workflowStatus))).every((s) => s === 'RUNNING'), 30_000, 'the review workflows to run');

    expect((await service.api('DELETE', `/v1/connections/${connection.id}`)).status).toBe(202);

    // Temporal: every review workflow has completed, as `closed`.
    await eventually(async () => (await Promise.all(workflowIds.map(workflowStatus))).every((s) => s === 'COMPLETED'), 30_000, 'the review workflows to complete');
    const described = await service.env.client.workflow.getHandle(workflowIds[0]!).describe();
    expect(described.searchAttributes).toMatchObject({ ReviewStatus: ['closed'] });
    expect(await workflowStatus(connectionWorkflowId(connection.managementId))).toBe('COMPLETED');

    // The ledger: closed with the reason; nothing waits for a reviewer, and nothing can be decided any more.
    expect(await listReviews(service, 'status=pending', who.reviewer.token)).toEqual([]);
    expect(await listReviews(service, 'status=pending')).toEqual([]);
    const closed = await listReviews(service, 'status=closed', who.reviewer.token);
    expect(closed.map((r) => r.id).sort()).toEqual(pending.map((r) => r.id).sort());
    for (const review of closed) {
      expect(review.closedReason).toMatchObject({ code: 'disconnected', message: expect.stringContaining(connection.managementId) });
      expect(review.pendingReason).toBeNull();
    }
    const approve = await service.api('POST', `/v1/reviews/${closed[0].id}/approve`, {}, who.reviewer.token);
    expect({ status: approve.status, code: approve.body.error.code }).toEqual({ status: 409, code: 'connection_disconnected' });
    expect((await service.api('GET', `/v1/connections/${connection.id}`)).body.totals.pendingReview).toBe(0);
    expect(await contractsOfConnection(connection.id)).toEqual([]);
  });
});

describe('connecting a disconnected client ID again', () => {
  it('reopens the reviews its disconnect closed, with workflows of their own again, so that they can still be decided', async () => {
    const closed = await listReviews(service, 'status=closed', who.reviewer.token);
    expect(closed.length).toBeGreaterThan(0);
    const back = await connectForReview(service, service.simulator.accounts.demo, who);
    expect(back).toMatchObject({ id: reviewed.id, managementId: reviewed.managementId });

    const pending = await listReviews(service, 'status=pending', who.reviewer.token);
    expect(pending.map((r) => r.id).sort()).toEqual(closed.map((r) => r.id).sort());
    expect(pending.every((r) => r.closedReason === null && r.pendingReason.code === 'awaiting_decision')).toBe(true);
    const workflowIds = pending.map((r) => reviewWorkflowId(reviewed.managementId, r.documentId));
    await eventually(async () => (await Promise.all(workflowIds.map(workflowStatus))).every((s) => s === 'RUNNING'), 30_000, 'the review workflows to run again');

    // A decision takes effect as before: one contract per file.
    const review = pending[0];
    expect((await service.api('POST', `/v1/reviews/${review.id}/approve`, {}, who.reviewer.token)).status).toBe(202);
    await eventually(async () => (await service.api('GET', `/v1/reviews/${review.id}`)).body.status === 'approved', 30_000, 'the approval');
    expect(await contractsOfConnection(reviewed.id)).toHaveLength(review.files.length);
    await eventually(async () => (await workflowStatus(workflowIds[0]!)) === 'COMPLETED', 30_000, 'its workflow to complete');
    // The rest end with the next disconnect, as before.
    expect((await service.api('DELETE', `/v1/connections/${reviewed.id}`)).status).toBe(202);
    await eventually(async () => (await Promise.all(workflowIds.map(workflowStatus))).every((s) => s === 'COMPLETED'), 30_000, 'the review workflows to complete');
  });

  it('starts the reopened reviews\' workflows with the connection\'s once Temporal answers, when it was down at the reconnect', async () => {
    const closed = await listReviews(service, 'status=closed', who.reviewer.token);
    expect(closed.length).toBeGreaterThan(0);
    const down = await testServices(service.orm, { TEMPORAL_ADDRESS: '127.0.0.1:1', CLOUDSIGN_BASE_URL: service.simulator.url, TEMPORAL_TASK_QUEUE: service.taskQueue });
    try {
      const res = await createApp(down).request('/v1/connections', {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Reviewed', clientId: service.simulator.accounts.demo, visibility: { scope: 'company' }, owners: [], saveMode: 'review', reviewers: { groupIds: [who.reviewersGroup], userIds: [who.reviewer.id] } }),
      });
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ id: reviewed.id, managementId: reviewed.managementId });
    } finally {
      await down.close();
    }
    // Reopened in the ledger; their workflows (and the connection's) are still those the disconnect ended.
    const pending = await listReviews(service, 'status=pending', who.reviewer.token);
    expect(pending.map((r) => r.id).sort()).toEqual(closed.map((r) => r.id).sort());
    const workflowIds = pending.map((r) => reviewWorkflowId(reviewed.managementId, r.documentId));
    expect(new Set(await Promise.all(workflowIds.map(workflowStatus)))).toEqual(new Set(['COMPLETED']));

    // The API's repair round, with Temporal back: the connection's workflow, and each reopened review's.
    expect(await startMissingWorkflows(service.services)).toEqual([reviewed.managementId]);
    expect(await workflowStatus(connectionWorkflowId(reviewed.managementId))).toBe('RUNNING');
    await eventually(async () => (await Promise.all(workflowIds.map(workflowStatus))).every((s) => s === 'RUNNING'), 30_000, 'the review workflows to run again');
    expect((await service.api('DELETE', `/v1/connections/${reviewed.id}`)).status).toBe(202);
    await eventually(async () => (await Promise.all(workflowIds.map(workflowStatus))).every((s) => s === 'COMPLETED'), 30_000, 'the review workflows to complete');
  });

  it('brings the same connection back — management ID, contracts, position — and imports only what is new', async () => {
    const clientId = service.simulator.accounts.members[0]!;
    // A file the review-mode connection above saved (a document both users see) is in the ledger already:
    // the ledger holds each file once, so this connection counts it as a duplicate, not as its own.
    const saved = new Set(
      (await service.orm.em.getConnection().execute<{ document_id: string; file_id: string }[]>('select document_id, file_id from contracts')).map(
        (c) => `${c.document_id}/${c.file_id}`,
      ),
    );
    const before = (await expectedContracts(service, clientId)).filter((c) => !saved.has(`${c.documentId}/${c.fileId}`)).length;
    const body = { name: 'Member', clientId, visibility: { scope: 'company' }, owners: [], saveMode: 'direct' };
    const first = (await service.api('POST', '/v1/connections', body)).body;
    await connectionWhen(service, first.id, (c) => c.status === 'idle' && c.lastSyncAt, 'the full import');
    expect(await contractsOfConnection(first.id)).toHaveLength(before);
    const [fullImport] = (await service.api('GET', `/v1/connections/${first.id}/runs`)).body.items;

    expect((await service.api('DELETE', `/v1/connections/${first.id}`)).status).toBe(202);
    await eventually(async () => (await workflowStatus(connectionWorkflowId(first.managementId))) === 'COMPLETED', 30_000, 'the workflow to end');
    // While it was disconnected, CloudSign concluded more.
    const { documents: concluded } = await service.sim('POST', '/documents/conclude', { count: 2, clientId, filesPerDocument: 1 });

    const again = await service.api('POST', '/v1/connections', { ...body, name: 'Member again', visibility: { scope: 'private' }, owners: [who.owner.id] });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ id: first.id, managementId: first.managementId, name: 'Member again', visibility: { scope: 'private' }, owners: [who.owner.id] });
    expect(again.body.totals.imported).toBe(before);

    // It syncs at once, from where it was, and imports only the new documents: no duplicate, no second full import.
    const runs = await eventually(async () => {
      const { items } = (await service.api('GET', `/v1/connections/${first.id}/runs`)).body;
      return items.length === 2 && items[0].outcome === 'succeeded' ? items : undefined;
    }, 60_000, 'the sync after reconnecting');
    expect(runs[0]).toMatchObject({ kind: 'manual', counts: { imported: 2, failed: 0 } });
    expect(new Date(runs[0].window.from).getTime()).toBe(new Date(fullImport.window.to).getTime() - 2 * 86_400_000);
    const contracts = await contractsOfConnection(first.id);
    expect(contracts).toHaveLength(before + 2);
    expect(new Set(contracts.map((c) => `${c.document_id}/${c.file_id}`)).size).toBe(before + 2);
    expect(contracts.filter((c) => concluded.includes(c.document_id))).toHaveLength(2);
    const back = await connectionWhen(service, first.id, (c) => c.status === 'idle', 'idle again');
    expect(back.totals.imported).toBe(before + 2);
    // One connection for the client ID, still: a second connect is refused as before.
    const list = (await service.api('GET', '/v1/connections')).body.items.filter((c: any) => c.managementId === first.managementId);
    expect(list).toHaveLength(1);
    expect((await service.api('POST', '/v1/connections', body)).status).toBe(409);
  });

  it('goes on in the workflow that was still ending when the client ID was connected again', async () => {
    const clientId = service.simulator.accounts.members[1]!;
    const body = { name: 'Second member', clientId, visibility: { scope: 'company' }, owners: [], saveMode: 'direct' };
    const first = (await service.api('POST', '/v1/connections', body)).body;
    await connectionWhen(service, first.id, (c) => c.status === 'idle' && c.lastSyncAt, 'the full import');
    const before = (await contractsOfConnection(first.id)).length;

    // No worker: the disconnect reaches the workflow only after the client ID is connected again.
    await service.stopWorker();
    try {
      expect((await service.api('DELETE', `/v1/connections/${first.id}`)).status).toBe(202);
      await service.sim('POST', '/documents/conclude', { count: 1, clientId, filesPerDocument: 1 });
      expect((await service.api('POST', '/v1/connections', body)).body).toMatchObject({ id: first.id, managementId: first.managementId });
    } finally {
      await service.startWorker();
    }

    const runs = await eventually(async () => {
      const { items } = (await service.api('GET', `/v1/connections/${first.id}/runs`)).body;
      return items.length === 2 && items[0].outcome === 'succeeded' ? items : undefined;
    }, 60_000, 'the sync of the workflow that went on');
    expect(runs[0]).toMatchObject({ kind: 'manual', counts: { imported: 1 } });
    expect(await contractsOfConnection(first.id)).toHaveLength(before + 1);
    expect(await workflowStatus(connectionWorkflowId(first.managementId))).toBe('RUNNING');
    await connectionWhen(service, first.id, (c) => c.status === 'idle', 'idle again');
  });
});
