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

const call = async (method: string, path: string, body?: string, token = ADMIN_TOKEN) => {
  const res = await app.request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  const parsed = (text ? JSON.parse(text) : {}) as { error?: { code: string }; apiToken?: string };
  return { status: res.status, code: parsed.error?.code, allow: res.headers.get('allow'), body: parsed };
};
const cursor = (at: string) => `${at}.00000000-0000-4000-8000-000000000000`;

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
  // Past the year 9999 (15 digits), before 1970, not a number, and the ISO times cursors once carried.
  for (const at of ['253402300800000', '-1', '1e12', '0000-01-01T00:00:00.000Z']) {
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
  // The most specific route's methods, as the document lists them: /v1/reviews/bulk is not /v1/reviews/{id}.
  expect(await call('PUT', '/v1/reviews/bulk')).toMatchObject({ status: 405, allow: 'POST' });
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

it('checks a list\'s cursor and limit even where the caller can see nothing', async () => {
  const member = await call('POST', '/v1/users', JSON.stringify({ name: 'Member', email: 'member@example.jp', role: 'member' }));
  expect(member.status).toBe(201);
  const token = member.body.apiToken!;
  // A member who reviews nothing, and a connection ID that names nothing: the same 400 as for anyone.
  expect(await call('GET', '/v1/reviews?cursor=null', undefined, token)).toMatchObject({ status: 400, code: 'invalid_cursor' });
  expect(await call('GET', '/v1/contracts?connectionId=none&cursor=null')).toMatchObject({ status: 400, code: 'invalid_cursor' });
  // A well-formed cursor names a position, issued or not: the list goes on after it.
  expect(await call('GET', `/v1/contracts?cursor=${cursor('1764547200000')}`)).toMatchObject({ status: 200 });
});

it('refuses a body that is not JSON with 415, and edits given both at the top level and under `fields` with 400', async () => {
  const res = await app.request('/v1/users', { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/plain' }, body: 'name=x' });
  expect(res.status).toBe(415);
  const both = JSON.stringify({ title: 'A', fields: { title: 'B' } });
  expect(await call('PATCH', '/v1/contracts/00000000-0000-4000-8000-000000000000', both)).toMatchObject({ status: 400, code: 'invalid_request' });
});

it('states in the OpenAPI document what the server checks: 413 and 415 where a body is taken, the cursor pattern, date and e-mail patterns', async () => {
  const doc = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, any> } };
  const operations = Object.values(doc.paths).flatMap((item) => Object.values(item));
  const withBody = operations.filter((op) => op.requestBody);
  expect(withBody.length).toBeGreaterThan(5);
  for (const op of withBody) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '413', '415']));
  const cursors = operations.flatMap((op) => (op.parameters ?? []).filter((p) => p.name === 'cursor'));
  expect(cursors.length).toBeGreaterThan(4);
  for (const parameter of cursors) expect(new RegExp(parameter.schema.pattern!).test('1764547200000.00000000-0000-4000-8000-000000000000')).toBe(true);
  expect(doc.components.schemas.ContractExtraction.properties.fields.properties.endDate).toMatchObject({ format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
  expect(new RegExp(doc.components.schemas.CreateUser.properties.email.pattern).test('!x{@example.jp')).toBe(false);
});

interface Operation {
  requestBody?: unknown;
  responses: Record<string, unknown>;
  parameters?: { name: string; schema: { pattern?: string } }[];
}

it('refuses a name of nothing but white space with 400, as the pattern in the document says', async () => {
  for (const name of ['\f', ' \u3000\ufeff ']) {
    expect(await call('POST', '/v1/users', JSON.stringify({ name, email: 'blank@example.jp', role: 'member' }))).toMatchObject({ status: 400, code: 'invalid_request' });
  }
  const created = await call('POST', '/v1/users', JSON.stringify({ name: '  山田  ', email: 'yamada@example.jp', role: 'member' }));
  expect(created).toMatchObject({ status: 201, body: { name: '山田' } });
  const doc = (await (await app.request('/openapi.json')).json()) as { components: { schemas: Record<string, any> } };
  const pattern = new RegExp(doc.components.schemas.CreateUser.properties.name.pattern);
  expect([pattern.test('\f'), pattern.test(' \u3000\ufeff '), pattern.test('  山田  ')]).toEqual([false, false, true]);
});
