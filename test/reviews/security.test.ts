import proto from '@temporalio/proto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decideReview } from '../../src/ledger';
import { decisionSignal, reviewWorkflowId } from '../../src/temporal/messages';
import { ADMIN_TOKEN, eventually, startService, type Service } from '../support/service';
import {
  connectForReview,
  connectionWhen,
  contractsOf,
  endReviewWorkflows,
  giveBackTimeSkippingLocks,
  listReviews,
  people,
  reviewWhen,
  type People,
} from './support';

const { EventType } = proto.temporal.api.enums.v1;
/** REVIEW_DECISION_RECHECK's default: a review workflow reads the ledger again at least this often. */
const RECHECK_MS = 3_600_000;

let service: Service;
let who: People;
let connection: { id: string; managementId: string };
let unused: any[];

beforeAll(async () => {
  // Review workflows that finish after their parent's run closed leak time-skipping locks (support.ts): a server of its own.
  service = await startService({ simulator: { documents: 10 }, ownTemporalServer: true });
  who = await people(service);
  connection = await connectForReview(service, service.simulator.accounts.demo, who);
  await connectionWhen(service, connection.id, (c) => c.status === 'idle' && c.lastSyncAt, 'the full import');
  unused = await listReviews(service, 'status=pending', who.reviewer.token);
});
afterAll(async () => {
  if (service) await endReviewWorkflows(service);
  await service?.close();
});

const take = () => unused.shift()!;
const workflowOf = (review: { documentId: string }) => service.env.client.workflow.getHandle(reviewWorkflowId(connection.managementId, review.documentId));

