import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../bench/support';
import { createApp } from '../../api/app';
import { startSimulator, type RunningSimulator } from '../../src/cloudsign-simulator';
import type { Services } from '../../src/composition';
import { openDatabase, type MikroORM } from '../../src/db';
import { ensureBootstrapAdmin } from '../../src/ledger';
import { startMailCatcher, type MailCatcher } from '../../src/mail/catcher';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { connectionWorkflowId } from '../../src/temporal/messages';
import { TEST_SECRETS_KEY, testServices } from '../support/app';
import { resetDatabase, testDatabaseUrl } from '../support/database';
import { eventually } from '../support/service';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { expectedContracts, ledgerContracts } from './expectations';

/*
 * The whole stack through outages: the API in this process, two worker processes, one Temporal dev server,
 * the run's Postgres, a real SMTP server. Each dependency is reached through a TCP proxy that the test cuts
 * and restores — the machine's Postgres is shared and must stay up — so for the service it is down: new
 * connections are refused and open ones reset.
 */

const ADMIN_TOKEN = 'outages-test-admin-token-0123456789';
const ANSWER_WITHIN_MS = 5_000;

let temporal: DevServer;
let proxies: { postgres: TcpProxy; temporal: TcpProxy; smtp: TcpProxy };
let orm: MikroORM;
let simulator: RunningSimulator;
let mail: MailCatcher;
let services: Services;
let app: ReturnType<typeof createApp>;
let filesDir: string;
const workers: ChildProcess[] = [];

const api = async (method: string, path: string, body?: unknown) => {
  const started = Date.now();
  const res = await app.request(path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any, ms: Date.now() - started };
};
const sim = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${simulator.url}/_sim${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`simulator ${method} ${path}: ${res.status}`);
  return res.json() as Promise<any>;
};

function startWorkerProcess(databaseUrl: string): Promise<ChildProcess> {
  const child = spawn('npx', ['tsx', 'test/support/worker-process.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      CLOUDSIGN_BASE_URL: simulator.url,
      FILE_STORAGE_DIR: filesDir,
      SMTP_URL: `smtp://${proxies.smtp.address}`,
      SECRETS_KEY: TEST_SECRETS_KEY,
      TEMPORAL_ADDRESS: proxies.temporal.address,
      TEMPORAL_TASK_QUEUE: 'outages',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  workers.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`the worker process exited (${code}) before it was ready`)));
  });
}

beforeAll(async () => {
  temporal = await startDevServer({ port: await freePort(), uiPort: await freePort(), namespace: 'default', dbFile: join(mkdtempSync(join(tmpdir(), 'cloudsign-sync-outages-')), 'temporal.sqlite') });
  const database = new URL(testDatabaseUrl());
  mail = await startMailCatcher();
  proxies = {
    postgres: await startTcpProxy({ host: database.hostname, port: Number(database.port || 5432) }),
    temporal: await startTcpProxy({ host: '127.0.0.1', port: Number(temporal.address.split(':').at(-1)) }),
    smtp: await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(mail.url).port) }),
  };
  database.port = String(proxies.postgres.port);
  orm = await openDatabase(database.toString());
  await resetDatabase(orm);
  await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN });
  simulator = await startSimulator({ documents: 150, clientId: 'outages0123456789abcdefghijklmnopqrs', rateLimitPerMinute: 0, port: 0 });
  filesDir = mkdtempSync(join(tmpdir(), 'cloudsign-sync-outages-files-'));
  services = await testServices(orm, {
    TEMPORAL_ADDRESS: proxies.temporal.address,
    TEMPORAL_TASK_QUEUE: 'outages',
    CLOUDSIGN_BASE_URL: simulator.url,
    SMTP_URL: `smtp://${proxies.smtp.address}`,
    FILE_STORAGE_DIR: filesDir,
  });
  app = createApp(services);
  await Promise.all([startWorkerProcess(database.toString()), startWorkerProcess(database.toString())]);
}, 240_000);

