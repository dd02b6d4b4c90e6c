import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../bench/support';
import { startSimulator, type RunningSimulator } from '../../src/cloudsign-simulator';
import type { MikroORM } from '../../src/db';
import { startMailCatcher, type MailCatcher } from '../../src/mail/catcher';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { openTestDatabase, resetDatabase, testDatabaseUrl } from '../support/database';
import { eventually } from '../support/service';

/**
 * `npm run start:api` and `npm run start:worker` as an operator runs them — two processes against a real
 * Temporal server (the CLI dev server, started without our search attributes), Postgres, the CloudSign
 * simulator and an SMTP server — scraped on their /metrics listeners and read on their stdout.
 */

const CLIENT_ID = 'metricsclient0123456789abcdefghijklm';
const ADMIN_TOKEN = randomBytes(24).toString('base64url');
const SECRETS_KEY = randomBytes(32).toString('hex');

interface Started {
  process: ChildProcess;
  /** Every line it wrote to stdout, in order. */
  lines: string[];
}

let temporal: DevServer;
let simulator: RunningSimulator;
let mail: MailCatcher;
let orm: MikroORM;
let api: Started;
let worker: Started;
let apiUrl: string;
let apiMetrics: string;
let workerMetrics: string;
const dir = mkdtempSync(join(tmpdir(), 'cloudsign-sync-observability-'));

/** Starts an entry point with `env` and resolves once it logged `ready` (as JSON). */
async function start(entry: string, env: Record<string, string>, ready: string): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const started: Started = { process: child, lines: [] };
  let rest = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = rest + chunk.toString();
    const lines = text.split('\n');
    rest = lines.pop()!;
    started.lines.push(...lines);
  });
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}`);
    return started.lines.some((line) => line.includes(`"msg":"${ready}"`));
  }, 60_000, `${entry} to log "${ready}"`);
  return started;
}

async function stop(started: Started | undefined) {
  if (!started || started.process.exitCode !== null) return;
  const exited = once(started.process, 'exit');
  started.process.kill('SIGTERM');
  await exited;
}

beforeAll(async () => {
  orm = await openTestDatabase();
  await resetDatabase(orm);
  [temporal, simulator, mail] = await Promise.all([
    startDevServer({ port: await freePort(), uiPort: await freePort(), namespace: 'default', dbFile: join(dir, 'temporal.sqlite'), searchAttributes: false }),
    startSimulator({ port: 0, documents: 12, clientId: CLIENT_ID, rateLimitPerMinute: 0 }),
    startMailCatcher(),
  ]);
  const [port, apiMetricsPort, workerMetricsPort] = [await freePort(), await freePort(), await freePort()];
  const env = {
    DATABASE_URL: testDatabaseUrl(),
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: 'observability-test',
    CLOUDSIGN_BASE_URL: simulator.url,
    SMTP_URL: mail.url,
    SECRETS_KEY,
    FILE_STORAGE_DIR: join(dir, 'files'),
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
  };
  api = await start('api/server.ts', { ...env, PORT: String(port), BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN, METRICS_PORT: String(apiMetricsPort) }, 'API listening');
  worker = await start('worker/main.ts', { ...env, METRICS_PORT: String(workerMetricsPort) }, 'worker polling');
  apiUrl = `http://127.0.0.1:${port}`;
  apiMetrics = `http://127.0.0.1:${apiMetricsPort}/metrics`;
  workerMetrics = `http://127.0.0.1:${workerMetricsPort}/metrics`;
}, 180_000);

