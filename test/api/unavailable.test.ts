import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { startSimulator } from '../../src/cloudsign-simulator';
import { startMissingWorkflows } from '../../src/services/connections';
import { connectionWorkflowId } from '../../src/temporal/messages';
import { requireSettings } from '../../src/composition';
import { loadConfig } from '../../src/config';
import type { MikroORM } from '../../src/db';
import { createConnection, createReview, createUser, ensureBootstrapAdmin, getReview, listConnections, undeliveredDecisions } from '../../src/ledger';
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

/** A connection made in the ledger directly: the tests below need one without asking CloudSign or Temporal. */
const legalConnection = (mode: Pick<Parameters<typeof createConnection>[1], 'saveMode' | 'reviewers'>) =>
  createConnection(orm.em.fork(), {
    name: 'Legal',
    clientId: 'anyclient0123456789abcdefghijklmnopq',
    secretsKey: TEST_SECRETS_KEY,
    visibility: { scope: 'company' },
    owners: [],
    ...mode,
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
  const connection = await legalConnection({ saveMode: 'review', reviewers: { groupIds: [], userIds: [reviewer.id] } });
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

it('records a bulk decision while Temporal is down and answers 202 counting the undelivered, which the connection\'s redelivery then finds', async () => {
  const services = await testServices(orm, { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_TASK_QUEUE: 'unavailable-test' });
  const app = createApp(services);
  const { user: reviewer } = await createUser(orm.em.fork(), { name: 'Reviewer', email: 'reviewer@example.jp', role: 'member' });
  const connection = await legalConnection({ saveMode: 'review', reviewers: { groupIds: [], userIds: [reviewer.id] } });
  for (const documentId of ['doc-1', 'doc-2']) {
    await createReview(orm.em.fork(), {
      connectionId: connection.id,
      documentId,
      title: '業務委託契約書',
      files: [{ fileId: `${documentId}-file`, name: '業務委託契約書.pdf', size: 100, sha256: 'a'.repeat(64), fields: { title: '業務委託契約書' } }],
      createdAt: new Date(),
    });
  }
  try {
    const res = await post(app, '/v1/reviews/bulk', { filter: { connectionId: connection.id }, action: 'discard' });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ decided: 2, undelivered: 2, remaining: 0 });
    const waiting = await undeliveredDecisions(orm.em.fork(), { connectionId: connection.id, decidedBefore: new Date(Date.now() + 1_000), limit: 10 });
    expect(waiting.map((w) => `${w.documentId} ${w.action}`).sort()).toEqual(['doc-1 discard', 'doc-2 discard']);
  } finally {
    await services.close();
  }
}, 60_000);

/** Routes of each kind an admin calls, with a body where they need one. */
const ROUTES: [method: string, path: string, body?: unknown][] = [
  ['GET', '/v1/me'],
  ['GET', '/v1/connections'],
  ['GET', '/v1/contracts'],
  ['GET', '/v1/reviews'],
  ['GET', '/v1/quota'],
  ['GET', '/v1/users'],
  ['POST', '/v1/users', { name: 'New', email: 'new@example.jp', role: 'member' }],
  ['PUT', '/v1/quota', { limit: 10 }],
];

const call = async (app: ReturnType<typeof createApp>, method: string, path: string, body?: unknown) => {
  const started = Date.now();
  const res = await app.request(path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string } }, ms: Date.now() - started };
};

it('answers 503 postgres_unavailable within 5 s on every route while the database does not answer', async () => {
  // A database where nothing listens: the ORM is made without connecting, as the API is when Postgres is down.
  const { MikroORM } = await import('@mikro-orm/postgresql');
  const { ormConfig } = await import('../../src/db/mikro-orm.config');
  const down = await MikroORM.init({ ...ormConfig('postgres://postgres@127.0.0.1:1/cloudsign_sync'), connect: false });
  const app = createApp(await testServices(down, { TEMPORAL_TASK_QUEUE: 'unavailable-test' }));
  try {
    for (const [method, path, body] of ROUTES) {
      const answer = await call(app, method, path, body);
      expect({ route: `${method} ${path}`, status: answer.status, code: answer.body.error?.code }).toEqual({ route: `${method} ${path}`, status: 503, code: 'postgres_unavailable' });
      expect(answer.ms).toBeLessThan(5_000);
    }
    expect((await app.request('/health')).status).toBe(503);
  } finally {
    await down.close();
  }
});

