import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../api/app';
import type { MikroORM } from '../../src/db';
import { applyBootstrapEmail, createConnection, createUser, ensureBootstrapAdmin, getUser, incidentRecipients } from '../../src/ledger';
import { loadConfig } from '../../src/config';
import { TEST_SECRETS_KEY, testServices } from '../support/app';
import { openTestDatabase, resetDatabase } from '../support/database';

/** Incident mail must reach a person: the bootstrap admin's configured address, and warnings where it would not. */

const ADMIN_TOKEN = 'mail-recipients-test-admin-token';

let orm: MikroORM;
let app: App;

beforeAll(async () => {
  orm = await openTestDatabase();
  app = createApp(await testServices(orm, { TEMPORAL_TASK_QUEUE: 'mail-recipients-test' }));
});
afterAll(async () => {
  await orm?.close();
});
beforeEach(async () => {
  await resetDatabase(orm);
});

async function call(method: string, path: string, options: { token?: string | null; body?: unknown } = {}) {
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  const res = await app.request(path, {
    method,
    headers: {
      ...(token !== null && { authorization: `Bearer ${token}` }),
      ...(options.body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const bootstrapAdmin = async () => getUser(orm.em.fork(), (await call('GET', '/v1/me')).body.id);

describe('BOOTSTRAP_ADMIN_EMAIL', () => {
  it('is an e-mail address, or start-up stops with a sentence that names it', () => {
    expect(loadConfig({ BOOTSTRAP_ADMIN_EMAIL: ' it-admin@company.co.jp ' }).BOOTSTRAP_ADMIN_EMAIL).toBe('it-admin@company.co.jp');
    expect(loadConfig({ BOOTSTRAP_ADMIN_EMAIL: '' }).BOOTSTRAP_ADMIN_EMAIL).toBeUndefined();
    expect(() => loadConfig({ BOOTSTRAP_ADMIN_EMAIL: 'admin' })).toThrowError(
      'Configuration error: BOOTSTRAP_ADMIN_EMAIL="admin" must be an e-mail address such as it-admin@company.co.jp.',
    );
  });

  it('gives a fresh installation\'s admin the configured address, so that the first incident mail reaches them', async () => {
    const { user } = await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN, email: 'IT-Admin@Company.co.jp' });
    expect(user.email).toBe('it-admin@company.co.jp');
    const connection = await aConnection({ owners: [] });
    expect(await incidentRecipients(orm.em.fork(), { connectionId: connection.id })).toEqual(['it-admin@company.co.jp']);
  });

  it('moves an existing bootstrap admin to the configured address at start, and again only when the variable changes', async () => {
    await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN });
    expect((await bootstrapAdmin()).email).toBe('admin@cloudsign-sync.invalid');

    // A restart with BOOTSTRAP_ADMIN_EMAIL set.
    await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN, email: 'first@company.co.jp' });
    expect((await bootstrapAdmin()).email).toBe('first@company.co.jp');

    // An admin changes it through the API: a restart with the same variable leaves it so.
    const me = await bootstrapAdmin();
    expect((await call('PATCH', `/v1/users/${me.id}`, { body: { email: 'chosen@company.co.jp' } })).status).toBe(200);
    await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN, email: 'first@company.co.jp' });
    expect((await bootstrapAdmin()).email).toBe('chosen@company.co.jp');
    expect(await applyBootstrapEmail(orm.em.fork(), { email: 'first@company.co.jp' })).toBe(false);

    // The operator changes the variable: it applies.
    await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN, email: 'second@company.co.jp' });
    expect((await bootstrapAdmin()).email).toBe('second@company.co.jp');
    // The token is the same user's throughout.
    expect((await bootstrapAdmin()).id).toBe(me.id);
  });

  it('refuses an address another user has, with a sentence naming the variable, and changes nothing', async () => {
    await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN });
    await createUser(orm.em.fork(), { name: 'Someone', email: 'someone@company.co.jp', role: 'member' });
    await expect(ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN, email: 'someone@company.co.jp' })).rejects.toMatchObject({
      code: 'email_taken',
      message: expect.stringContaining('BOOTSTRAP_ADMIN_EMAIL'),
    });
    expect((await bootstrapAdmin()).email).toBe('admin@cloudsign-sync.invalid');
  });
});

