import { once } from 'node:events';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createApp, type App } from '../../api/app';
import type { MikroORM } from '../../src/db';
import { ensureBootstrapAdmin } from '../../src/ledger';
import { testServices } from '../support/app';
import { openTestDatabase, resetDatabase } from '../support/database';

/** Inputs that once reached Postgres in a form it cannot store, or were accepted meaning nothing: each a clear 4xx now. */

const ADMIN_TOKEN = 'inputs-test-admin-token-0123456789';
let orm: MikroORM;
let app: App;

beforeAll(async () => {
  orm = await openTestDatabase();
  app = createApp(await testServices(orm, { TEMPORAL_TASK_QUEUE: 'inputs-test' }));
});
afterAll(async () => {
  await orm?.close();
});
beforeEach(async () => {
  await resetDatabase(orm);
  await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN });
});

const call = async (method: string, path: string, body?: string) => {
  const res = await app.request(path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  return { status: res.status, code: text ? (JSON.parse(text) as { error?: { code: string } }).error?.code : undefined, allow: res.headers.get('allow') };
};
const cursor = (at: string) => Buffer.from(JSON.stringify([at, '00000000-0000-4000-8000-000000000000'])).toString('base64url');

it('refuses a body over 256 KiB with 413', async () => {
  const name = 'x'.repeat(300 * 1024);
  expect(await call('POST', '/v1/users', JSON.stringify({ name, email: 'big@example.jp', role: 'member' }))).toMatchObject({ status: 413, code: 'payload_too_large' });
});

it('refuses a NUL character in a query, a path or a body with 400', async () => {
  expect(await call('GET', '/v1/contracts?q=%00')).toMatchObject({ status: 400, code: 'invalid_request' });
  expect(await call('GET', '/v1/contracts/a%00b')).toMatchObject({ status: 400, code: 'invalid_request' });
  expect(await call('POST', '/v1/users', JSON.stringify({ name: 'a\u0000b', email: 'nul@example.jp', role: 'member' }))).toMatchObject({ status: 400, code: 'invalid_request' });
  expect(await call('POST', '/v1/groups', JSON.stringify({ name: 'Legal\u0000', memberIds: [] }))).toMatchObject({ status: 400 });
});

it('refuses dates Postgres cannot store (year 0) and forged cursors of any time, with 400', async () => {
  expect(await call('GET', '/v1/contracts?concludedFrom=0000-01-01')).toMatchObject({ status: 400 });
  for (const at of ['0000-01-01T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', '-000001-01-01T00:00:00.000Z']) {
    for (const path of ['/v1/contracts', '/v1/users', '/v1/connections', '/v1/reviews', '/v1/groups']) {
      expect({ path, at, ...(await call('GET', `${path}?cursor=${cursor(at)}`)) }).toMatchObject({ path, at, status: 400, code: 'invalid_cursor' });
    }
  }
});

/** TRACE over a real socket: fetch's Request refuses to carry it, so app.request() cannot. */
async function traceOverHttp(path: string): Promise<{ status: number; allow: string | undefined }> {
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port, path, method: 'TRACE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, allow: res.headers.allow });
      }).on('error', reject).end();
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

it('answers 405 with Allow for a method a route does not have', async () => {
  expect(await call('PUT', '/v1/contracts')).toMatchObject({ status: 405, code: 'method_not_allowed', allow: expect.stringContaining('GET') });
  expect(await call('DELETE', '/v1/quota')).toMatchObject({ status: 405, allow: expect.stringContaining('PUT') });
  expect(await traceOverHttp('/v1/contracts')).toMatchObject({ status: 405, allow: expect.stringContaining('GET') });
  expect(await call('GET', '/v1/nothing-here')).toMatchObject({ status: 404, code: 'not_found' });
});

it('refuses a review-mode connection without reviewers as a malformed body, with 400, before asking CloudSign', async () => {
  const body = { name: 'Legal', clientId: 'anyclient0123456789abcdefghijklmnopq', visibility: { scope: 'company' }, owners: [], saveMode: 'review' };
  expect(await call('POST', '/v1/connections', JSON.stringify(body))).toMatchObject({ status: 400, code: 'invalid_request' });
  expect(await call('POST', '/v1/connections', JSON.stringify({ ...body, reviewers: { groupIds: [], userIds: [] } }))).toMatchObject({ status: 400 });
});

it('refuses a change that changes nothing, with 400', async () => {
  expect(await call('PATCH', '/v1/connections/00000000-0000-4000-8000-000000000000', '{}')).toMatchObject({ status: 400, code: 'invalid_request' });
  expect(await call('PATCH', '/v1/contracts/00000000-0000-4000-8000-000000000000', '{}')).toMatchObject({ status: 400, code: 'invalid_request' });
});
