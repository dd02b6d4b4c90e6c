import { mkdirSync, writeFileSync } from 'node:fs';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decideReview } from '../../src/ledger';
import { connectionWorkflowId, reviewWorkflowId } from '../../src/temporal/messages';
import { expectedContracts, type ExpectedContract } from '../connections/expectations';
import { eventually, startService, type Service } from '../support/service';
import {
  connectForReview,
  connectionWhen,
  contractsOf,
  endReviewWorkflows,
  giveBackTimeSkippingLocks,
  listReviews,
  people,
  quotaUsed,
  reviewWhen,
  sha256,
  type People,
} from './support';

const DAY = 24 * 3_600_000;

let service: Service;
let who: People;
let connection: { id: string; managementId: string };
let expected: ExpectedContract[];
/** The pending reviews after the full import, not yet used by a test. */
let unused: any[];

beforeAll(async () => {
  // Reviews that finish after their parent's run closed leak a time-skipping lock (see support.ts): on a
  // server of this file's own, the leak cannot stop later files' simulated days.
  // Review workflows re-read the ledger hourly by default (test/reviews/security.test.ts); without a workflow
  // cache (restartableWorker) each wake replays its whole history, and a simulated week of them outlasts the test.
  service = await startService({ simulator: { documents: 12 }, restartableWorker: true, ownTemporalServer: true, reviewDecisionRecheckMs: 30 * DAY });
  who = await people(service);
});
afterAll(async () => {
  if (service) await endReviewWorkflows(service);
  await service?.close();
});

const take = () => unused.shift()!;
const filesOf = (documentId: string) => expected.filter((e) => e.documentId === documentId);

it('sends every new document to review: files stored, proposed fields, no contract, no quota', async () => {
  const clientId = service.simulator.accounts.demo;
  expected = await expectedContracts(service, clientId);
  const documents = new Set(expected.map((e) => e.documentId));
  connection = await connectForReview(service, clientId, who);
  const idle = await connectionWhen(service, connection.id, (c) => c.status === 'idle' && c.lastSyncAt, 'the full import');
  expect(idle.totals).toMatchObject({ imported: 0, pendingReview: documents.size, discarded: 0 });
  expect(await quotaUsed(service)).toBe(0);
  expect(await contractsOf(service, [...documents][0]!)).toEqual([]);
  const [run] = (await service.api('GET', `/v1/connections/${connection.id}/runs`)).body.items;
  expect(run.counts).toMatchObject({ listed: expected.length, sentToReview: expected.length, imported: 0 });

  // Reviewers see all of them, with the fields each file would get; others see none.
  const pending = await listReviews(service, 'status=pending', who.reviewer.token);
  expect(new Set(pending.map((r) => r.documentId))).toEqual(documents);
  expect(await listReviews(service, 'status=pending', who.groupMember.token)).toHaveLength(documents.size);
  expect(await listReviews(service, 'status=pending', who.outsider.token)).toEqual([]);
  expect(await listReviews(service, 'status=approved', who.reviewer.token)).toEqual([]);
  for (const review of pending) {
    expect(review.connection).toEqual({ id: connection.id, managementId: connection.managementId, name: 'Reviewed' });
    expect(review.pendingReason.code).toBe('awaiting_decision');
    const files = filesOf(review.documentId);
    expect(review.files.map((f: any) => f.id).sort()).toEqual(files.map((f) => f.fileId).sort());
    for (const file of files) {
      const shown = review.files.find((f: any) => f.id === file.fileId);
      expect(shown.size).toBe(file.size);
      expect(shown.fields).toEqual(file.fields);
      expect(await service.storage.exists(file.sha256)).toBe(true);
    }
  }

  // Operators find what waits in the Web UI: one workflow per document, with its management ID and status.
  const description = await service.env.client.workflow.getHandle(reviewWorkflowId(connection.managementId, pending[0].documentId)).describe();
  expect(description.status.name).toBe('RUNNING');
  expect(description.searchAttributes).toMatchObject({ ManagementId: [connection.managementId], ReviewStatus: ['pending'] });
  unused = pending;
});

