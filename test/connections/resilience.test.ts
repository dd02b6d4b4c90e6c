import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { getQuota } from '../../src/ledger';
import { TEST_SECRETS_KEY } from '../support/app';
import { testDatabaseUrl } from '../support/database';
import { eventually, startService, type Service } from '../support/service';
import { expectedContracts, ledgerContracts } from './expectations';

let service: Service;
const children: ChildProcess[] = [];

beforeAll(async () => {
  service = await startService({ simulator: { documents: 300 }, ownTemporalServer: true });
});
afterEach(async () => {
  await service.sim('DELETE', '/faults');
});
afterAll(async () => {
  // Each worker process leads a process group of its own (npx, tsx, node): end the whole group.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  await service?.close();
});

async function connect(name: string, clientId: string) {
  const created = await service.api('POST', '/v1/connections', { name, clientId, visibility: { scope: 'company' }, owners: [], saveMode: 'direct' });
  expect(created.status).toBe(201);
  return created.body as { id: string; managementId: string };
}

const connection = (id: string) => service.api('GET', `/v1/connections/${id}`).then((r) => r.body);

async function expectExactImport(clientId: string) {
  const expected = await expectedContracts(service, clientId);
  const ledger = await ledgerContracts(service);
  const mine = expected.filter((e) => ledger.has(`${e.documentId}/${e.fileId}`));
  expect(mine).toHaveLength(expected.length);
  for (const file of expected) expect(ledger.get(`${file.documentId}/${file.fileId}`)!.sha256).toBe(file.sha256);
  return expected.length;
}

function startWorkerProcess(): Promise<ChildProcess> {
  const child = spawn('npx', ['tsx', 'test/support/worker-process.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: testDatabaseUrl(),
      CLOUDSIGN_BASE_URL: service.simulator.url,
      FILE_STORAGE_DIR: service.filesDir,
      SMTP_URL: service.mail.url,
      SECRETS_KEY: TEST_SECRETS_KEY,
      TEMPORAL_ADDRESS: service.env.address,
      TEMPORAL_TASK_QUEUE: service.taskQueue,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`the worker process exited (${code}) before it was ready`)));
  });
}

it('completes an exact import through 20% server errors and storms of 429s', async () => {
  await service.sim('PUT', '/faults', { errorRate: 0.2, tooManyRequestsRate: 0.2, retryAfterSeconds: 0 });
  const { id } = await connect('Through the storm', service.simulator.accounts.members[1]!);
  await eventually(async () => (await connection(id)).status === 'idle', 120_000, 'the import through faults');
  const files = await expectExactImport(service.simulator.accounts.members[1]!);
  const runs = (await service.api('GET', `/v1/connections/${id}/runs`)).body.items;
  expect(runs[0].counts).toMatchObject({ imported: files, failed: 0 });
  const { requests } = await service.sim('GET', '/requests');
  expect(requests.some((r: { status: number }) => r.status === 429)).toBe(true);
  expect(requests.some((r: { status: number }) => r.status >= 500)).toBe(true);
});

it('survives a worker killed in the middle of a large import: nothing twice, nothing missing', async () => {
  await service.stopWorker();
  const first = await startWorkerProcess();
  // Slow CloudSign down so that the kill lands in the middle of the import.
  await service.sim('PUT', '/faults', { latencyMs: 15 });
  const clientId = service.simulator.accounts.demo;
  const quotaBefore = await getQuota(service.orm.em.fork());
  const { id } = await connect('Killed worker', clientId);
  const progress = await eventually(async () => {
    const c = await connection(id);
    return c.progress.filesDone >= 100 ? c.progress : undefined;
  }, 120_000, 'the import to be under way');
  expect(progress.filesDone).toBeLessThan(progress.filesTotal);

  process.kill(-first.pid!, 'SIGKILL');
  await once(first, 'exit');
  await service.sim('DELETE', '/faults');
  await startWorkerProcess();
  // The killed attempt is retried once its heartbeat times out (30 s).
  await service.env.sleep(60_000);
  await eventually(async () => (await connection(id)).status === 'idle', 120_000, 'the import to finish after the restart');

  const files = await expectExactImport(clientId);
  const ownContracts = [...(await ledgerContracts(service)).values()].filter((c) => c.connectionId === id);
  const quotaAfter = await getQuota(service.orm.em.fork());
  // Every contract of this connection is new, and quota was used once for each.
  expect(quotaAfter.used - quotaBefore.used).toBe(ownContracts.length);
  expect(ownContracts.length).toBeLessThanOrEqual(files);
}, 300_000);

it('goes on with the other of two worker processes when one is killed mid-import: nothing twice, nothing missing', async () => {
  // Only worker processes from here on: the earlier test's survivor is ended, two new ones share the task queue.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  const [doomed] = await Promise.all([startWorkerProcess(), startWorkerProcess()]);
  const clientId = service.simulator.accounts.members[0]!;
  await service.sim('POST', '/documents/conclude', { count: 250, clientId });
  await service.sim('PUT', '/faults', { latencyMs: 15 });
  const quotaBefore = await getQuota(service.orm.em.fork());
  const { id } = await connect('Two workers', clientId);
  const progress = await eventually(async () => {
    const c = await connection(id);
    return c.progress.filesDone >= 100 ? c.progress : undefined;
  }, 120_000, 'the import to be under way');
  expect(progress.filesDone).toBeLessThan(progress.filesTotal);

  process.kill(-doomed!.pid!, 'SIGKILL');
  await once(doomed!, 'exit');
  await service.sim('DELETE', '/faults');
  // No replacement: the surviving process takes the killed attempt once its heartbeat times out (30 s).
  await service.env.sleep(60_000);
  await eventually(async () => (await connection(id)).status === 'idle', 120_000, 'the import to finish on the other worker');

  const files = await expectExactImport(clientId);
  const ownContracts = [...(await ledgerContracts(service)).values()].filter((c) => c.connectionId === id);
  // Files another connection had imported already are duplicates; every new one used quota once.
  expect(ownContracts.length).toBeLessThanOrEqual(files);
  expect(ownContracts.length).toBeGreaterThanOrEqual(250);
  expect((await getQuota(service.orm.em.fork())).used - quotaBefore.used).toBe(ownContracts.length);
}, 300_000);
