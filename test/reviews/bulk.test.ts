import { afterAll, beforeAll, expect, it } from 'vitest';
import { reviewWorkflowId } from '../../src/temporal/messages';
import { truthDocuments } from '../connections/expectations';
import { eventually, startService, type Service } from '../support/service';
import { connectForReview, connectionWhen, contractsOf, endReviewWorkflows, listReviews, people, type People } from './support';

/** Seeded documents are concluded 2022-04 … 2025-09 (or carry no date); those concluded on demand, on the simulator's today. */
const SEEDED = 2000;
const ON_DEMAND = 3;

let service: Service;
let who: People;
let connection: { id: string; managementId: string };
let onDemand: string[];
/** What the connection sees: the seeded documents, those concluded on demand, and the simulator's imported ones (status 13). */
let visible: number;

const count = async (sql: string, params: unknown[] = []) =>
  Number((await service.orm.em.getConnection().execute<{ n: string }[]>(sql, params))[0]!.n);
const pendingRows = () => count(`select count(*) as n from reviews where status = 'pending'`);
const undecidedRows = () => count(`select count(*) as n from reviews where decision is null`);
const auditEvents = (action?: string) =>
  count(`select count(*) as n from audit_events${action ? ` where subject_kind = 'review' and action = ?` : ''}`, action ? [action] : []);
const bulk = (body: unknown, token = who.reviewer.token) => service.api('POST', '/v1/reviews/bulk', body, token);
const nothingSkipped = { alreadyDecided: 0, notAllowed: 0, notFound: 0, connectionDisconnected: 0 };

beforeAll(async () => {
  service = await startService({ simulator: { documents: SEEDED }, ownTemporalServer: true });
  who = await people(service);
  ({ documents: onDemand } = (await service.sim('POST', '/documents/conclude', { count: ON_DEMAND, filesPerDocument: 1 })) as { documents: string[] });
  connection = await connectForReview(service, service.simulator.accounts.demo, who);
  await connectionWhen(service, connection.id, (c) => c.status === 'idle' && c.lastSyncAt, `the full import of ${SEEDED + ON_DEMAND} documents`, 600_000);
  visible = (await truthDocuments(service, service.simulator.accounts.demo)).length;
  expect(visible).toBeGreaterThanOrEqual(SEEDED + ON_DEMAND);
  expect(await pendingRows()).toBe(visible);
}, 660_000);
afterAll(async () => {
  if (service) await endReviewWorkflows(service);
  await service?.close();
});

it('refuses a bulk decision it cannot take whole — not a reviewer, no selection, both selections, an empty filter, too many IDs, options with discard — and decides nothing', async () => {
  const events = await auditEvents();
  const refusals = [
    [bulk({ filter: { connectionId: connection.id }, action: 'discard' }, who.outsider.token), 403],
    [bulk({ filter: { q: '契約' }, action: 'discard' }, who.outsider.token), 403],
    [bulk({ action: 'discard' }), 400],
    [bulk({ ids: [connection.id], filter: { connectionId: connection.id }, action: 'discard' }), 400],
    [bulk({ filter: {}, action: 'discard' }), 400],
    [bulk({ ids: Array.from({ length: 1001 }, (_, i) => `id-${i}`), action: 'discard' }), 400],
    [bulk({ filter: { concludedTo: '2025-02-30' }, action: 'discard' }), 400],
    [bulk({ filter: { connectionId: connection.id }, action: 'discard', owners: [who.owner.id] }), 422],
    [bulk({ filter: { connectionId: '0193a5c2-7d4e-7b8a-9c1d-2e3f4a5b6c7d' }, action: 'discard' }), 404],
  ] as const;
  for (const [answer, status] of refusals) {
    const { status: got, body } = await answer;
    expect({ got, code: body.error?.code ?? body.code }).toMatchObject({ got: status });
  }
  expect(await undecidedRows()).toBe(visible);
  expect(await auditEvents()).toBe(events);
});

it('decides reviews named by ID and accounts for every ID: unknown ones are skipped as not found', async () => {
  const [first] = await listReviews(service, 'status=pending').then((all) => all.filter((r) => r.documentId === onDemand[0]));
  const { status, body } = await bulk({ ids: [first.id, '0193a5c2-7d4e-7b8a-9c1d-2e3f4a5b6c7d', 'no-such-review', first.id], action: 'approve' });
  expect(status).toBe(202);
  expect(body).toEqual({ decided: 1, skipped: { ...nothingSkipped, notFound: 2 }, remaining: 0, undelivered: 0 });
  await eventually(async () => (await contractsOf(service, onDemand[0]!)).length === 1, 60_000, 'the approved contract');
});