it('approves with a changed visibility: one contract per file with it, quota used then', async () => {
  const review = take();
  const detail = await service.api('GET', `/v1/reviews/${review.id}`, undefined, who.groupMember.token);
  expect(detail.status).toBe(200);
  expect(detail.body.reviewers).toEqual({ groupIds: [who.reviewersGroup], userIds: [who.reviewer.id] });
  expect(detail.body.proposed).toEqual({ visibility: { scope: 'company' }, owners: [] });
  const file = detail.body.files[0];
  const pdf = await service.app.request(`/v1/reviews/${review.id}/files/${file.id}`, { headers: { authorization: `Bearer ${who.groupMember.token}` } });
  expect(pdf.status).toBe(200);
  expect(pdf.headers.get('content-type')).toBe('application/pdf');
  expect(sha256(await pdf.arrayBuffer())).toBe(filesOf(review.documentId).find((f) => f.fileId === file.id)!.sha256);

  const before = await quotaUsed(service);
  const visibility = { scope: 'groups', groupIds: [who.legalGroup] };
  const approved = await service.api('POST', `/v1/reviews/${review.id}/approve`, { visibility, owners: [who.owner.id] }, who.groupMember.token);
  expect(approved.status).toBe(202);
  expect(approved.body.decision).toMatchObject({ action: 'approve', decidedBy: who.groupMember.id, visibility, owners: [who.owner.id] });

  const done = await reviewWhen(service, review.id, (r) => r.status === 'approved', 'the approval');
  expect(done.pendingReason).toBeNull();
  const contracts = await contractsOf(service, review.documentId);
  expect(contracts).toHaveLength(review.files.length);
  for (const contract of contracts) {
    expect(contract).toMatchObject({ visibility_scope: 'groups', visibility_group_ids: [who.legalGroup], owner_ids: [who.owner.id] });
  }
  expect(done.files.map((f: any) => f.contractId).sort()).toEqual(contracts.map((c) => c.id).sort());
  expect(await quotaUsed(service)).toBe(before + review.files.length);
  // The owner (in Legal) sees the contract; the outsider does not.
  const contract = contracts[0]!.id;
  expect((await service.api('GET', `/v1/contracts/${contract}`, undefined, who.owner.token)).status).toBe(200);
  expect((await service.api('GET', `/v1/contracts/${contract}`, undefined, who.outsider.token)).status).toBe(404);
  const handle = service.env.client.workflow.getHandle(reviewWorkflowId(connection.managementId, review.documentId));
  expect(await handle.result()).toBe('approved');
  expect((await handle.describe()).searchAttributes).toMatchObject({ ReviewStatus: ['approved'] });
});

it('answers 403 to a non-reviewer, 409 to a second decision, and saves a retried approve once', async () => {
  const review = take();
  for (const path of ['', '/approve', '/discard']) {
    const res = await service.api(path ? 'POST' : 'GET', `/v1/reviews/${review.id}${path}`, path ? {} : undefined, who.outsider.token);
    expect(res.status).toBe(403);
  }
  expect((await service.api('GET', `/v1/reviews/00000000-0000-4000-8000-000000000000`, undefined, who.reviewer.token)).status).toBe(404);
  expect((await service.api('POST', `/v1/reviews/${review.id}/approve`, { owners: ['no-such-user'] }, who.reviewer.token)).status).toBe(422);

  const before = await quotaUsed(service);
  // The same request three times at once, as a client that retries on a timeout would send it.
  const tries = await Promise.all([1, 2, 3].map(() => service.api('POST', `/v1/reviews/${review.id}/approve`, {}, who.reviewer.token)));
  expect(tries.map((t) => t.status)).toEqual([202, 202, 202]);
  const second = await service.api('POST', `/v1/reviews/${review.id}/discard`, undefined, who.groupMember.token);
  expect(second.status).toBe(409);
  expect(second.body.error.code).toBe('review_decided');
  expect((await service.api('POST', `/v1/reviews/${review.id}/approve`, {}, who.groupMember.token)).status).toBe(409);

  await reviewWhen(service, review.id, (r) => r.status === 'approved', 'the approval');
  expect(await contractsOf(service, review.documentId)).toHaveLength(review.files.length);
  expect(await quotaUsed(service)).toBe(before + review.files.length);
  // A retry after it took effect is still answered, and changes nothing.
  expect((await service.api('POST', `/v1/reviews/${review.id}/approve`, {}, who.reviewer.token)).status).toBe(202);
  expect(await quotaUsed(service)).toBe(before + review.files.length);
});

