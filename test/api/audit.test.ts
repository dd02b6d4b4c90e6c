import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../api/app';
import { startSimulator, type RunningSimulator } from '../../src/cloudsign-simulator';
import type { MikroORM } from '../../src/db';
import { applyDecision, createConnection, createReview, createUser, ensureBootstrapAdmin, importFile, QuotaExhaustedError, setQuotaLimit, type Connection } from '../../src/ledger';
import type { Services } from '../../src/composition';
import type { FileStorage } from '../../src/storage';
import { endConnectionWorkflows, TEST_SECRETS_KEY, testServices } from '../support/app';
import { openTestDatabase, resetDatabase } from '../support/database';

/** The audit trail: a contract's 更新履歴 for whoever may see it, and who changed what for admins. */

const ADMIN_TOKEN = 'audit-test-admin-token-0123456789';
const CLIENT_ID = 'auditclient0123456789abcdefghijklmn';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

interface Event {
  id: string;
  at: string;
  actor: { id: string | null; name: string };
  subject: { kind: string; id: string };
  action: string;
  changes: Record<string, { from: unknown; to: unknown }>;
  details: Record<string, unknown> | null;
}
interface Person {
  id: string;
  token: string;
}

let orm: MikroORM;
let app: App;
let storage: FileStorage;
let simulator: RunningSimulator;
let services: Services;
let adminId: string;
let alice: Person; // owner of the contracts
let bob: Person; // a member owning nothing
let connection: Connection;

beforeAll(async () => {
  orm = await openTestDatabase();
  simulator = await startSimulator({ documents: 3, clientId: CLIENT_ID, port: 0, rateLimitPerMinute: 0 });
  services = await testServices(orm, { TEMPORAL_TASK_QUEUE: 'audit-test', CLOUDSIGN_BASE_URL: simulator.url });
  storage = services.storage;
  app = createApp(services);
});
afterEach(async () => {
  if (services) await endConnectionWorkflows(orm, services.temporal);
});
afterAll(async () => {
  await orm?.close();
  await simulator?.close();
});

beforeEach(async () => {
  await resetDatabase(orm);
  adminId = (await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN })).user.id;
  const person = async (name: string) => {
    const { user, apiToken } = await createUser(orm.em.fork(), { name, email: `${name.toLowerCase()}@example.jp`, role: 'member' });
    return { id: user.id, token: apiToken };
  };
  alice = await person('Alice');
  bob = await person('Bob');
  connection = await createConnection(orm.em.fork(), {
    name: '本社',
    clientId: 'ledgerclient0123456789abcdefghijklm',
    secretsKey: TEST_SECRETS_KEY,
    visibility: { scope: 'private' },
    owners: [alice.id],
    saveMode: 'direct',
  });
});

let n = 0;
/** A contract as a sync imports it: the PDF in storage, then the ledger's import. */
async function imported(fields: Record<string, unknown>): Promise<string> {
  n++;
  const file = await storage.put(Readable.from([Buffer.from(`%PDF-1.4\n% audit ${n}\n%%EOF\n`)]));
  const { contractId } = await importFile(orm.em.fork(), { connectionId: connection.id, documentId: `doc-${n}`, fileId: `file-${n}`, fields, file });
  return contractId!;
}

