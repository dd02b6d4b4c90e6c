import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTimeSkippingServer } from '../support/time-skipping-server';
import { eventually, stubActivities, withConnection } from './stubs';

/*
 * The connection workflow's schedule on a time-skipping server of its own (its clock is skipped here), with
 * the real workflow bundle and stub activities.
 */

const HOUR = 3_600_000;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTimeSkippingServer();
});
afterAll(async () => {
  await env?.teardown();
});

it('follows SYNC_INTERVAL as the workers have it now, not as it was when the connection was made', async () => {
  // Started with a sync every hour; the workers now say every 3 hours.
  const stubs = stubActivities({ pages: 1, schedule: { syncIntervalMs: 3 * HOUR, reconcileIntervalMs: 7 * 24 * HOUR } });
  await withConnection(env, stubs, async () => {
    await eventually(() => stubs.of('setConnectionStatus').some((s) => s.status === 'idle'), 'the connection waits after its full import');
    await env.sleep(2 * HOUR);
    expect(stubs.of('beginRun')).toHaveLength(1);
    await env.sleep(HOUR + 60_000);
    await eventually(() => stubs.of('beginRun').length === 2, 'the sync 3 hours after the full import');
    expect(stubs.of('beginRun')[1]).toMatchObject({ kind: 'incremental' });
  });
});
