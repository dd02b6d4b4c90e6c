import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { loggedPath } from '../../api/errors';
import { HOOKS_PER_MINUTE } from '../../api/hooks';
import type { Config } from '../../src/config';
import type { MikroORM } from '../../src/db';
import { testServices } from '../support/app';
import { openTestDatabase, resetDatabase } from '../support/database';

/**
 * The hook endpoint's admission over a real socket: the allow-list (addresses and ranges, through a trusted
 * proxy's X-Forwarded-For) and the rate limit, each before the token is looked at. What an admitted hook
 * does is test/connections/hook.test.ts.
 */

let orm: MikroORM;
let server: ServerType | undefined;

beforeAll(async () => {
  orm = await openTestDatabase();
  await resetDatabase(orm);
});
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});
afterAll(async () => {
  await orm?.close();
});

const HOOK = JSON.stringify({ documentID: 'doc0123456789', status: 2, userID: 'u', email: 'a@example.jp', text: 'COMPLETED : 契約書' });

async function listening(config: Partial<Config>): Promise<(forwardedFor?: string) => Promise<Response>> {
  const app = createApp(await testServices(orm, { TEMPORAL_TASK_QUEUE: 'hooks-test', ...config }));
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(info.port));
  });
  return (forwardedFor) =>
    fetch(`http://127.0.0.1:${port}/hooks/cloudsign/no-such-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'CloudSignWebHook', ...(forwardedFor && { 'x-forwarded-for': forwardedFor }) },
      body: HOOK,
    });
}

const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

it("refuses every source outside the allow-list, by default CloudSign's addresses only, before the token is looked at", async () => {
  const call = await listening({});
  const refused = await call();
  expect(refused.status).toBe(403);
  expect(await codeOf(refused)).toBe('hook_source_refused');
  // A forwarded address counts only from a trusted proxy.
  expect((await call('52.68.17.229')).status).toBe(403);
});

it('reads the source from a trusted proxy, and admits addresses and ranges of the allow-list', async () => {
  const call = await listening({ TRUSTED_PROXIES: ['127.0.0.1'], CLOUDSIGN_HOOK_ALLOWED_IPS: ['52.68.17.229', '10.1.0.0/16'] });
  // Admitted, then refused for its token: 404, not 403.
  for (const source of ['52.68.17.229', '10.1.200.7']) {
    const res = await call(source);
    expect({ source, status: res.status, code: await codeOf(res) }).toEqual({ source, status: 404, code: 'hook_not_found' });
  }
  for (const source of ['52.68.17.230', '10.2.0.1', '::1']) expect({ source, status: (await call(source)).status }).toEqual({ source, status: 403 });
});

it(`answers 429 with Retry-After beyond ${HOOKS_PER_MINUTE} hooks a minute from one address, and counts each address alone`, async () => {
  const call = await listening({ TRUSTED_PROXIES: ['127.0.0.1'], CLOUDSIGN_HOOK_ALLOWED_IPS: ['10.1.0.0/16'] });
  for (let i = 0; i < HOOKS_PER_MINUTE; i++) expect((await call('10.1.0.1')).status).toBe(404);
  const limited = await call('10.1.0.1');
  expect(limited.status).toBe(429);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect((await call('10.1.0.2')).status).toBe(404);
});

it("never writes a Hook URL's token into a log line's path", () => {
  expect(loggedPath('/hooks/cloudsign/abcDEF123_-secret')).toBe('/hooks/cloudsign/[token]');
  expect(loggedPath('/v1/connections/1')).toBe('/v1/connections/1');
});