it('applies a change of reviewers to the reviews already waiting', async () => {
  const review = unused[0];
  const patched = await service.api('PATCH', `/v1/connections/${connection.id}`, { reviewers: { groupIds: [], userIds: [who.outsider.id] } });
  expect(patched.status).toBe(200);
  try {
    expect((await service.api('GET', `/v1/reviews/${review.id}`, undefined, who.outsider.token)).status).toBe(200);
    expect((await service.api('GET', `/v1/reviews/${review.id}`, undefined, who.reviewer.token)).status).toBe(403);
    expect(await listReviews(service, 'status=pending', who.groupMember.token)).toEqual([]);
  } finally {
    await service.api('PATCH', `/v1/connections/${connection.id}`, { reviewers: { groupIds: [who.reviewersGroup], userIds: [who.reviewer.id] } });
  }
});

it('keeps an approval pending with a reason while the quota is spent, and saves it when the quota is raised', async () => {
  const review = take();
  const used = await quotaUsed(service);
  expect((await service.api('PUT', '/v1/quota', { limit: used })).status).toBe(200);
  expect((await service.api('POST', `/v1/reviews/${review.id}/approve`, {}, who.reviewer.token)).status).toBe(202);
  const blocked = await reviewWhen(service, review.id, (r) => r.pendingReason?.code === 'quota_exhausted', 'the quota refusal');
  expect(blocked.status).toBe('pending');
  expect(blocked.pendingReason.message).toMatch(/quota/);
  expect(await contractsOf(service, review.documentId)).toEqual([]);

  expect((await service.api('PUT', '/v1/quota', { limit: used + 1_000 })).status).toBe(200);
  await reviewWhen(service, review.id, (r) => r.status === 'approved', 'the approval after the raise');
  expect(await contractsOf(service, review.documentId)).toHaveLength(review.files.length);
  expect(await quotaUsed(service)).toBe(used + review.files.length);
});

it('survives a worker restart and the connection workflow continuing as new', async () => {
  const beforeRestart = take();
  const afterSync = take();
  const parent = service.env.client.workflow.getHandle(connectionWorkflowId(connection.managementId));
  const parentRun = (await parent.describe()).runId;

  await service.stopWorker();
  // With no worker, the decision is recorded and delivered to Temporal, and waits there.
  expect((await service.api('POST', `/v1/reviews/${beforeRestart.id}/discard`, undefined, who.reviewer.token)).status).toBe(202);
  await service.startWorker();
  await reviewWhen(service, beforeRestart.id, (r) => r.status === 'discarded', 'the discard after the restart');

  // A daily sync later the connection's workflow runs on as a new run; the reviews it started live on.
  const { lastSyncAt } = (await service.api('GET', `/v1/connections/${connection.id}`)).body;
  await giveBackTimeSkippingLocks(service);
  await service.env.sleep(DAY + 60_000);
  await connectionWhen(service, connection.id, (c) => c.status === 'idle' && c.lastSyncAt !== lastSyncAt, 'the daily sync');
  expect((await parent.describe()).runId).not.toBe(parentRun);
  expect((await service.api('POST', `/v1/reviews/${afterSync.id}/approve`, {}, who.reviewer.token)).status).toBe(202);
  await reviewWhen(service, afterSync.id, (r) => r.status === 'approved', 'the approval after continue-as-new');
  expect(await contractsOf(service, afterSync.documentId)).toHaveLength(afterSync.files.length);
});

it('delivers again a decision whose signal was lost, at the connection\'s next cycle', async () => {
  const review = take();
  // The API recorded the decision, then could not reach Temporal (the request answered 503).
  await decideReview(service.orm.em.fork(), { reviewId: review.id, action: 'approve', decidedBy: who.reviewer.id });
  await service.orm.em.getConnection().execute(`update reviews set decided_at = decided_at - interval '1 hour' where id = ?`, [review.id]);
  expect((await service.api('GET', `/v1/reviews/${review.id}`)).body.pendingReason.code).toBe('applying');

  const { lastSyncAt } = (await service.api('GET', `/v1/connections/${connection.id}`)).body;
  expect((await service.api('POST', `/v1/connections/${connection.id}/sync`)).status).toBe(202);
  await connectionWhen(service, connection.id, (c) => c.status === 'idle' && c.lastSyncAt !== lastSyncAt, 'the manual sync');
  await reviewWhen(service, review.id, (r) => r.status === 'approved', 'the approval delivered again');
  expect(await contractsOf(service, review.documentId)).toHaveLength(review.files.length);
});