afterAll(async () => {
  for (const child of workers) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  await services?.close();
  await orm?.close();
  await temporal?.stop();
  await simulator?.close();
  await mail?.close();
  for (const proxy of Object.values(proxies ?? {})) await proxy.close();
  if (filesDir) rmSync(filesDir, { recursive: true, force: true });
});

async function connect(name: string, clientId: string) {
  const created = await api('POST', '/v1/connections', { name, clientId, visibility: { scope: 'company' }, owners: [], saveMode: 'direct' });
  expect(created.status).toBe(201);
  return created.body as { id: string; managementId: string };
}

const connectionWhen = (id: string, predicate: (c: any) => boolean, what: string, timeoutMs = 60_000) =>
  eventually(async () => {
    const { status, body } = await api('GET', `/v1/connections/${id}`);
    return status === 200 && predicate(body) ? body : undefined;
  }, timeoutMs, what);

/** Every route an admin calls, of each kind, for connection `id`. */
const routesOf = (id: string): [string, string, unknown?][] => [
  ['GET', '/v1/me'],
  ['GET', '/v1/connections'],
  ['GET', `/v1/connections/${id}`],
  ['GET', `/v1/connections/${id}/runs`],
  ['POST', `/v1/connections/${id}/sync`],
  ['POST', `/v1/connections/${id}/pause`],
  ['POST', `/v1/connections/${id}/resume`],
  ['PATCH', `/v1/connections/${id}`, { name: 'Renamed during the outage' }],
  ['POST', '/v1/connection-previews', { clientId: simulator.accounts.members[0] }],
  ['GET', '/v1/contracts'],
  ['GET', '/v1/reviews'],
  ['GET', '/v1/quota'],
  ['PUT', '/v1/quota', { limit: 10 }],
  ['GET', '/v1/users'],
  ['POST', '/v1/users', { name: 'New', email: 'new@example.jp', role: 'member' }],
  ['GET', '/v1/groups'],
];

async function expectEveryRoute503(id: string) {
  for (const [method, path, body] of routesOf(id)) {
    const answer = await api(method, path, body);
    expect({ route: `${method} ${path}`, status: answer.status, unavailable: ['postgres_unavailable', 'temporal_unavailable'].includes(answer.body?.error?.code) })
      .toEqual({ route: `${method} ${path}`, status: 503, unavailable: true });
    expect(answer.ms, `${method} ${path}`).toBeLessThan(ANSWER_WITHIN_MS);
  }
  const health = await app.request('/health');
  expect(health.status).toBe(503);
}

it('answers 503 within 5 s on every route while Postgres, then Temporal too, are down, and finishes the import exactly once both are back, with no manual step', async () => {
  const clientId = simulator.accounts.demo;
  await sim('PUT', '/faults', { latencyMs: 20 }); // so that the outage lands in the middle of the import
  const { id } = await connect('Through the outage', clientId);
  const progress = await connectionWhen(id, (c) => c.progress?.filesDone >= 30, 'the import to be under way', 120_000);
  expect(progress.progress.filesDone).toBeLessThan(progress.progress.filesTotal);

  await proxies.postgres.cut();
  await expectEveryRoute503(id);
  await proxies.temporal.cut();
  await expectEveryRoute503(id);
  // Long enough for the workers' page, its heartbeats and their polls to fail, not just to pause.
  await new Promise((resolve) => setTimeout(resolve, 10_000));

  await sim('DELETE', '/faults');
  await proxies.postgres.restore();
  await proxies.temporal.restore();
  // Nobody resumes anything: the workers reconnect, Temporal retries the page's activity, the import goes on.
  await connectionWhen(id, (c) => c.status === 'idle' && c.lastSyncAt, 'the import to finish after the outage', 240_000);

  const expected = await expectedContracts({ sim }, clientId);
  const ledger = await ledgerContracts({ orm });
  expect(ledger.size).toBe(expected.length);
  for (const file of expected) expect(ledger.get(`${file.documentId}/${file.fileId}`)?.sha256).toBe(file.sha256);
  const [run] = (await api('GET', `/v1/connections/${id}/runs`)).body.items;
  expect(run).toMatchObject({ outcome: 'succeeded', counts: { imported: expected.length, failed: 0 } });
}, 420_000);

