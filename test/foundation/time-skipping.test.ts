import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sleepForADay } from '../fixtures/workflows';
import { uniqueTaskQueue, workflowBundle } from '../support/temporal';
import { startTimeSkippingServer } from '../support/time-skipping-server';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  // A server of its own: the run's shared server serves tests that leave workflows behind, and its
  // clock is global.
  env = await startTimeSkippingServer();
});
afterAll(async () => {
  await env?.teardown();
});

it('runs a workflow that sleeps a simulated day in seconds, on the real time-skipping server', async () => {
  const taskQueue = uniqueTaskQueue('sleep');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(fileURLToPath(new URL('../fixtures/workflows.ts', import.meta.url))),
  });
  const started = Date.now();
  const observed = await worker.runUntil(
    env.client.workflow.execute(sleepForADay, { taskQueue, workflowId: `sleep-${taskQueue}` }),
  );
  expect(observed).toBeGreaterThanOrEqual(24 * 3_600_000);
  expect(Date.now() - started).toBeLessThan(20_000);
});
