import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { deliverUnsignalledHooks } from '../../src/services/hooks';
import { lazyTemporalClient } from '../../src/temporal/client';
import { connectionWorkflowId } from '../../src/temporal/messages';
import { recordHistoryWith } from '../support/histories';
import { eventually, startService, type Service } from '../support/service';
import { expectedContracts, ledgerContracts } from './expectations';

/**
 * CloudSign's webhook as the fast path, end to end: the simulator posts its hooks (as CloudSign does) to the
 * API listening on loopback, and the connection's workflow imports the document named. The allow-list is
 * 127.0.0.1 only, so that the simulator's hooks from 127.0.0.2 stand for a stranger's.
 */

const PUBLIC_BASE_URL = 'https://sync.test.invalid';
let service: Service;
let server: ServerType;
let apiOrigin: string;

beforeAll(async () => {
  service = await startService({ simulator: { documents: 6 }, config: { CLOUDSIGN_HOOK_ALLOWED_IPS: ['127.0.0.1'], PUBLIC_BASE_URL } });
  server = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  apiOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await service?.close();
});

/** The hook URL a connection shows, as it is reached on this machine (the public base URL is a name here). */
const reachable = (hookUrl: string) => `${apiOrigin}${new URL(hookUrl).pathname}`;

async function connectAndImport(name: string, clientId: string, saveMode: 'direct' | 'review') {
  const reviewers = saveMode === 'review' ? { reviewers: { groupIds: [], userIds: [(await service.api('GET', '/v1/me')).body.id] } } : {};
  const created = await service.api('POST', '/v1/connections', { name, clientId, visibility: { scope: 'company' }, owners: [], saveMode, ...reviewers });
  expect(created.status).toBe(201);
  await eventually(async () => (await service.api('GET', `/v1/connections/${created.body.id}`)).body.lastSyncAt, 60_000, `the full import of ${name}`);
  await service.untilSleeping(created.body.managementId);
  return (await service.api('GET', `/v1/connections/${created.body.id}`)).body;
}

const hookImports = async (documentId: string) =>
  service.orm.em.getConnection().execute<{ connection_id: string; finished_at: Date | null; outcome: string | null }[]>(
    `select connection_id, finished_at, outcome from hook_imports where document_id = ?`,
    [documentId],
  );
const contractsOfDocument = async (documentId: string) => [...(await ledgerContracts(service)).values()].filter((c) => c.documentId === documentId);
const runsOf = async (connectionId: string) => (await service.api('GET', `/v1/connections/${connectionId}/runs?limit=500`)).body.items as any[];
const concludeOne = async (filesPerDocument: number) => ((await service.sim('POST', '/documents/conclude', { count: 1, filesPerDocument })).documents as string[])[0]!;

let direct: any;
/** The document the first test concluded and imported through the hook. */
let hooked: string;

it('imports a document concluded in CloudSign through the hook, once, and the sync that follows finds nothing left to do', async () => {
  direct = await connectAndImport('Hooked', service.simulator.accounts.demo, 'direct');
  expect(direct.hookUrl).toMatch(new RegExp(`^${PUBLIC_BASE_URL}/hooks/cloudsign/[A-Za-z0-9_-]{43}$`));
  await service.sim('PUT', '/hooks', { urls: [reachable(direct.hookUrl)], sourceAddress: '127.0.0.1' });

  const documentId = await concludeOne(2);
  hooked = documentId;
  const arrived = await eventually(async () => {
    const contracts = await contractsOfDocument(documentId);
    return contracts.length === 2 && contracts;
  }, 30_000, 'the hooked document in the ledger');
  const expected = (await expectedContracts(service, service.simulator.accounts.demo)).filter((c) => c.documentId === documentId);
  expect(arrived.map((c) => ({ fileId: c.fileId, sha256: c.sha256, fields: c.fields })).sort((a, b) => a.fileId.localeCompare(b.fileId))).toEqual(
    expected.map((c) => ({ fileId: c.fileId, sha256: c.sha256, fields: c.fields })).sort((a, b) => a.fileId.localeCompare(b.fileId)),
  );
  const deliveries = (await service.sim('GET', '/hooks/deliveries')).deliveries as any[];
  expect(deliveries.filter((d) => d.payload.documentID === documentId).map((d) => d.status)).toEqual([202]);
  expect((await runsOf(direct.id)).filter((r) => r.kind === 'hook').map((r) => r.counts.imported)).toEqual([2]);
  await eventually(async () => (await hookImports(documentId))[0]?.outcome === 'imported', 10_000, 'the hook import closed');

  // Sync now: the window holds the document, and the ledger has it already.
  expect((await service.api('POST', `/v1/connections/${direct.id}/sync`)).status).toBe(202);
  const manual = await eventually(async () => (await runsOf(direct.id)).find((r) => r.kind === 'manual' && r.outcome !== 'running'), 60_000, 'the manual sync');
  expect({ outcome: manual.outcome, imported: manual.counts.imported }).toEqual({ outcome: 'succeeded', imported: 0 });
  expect(manual.counts.skippedDuplicate).toBeGreaterThanOrEqual(2);
  expect((await service.api('GET', '/v1/quota')).body.used).toBe((await ledgerContracts(service)).size);
  await recordHistoryWith(service.env.client, connectionWorkflowId(direct.managementId), 'importHookedDocuments', 'connection-hook');
});