it('answers 503 temporal_unavailable within 5 s to what needs Temporal, saying what is saved, and serves the rest', async () => {
  const services = await testServices(orm, { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_TASK_QUEUE: 'unavailable-test' });
  const app = createApp(services);
  try {
    const connection = await legalConnection({ saveMode: 'direct' });
    for (const path of ['sync', 'pause', 'resume']) {
      const answer = await call(app, 'POST', `/v1/connections/${connection.id}/${path}`);
      expect({ path, status: answer.status, code: answer.body.error?.code }).toEqual({ path, status: 503, code: 'temporal_unavailable' });
      expect(answer.ms).toBeLessThan(5_000);
    }
    const patched = await call(app, 'PATCH', `/v1/connections/${connection.id}`, { name: 'Legal 2' });
    expect(patched.status).toBe(503);
    expect((patched.body.error as { message?: string }).message).toMatch(/^The new settings are saved, but .*Send the same request again/);
    expect(patched.ms).toBeLessThan(5_000);
    const disconnected = await call(app, 'DELETE', `/v1/connections/${connection.id}`);
    expect({ status: disconnected.status, code: disconnected.body.error?.code }).toEqual({ status: 503, code: 'temporal_unavailable' });
    for (const [method, path, body] of ROUTES) expect((await call(app, method, path, body)).status, `${method} ${path}`).toBeLessThan(500);
  } finally {
    await services.close();
  }
}, 60_000);

it('saves a connection while Temporal is down, and starts its workflow once Temporal answers: by the repair, or when asked for something first', async () => {
  const clientId = 'repair0123456789abcdefghijklmnopqrst';
  const simulator = await startSimulator({ documents: 3, clientId, port: 0, rateLimitPerMinute: 0 });
  const down = await testServices(orm, { TEMPORAL_ADDRESS: '127.0.0.1:1', CLOUDSIGN_BASE_URL: simulator.url, TEMPORAL_TASK_QUEUE: 'unavailable-test' });
  const up = await testServices(orm, { CLOUDSIGN_BASE_URL: simulator.url, TEMPORAL_TASK_QUEUE: 'unavailable-test' });
  const managementIds: string[] = [];
  try {
    const connectWhileDown = async (name: string, id: string) => {
      const res = await post(createApp(down), '/v1/connections', { name, clientId: id, visibility: { scope: 'company' }, owners: [], saveMode: 'direct' });
      expect(res.status).toBe(201);
      return (await res.json()) as { id: string; managementId: string };
    };
    const repaired = await connectWhileDown('Legal', clientId);
    const paused = await connectWhileDown('Sales', simulator.accounts.members[0]!);
    managementIds.push(repaired.managementId, paused.managementId);
    await expect(startMissingWorkflows(down)).rejects.toThrow();

    // Asked for something before the repair came round: its workflow is started, and the pause is delivered.
    const pause = await post(createApp(up), `/v1/connections/${paused.id}/pause`, {});
    expect(pause.status).toBe(202);
    const running = async (managementId: string) =>
      (await up.temporal.client.workflow.getHandle(connectionWorkflowId(managementId)).describe()).status.name;
    expect(await running(paused.managementId)).toBe('RUNNING');

    expect(await startMissingWorkflows(up)).toEqual([repaired.managementId]);
    expect(await running(repaired.managementId)).toBe('RUNNING');
    // Started once: the next round has nothing left to do.
    expect(await startMissingWorkflows(up)).toEqual([]);
  } finally {
    for (const managementId of managementIds) {
      await up.temporal.client.workflow.getHandle(connectionWorkflowId(managementId)).terminate('test over').catch(() => undefined);
    }
    await down.close();
    await up.close();
    await simulator.close();
  }
}, 60_000);

it('names every setting the worker cannot start without', () => {
  const config = loadConfig({ SECRETS_KEY: TEST_SECRETS_KEY });
  expect(() => requireSettings(config, ['CLOUDSIGN_BASE_URL', 'SMTP_URL', 'SECRETS_KEY'], 'the worker')).toThrow(
    'Configuration error: the worker needs CLOUDSIGN_BASE_URL and SMTP_URL (npm run dev sets them up by itself).',
  );
  expect(requireSettings({ ...config, CLOUDSIGN_BASE_URL: 'http://127.0.0.1:4010' }, ['CLOUDSIGN_BASE_URL', 'SECRETS_KEY'], 'the API').SECRETS_KEY).toBe(TEST_SECRETS_KEY);
});
