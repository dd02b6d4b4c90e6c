import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../api/app';
import type { MikroORM } from '../../src/db';
import { createUser, ensureBootstrapAdmin } from '../../src/ledger';
import { testServices } from '../support/app';
import { openTestDatabase, resetDatabase } from '../support/database';

const ADMIN_TOKEN = 'groups-test-admin-token';

let orm: MikroORM;
let app: App;
let alice: { id: string; token: string };
let bob: { id: string; token: string };

beforeAll(async () => {
  orm = await openTestDatabase();
  app = createApp(await testServices(orm, { TEMPORAL_TASK_QUEUE: 'groups-test' }));
});
afterAll(async () => {
  await orm?.close();
});
beforeEach(async () => {
  await resetDatabase(orm);
  await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN });
  const a = await createUser(orm.em.fork(), { name: 'Alice', email: 'alice@example.jp', role: 'member' });
  const b = await createUser(orm.em.fork(), { name: 'Bob', email: 'bob@example.jp', role: 'member' });
  alice = { id: a.user.id, token: a.apiToken };
  bob = { id: b.user.id, token: b.apiToken };
});

function call(method: string, path: string, options: { token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${options.token ?? ADMIN_TOKEN}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  return app.request(path, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
}

interface GroupJson {
  id: string;
  name: string;
  memberIds: string[];
  createdAt: string;
}
interface ErrorJson {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('groups', () => {
  it('creates a group, replaces its members and lists it', async () => {
    const res = await call('POST', '/v1/groups', { body: { name: '法務部', memberIds: [alice.id, alice.id] } });
    expect(res.status).toBe(201);
    const group = (await res.json()) as GroupJson;
    expect(group).toMatchObject({ name: '法務部', memberIds: [alice.id] });

    const put = await call('PUT', `/v1/groups/${group.id}/members`, { body: { memberIds: [bob.id] } });
    expect(put.status).toBe(200);
    expect(((await put.json()) as GroupJson).memberIds).toEqual([bob.id]);

    const list = await call('GET', '/v1/groups');
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ items: [{ ...group, memberIds: [bob.id] }], nextCursor: null });

    const one = await call('GET', `/v1/groups/${group.id}`);
    expect(((await one.json()) as GroupJson).memberIds).toEqual([bob.id]);

    const emptied = await call('PUT', `/v1/groups/${group.id}/members`, { body: { memberIds: [] } });
    expect(((await emptied.json()) as GroupJson).memberIds).toEqual([]);
  });

  it('refuses unknown member IDs with 422 naming them, and changes nothing', async () => {
    const res = await call('POST', '/v1/groups', { body: { name: 'Sales', memberIds: [alice.id, UNKNOWN, 'nobody'] } });
    expect(res.status).toBe(422);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe('unknown_users');
    expect(body.error.details?.userIds).toEqual([UNKNOWN, 'nobody']);
    expect(body.error.message).toContain(UNKNOWN);
    expect(((await (await call('GET', '/v1/groups')).json()) as { items: unknown[] }).items).toEqual([]);

    const group = (await (await call('POST', '/v1/groups', { body: { name: 'Sales', memberIds: [alice.id] } })).json()) as GroupJson;
    const put = await call('PUT', `/v1/groups/${group.id}/members`, { body: { memberIds: [bob.id, UNKNOWN] } });
    expect(put.status).toBe(422);
    expect(((await put.json()) as ErrorJson).error.details?.userIds).toEqual([UNKNOWN]);
    expect(((await (await call('GET', `/v1/groups/${group.id}`)).json()) as GroupJson).memberIds).toEqual([alice.id]);
  });

  it('answers 409 for a name taken, 404 for an unknown group, 400 for a malformed body', async () => {
    expect((await call('POST', '/v1/groups', { body: { name: 'Sales', memberIds: [] } })).status).toBe(201);
    const dup = await call('POST', '/v1/groups', { body: { name: 'Sales', memberIds: [] } });
    expect(dup.status).toBe(409);

    expect((await call('PUT', `/v1/groups/${UNKNOWN}/members`, { body: { memberIds: [] } })).status).toBe(404);
    expect((await call('GET', '/v1/groups/not-a-group')).status).toBe(404);

    const bad = await call('POST', '/v1/groups', { body: { name: '  ', memberIds: 'alice' } });
    expect(bad.status).toBe(400);
    const paths = (((await bad.json()) as ErrorJson).error.details as unknown as { path: string }[]).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'memberIds']));
    expect((await call('PUT', `/v1/groups/${UNKNOWN}/members`, { body: {} })).status).toBe(400);
  });

  it('is for admins only', async () => {
    const res = await call('POST', '/v1/groups', { token: alice.token, body: { name: 'Mine', memberIds: [alice.id] } });
    expect(res.status).toBe(403);
    expect((await call('GET', '/v1/groups', { token: bob.token })).status).toBe(403);
    expect(((await (await call('GET', '/v1/groups')).json()) as { items: unknown[] }).items).toEqual([]);
  });
});