it('discards: nothing in the ledger, no quota, and the document never comes back through a week of daily syncs', async () => {
  // A document concluded now is listed again by every sync of the next two days (the windows overlap).
  const { documents } = await service.sim('POST', '/documents/conclude', { count: 1, filesPerDocument: 2 });
  const documentId = documents[0] as string;
  let { lastSyncAt } = (await service.api('GET', `/v1/connections/${connection.id}`)).body;
  await giveBackTimeSkippingLocks(service);
  await service.env.sleep(DAY + 60_000);
  await connectionWhen(service, connection.id, (c) => c.status === 'idle' && c.lastSyncAt !== lastSyncAt, 'the sync that finds it');
  const [fresh] = (await listReviews(service, 'status=pending', who.reviewer.token)).filter((r) => r.documentId === documentId);
  expect(fresh.files).toHaveLength(2);

  const used = await quotaUsed(service);
  const totals = (await service.api('GET', `/v1/connections/${connection.id}`)).body.totals;
  expect((await service.api('POST', `/v1/reviews/${fresh.id}/discard`, undefined, who.reviewer.token)).status).toBe(202);
  await reviewWhen(service, fresh.id, (r) => r.status === 'discarded', 'the discard');
  expect(await contractsOf(service, documentId)).toEqual([]);
  expect(await quotaUsed(service)).toBe(used);
  const after = (await service.api('GET', `/v1/connections/${connection.id}`)).body.totals;
  expect(after).toMatchObject({ discarded: totals.discarded + 1, pendingReview: totals.pendingReview - 1 });

  let skipped = 0;
  for (let day = 1; day <= 7; day++) {
    lastSyncAt = (await service.api('GET', `/v1/connections/${connection.id}`)).body.lastSyncAt;
    await giveBackTimeSkippingLocks(service);
    await service.env.sleep(DAY);
    await connectionWhen(service, connection.id, (c) => c.status === 'idle' && c.lastSyncAt !== lastSyncAt, `the sync of day ${day}`);
    skipped += (await service.api('GET', `/v1/connections/${connection.id}/runs`)).body.items[0].counts.skippedDiscarded;
  }
  expect(skipped).toBeGreaterThan(0);
  expect(await contractsOf(service, documentId)).toEqual([]);
  expect(await quotaUsed(service)).toBe(used);
  const reviews = await listReviews(service, '', who.reviewer.token);
  expect(reviews.filter((r) => r.documentId === documentId).map((r) => r.status)).toEqual(['discarded']);
  await eventually(async () => (await service.env.client.workflow.getHandle(reviewWorkflowId(connection.managementId, documentId)).describe()).status.name === 'COMPLETED');
}, 120_000);

// `RECORD_HISTORIES=1 npx vitest run test/reviews/decisions.test.ts` records the review-mode histories that
// test/connections/replay.test.ts replays: the connection's full import starting review children, its
// latest workflow run (a daily sync with the review upkeep), a review workflow that approved and one that discarded.
it.runIf(process.env.RECORD_HISTORIES)('records review-mode histories for replay', async () => {
  const workflows = service.env.client.workflow;
  const parent = workflows.getHandle(connectionWorkflowId(connection.managementId));
  const firstRunId = (await parent.describe()).raw.workflowExecutionInfo?.firstRunId ?? undefined;
  const decided = async (status: string) => {
    const [review] = await listReviews(service, `status=${status}`, who.reviewer.token);
    return workflows.getHandle(reviewWorkflowId(connection.managementId, review.documentId)).fetchHistory();
  };
  const histories = {
    'connection-review-full-import': await workflows.getHandle(parent.workflowId, firstRunId).fetchHistory(),
    'connection-review-daily-sync': await parent.fetchHistory(),
    'review-approved': await decided('approved'),
    'review-discarded': await decided('discarded'),
  };
  const dir = new URL('../fixtures/histories/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  for (const [name, history] of Object.entries(histories)) writeFileSync(new URL(`${name}.json`, dir), historyToJSON(history));
});
