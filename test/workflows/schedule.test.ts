import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hookReceivedSignal } from '../../src/temporal/messages';
import { HOOK_BATCHES_PER_RUN } from '../../workflows/connection/schedule';
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

it(`rests after ${HOOK_BATCHES_PER_RUN} hook batches in one run (continue-as-new), and syncs when the wait it had is over`, async () => {
  // A flood: one hook, and then batch after batch says more documents wait.
  const batches = HOOK_BATCHES_PER_RUN + 30;
  const stubs = stubActivities({ pages: 1, hookBatchesWithMore: batches - 1 });
  await withConnection(env, stubs, async (handle) => {
    await eventually(() => stubs.of('setConnectionStatus').some((s) => s.status === 'idle'), 'the connection waits after its full import');
    const waiting = (await handle.describe()).runId;
    await env.sleep(40 * 60_000);
    await handle.signal(hookReceivedSignal);
    await eventually(() => stubs.of('importHookedDocuments').length === batches, 'every hook batch imported', 60_000);

    // The wait went on in a new run, with a history of its own, and no sync came of it.
    const description = await handle.describe();
    expect(description.runId).not.toBe(waiting);
    expect(description.historyLength).toBeLessThan(500);
    expect(stubs.of('beginRun')).toHaveLength(1);
    expect(new Set(stubs.of('importHookedDocuments').map((b) => b.runKey)).size).toBe(batches);
    // Due 1 hour after the wait began, not 1 hour after it rested.
    await env.sleep(21 * 60_000);
    await eventually(() => stubs.of('beginRun').length === 2, 'the sync 1 hour after the full import');
    expect(stubs.of('beginRun')[1]).toMatchObject({ kind: 'incremental' });
  });
}, 120_000);