it('takes pause, resume and disconnect at once while SMTP is down during an incident, and delivers the incident mail exactly once when SMTP is back', async () => {
  const clientId = simulator.accounts.members[1]!;
  const { id, managementId } = await connect('Mail outage', clientId);
  // Made just after the previous test's Temporal outage: the API's client is back by now (its channel tries
  // again within 1 s), so the workflow started with the request, not only at the API's next repair round.
  expect((await services.temporal.client.workflow.getHandle(connectionWorkflowId(managementId)).describe()).status.name).toBe('RUNNING');
  // How long this import takes is not what this test checks: on a loaded CI machine it once took over 60 s
  // (after the previous test's outages, beside other test files), alone about 5 s.
  await connectionWhen(id, (c) => c.status === 'idle' && c.lastSyncAt, 'the import', 240_000).catch(async (error: Error) => {
    // It once did not finish within 180 s in CI (alone: 5 s): say where the workflow stood, for the next time.
    const description = await services.temporal.client.workflow.getHandle(connectionWorkflowId(managementId)).describe().catch(String);
    const state = typeof description === 'string' ? description : { status: description.status.name, pendingActivities: description.raw.pendingActivities?.map((a) => ({ type: a.activityType?.name, attempt: a.attempt, lastFailure: a.lastFailure?.message, worker: a.lastWorkerIdentity })) };
    throw new Error(`${error.message}; the connection: ${JSON.stringify((await api('GET', `/v1/connections/${id}`)).body)}; its workflow: ${JSON.stringify(state)}`);
  });

  await proxies.smtp.cut();
  await sim('POST', '/users/disable', { clientId });
  expect((await api('POST', `/v1/connections/${id}/sync`)).status).toBe(202);
  await connectionWhen(id, (c) => c.status === 'error', 'status error');
  // The incident mail waits in the outbox: a real SMTP exchange was tried and failed.
  const outbox = () => orm.em.fork().getConnection().execute<{ message_id: string; attempts: number; sent_at: Date | null }[]>(
    'select message_id, attempts, sent_at from mail_outbox where subject like ?', [`%${managementId}%`]);
  await eventually(async () => ((await outbox())[0]?.attempts ?? 0) >= 1, 30_000, 'a failed attempt to send the incident mail');

  const soon = (what: string, predicate: (c: any) => boolean) => connectionWhen(id, predicate, what, ANSWER_WITHIN_MS);
  expect((await api('POST', `/v1/connections/${id}/pause`)).status).toBe(202);
  await soon('status paused', (c) => c.status === 'paused');
  await sim('POST', '/users/enable', { clientId });
  expect((await api('POST', `/v1/connections/${id}/resume`)).status).toBe(202);
  await connectionWhen(id, (c) => c.status === 'idle' && c.lastError === null, 'the resumed sync to succeed', 15_000);
  expect((await api('DELETE', `/v1/connections/${id}`)).status).toBe(202);
  await soon('status disconnected', (c) => c.status === 'disconnected');
  const workflow = services.temporal.client.workflow.getHandle(connectionWorkflowId(managementId));
  await eventually(async () => (await workflow.describe()).status.name === 'COMPLETED', ANSWER_WITHIN_MS, 'the workflow to end');
  expect(mail.messages.filter((m) => m.subject.includes(managementId))).toEqual([]);

  await proxies.smtp.restore();
  // The sender retries with growing waits (5 s doubling): the next attempt comes within a minute or two.
  const delivered = await mail.waitFor((m) => m.subject.includes(managementId), 150_000);
  const [queued] = await outbox();
  expect(delivered.messageId).toBe(queued!.message_id);
  await eventually(async () => (await outbox())[0]?.sent_at, 10_000, 'the mail to be marked sent');
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  expect(mail.messages.filter((m) => m.subject.includes(managementId))).toHaveLength(1);
  expect(delivered.to).toContain('admin@cloudsign-sync.invalid');
}, 360_000);