it('decides by title words and conclusion date only the documents that match, skipping those decided already', async () => {
  const byDocument = new Map((await listReviews(service, 'status=pending')).map((r) => [r.documentId, r]));
  const { title } = byDocument.get(onDemand[1]!)!;
  // Words of the title, out of order and in other case: every word must appear, wherever.
  const words = title.split(/[（）]/).filter(Boolean).reverse().join('  ');
  const titled = onDemand.slice(1).filter((d) => words.split(/\s+/).every((w: string) => byDocument.get(d)!.title.includes(w)));
  const first = await bulk({ filter: { connectionId: connection.id, concludedFrom: '2026-01-01', q: words }, action: 'discard' }, who.groupMember.token);
  expect(first.status).toBe(202);
  expect(first.body).toEqual({ decided: titled.length, skipped: nothingSkipped, remaining: 0, undelivered: 0 });

  const rest = await bulk({ filter: { connectionId: connection.id, concludedFrom: '2026-01-01' }, action: 'discard' }, who.groupMember.token);
  expect(rest.status).toBe(202);
  expect(rest.body).toEqual({ decided: ON_DEMAND - 1 - titled.length, skipped: { ...nothingSkipped, alreadyDecided: 1 + titled.length }, remaining: 0, undelivered: 0 });
  const decided = await service.orm.em
    .getConnection()
    .execute<{ document_id: string; decision: string }[]>(`select document_id, decision from reviews where decision is not null order by document_id`);
  expect(decided.map((r) => `${r.document_id} ${r.decision}`).sort()).toEqual(
    [`${onDemand[0]} approve`, ...onDemand.slice(1).map((d) => `${d} discard`)].sort(),
  );
});

it(`discards ${SEEDED} pending reviews by filter, each once through the single-decision path: all end discarded with one audit event each, no contract; the same call again decides none`, async () => {
  const discardEvents = await auditEvents('discarded');
  const contracts = await count('select count(*) as n from contracts');
  const { status, body } = await bulk({ filter: { connectionId: connection.id }, action: 'discard' }, who.groupMember.token);
  expect(status).toBe(202);
  expect(body).toEqual({ decided: visible - ON_DEMAND, skipped: { ...nothingSkipped, alreadyDecided: ON_DEMAND }, remaining: 0, undelivered: 0 });

  // Each recorded like a single decision: by the caller, one `discarded` event per review.
  expect(await undecidedRows()).toBe(0);
  expect(await count(`select count(*) as n from reviews where decision = 'discard' and decided_by = ?`, [who.groupMember.id])).toBe(visible - 1);
  expect(await auditEvents('discarded')).toBe(discardEvents + visible - ON_DEMAND);
  expect(
    await count(
      `select count(*) as n from (select subject_id from audit_events where subject_kind = 'review' and action = 'discarded' group by subject_id having count(*) = 1) once`,
    ),
  ).toBe(visible - 1);

  // Each taken effect through its workflow: discarded, never imported, the workflow done.
  await eventually(async () => (await pendingRows()) === 0, 600_000, `${SEEDED} discards taking effect`);
  expect(await count(`select count(*) as n from reviews where status = 'discarded'`)).toBe(visible - 1);
  expect(await count('select count(*) as n from discarded_documents')).toBe(visible - 1);
  expect(await count('select count(*) as n from contracts')).toBe(contracts);
  expect(await auditEvents('applied')).toBe(visible);
  const sample = await service.orm.em.getConnection().execute<{ document_id: string }[]>(`select document_id from reviews where status = 'discarded' order by random() limit 50`);
  for (const { document_id } of sample) {
    // The ledger says discarded when the activity has applied it; the workflow completes right after.
    const handle = service.env.client.workflow.getHandle(reviewWorkflowId(connection.managementId, document_id));
    await eventually(async () => {
      const description = await handle.describe();
      return `${description.status.name} ${description.searchAttributes.ReviewStatus}` === 'COMPLETED discarded';
    }, 30_000, `the review workflow of ${document_id} completing as discarded`);
  }

  const again = await bulk({ filter: { connectionId: connection.id }, action: 'discard' }, who.groupMember.token);
  expect(again.status).toBe(202);
  expect(again.body).toEqual({ decided: 0, skipped: { ...nothingSkipped, alreadyDecided: visible }, remaining: 0, undelivered: 0 });
  expect(await auditEvents('discarded')).toBe(discardEvents + visible - ON_DEMAND);
}, 900_000);