/** Waits until the review's workflow has read the ledger (an activity completed) after the last signal it got. */
async function readTheLedgerAfterSignal(review: { documentId: string }) {
  await eventually(async () => {
    const events = (await workflowOf(review).fetchHistory()).events ?? [];
    const signalled = events.findLastIndex((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
    return signalled >= 0 && events.slice(signalled).some((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
  }, 30_000, 'the review workflow to read the ledger after the signal');
}

it('ignores a forged decision signal: with nothing recorded in the ledger, the review stays pending and nothing is saved', async () => {
  const review = take();
  // An attacker with access to Temporal, but no reviewer, approves the document for the whole company.
  await workflowOf(review).signal(decisionSignal, { action: 'approve', decidedBy: who.outsider.id, visibility: { scope: 'company' } });
  await readTheLedgerAfterSignal(review);

  const shown = (await service.api('GET', `/v1/reviews/${review.id}`)).body;
  expect(shown).toMatchObject({ status: 'pending', decision: null, pendingReason: { code: 'awaiting_decision' } });
  expect(await contractsOf(service, review.documentId)).toEqual([]);
  expect((await workflowOf(review).describe()).status.name).toBe('RUNNING');

  // The workflow still waits for a real reviewer, whose decision takes effect.
  expect((await service.api('POST', `/v1/reviews/${review.id}/discard`, undefined, who.reviewer.token)).status).toBe(202);
  await reviewWhen(service, review.id, (r) => r.status === 'discarded', 'the real discard');
  expect(await contractsOf(service, review.documentId)).toEqual([]);
});

it('applies the decision recorded in the ledger when a signal says otherwise; the private review and its files are then hidden from a reviewer who is no owner', async () => {
  const review = take();
  // Recorded as the API records it, but not delivered: the only signal the workflow gets is a forged discard.
  await decideReview(service.orm.em.fork(), { reviewId: review.id, action: 'approve', decidedBy: who.reviewer.id, visibility: { scope: 'private' }, owners: [who.owner.id] });
  await workflowOf(review).signal(decisionSignal, { action: 'discard', decidedBy: who.outsider.id });

  const done = await reviewWhen(service, review.id, (r) => r.status === 'approved', 'the recorded approval');
  expect(done.decision).toMatchObject({ action: 'approve', decidedBy: who.reviewer.id, visibility: { scope: 'private' }, owners: [who.owner.id] });
  const contracts = await contractsOf(service, review.documentId);
  expect(contracts).toHaveLength(review.files.length);
  for (const contract of contracts) expect(contract).toMatchObject({ visibility_scope: 'private', owner_ids: [who.owner.id] });

  // The review's files now follow the contracts: 404 to the reviewer (API.md: what one may not see is not found), the PDF to an admin.
  const fileId = review.files[0].id;
  const asReviewer = await service.app.request(`/v1/reviews/${review.id}/files/${fileId}`, { headers: { authorization: `Bearer ${who.reviewer.token}` } });
  expect(asReviewer.status).toBe(404);
  expect((await service.api('GET', `/v1/contracts/${contracts[0]!.id}`, undefined, who.reviewer.token)).status).toBe(404);
  const asAdmin = await service.app.request(`/v1/reviews/${review.id}/files/${fileId}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(asAdmin.status).toBe(200);
  expect(asAdmin.headers.get('content-type')).toBe('application/pdf');

  // So does the review itself: its title and fields are the private contract's, hidden from the reviewer alone.
  expect((await service.api('GET', `/v1/reviews/${review.id}`, undefined, who.reviewer.token)).status).toBe(404);
  expect((await listReviews(service, 'status=approved', who.reviewer.token)).map((r) => r.id)).not.toContain(review.id);
  expect((await service.api('GET', `/v1/reviews/${review.id}`)).body).toMatchObject({ id: review.id, status: 'approved' });
  expect((await listReviews(service, 'status=approved')).map((r) => r.id)).toContain(review.id);
});

it('finds a decision recorded without any signal within REVIEW_DECISION_RECHECK, before the connection\'s next cycle', async () => {
  const review = take();
  await decideReview(service.orm.em.fork(), { reviewId: review.id, action: 'approve', decidedBy: who.reviewer.id });
  await giveBackTimeSkippingLocks(service);
  // Simulated time runs while the workflow waits on its timer; the approval must come before the sleep ends.
  const slept = service.env.sleep(RECHECK_MS + 60_000);
  await reviewWhen(service, review.id, (r) => r.status === 'approved', 'the approval found by the review itself');
  // Its completion leaked a time-skipping lock (support.ts): given back, the sleep ends.
  await giveBackTimeSkippingLocks(service);
  await slept;
  expect(await contractsOf(service, review.documentId)).toHaveLength(review.files.length);
  // The connection's own upkeep runs at its daily sync: it has not run since the full import.
  expect((await service.api('GET', `/v1/connections/${connection.id}/runs`)).body.items).toHaveLength(1);
});

it('deletes the PDFs of a discarded document once no pending review or contract uses the same bytes, however the decisions interleave', async () => {
  // A second review-mode connection, of the team administrator, sees the same documents: two reviews of the same bytes.
  const team = await connectForReview(service, service.simulator.accounts.teamAdmin, who);
  await connectionWhen(service, team.id, (c) => c.status === 'idle' && c.lastSyncAt, "the team's full import");
  const teamReviews = new Map((await listReviews(service, `status=pending&connectionId=${team.id}`, who.reviewer.token)).map((r) => [r.documentId, r]));
  const pairs = unused.filter((r) => teamReviews.has(r.documentId)).map((ours) => ({ ours, theirs: teamReviews.get(ours.documentId)! }));
  expect(pairs.length).toBeGreaterThanOrEqual(3);
  const [sequential, together, against] = pairs;
  const stored = async (review: { id: string }) => {
    const [row] = await service.orm.em.getConnection().execute<{ files: { sha256: string }[] }[]>('select files from reviews where id = ?', [review.id]);
    return Promise.all(row!.files.map((f) => service.storage.exists(f.sha256)));
  };
  const decide = (review: { id: string }, action: 'approve' | 'discard') => service.api('POST', `/v1/reviews/${review.id}/${action}`, {}, who.reviewer.token);
  const settled = (review: { id: string }) => reviewWhen(service, review.id, (r) => r.status !== 'pending', `review ${review.id} to be decided`);

  // One after the other: the first discard keeps the files the other connection's review still shows.
  expect((await decide(sequential!.ours, 'discard')).status).toBe(202);
  await settled(sequential!.ours);
  expect(await stored(sequential!.ours)).toEqual(sequential!.ours.files.map(() => true));
  const fileId = sequential!.ours.files[0].id;
  expect((await service.app.request(`/v1/reviews/${sequential!.ours.id}/files/${fileId}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(404);
  expect((await decide(sequential!.theirs, 'discard')).status).toBe(202);
  await settled(sequential!.theirs);
  await eventually(async () => (await stored(sequential!.ours)).every((exists) => !exists), 30_000, 'the files to be deleted');

  // Both at once: the last one deletes, and nothing is left behind.
  await Promise.all([decide(together!.ours, 'discard'), decide(together!.theirs, 'discard')]);
  await Promise.all([settled(together!.ours), settled(together!.theirs)]);
  await eventually(async () => (await stored(together!.ours)).every((exists) => !exists), 30_000, 'the files discarded together to be deleted');

  // A discard racing an approval of the same bytes: whichever wins, a contract's PDF is never deleted.
  await Promise.all([decide(against!.ours, 'discard'), decide(against!.theirs, 'approve')]);
  await Promise.all([settled(against!.ours), settled(against!.theirs)]);
  const contracts = await contractsOf(service, against!.ours.documentId);
  // Each file's bytes stay exactly when a contract holds them (the discard's release may still be under way).
  const held = against!.ours.files.map((f: { id: string }) => contracts.some((c) => c.file_id === f.id));
  await eventually(async () => JSON.stringify(await stored(against!.ours)) === JSON.stringify(held), 30_000, 'the files no contract holds to be deleted, and only those');
  for (const contract of contracts) {
    const pdf = await service.app.request(`/v1/contracts/${contract.id}/file`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(pdf.status).toBe(200);
  }
});
