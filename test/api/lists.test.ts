import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import type { MikroORM } from '../../src/db';
import { ensureBootstrapAdmin } from '../../src/ledger';
import { testServices } from '../support/app';
import { openTestDatabase, resetDatabase } from '../support/database';

const TOKEN = 'lists-test-admin-token-0123456789';
let orm: MikroORM;

beforeAll(async () => {
  orm = await openTestDatabase();
  await resetDatabase(orm);
  await ensureBootstrapAdmin(orm.em.fork(), { token: TOKEN });
});
afterAll(async () => {
  await orm?.close();
});

it.each(['/v1/users', '/v1/groups', '/v1/connections', '/v1/contracts'])('answers 400 to a cursor %s never issued', async (path) => {
  const app = createApp(await testServices(orm));
  const res = await app.request(`${path}?cursor=not-a-cursor`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_cursor');
});
