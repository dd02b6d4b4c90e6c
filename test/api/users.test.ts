import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../api/app';
import type { MikroORM } from '../../src/db';
import { createUser, ensureBootstrapAdmin, revokeConfiguredToken } from '../../src/ledger';
import { testServices } from '../support/app';
import { openTestDatabase, resetDatabase } from '../support/database';

const ADMIN_TOKEN = 'users-test-admin-token';

let orm: MikroORM;
let app: App;

beforeAll(async () => {
  orm = await openTestDatabase();
  app = createApp(await testServices(orm, { TEMPORAL_TASK_QUEUE: 'users-test' }));
});
afterAll(async () => {
  await orm?.close();
});
beforeEach(async () => {
  await resetDatabase(orm);
  await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN });
});

function call(method: string, path: string, options: { token?: string | null; body?: unknown } = {}) {
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  return app.request(path, {
    method,
    headers,
    body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
  });
}

interface UserJson {
  id: string;
  name: string;
  email: string;
  role: 'admin' | 'member';
  createdAt: string;
  apiToken?: string;
}
interface ErrorJson {
  error: { code: string; message: string; details?: unknown };
}

describe('PATCH /v1/users/:id', () => {
  const member = async () =>
    (await (await call('POST', '/v1/users', { body: { name: 'Old Name', email: 'old@example.jp', role: 'member' } })).json()) as UserJson;

  it('changes the name and the e-mail address, keeping what is not given', async () => {
    const user = await member();
    const renamed = await call('PATCH', `/v1/users/${user.id}`, { body: { name: ' 佐藤 一郎 ' } });
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({ id: user.id, name: '佐藤 一郎', email: 'old@example.jp', role: 'member' });

    const moved = await call('PATCH', `/v1/users/${user.id}`, { body: { email: 'Ichiro.Sato@Company.co.jp' } });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toMatchObject({ name: '佐藤 一郎', email: 'ichiro.sato@company.co.jp', deliverable: true });
    // Their token still works, and they see the change.
    expect(await (await call('GET', '/v1/me', { token: user.apiToken! })).json()).toMatchObject({ email: 'ichiro.sato@company.co.jp' });
  });

  it('gives the bootstrap admin a real address instead of the one mail never reaches', async () => {
    const me = (await (await call('GET', '/v1/me')).json()) as UserJson;
    const before = (await (await call('GET', `/v1/users/${me.id}`)).json()) as UserJson & { deliverable: boolean };
    expect(before).toMatchObject({ email: 'admin@cloudsign-sync.invalid', deliverable: false });
    const res = await call('PATCH', `/v1/users/${me.id}`, { body: { email: 'it-admin@company.co.jp' } });
    expect(await res.json()).toMatchObject({ email: 'it-admin@company.co.jp', deliverable: true });
  });

  it('answers 400 for an address that is not one, or an empty change, and changes nothing', async () => {
    const user = await member();
    for (const body of [{ email: 'not-an-address' }, { email: 'two@@example.jp' }, { name: '' }, {}, { role: 'admin' }, { email: 'a@b.jp', apiToken: 'x' }]) {
      const res = await call('PATCH', `/v1/users/${user.id}`, { body });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(((await res.json()) as ErrorJson).error.code).toBe('invalid_request');
    }
    expect(await (await call('GET', `/v1/users/${user.id}`)).json()).toMatchObject({ name: 'Old Name', email: 'old@example.jp', role: 'member' });
  });

  it('answers 409 for another user\'s address, 404 for no such user, 403 for a member', async () => {
    const user = await member();
    await call('POST', '/v1/users', { body: { name: 'Other', email: 'other@example.jp', role: 'member' } });
    const taken = await call('PATCH', `/v1/users/${user.id}`, { body: { email: 'OTHER@example.jp' } });
    expect(taken.status).toBe(409);
    expect(((await taken.json()) as ErrorJson).error.code).toBe('email_taken');
    expect((await call('PATCH', '/v1/users/00000000-0000-4000-8000-000000000000', { body: { name: 'x' } })).status).toBe(404);
    expect((await call('PATCH', `/v1/users/${user.id}`, { token: user.apiToken!, body: { name: 'Me myself' } })).status).toBe(403);
    expect(await (await call('GET', `/v1/users/${user.id}`)).json()).toMatchObject({ name: 'Old Name', email: 'old@example.jp' });
  });
});

