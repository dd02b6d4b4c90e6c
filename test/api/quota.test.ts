import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../api/app';
import type { ApiDeps } from '../../api/context';
import type { MikroORM } from '../../src/db';
import { createConnection, createUser, ensureBootstrapAdmin, importFile, setConnectionStatus, type Connection } from '../../src/ledger';
import { connectionWorkflowId } from '../../src/temporal/messages';
import { TEST_SECRETS_KEY, testServices } from '../support/app';
import { openTestDatabase, resetDatabase } from '../support/database';

const ADMIN_TOKEN = 'quota-test-admin-token';

let orm: MikroORM;
let deps: ApiDeps;
let app: App;
let memberToken: string;

beforeAll(async () => {
  orm = await openTestDatabase();
  deps = await testServices(orm, { TEMPORAL_TASK_QUEUE: 'quota-test' });
  app = createApp(deps);
});
afterAll(async () => {
  await orm?.close();
});
beforeEach(async () => {
  await resetDatabase(orm);
  await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN });
  memberToken = (await createUser(orm.em.fork(), { name: 'Member', email: 'member@example.jp', role: 'member' })).apiToken;
});

function call(method: string, path: string, options: { token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${options.token ?? ADMIN_TOKEN}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  return app.request(path, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
}

async function connect(): Promise<Connection> {
  return createConnection(orm.em.fork(), {
    name: 'Legal',
    clientId: `client-${randomUUID()}`,
    secretsKey: TEST_SECRETS_KEY,
    visibility: { scope: 'company' },
    owners: [],
    saveMode: 'direct',
  });
}

/** Imports `count` contracts through the ledger, as a sync would. */
async function importContracts(connection: Connection, count: number) {
  for (let i = 0; i < count; i++) {
    const sha256 = createHash('sha256').update(`pdf ${i}`).digest('hex');
    await importFile(orm.em.fork(), {
      connectionId: connection.id,
      documentId: `doc-${i}`,
      fileId: `file-${i}`,
      fields: { title: `契約書 ${i}` },
      file: { sha256, size: 100 },
    });
  }
}

interface QuotaJson {
  limit: number;
  used: number;
  remaining: number;
}

describe('quota', () => {
  it('shows limit, used and remaining to any user', async () => {
    await importContracts(await connect(), 2);
    const res = await call('GET', '/v1/quota', { token: memberToken });
    expect(res.status).toBe(200);
    const quota = (await res.json()) as QuotaJson;
    expect(quota.used).toBe(2);
    expect(quota.remaining).toBe(quota.limit - 2);
  });

  it('lets an admin set the limit, and refuses one below what is used with 422', async () => {
    await importContracts(await connect(), 3);
    const res = await call('PUT', '/v1/quota', { body: { limit: 3 } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ limit: 3, used: 3, remaining: 0 });

    const below = await call('PUT', '/v1/quota', { body: { limit: 2 } });
    expect(below.status).toBe(422);
    const error = ((await below.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('quota_below_usage');
    expect(error.message).toContain('3');
    expect(await (await call('GET', '/v1/quota')).json()).toEqual({ limit: 3, used: 3, remaining: 0 });

    expect(await (await call('PUT', '/v1/quota', { body: { limit: 10 } })).json()).toEqual({ limit: 10, used: 3, remaining: 7 });
  });

  it('answers 403 to a member and 400 to a malformed limit, changing nothing', async () => {
    const before = await (await call('GET', '/v1/quota')).json();
    const member = await call('PUT', '/v1/quota', { token: memberToken, body: { limit: 5 } });
    expect(member.status).toBe(403);
    for (const body of [{ limit: -1 }, { limit: 1.5 }, { limit: '10' }, {}]) {
      const res = await call('PUT', '/v1/quota', { body });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
    }
    expect(await (await call('GET', '/v1/quota')).json()).toEqual(before);
  });

  it('signals quotaRaised to the workflow of each connection stopped by quota_exhausted', async () => {
    const stopped = await connect();
    const running = await connect();
    const missing = await connect(); // stopped too, but its workflow does not exist: the request still succeeds
    await setConnectionStatus(orm.em.fork(), { connectionId: stopped.id, status: 'quota_exhausted' });
    await setConnectionStatus(orm.em.fork(), { connectionId: running.id, status: 'idle' });
    await setConnectionStatus(orm.em.fork(), { connectionId: missing.id, status: 'quota_exhausted' });

    // Workflows nobody runs: a signal is recorded in their history all the same.
    const client = deps.temporal.client;
    const handles = await Promise.all(
      [stopped, running].map((c) =>
        client.workflow.start('connectionWorkflow', { taskQueue: `quota-test-${randomUUID()}`, workflowId: connectionWorkflowId(c.managementId), args: [] }),
      ),
    );
    try {
      const res = await call('PUT', '/v1/quota', { body: { limit: 500_000 } });
      expect(res.status).toBe(200);
      const signalled = async (i: number) => {
        const history = await handles[i]!.fetchHistory();
        return (history.events ?? []).some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'quotaRaised');
      };
      expect(await signalled(0)).toBe(true);
      expect(await signalled(1)).toBe(false);
    } finally {
      await Promise.all(handles.map((h) => h.terminate('test over')));
    }
  });
});