it('changes nothing for repeated and out-of-order hooks', async () => {
  const documentId = hooked;
  const before = await ledgerContracts(service);
  const quotaBefore = (await service.api('GET', '/v1/quota')).body.used;
  // Repeated, then a cancellation arriving after the conclusion, then the conclusion again.
  for (const status of [2, 2, 3, 2]) {
    const { deliveries } = await service.sim('POST', '/hooks/send', { documentId, status });
    expect(deliveries.map((d: any) => d.status)).toEqual([202]);
  }
  expect((await hookImports(documentId)).length).toBe(1);
  // A hook for a document after them: when it is in the ledger, the workflow has handled everything before it.
  const next = await concludeOne(1);
  await eventually(async () => (await contractsOfDocument(next)).length === 1, 30_000, 'the next hooked document');
  const after = await ledgerContracts(service);
  expect([...after.keys()].filter((key) => !before.has(key))).toEqual([...after.keys()].filter((key) => key.startsWith(`${next}/`)));
  expect((await service.api('GET', '/v1/quota')).body.used).toBe(quotaBefore + 1);
  const recorded = await service.orm.em.getConnection().execute<{ status: number; times: number }[]>(
    `select status, times from hooks where document_id = ? order by status`,
    [documentId],
  );
  expect(recorded).toEqual([{ status: 2, times: 4 }, { status: 3, times: 1 }]);
});

it('refuses a hook from an address outside the allow-list, or with a wrong token, and imports nothing', async () => {
  const contractsBefore = (await ledgerContracts(service)).size;
  await service.sim('PUT', '/hooks', { urls: [reachable(direct.hookUrl)], sourceAddress: '127.0.0.2' });
  const stranger = await concludeOne(1);
  await eventually(async () => ((await service.sim('GET', '/hooks/deliveries')).deliveries as any[]).some((d) => d.payload.documentID === stranger), 10_000, 'the delivery');
  const refused = ((await service.sim('GET', '/hooks/deliveries')).deliveries as any[]).find((d) => d.payload.documentID === stranger);
  expect(refused.status).toBe(403);

  const wrongToken = `${apiOrigin}/hooks/cloudsign/${'x'.repeat(43)}`;
  await service.sim('PUT', '/hooks', { urls: [wrongToken], sourceAddress: '127.0.0.1' });
  const { deliveries } = await service.sim('POST', '/hooks/send', { documentId: stranger, status: 2 });
  expect(deliveries.map((d: any) => d.status)).toEqual([404]);

  const post = (body: string, url = reachable(direct.hookUrl)) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect((await post('{"documentID":"x"}')).status).toBe(400);
  expect((await post(JSON.stringify({ documentID: stranger, status: 2, text: 'x'.repeat(20_000) }))).status).toBe(413);

  expect(await hookImports(stranger)).toEqual([]);
  expect(await service.orm.em.getConnection().execute(`select 1 from hooks where document_id = ?`, [stranger])).toEqual([]);
  expect((await ledgerContracts(service)).size).toBe(contractsBefore);
});

