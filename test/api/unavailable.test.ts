import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { requireSettings } from '../../src/composition';
import { loadConfig } from '../../src/config';
import type { MikroORM } from '../../src/db';
import { createConnection, createReview, createUser, ensureBootstrapAdmin, getReview, listConnections } from '../../src/ledger';
import { TEST_SECRETS_KEY, testServices } from '../support/app';
import { openTestDatabase, resetDatabase } from '../support/database';

/** What the API answers when a part it depends on is down, and what start-up says when a setting is missing. */

const ADMIN_TOKEN = 'unavailable-test-admin-token';

let orm: MikroORM;

beforeAll(async () => {
  orm = await openTestDatabase();
});
afterAll(async () => {
  await orm?.close();
});
beforeEach(async () => {
  await resetDatabase(orm);
  await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN });
});

const post = (app: ReturnType<typeof createApp>, path: string, body: unknown) =>
  app.request(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

it('answers 503 cloudsign_unavailable to a preview and a connection while CloudSign does not answer, writing nothing', async () => {
  // The test configuration's CloudSign is an address where nothing listens.
  const app = createApp(await testServices(orm, { TEMPORAL_TASK_QUEUE: 'unavailable-test' }));
  for (const [path, body] of [
    ['/v1/connection-previews', { clientId: 'anyclient0123456789abcdefghijklmnopq' }],
    ['/v1/connections', { name: 'Legal', clientId: 'anyclient0123456789abcdefghijklmnopq', visibility: { scope: 'company' }, owners: [], saveMode: 'direct' }],
  ] as const) {
    const res = await post(app, path, body);
    expect(res.status).toBe(503);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('cloudsign_unavailable');
    expect(error.message).toMatch(/^CloudSign did not answer properly; try again shortly\./);
  }
  expect((await listConnections(orm.em.fork())).items).toEqual([]);
});

it('answers 503 temporal_unavailable to a decision Temporal cannot take now, and keeps the decision recorded', async () => {
  const services = await testServices(orm, { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_TASK_QUEUE: 'unavailable-test' });
  const app = createApp(services);
  const { user: reviewer } = await createUser(orm.em.fork(), { name: 'Reviewer', email: 'reviewer@example.jp', role: 'member' });
  const connection = await createConnection(orm.em.fork(), {
    name: 'Legal',
    clientId: 'anyclient0123456789abcdefghijklmnopq',
    secretsKey: TEST_SECRETS_KEY,
    visibility: { scope: 'company' },
    owners: [],
    saveMode: 'review',
    reviewers: { groupIds: [], userIds: [reviewer.id] },
  });
  const { review } = await createReview(orm.em.fork(), {
    connectionId: connection.id,
    documentId: 'doc-1',
    title: '業務委託契約書',
    files: [{ fileId: 'file-1', name: '業務委託契約書.pdf', size: 100, sha256: 'a'.repeat(64), fields: { title: '業務委託契約書' } }],
    createdAt: new Date(),
  });
  try {
    const res = await post(app, `/v1/reviews/${review.id}/discard`, {});
    expect(res.status).toBe(503);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('temporal_unavailable');
    expect(error.message).toContain('Send the same request again');
    expect((await getReview(orm.em.fork(), review.id)).decision?.action).toBe('discard');
  } finally {
    await services.close();
  }
}, 60_000);

it('names every setting the worker cannot start without', () => {
  const config = loadConfig({ SECRETS_KEY: TEST_SECRETS_KEY });
  expect(() => requireSettings(config, ['CLOUDSIGN_BASE_URL', 'SMTP_URL', 'SECRETS_KEY'], 'the worker')).toThrow(
    'Configuration error: the worker needs CLOUDSIGN_BASE_URL and SMTP_URL (npm run dev sets them up by itself).',
  );
  expect(requireSettings({ ...config, CLOUDSIGN_BASE_URL: 'http://127.0.0.1:4010' }, ['CLOUDSIGN_BASE_URL', 'SECRETS_KEY'], 'the API').SECRETS_KEY).toBe(TEST_SECRETS_KEY);
});