describe('POST /v1/users', () => {
  it('creates a member whose API token, shown once, works', async () => {
    const res = await call('POST', '/v1/users', { body: { name: '山田 花子', email: 'Hanako@Example.jp', role: 'member' } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as UserJson;
    expect(created).toMatchObject({ name: '山田 花子', email: 'hanako@example.jp', role: 'member' });
    expect(created.apiToken).toEqual(expect.any(String));
    expect(new Date(created.createdAt).toISOString()).toBe(created.createdAt);

    const me = await call('GET', '/v1/me', { token: created.apiToken! });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ id: created.id, name: '山田 花子', email: 'hanako@example.jp', role: 'member' });

    const one = await call('GET', `/v1/users/${created.id}`);
    expect(one.status).toBe(200);
    const shown = (await one.json()) as UserJson;
    expect(shown).toEqual({
      id: created.id,
      name: '山田 花子',
      email: 'hanako@example.jp',
      role: 'member',
      deliverable: true,
      disabledAt: null,
      createdAt: created.createdAt,
    });
    expect(shown.apiToken).toBeUndefined();

    const list = (await (await call('GET', '/v1/users')).json()) as { items: UserJson[]; nextCursor: string | null };
    expect(list.items.filter((u) => u.id === created.id)).toHaveLength(1);
    expect(list.items.every((u) => u.apiToken === undefined)).toBe(true);
    expect(list.nextCursor).toBeNull();
  });

  it('refuses a second user with the same e-mail address with 409', async () => {
    expect((await call('POST', '/v1/users', { body: { name: 'A', email: 'a@example.jp', role: 'member' } })).status).toBe(201);
    const res = await call('POST', '/v1/users', { body: { name: 'B', email: 'A@example.jp', role: 'admin' } });
    expect(res.status).toBe(409);
    expect(((await res.json()) as ErrorJson).error.code).toBe('email_taken');
  });

  it('answers 400 with zod issues for a malformed body and creates nothing', async () => {
    const res = await call('POST', '/v1/users', { body: { name: '', email: 'not-an-address', role: 'owner' } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe('invalid_request');
    const paths = (body.error.details as { path: string }[]).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'email', 'role']));

    const broken = await call('POST', '/v1/users', { body: '{"name": "x",' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as ErrorJson).error.code).toBe('invalid_request');

    const list = (await (await call('GET', '/v1/users')).json()) as { items: UserJson[] };
    expect(list.items).toHaveLength(1); // the bootstrap admin only
  });

  it('lets an admin created through the API create users in turn', async () => {
    const admin = (await (await call('POST', '/v1/users', { body: { name: 'Second admin', email: 'root@example.jp', role: 'admin' } })).json()) as UserJson;
    const res = await call('POST', '/v1/users', { token: admin.apiToken!, body: { name: 'M', email: 'm@example.jp', role: 'member' } });
    expect(res.status).toBe(201);
  });
});

describe('authorisation', () => {
  it('answers 403 to a member on every user route', async () => {
    const { user, apiToken } = await createUser(orm.em.fork(), { name: 'Member', email: 'member@example.jp', role: 'member' });
    const post = await call('POST', '/v1/users', { token: apiToken, body: { name: 'X', email: 'x@example.jp', role: 'admin' } });
    expect(post.status).toBe(403);
    expect(((await post.json()) as ErrorJson).error.code).toBe('forbidden');
    expect((await call('GET', '/v1/users', { token: apiToken })).status).toBe(403);
    expect((await call('GET', `/v1/users/${user.id}`, { token: apiToken })).status).toBe(403);
    // Nothing was created by the refused request.
    const list = (await (await call('GET', '/v1/users')).json()) as { items: UserJson[] };
    expect(list.items.map((u) => u.email).sort()).toEqual(['admin@cloudsign-sync.invalid', 'member@example.jp']);
  });

  it('answers 401 without a token and with an unknown token', async () => {
    const none = await call('GET', '/v1/users', { token: null });
    expect(none.status).toBe(401);
    expect(((await none.json()) as ErrorJson).error.code).toBe('unauthorized');
    expect((await call('GET', '/v1/users', { token: 'csk_not-a-token' })).status).toBe(401);
    expect((await call('POST', '/v1/users', { token: null, body: { name: 'X', email: 'x@example.jp', role: 'admin' } })).status).toBe(401);
  });
});

describe('GET /v1/users', () => {
  it('pages with limit and cursor, each user once, newest first', async () => {
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 2)); // distinct creation times: the order is checked
      await createUser(orm.em.fork(), { name: `User ${i}`, email: `u${i}@example.jp`, role: 'member' });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
      const res = await call('GET', `/v1/users${query}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: UserJson[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((u) => u.email));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(5);
    expect(seen.slice(0, 4)).toEqual(['u3@example.jp', 'u2@example.jp', 'u1@example.jp', 'u0@example.jp']);
  });

  it('answers 400 for a limit out of range', async () => {
    for (const limit of ['0', '501', 'ten']) {
      const res = await call('GET', `/v1/users?limit=${limit}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as ErrorJson).error.code).toBe('invalid_request');
    }
  });

  it('answers 404 for an unknown user ID, well-formed or not', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'nope']) {
      const res = await call('GET', `/v1/users/${id}`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as ErrorJson).error.code).toBe('not_found');
    }
  });
});

