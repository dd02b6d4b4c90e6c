import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createApp } from '../../api/app';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/cloudsign-simulator';
import type { Config } from '../../src/config';
import type { MikroORM } from '../../src/db';
import { ensureBootstrapAdmin, listConnections } from '../../src/ledger';
import { startMailCatcher, type MailCatcher } from '../../src/mail/catcher';
import { connectionWorkflowId } from '../../src/temporal/messages';
import { runWorker, WORKFLOWS_PATH, type RunningWorker } from '../../worker';
import { testServices } from './app';
import { openTestDatabase, resetDatabase } from './database';
import { connectTestEnvironment, uniqueTaskQueue, workflowBundle } from './temporal';
import { startTimeSkippingServer } from './time-skipping-server';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

interface ServiceOptions {
  simulator?: Partial<SimulatorOptions>;
  syncIntervalMs?: number;
  /** FILE_SIZE_LIMIT in bytes (default 100 MB). */
  fileSizeLimit?: number;
  /** REVIEW_REMINDER_AFTER of the worker (default 7 days). */
  reviewReminderAfterMs?: number;
  /** REVIEW_DECISION_RECHECK of the worker (default 1 hour). */
  reviewDecisionRecheckMs?: number;
  /**
   * A worker that keeps no workflow cache, and so asks for no sticky task queue: the time-skipping server
   * never moves a task off the sticky queue of a stopped worker, so a test that restarts the worker
   * (`stopWorker()` / `startWorker()`) needs this.
   */
  restartableWorker?: boolean;
  /**
   * A time-skipping server of the test's own (the default) instead of the run's shared one. The test
   * server's clock is global and leaks locks (killed workers' tasks, children finishing after their
   * parent's run): a file that skips simulated days must not inherit another file's leftovers.
   */
  ownTemporalServer?: boolean;
  /** Any other configuration of the service (e.g. CLOUDSIGN_HOOK_ALLOWED_IPS, PUBLIC_BASE_URL). */
  config?: Partial<Config>;
}

/**
 * The whole service on real parts, for workflow-level tests: the run's Temporal test server, the test
 * database (emptied), the CloudSign simulator, a real SMTP server, file storage in a temporary folder,
 * a worker running the real workflows and activities, and the API app.
 */
export async function startService(options: ServiceOptions = {}) {
  const orm: MikroORM = await openTestDatabase();
  await resetDatabase(orm);
  await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN });
  const simulator: RunningSimulator = await startSimulator({
    documents: 30,
    clientId: 'testclient0123456789abcdefghijklmnop',
    rateLimitPerMinute: 0,
    ...options.simulator,
    port: 0,
  });
  const mail: MailCatcher = await startMailCatcher();
  const filesDir = mkdtempSync(join(tmpdir(), 'cloudsign-sync-files-'));
  const env: TestWorkflowEnvironment = (options.ownTemporalServer ?? true) ? await startTimeSkippingServer() : await connectTestEnvironment();
  const taskQueue = uniqueTaskQueue('service');
  const services = await testServices(
    orm,
    {
      CLOUDSIGN_BASE_URL: simulator.url,
      SMTP_URL: mail.url,
      FILE_STORAGE_DIR: filesDir,
      TEMPORAL_TASK_QUEUE: taskQueue,
      SYNC_INTERVAL: options.syncIntervalMs ?? 24 * 3_600_000,
      ...(options.reviewReminderAfterMs !== undefined && { REVIEW_REMINDER_AFTER: options.reviewReminderAfterMs }),
      ...(options.reviewDecisionRecheckMs !== undefined && { REVIEW_DECISION_RECHECK: options.reviewDecisionRecheckMs }),
      ...(options.fileSizeLimit !== undefined && { FILE_SIZE_LIMIT: options.fileSizeLimit }),
      ...options.config,
    },
    // Fast retries: the tests inject faults and must not wait minutes for CloudSign's backoff.
    { temporal: { connection: env.connection, client: env.client }, cloudsignRetry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200 } },
  );
  const { storage } = services;
  const bundle = await workflowBundle(WORKFLOWS_PATH);

  let worker: RunningWorker | undefined;
  const startWorker = async () => {
    worker = await runWorker(services, {
      connection: env.nativeConnection,
      workflowBundle: bundle,
      ...(options.restartableWorker && { maxCachedWorkflows: 0 }),
    });
  };
  const stopWorker = async () => {
    await worker?.stop();
    worker = undefined;
  };
  await startWorker();

  const app = createApp(services);

  /** An API call as the bootstrap admin (or with `token`), answering status and parsed body. */
  const api = async (method: string, path: string, body?: unknown, token = ADMIN_TOKEN) => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
  };

  /** A simulator control call. */
  const sim = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${simulator.url}/_sim${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`simulator ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };

  const close = async () => {
    // Connection workflows live forever: end them so that they do not wake up in a later test's time skips.
    const { items } = await listConnections(orm.em.fork(), { limit: 500 });
    for (const connection of items) {
      await env.client.workflow.getHandle(connectionWorkflowId(connection.managementId)).terminate('test over').catch(() => undefined);
    }
    await stopWorker();
    await env.teardown();
    await simulator.close();
    await mail.close();
    await orm.close();
    rmSync(filesDir, { recursive: true, force: true });
  };

  /**
   * Waits until the connection's workflow sleeps on its timer. Skipping time before the timer exists
   * would skip past nothing, and the sync the test waits for would be a simulated day later.
   */
  const untilSleeping = (managementId: string) =>
    eventually(async () => {
      const { events } = await env.client.workflow.getHandle(connectionWorkflowId(managementId)).fetchHistory();
      return events?.at(-1)?.eventType === proto.temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_STARTED;
    }, 30_000, `connection/${managementId} to sleep until its next sync`);

  return { orm, services, simulator, mail, storage, filesDir, env, taskQueue, app, api, sim, startWorker, stopWorker, untilSleeping, close };

}

export type Service = Awaited<ReturnType<typeof startService>>;

/** Polls until `check` returns a value other than undefined, null or false, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 30_000, what = 'the condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