async function aConnection(input: { owners: string[]; reviewers?: { groupIds: string[]; userIds: string[] } }) {
  return createConnection(orm.em.fork(), {
    name: 'Mail test',
    clientId: `client-${Math.random().toString(36).slice(2)}`,
    secretsKey: TEST_SECRETS_KEY,
    visibility: { scope: 'company' },
    owners: input.owners,
    saveMode: input.reviewers ? 'review' : 'direct',
    ...(input.reviewers && { reviewers: input.reviewers }),
  });
}

describe('warnings when a connection\'s mail reaches nobody', () => {
  it('shows them on the connection and to admins at GET /v1/health until a recipient has a deliverable address', async () => {
    await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN });
    const { user: reviewer, apiToken: memberToken } = await createUser(orm.em.fork(), { name: 'Reviewer', email: 'reviewer@example.com', role: 'member' });
    const connection = await aConnection({ owners: [], reviewers: { groupIds: [], userIds: [reviewer.id] } });

    const shown = await call('GET', `/v1/connections/${connection.id}`);
    expect(shown.body.warnings.map((w: any) => w.code)).toEqual(['incident_mail_undeliverable', 'review_mail_undeliverable']);
    expect(shown.body.warnings[0].message).toContain(connection.managementId);
    const health = await call('GET', '/v1/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', postgres: { ok: true } });
    expect(health.body.warnings).toEqual([
      { managementId: connection.managementId, code: 'incident_mail_undeliverable', message: expect.any(String) },
      { managementId: connection.managementId, code: 'review_mail_undeliverable', message: expect.any(String) },
    ]);

    // Anonymous callers learn up or down only; members get no admin detail.
    const anonymous = await call('GET', '/health', { token: null });
    expect(anonymous.body).toEqual({ status: 'ok', postgres: { ok: true }, temporal: { ok: true } });
    expect((await call('GET', '/v1/health', { token: null })).status).toBe(401);
    expect((await call('GET', '/v1/health', { token: memberToken })).status).toBe(403);

    // A real address for the admin and for the reviewer: nothing to warn of.
    const me = (await call('GET', '/v1/me')).body;
    expect((await call('PATCH', `/v1/users/${me.id}`, { body: { email: 'it-admin@company.co.jp' } })).status).toBe(200);
    expect((await call('GET', `/v1/connections/${connection.id}`)).body.warnings.map((w: any) => w.code)).toEqual(['review_mail_undeliverable']);
    expect((await call('PATCH', `/v1/users/${reviewer.id}`, { body: { email: 'reviewer@company.co.jp' } })).status).toBe(200);
    expect((await call('GET', `/v1/connections/${connection.id}`)).body.warnings).toEqual([]);
    expect((await call('GET', '/v1/health')).body.warnings).toEqual([]);
  });

  it('counts a disabled admin as no recipient, and warns of nothing for a disconnected connection', async () => {
    await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN });
    const { user: owner } = await createUser(orm.em.fork(), { name: 'Owner', email: 'owner@company.co.jp', role: 'member' });
    const connection = await aConnection({ owners: [owner.id] });
    expect((await call('GET', `/v1/connections/${connection.id}`)).body.warnings).toEqual([]);
    expect((await call('POST', `/v1/users/${owner.id}/disable`)).status).toBe(200);
    expect((await call('GET', `/v1/connections/${connection.id}`)).body.warnings.map((w: any) => w.code)).toEqual(['incident_mail_undeliverable']);
    expect((await call('GET', '/v1/health')).body.warnings).toHaveLength(1);

    expect((await call('DELETE', `/v1/connections/${connection.id}`)).status).toBe(202);
    expect((await call('GET', `/v1/connections/${connection.id}`)).body.warnings).toEqual([]);
    expect((await call('GET', '/v1/health')).body.warnings).toEqual([]);
  });
});
