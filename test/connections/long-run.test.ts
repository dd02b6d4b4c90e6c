import { mkdirSync, writeFileSync } from 'node:fs';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../worker';
import { connectionWorkflowId } from '../../src/temporal/messages';
import { eventually, startService, type Service } from '../support/service';
import { workflowBundle } from '../support/temporal';
import { ledgerContracts } from './expectations';

let service: Service;
const DAY = 24 * 3_600_000;
const DAYS = 60;

beforeAll(async () => {
  service = await startService({ simulator: { documents: 12 } });
});
afterAll(async () => {
  await service?.close();
});

it(`syncs every day for ${DAYS} simulated days with a history that stays small, and replays deterministically`, async () => {
  const created = await service.api('POST', '/v1/connections', {
    name: 'For years',
    clientId: service.simulator.accounts.demo,
    visibility: { scope: 'company' },
    owners: [],
    saveMode: 'direct',
  });
  const { id, managementId } = created.body as { id: string; managementId: string };
  const lastSyncAt = async () => ((await service.api('GET', `/v1/connections/${id}`)).body.lastSyncAt as string | null) ?? undefined;
  let previous = await eventually(lastSyncAt, 30_000, 'the full import');
  const initial = (await ledgerContracts(service)).size;

  let concluded = 0;
  for (let day = 1; day <= DAYS; day++) {
    if (day % 10 === 0) concluded += (await service.sim('POST', '/documents/conclude', { count: 1, filesPerDocument: 1 })).documents.length;
    await service.untilSleeping(managementId);
    await service.env.sleep(DAY);
    previous = await eventually(async () => {
      const at = await lastSyncAt();
      return at !== previous ? at : undefined;
    }, 30_000, `the sync of day ${day}`);
  }

  expect((await ledgerContracts(service)).size).toBe(initial + concluded);
  const runs: { outcome: string }[] = [];
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const page: { items: { outcome: string }[]; nextCursor: string | null } = (await service.api('GET', `/v1/connections/${id}/runs?limit=500${cursor ? `&cursor=${cursor}` : ''}`)).body;
    runs.push(...page.items);
    cursor = page.nextCursor;
  }
  expect(runs).toHaveLength(DAYS + 1);
  expect(runs.every((r) => r.outcome === 'succeeded')).toBe(true);

  // Continue-as-new after every cycle: the current run's history is a handful of events, not 60 days of them.
  const handle = service.env.client.workflow.getHandle(connectionWorkflowId(managementId));
  const description = await handle.describe();
  expect(description.status.name).toBe('RUNNING');
  expect(description.historyLength).toBeLessThan(60);

  // The recorded histories replay against today's workflow code without a nondeterminism error.
  const firstRun = service.env.client.workflow.getHandle(handle.workflowId, description.raw.workflowExecutionInfo?.firstRunId ?? undefined);
  const histories = { 'full-import': await firstRun.fetchHistory(), 'daily-sync': await handle.fetchHistory() };
  const bundle = await workflowBundle(WORKFLOWS_PATH);
  for (const history of Object.values(histories)) await Worker.runReplayHistory({ workflowBundle: bundle }, history);
  if (process.env.RECORD_HISTORIES) {
    const dir = new URL('../fixtures/histories/', import.meta.url);
    mkdirSync(dir, { recursive: true });
    for (const [name, history] of Object.entries(histories)) writeFileSync(new URL(`connection-${name}.json`, dir), historyToJSON(history));
  }
}, 240_000);