describe('taking access back', () => {
  const member = async () => createUser(orm.em.fork(), { name: '退職 予定', email: 'leaving@example.jp', role: 'member' });

  it('refuses a disabled user\'s token at once, and accepts it again once enabled', async () => {
    const { user, apiToken } = await member();
    expect((await call('GET', '/v1/contracts', { token: apiToken })).status).toBe(200);
    const disabled = await call('POST', `/v1/users/${user.id}/disable`);
    expect(disabled.status).toBe(200);
    expect(((await disabled.json()) as { disabledAt: string | null }).disabledAt).toEqual(expect.any(String));
    expect((await call('GET', '/v1/contracts', { token: apiToken })).status).toBe(401);
    expect((await call('GET', '/v1/me', { token: apiToken })).status).toBe(401);
    expect((await call('POST', `/v1/users/${user.id}/enable`)).status).toBe(200);
    expect((await call('GET', '/v1/me', { token: apiToken })).status).toBe(200);
  });

  it('rotates a token: the new one works, the old one is refused from then on', async () => {
    const { user, apiToken: old } = await member();
    const res = await call('POST', `/v1/users/${user.id}/token`);
    expect(res.status).toBe(201);
    const { apiToken } = (await res.json()) as { apiToken: string };
    expect(apiToken).not.toBe(old);
    expect((await call('GET', '/v1/me', { token: old })).status).toBe(401);
    expect(((await (await call('GET', '/v1/me', { token: apiToken })).json()) as UserJson).id).toBe(user.id);
  });

  it('keeps one admin who may sign in, and leaves members no say in it', async () => {
    const admin = (await (await call('GET', '/v1/me')).json()) as UserJson;
    const refused = await call('POST', `/v1/users/${admin.id}/disable`);
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as ErrorJson).error.code).toBe('last_admin');
    const { user, apiToken } = await member();
    expect((await call('POST', `/v1/users/${user.id}/token`, { token: apiToken })).status).toBe(403);
    expect((await call('POST', `/v1/users/${admin.id}/disable`, { token: apiToken })).status).toBe(403);
    expect((await call('POST', '/v1/users/00000000-0000-4000-8000-000000000000/disable')).status).toBe(404);
  });

  it('keeps a rotated bootstrap token across restarts: the configured one stays refused until the configuration changes it', async () => {
    const admin = (await (await call('GET', '/v1/me')).json()) as UserJson;
    const { apiToken } = (await (await call('POST', `/v1/users/${admin.id}/token`)).json()) as { apiToken: string };
    // A restart with the same BOOTSTRAP_ADMIN_TOKEN.
    expect(await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN })).toMatchObject({ created: false });
    expect((await call('GET', '/v1/me')).status).toBe(401);
    expect((await call('GET', '/v1/me', { token: apiToken })).status).toBe(200);
    // The operator sets a new one: it is the admin's token from then on.
    await ensureBootstrapAdmin(orm.em.fork(), { token: 'a-new-bootstrap-token-9876543210' });
    expect((await call('GET', '/v1/me', { token: 'a-new-bootstrap-token-9876543210' })).status).toBe(200);
    expect((await call('GET', '/v1/me', { token: apiToken })).status).toBe(401);
  });

  it('does not count an admin whose bootstrap token lapsed as one who may sign in', async () => {
    const { user: other, apiToken } = await createUser(orm.em.fork(), { name: 'Other admin', email: 'other@example.jp', role: 'admin' });
    await revokeConfiguredToken(orm.em.fork());
    const res = await call('POST', `/v1/users/${other.id}/disable`, { token: apiToken });
    expect(res.status).toBe(409);
    expect(((await res.json()) as ErrorJson).error.code).toBe('last_admin');
  });

  it('lets the bootstrap token lapse once the configuration no longer holds it, but not a token issued since', async () => {
    expect((await call('GET', '/v1/me')).status).toBe(200);
    expect(await revokeConfiguredToken(orm.em.fork())).toBe(true);
    expect((await call('GET', '/v1/me')).status).toBe(401);

    // Configured again, then rotated through the API: the rotated token is the admin's own and survives.
    await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN });
    const admin = (await (await call('GET', '/v1/me')).json()) as UserJson;
    const { apiToken } = (await (await call('POST', `/v1/users/${admin.id}/token`)).json()) as { apiToken: string };
    expect(await revokeConfiguredToken(orm.em.fork())).toBe(false);
    expect((await call('GET', '/v1/me', { token: apiToken })).status).toBe(200);
  });
});