afterAll(async () => {
  await stop(worker);
  await stop(api);
  await orm?.close();
  await mail?.close();
  await simulator?.close();
  await temporal?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function scrape(url: string) {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}

/** The sum of the samples of `name` whose labels include every one of `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => wanted.every((label) => line.includes(label)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

const filesOf = async () => {
  const truth = await (await fetch(`${simulator.url}/_sim/truth?client_id=${CLIENT_ID}&scope=user`)).json();
  return (truth as { documents: { files: unknown[] }[] }).documents.reduce((n, d) => n + d.files.length, 0);
};

let managementId: string;
let connectionId: string;

it('counts on the worker the files it imported and the CloudSign requests by status, and on the API the requests of its checks; the worker also serves the Temporal SDK metrics', async () => {
  const created = await call('POST', '/v1/connections', { name: 'Observed', clientId: CLIENT_ID, visibility: { scope: 'company' }, owners: [], saveMode: 'direct' });
  expect(created.status).toBe(201);
  ({ managementId, id: connectionId } = created.body);
  await eventually(async () => {
    const { body } = await call('GET', `/v1/connections/${connectionId}`);
    return body.status === 'idle' && body.lastSyncAt;
  }, 90_000, 'the full import');
  const files = await filesOf();
  expect(files).toBeGreaterThan(0);
  const [run] = (await call('GET', `/v1/connections/${connectionId}/runs`)).body.items;
  expect(run.counts.imported).toBe(files);

  const onWorker = await scrape(workerMetrics);
  expect(sample(onWorker, 'cloudsign_sync_files_imported_total')).toBe(files);
  expect(sample(onWorker, 'cloudsign_sync_files_failed_total')).toBe(0);
  expect(sample(onWorker, 'cloudsign_sync_cloudsign_requests_total', { route: 'file', status: '200' })).toBe(files);
  expect(sample(onWorker, 'cloudsign_sync_cloudsign_requests_total', { route: 'token', status: '200' })).toBeGreaterThan(0);
  // One wait for the budget per request sent, all within the (shared, Postgres-kept) budget of 800 a minute.
  expect(sample(onWorker, 'cloudsign_sync_budget_wait_seconds_count')).toBe(sample(onWorker, 'cloudsign_sync_cloudsign_requests_total'));
  expect(onWorker).toMatch(/^temporal_\w+/m);
  expect(sample(onWorker, 'temporal_worker_start')).toBeGreaterThan(0);

  const onApi = await scrape(apiMetrics);
  // The API checked the client ID before connecting: a token, the user, the first list page.
  expect(sample(onApi, 'cloudsign_sync_cloudsign_requests_total', { route: 'me', status: '200' })).toBe(1);
  expect(sample(onApi, 'cloudsign_sync_files_imported_total')).toBe(0);
  expect(onApi).not.toMatch(/^temporal_/m);
  expect(onApi).toMatch(/^process_cpu_seconds_total/m);
});

it('counts the incident e-mail queued and sent, and the refused requests by their status', async () => {
  await fetch(`${simulator.url}/_sim/users/disable`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: CLIENT_ID }) });
  expect((await call('POST', `/v1/connections/${connectionId}/sync`)).status).toBe(202);
  await mail.waitFor((m) => m.subject.includes(managementId), 60_000);
  const onWorker = await eventually(async () => {
    const text = await scrape(workerMetrics);
    return sample(text, 'cloudsign_sync_mails_sent_total') === 1 && text;
  }, 30_000, 'the sent mail to be counted');
  expect(sample(onWorker, 'cloudsign_sync_mails_queued_total')).toBe(1);
  expect(sample(onWorker, 'cloudsign_sync_mail_send_failures_total')).toBe(0);
  // A disabled user is refused when the token is asked for (CloudSign's 400 invalid_client or 403).
  const refused = sample(onWorker, 'cloudsign_sync_cloudsign_requests_total', { status: '400' }) + sample(onWorker, 'cloudsign_sync_cloudsign_requests_total', { status: '403' });
  expect(refused).toBeGreaterThan(0);
});

it('logs one JSON object per line with the management ID, and never the client ID, its access token or a configured secret', async () => {
  // The simulator hands an unexpired token out again: this is the one the worker used.
  await fetch(`${simulator.url}/_sim/users/enable`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: CLIENT_ID }) });
  const token = await fetch(`${simulator.url}/token`, { method: 'POST', body: new URLSearchParams({ client_id: CLIENT_ID }) });
  const { access_token: accessToken } = (await token.json()) as { access_token: string };
  expect(accessToken.length).toBeGreaterThan(8);

  const lines = [...api.lines, ...worker.lines].filter((line) => line.trim() !== '');
  expect(lines.length).toBeGreaterThan(5);
  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  for (const entry of entries) {
    expect(typeof entry.time).toBe('string');
    expect(['debug', 'info', 'warn', 'error']).toContain(entry.level);
    expect(typeof entry.msg).toBe('string');
  }
  for (const secret of [CLIENT_ID, accessToken, ADMIN_TOKEN, SECRETS_KEY]) {
    expect(lines.filter((line) => line.includes(secret))).toEqual([]);
  }
  const pages = entries.filter((e) => e.msg === 'page imported');
  expect(pages.length).toBeGreaterThan(0);
  expect(pages.every((e) => e.managementId === managementId && e.connectionId === connectionId && e.workflowId === `connection/${managementId}`)).toBe(true);
  expect(entries.find((e) => e.msg === 'sync run finished')).toMatchObject({ managementId, outcome: 'succeeded' });
  expect(entries.find((e) => e.msg === 'incident reported')).toMatchObject({ managementId, level: 'warn' });
  expect(entries.find((e) => e.msg === 'mail sent')).toMatchObject({ level: 'info' });
});