async function call(method: string, path: string, options: { token?: string; body?: unknown } = {}) {
  const res = await app.request(path, {
    method,
    headers: {
      authorization: `Bearer ${options.token ?? ADMIN_TOKEN}`,
      ...(options.body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
}

async function history(contractId: string, token = ADMIN_TOKEN): Promise<Event[]> {
  const res = await call('GET', `/v1/contracts/${contractId}/history`, { token });
  expect(res.status).toBe(200);
  return res.body.items as Event[];
}

async function audit(query = ''): Promise<Event[]> {
  const res = await call('GET', `/v1/audit${query}`);
  expect(res.status).toBe(200);
  return res.body.items as Event[];
}

describe("a contract's history", () => {
  it('lists its import, an extraction and a user edit, newest first, with the fields and who did each', async () => {
    const id = await imported({ title: '業務委託契約書', conclusionDate: '2024-04-01', amount: 1_200_000 });

    const extraction = await call('POST', `/v1/contracts/${id}/extractions`, { body: { fields: { counterparty: '株式会社サンプル', title: 'OCR の題名' } } });
    expect(extraction.status).toBe(200);
    const edit = await call('PATCH', `/v1/contracts/${id}`, { token: alice.token, body: { title: '業務委託契約書（改定）', amount: 1_500_000 } });
    expect(edit.status).toBe(200);

    const events = await history(id, alice.token);
    expect(events.map((e) => e.action)).toEqual(['edited', 'extracted', 'imported']);
    const [edited, extracted, importedEvent] = events as [Event, Event, Event];
    expect(edited.actor).toEqual({ id: alice.id, name: 'Alice' });
    expect(edited.changes).toEqual({
      title: { from: '業務委託契約書', to: '業務委託契約書（改定）' },
      amount: { from: '1200000', to: '1500000' },
    });
    expect(extracted.actor).toEqual({ id: adminId, name: 'Administrator' });
    expect(extracted.changes).toEqual({ counterparty: { from: null, to: '株式会社サンプル' } });
    expect(extracted.details).toEqual({ refused: [{ field: 'title', reason: 'from_cloudsign' }] });
    expect(importedEvent.actor).toEqual({ id: null, name: 'cloudsign-sync' });
    expect(importedEvent.changes).toMatchObject({
      title: { from: null, to: '業務委託契約書' },
      conclusionDate: { from: null, to: '2024-04-01' },
      amount: { from: null, to: '1200000' },
      visibility: { from: null, to: { scope: 'private' } },
      owners: { from: null, to: [alice.id] },
    });
    expect(importedEvent.details).toMatchObject({ managementId: connection.managementId, documentId: `doc-${n}`, fileId: `file-${n}` });
    for (const event of events) expect(event.subject).toEqual({ kind: 'contract', id });
    const times = events.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('answers 404 to whoever may not see the contract, as for a contract that does not exist', async () => {
    const id = await imported({ title: 'NDA' });
    const hidden = await call('GET', `/v1/contracts/${id}/history`, { token: bob.token });
    const missing = await call('GET', `/v1/contracts/${UNKNOWN}/history`, { token: bob.token });
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(hidden.body.error.code).toBe(missing.body.error.code);
    expect(await history(id, alice.token)).toHaveLength(1);
  });

  it('gains no event from an edit that changes nothing, nor from one the ledger refuses', async () => {
    const id = await imported({ title: '賃貸借契約' });
    expect((await call('PATCH', `/v1/contracts/${id}`, { token: alice.token, body: { title: '賃貸借契約' } })).status).toBe(200);
    expect((await call('PATCH', `/v1/contracts/${id}`, { token: alice.token, body: { endDate: '2024-02-30' } })).status).toBe(400);
    expect((await call('PATCH', `/v1/contracts/${id}`, { token: bob.token, body: { title: 'Bob was here' } })).status).toBe(404);
    expect((await history(id)).map((e) => e.action)).toEqual(['imported']);
  });

  it('has no import event for a file the ledger did not save: the event rolls back with its contract', async () => {
    await imported({ title: 'saved' });
    await setQuotaLimit(orm.em.fork(), { limit: 1 });
    // The import writes the contract and its event, then finds the quota spent last (importFile): both roll back.
    await expect(imported({ title: 'over quota' })).rejects.toBeInstanceOf(QuotaExhaustedError);
    const events = await audit('?subjectKind=contract&limit=500');
    expect(events.map((e) => e.changes.title?.to)).toEqual(['saved']);
    const contracts = await call('GET', '/v1/contracts');
    expect(contracts.body.items.map((c: { id: string }) => c.id)).toEqual(events.map((e) => e.subject.id));
  });

  it('pages with the cursor like every list', async () => {
    const id = await imported({ title: 'v0' });
    for (let i = 1; i <= 4; i++) expect((await call('PATCH', `/v1/contracts/${id}`, { body: { title: `v${i}` } })).status).toBe(200);
    const first = await call('GET', `/v1/contracts/${id}/history?limit=3`);
    expect(first.body.items.map((e: Event) => e.changes.title!.to)).toEqual(['v4', 'v3', 'v2']);
    const second = await call('GET', `/v1/contracts/${id}/history?limit=3&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((e: Event) => e.changes.title!.to)).toEqual(['v1', 'v0']);
    expect(second.body.nextCursor).toBeNull();
  });
});

describe('the audit trail (admins)', () => {
  it('records who changed users, groups, the quota and connections, and never a client ID or a token', async () => {
    const created = await call('POST', '/v1/users', { body: { name: 'Dave', email: 'dave@example.jp', role: 'member' } });
    expect(created.status).toBe(201);
    const dave = created.body.id as string;
    expect((await call('POST', `/v1/users/${dave}/disable`)).status).toBe(200);
    expect((await call('POST', `/v1/users/${dave}/enable`)).status).toBe(200);
    const rotated = await call('POST', `/v1/users/${dave}/token`);
    expect(rotated.status).toBe(201);
    const group = await call('POST', '/v1/groups', { body: { name: '法務部', memberIds: [alice.id] } });
    expect(group.status).toBe(201);
    expect((await call('PUT', `/v1/groups/${group.body.id}/members`, { body: { memberIds: [alice.id, dave] } })).status).toBe(200);
    expect((await call('PUT', '/v1/quota', { body: { limit: 500 } })).status).toBe(200);
    const connected = await call('POST', '/v1/connections', {
      body: { name: '支社', clientId: CLIENT_ID, visibility: { scope: 'company' }, owners: [], saveMode: 'direct' },
    });
    expect(connected.status).toBe(201);
    const other = simulator.accounts.members[0]!;
    const changed = await call('PATCH', `/v1/connections/${connected.body.id}`, { body: { name: '支社（大阪）', clientId: other } });
    expect(changed.status).toBe(200);
    expect((await call('POST', `/v1/connections/${connected.body.id}/pause`)).status).toBe(202);
    expect((await call('DELETE', `/v1/connections/${connected.body.id}`)).status).toBe(202);

    const events = (await audit(`?actorId=${adminId}`)).reverse();
    expect(events.map((e) => `${e.subject.kind} ${e.action}`)).toEqual([
      'user created',
      'user disabled',
      'user enabled',
      'user token_rotated',
      'group created',
      'group members_changed',
      'quota limit_changed',
      'connection created',
      'connection settings_changed',
      'connection pause_requested',
      'connection disconnected',
    ]);
    for (const event of events) expect(event.actor).toEqual({ id: adminId, name: 'Administrator' });
    const byAction = (kind: string, action: string) => events.find((e) => e.subject.kind === kind && e.action === action)!;
    expect(byAction('user', 'created').changes).toEqual({
      name: { from: null, to: 'Dave' },
      email: { from: null, to: 'dave@example.jp' },
      role: { from: null, to: 'member' },
    });
    expect(byAction('user', 'disabled').changes.disabledAt).toMatchObject({ from: null });
    expect(byAction('user', 'token_rotated').changes).toEqual({});
    expect(byAction('group', 'members_changed').changes).toEqual({ memberIds: { from: [alice.id], to: [alice.id, dave].sort() } });
    expect(byAction('quota', 'limit_changed').changes).toEqual({ limit: { from: 100_000, to: 500 } });
    expect(byAction('connection', 'settings_changed').changes).toEqual({
      name: { from: '支社', to: '支社（大阪）' },
      clientId: { from: `…${CLIENT_ID.slice(-4)}`, to: `…${other.slice(-4)}` },
    });
    expect(byAction('connection', 'disconnected').changes).toEqual({ status: { from: 'importing', to: 'disconnected' } });

    const everything = JSON.stringify(await audit('?limit=500'));
    for (const secret of [CLIENT_ID, other, created.body.apiToken, rotated.body.apiToken, ADMIN_TOKEN]) expect(everything).not.toContain(secret);
  });

  it("records a review's decision with its reviewer, once", async () => {
    const carol = await createUser(orm.em.fork(), { name: 'Carol', email: 'carol@example.jp', role: 'member' });
    const reviewed = await createConnection(orm.em.fork(), {
      name: 'レビュー',
      clientId: 'reviewclient0123456789abcdefghijkl',
      secretsKey: TEST_SECRETS_KEY,
      visibility: { scope: 'company' },
      owners: [],
      saveMode: 'review',
      reviewers: { groupIds: [], userIds: [carol.user.id] },
    });
    const { review } = await createReview(orm.em.fork(), {
      connectionId: reviewed.id,
      documentId: 'review-doc',
      title: '秘密保持契約書',
      files: [{ fileId: 'review-file', name: 'nda.pdf', size: 10, sha256: 'a'.repeat(64), fields: { title: '秘密保持契約書' } }],
      createdAt: new Date(),
    });
    expect((await call('POST', `/v1/reviews/${review.id}/approve`, { token: carol.apiToken, body: {} })).status).toBe(202);
    expect((await call('POST', `/v1/reviews/${review.id}/discard`, { token: carol.apiToken })).status).toBe(409);
    expect((await call('POST', `/v1/reviews/${review.id}/approve`, { token: bob.token, body: {} })).status).toBe(403);

    const decided = await audit(`?subjectKind=review&subjectId=${review.id}`);
    expect(decided).toHaveLength(1);
    expect(decided[0]).toMatchObject({ actor: { id: carol.user.id, name: 'Carol' }, action: 'approved', changes: { decision: { from: null, to: 'approve' } } });

    // What the review's workflow does next: the decision takes effect, and the contract's history says whence it came.
    const applied = await applyDecision(orm.em.fork(), { reviewId: review.id });
    const contractId = applied.files[0]!.contractId!;
    expect((await audit(`?subjectKind=review&subjectId=${review.id}`)).map((e) => [e.action, e.actor.name])).toEqual([
      ['applied', 'cloudsign-sync'],
      ['approved', 'Carol'],
    ]);
    const [importedEvent] = await history(contractId);
    expect(importedEvent).toMatchObject({ action: 'imported', details: { reviewId: review.id, approvedBy: carol.user.id } });
  });

  it('filters by subject, actor and time, and pages', async () => {
    const first = await imported({ title: 'A' });
    const second = await imported({ title: 'B' });
    const before = new Date().toISOString();
    expect((await call('PATCH', `/v1/contracts/${second}`, { token: alice.token, body: { title: 'B2' } })).status).toBe(200);

    expect((await audit(`?subjectKind=contract&subjectId=${first}`)).map((e) => e.action)).toEqual(['imported']);
    expect((await audit(`?actorId=${alice.id}`)).map((e) => [e.subject.id, e.action])).toEqual([[second, 'edited']]);
    const system = await audit('?actorId=system&subjectKind=contract');
    expect(system.map((e) => e.subject.id).sort()).toEqual([first, second].sort());
    expect((await audit(`?since=${encodeURIComponent(before)}&subjectKind=contract`)).map((e) => e.action)).toEqual(['edited']);
    expect(await audit(`?until=${encodeURIComponent('2000-01-01T00:00:00Z')}`)).toEqual([]);

    const all = await audit('?limit=500');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call('GET', `/v1/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((e: Event) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((e) => e.id));
  });

  it('refuses malformed filters with 400, an empty period with 422, and members with 403', async () => {
    expect((await call('GET', '/v1/audit?since=yesterday')).status).toBe(400);
    expect((await call('GET', '/v1/audit?subjectKind=planet')).status).toBe(400);
    expect((await call('GET', '/v1/audit?limit=501')).status).toBe(400);
    expect((await call('GET', '/v1/audit?cursor=forged')).status).toBe(400);
    expect((await call('GET', `/v1/audit?subjectId=${'x'.repeat(101)}`)).status).toBe(400);
    const empty = await call('GET', '/v1/audit?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z');
    expect(empty.status).toBe(422);
    expect(empty.body.error.code).toBe('invalid_period');
    expect((await call('GET', '/v1/audit', { token: alice.token })).status).toBe(403);
  });
});
