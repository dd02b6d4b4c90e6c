import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectionWorkflowId, reviewWorkflowId } from '../../src/temporal/messages';
import { expectedContracts } from '../connections/expectations';
import { startService, type Service } from '../support/service';
import { connectForReview, connectionWhen, contractsOf, endReviewWorkflows, listReviews, people, quotaUsed, reviewWhen, type People } from './support';

const DAY = 24 * 3_600_000;
/** workflows/connection/reviews.ts REVIEWS_PER_WORKFLOW_RUN: children started by one workflow run of the connection's workflow. */
const REVIEWS_PER_WORKFLOW_RUN = 400;

let service: Service;
let who: People;

beforeAll(async () => {
  // Hourly re-reads of 3,000 waiting reviews would be 75,000 workflow tasks in the simulated day below.
  service = await startService({ simulator: { documents: 3000 }, ownTemporalServer: true, reviewDecisionRecheckMs: 30 * DAY });
  who = await people(service);
});
afterAll(async () => {
  if (service) await endReviewWorkflows(service);
  await service?.close();
});

const pendingRows = async () =>
  Number((await service.orm.em.getConnection().execute<{ n: string }[]>(`select count(*) as n from reviews where status = 'pending'`))[0]!.n);

/** Every run of a workflow, first to current, with its history: continue-as-new links them. */
async function runsOf(workflowId: string): Promise<temporal.api.history.v1.IHistory[]> {
  const { raw } = await service.env.client.workflow.getHandle(workflowId).describe();
  const runs: temporal.api.history.v1.IHistory[] = [];
  for (let runId: string | null | undefined = raw.workflowExecutionInfo?.firstRunId; runId; ) {
    const history = await service.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.push(history);
    runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return runs;
}

it('holds 3,000 pending reviews on one connection: all created, each with a running workflow, the parent within its limits and syncing, all decidable', async () => {
  const clientId = service.simulator.accounts.demo;
  const expected = await expectedContracts(service, clientId);
  const documents = new Set(expected.map((e) => e.documentId));
  expect(documents.size).toBeGreaterThanOrEqual(3000);
  const connection = await connectForReview(service, clientId, who);
  await connectionWhen(service, connection.id, (c) => c.status === 'idle' && c.lastSyncAt, 'the full import of 3,000 documents', 600_000);

  // Every document is pending, once, with its files, visible to its reviewers through the API's pages.
  expect(await pendingRows()).toBe(documents.size);
  const listed = await listReviews(service, 'status=pending', who.groupMember.token);
  expect(new Set(listed.map((r) => r.documentId))).toEqual(documents);
  expect(listed.reduce((n, r) => n + r.files.length, 0)).toBe(expected.length);
  const { body: shown } = await service.api('GET', `/v1/connections/${connection.id}`);
  expect(shown.totals.pendingReview).toBe(documents.size);
  const [run] = (await service.api('GET', `/v1/connections/${connection.id}/runs`)).body.items;
  expect(run.counts).toMatchObject({ listed: expected.length, sentToReview: expected.length, imported: 0 });

  // One running workflow per document…
  const ids = [...documents];
  for (let i = 0; i < ids.length; i += 100) {
    const statuses = await Promise.all(
      ids.slice(i, i + 100).map(async (documentId) => {
        const description = await service.env.client.workflow.getHandle(reviewWorkflowId(connection.managementId, documentId)).describe();
        return `${description.status.name} ${description.searchAttributes.ReviewStatus}`;
      }),
    );
    expect(new Set(statuses)).toEqual(new Set(['RUNNING pending']));
  }
  // …started by workflow runs of the connection's workflow that each started at most REVIEWS_PER_WORKFLOW_RUN of them.
  const runs = await runsOf(connectionWorkflowId(connection.managementId));
  const startedPerRun = runs.map((h) => (h.events ?? []).filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length);
  expect(startedPerRun.reduce((a, b) => a + b, 0)).toBe(documents.size);
  expect(Math.max(...startedPerRun)).toBeLessThanOrEqual(REVIEWS_PER_WORKFLOW_RUN);
  expect(Math.max(...runs.map((h) => h.events?.length ?? 0))).toBeLessThan(2_000);

  // The connection keeps syncing with thousands waiting: a day later, new documents join the queue.
  const { documents: fresh } = await service.sim('POST', '/documents/conclude', { count: 5, filesPerDocument: 1 });
  await service.env.sleep(DAY + 60_000);
  await connectionWhen(service, connection.id, (c) => c.status === 'idle' && c.lastSyncAt !== shown.lastSyncAt, 'the daily sync');
  expect(await pendingRows()).toBe(documents.size + 5);
  const [daily] = (await service.api('GET', `/v1/connections/${connection.id}/runs`)).body.items;
  expect(daily.counts.sentToReview).toBe(5);
  for (const documentId of fresh as string[]) {
    const { status } = await service.env.client.workflow.getHandle(reviewWorkflowId(connection.managementId, documentId)).describe();
    expect(status.name).toBe('RUNNING');
  }

  // Any of them can be decided: a sample from across the queue, through the API.
  const sample = listed.filter((_, i) => i % 100 === 7);
  const approve = sample.filter((_, i) => i % 3 !== 0);
  const discard = sample.filter((_, i) => i % 3 === 0);
  const before = await quotaUsed(service);
  await Promise.all([
    ...approve.map((r) => service.api('POST', `/v1/reviews/${r.id}/approve`, {}, who.reviewer.token)),
    ...discard.map((r) => service.api('POST', `/v1/reviews/${r.id}/discard`, undefined, who.groupMember.token)),
  ]).then((answers) => expect(new Set(answers.map((a) => a.status))).toEqual(new Set([202])));
  for (const review of sample) await reviewWhen(service, review.id, (r) => r.status !== 'pending', 'the decision', 60_000);
  for (const review of approve) expect(await contractsOf(service, review.documentId)).toHaveLength(review.files.length);
  for (const review of discard) expect(await contractsOf(service, review.documentId)).toEqual([]);
  expect(await quotaUsed(service)).toBe(before + approve.reduce((n, r) => n + r.files.length, 0));
  expect(await pendingRows()).toBe(documents.size + 5 - sample.length);
}, 900_000);
