import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { signInLimiter } from '../../api/sign-in-limit';
import type { Config } from '../../src/config';
import type { MikroORM } from '../../src/db';
import { ensureBootstrapAdmin } from '../../src/ledger';
import { testServices } from '../support/app';
import { openTestDatabase, resetDatabase } from '../support/database';

const ADMIN_TOKEN = 'sign-in-limit-test-admin-token';
const WRONG = 'Bearer not-a-token-of-anyone';
const RIGHT = `Bearer ${ADMIN_TOKEN}`;

let orm: MikroORM;
let server: ServerType | undefined;

beforeAll(async () => {
  orm = await openTestDatabase();
  await resetDatabase(orm);
  await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN });
});
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});
afterAll(async () => {
  await orm?.close();
});

/** The API listening on a loopback port (the limit counts connecting addresses, which only a real socket has). */
async function listening(config: Partial<Config> = {}): Promise<(path: string, authorization?: string, forwardedFor?: string) => Promise<Response>> {
  const app = createApp(await testServices(orm, { TEMPORAL_TASK_QUEUE: 'sign-in-limit-test', ...config }));
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(info.port));
  });
  return (path, authorization, forwardedFor) =>
    fetch(`http://127.0.0.1:${port}${path}`, {
      headers: { ...(authorization && { authorization }), ...(forwardedFor && { 'x-forwarded-for': forwardedFor }) },
    });
}

async function fail(call: Awaited<ReturnType<typeof listening>>, times: number, forwardedFor?: string) {
  for (let i = 0; i < times; i++) expect((await call('/v1/me', i % 2 ? WRONG : undefined, forwardedFor)).status).toBe(401);
}

it('answers 429 with Retry-After to an address after 10 failed authentications in a minute, on every authenticated route, even with the right token', async () => {
  const call = await listening();
  await fail(call, 10);
  for (const path of ['/v1/me', '/v1/contracts', '/v1/reviews', '/v1/connections']) {
    const blocked = await call(path, RIGHT);
    expect(blocked.status).toBe(429);
    const seconds = Number(blocked.headers.get('retry-after'));
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(((await blocked.json()) as { error: { code: string } }).error.code).toBe('too_many_failed_sign_ins');
  }
  // What needs no token is not limited.
  expect((await call('/openapi.json')).status).toBe(200);
});

it('does not reset the count on a success', async () => {
  const call = await listening();
  await fail(call, 9);
  expect((await call('/v1/me', RIGHT)).status).toBe(200);
  await fail(call, 1);
  expect((await call('/v1/me', RIGHT)).status).toBe(429);
});

it('ignores X-Forwarded-For unless the peer is a trusted proxy', async () => {
  const direct = await listening();
  // A client that writes a new X-Forwarded-For each time is still one address.
  for (let i = 0; i < 10; i++) expect((await direct('/v1/me', WRONG, `203.0.113.${i}`)).status).toBe(401);
  expect((await direct('/v1/me', RIGHT, '198.51.100.1')).status).toBe(429);
  await new Promise<void>((resolve) => server!.close(() => resolve()));

  // Behind a proxy on 127.0.0.1, the address it forwards for is the source: one client's failures do not block another.
  const proxied = await listening({ TRUSTED_PROXIES: ['127.0.0.1'] });
  await fail(proxied, 10, '203.0.113.7');
  expect((await proxied('/v1/me', RIGHT, '203.0.113.7')).status).toBe(429);
  // A forged entry before the proxy's own is the client's to write and is not believed.
  expect((await proxied('/v1/me', RIGHT, '198.51.100.1, 203.0.113.7')).status).toBe(429);
  expect((await proxied('/v1/me', RIGHT, '198.51.100.1')).status).toBe(200);
});

it('lets an address try again once its oldest counted failure is a minute old', () => {
  let now = 1_000_000;
  const limiter = signInLimiter(10, () => now);
  for (let i = 0; i < 10; i++) {
    limiter.recordFailure('192.0.2.1');
    now += 1_000;
  }
  // The first failure was 10 s ago: 50 s to go.
  expect(limiter.retryAfter('192.0.2.1')).toBe(50);
  expect(limiter.retryAfter('192.0.2.2')).toBe(0);
  now += 50_000;
  expect(limiter.retryAfter('192.0.2.1')).toBe(0);
  // One more failure makes ten within the minute again.
  limiter.recordFailure('192.0.2.1');
  expect(limiter.retryAfter('192.0.2.1')).toBeGreaterThan(0);
});

it('is off with AUTH_FAILURES_PER_MINUTE=0', async () => {
  const call = await listening({ AUTH_FAILURES_PER_MINUTE: 0 });
  await fail(call, 20);
  expect((await call('/v1/me', RIGHT)).status).toBe(200);
});