it('imports nothing for a document the connection cannot see, and the connection stays out of error', async () => {
  await service.sim('PUT', '/hooks', { urls: [reachable(direct.hookUrl)], sourceAddress: '127.0.0.1' });
  const demoSees = new Set((await expectedContracts(service, service.simulator.accounts.demo)).map((c) => c.documentId));
  const hidden = (await expectedContracts(service, service.simulator.accounts.teamAdmin)).find((c) => !demoSees.has(c.documentId))!.documentId;
  const { deliveries } = await service.sim('POST', '/hooks/send', { documentId: hidden, status: 2 });
  expect(deliveries.map((d: any) => d.status)).toEqual([202]);
  await eventually(async () => (await hookImports(hidden))[0]?.outcome, 30_000, 'the hook import closed');
  expect((await hookImports(hidden)).map((h) => h.outcome)).toEqual(['not_visible']);
  expect(await contractsOfDocument(hidden)).toEqual([]);
  const connection = (await service.api('GET', `/v1/connections/${direct.id}`)).body;
  expect({ status: connection.status, lastError: connection.lastError, failed: connection.totals.failed }).toEqual({ status: 'idle', lastError: null, failed: 0 });
});

it('loses no hook accepted while Temporal is down: it is answered, kept, and imported once Temporal answers', async () => {
  // The same API, with a Temporal where nothing listens.
  const down = lazyTemporalClient({ address: '127.0.0.1:1', namespace: 'default' });
  const downApp = createApp({ ...service.services, temporal: { ...down, taskQueue: service.taskQueue } });
  const downServer = serve({ fetch: downApp.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => downServer.once('listening', resolve));
  try {
    const url = `http://127.0.0.1:${(downServer.address() as AddressInfo).port}${new URL(direct.hookUrl).pathname}`;
    await service.sim('PUT', '/hooks', { urls: [url], sourceAddress: '127.0.0.1' });
    const documentId = await concludeOne(1);
    await eventually(async () => ((await service.sim('GET', '/hooks/deliveries')).deliveries as any[]).find((d) => d.payload.documentID === documentId)?.status, 10_000, 'the answer');
    expect(((await service.sim('GET', '/hooks/deliveries')).deliveries as any[]).find((d) => d.payload.documentID === documentId).status).toBe(202);
    // Kept: waiting, its signal not sent (the API gives up on Temporal within seconds).
    await eventually(async () => {
      const rows = await service.orm.em.getConnection().execute<{ signalled_at: Date | null }[]>(`select signalled_at from hook_imports where document_id = ?`, [documentId]);
      return rows.length === 1 && rows[0]!.signalled_at === null;
    }, 10_000, 'the hook import recorded');
    expect(await contractsOfDocument(documentId)).toEqual([]);
    // The API's repair round, with Temporal back.
    expect(await deliverUnsignalledHooks({ orm: service.orm, temporal: { client: service.env.client, connection: service.env.connection, taskQueue: service.taskQueue } })).toBe(1);
    await eventually(async () => (await contractsOfDocument(documentId)).length === 1, 30_000, 'the kept hook imported');
    expect(await deliverUnsignalledHooks({ orm: service.orm, temporal: { client: service.env.client, connection: service.env.connection, taskQueue: service.taskQueue } })).toBe(0);
  } finally {
    // The lazy connection to nothing is left open: its signal attempt may still be failing (closing it under that
    // attempt rejects it out of band), and it holds no socket.
    await new Promise((resolve) => downServer.close(resolve));
  }
});

it('sends a hooked document to review for a review-mode connection of the same CloudSign team, through the same Hook URL', async () => {
  expect((await service.api('DELETE', `/v1/connections/${direct.id}`)).status).toBe(202);
  const review = await connectAndImport('Hooked review', service.simulator.accounts.documentManager, 'review');
  // One Hook URL per CloudSign team: the team's connections share it.
  expect(review.hookUrl).toBe(direct.hookUrl);
  await service.sim('PUT', '/hooks', { urls: [reachable(review.hookUrl)], sourceAddress: '127.0.0.1' });
  const pendingBefore = review.totals.pendingReview;
  const documentId = await concludeOne(1);
  const pending = await eventually(async () => {
    const { body } = await service.api('GET', '/v1/reviews?status=pending&limit=500');
    return (body.items as any[]).find((r) => r.documentId === documentId);
  }, 30_000, 'the hooked document in review');
  expect(pending.connection.id).toBe(review.id);
  expect(await contractsOfDocument(documentId)).toEqual([]);
  await eventually(async () => (await service.api('GET', `/v1/connections/${review.id}`)).body.totals.pendingReview === pendingBefore + 1, 10_000, 'the count');
});
