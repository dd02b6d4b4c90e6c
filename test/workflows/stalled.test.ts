import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CloudSignTransientError } from '../../src/cloudsign';
import { progressQuery } from '../../src/temporal/messages';
import { startTimeSkippingServer } from '../support/time-skipping-server';
import { stubActivities, withConnection } from './stubs';

/*
 * The `stalled` path of the incident policy, on a time-skipping server of its own (it skips simulated
 * hours, and the test server's clock is global): a page that fails past all its retries.
 */

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTimeSkippingServer();
});
afterAll(async () => {
  await env?.teardown();
});

/**
 * Skips simulated time in steps of ten minutes until `check` holds: the server fires the retries and
 * timers due in each step (one long sleep across many activity retries does not come back here).
 */
async function skipUntil(check: () => boolean, what: string, maxSteps = 24): Promise<void> {
  for (let step = 0; !check(); step++) {
    if (step >= maxSteps) throw new Error(`not after ${maxSteps * 10} simulated minutes: ${what}`);
    await env.sleep('10 minutes');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it('reports a stalled sync when a page keeps failing past its retries, and tries again later by itself', async () => {
  const stubs = stubActivities({
    pages: 1,
    // Fails for its whole first activity (12 attempts, about 45 minutes), then passes.
    failPage: (_page, attempt) => (attempt <= 12 ? new CloudSignTransientError('CloudSign answered 503.', 503) : undefined),
  });
  await withConnection(env, stubs, async (handle) => {
    await skipUntil(() => stubs.of('reportIncident').length === 1, 'the stall is reported');
    // A stall reports without changing the status: the connection is still importing.
    expect(stubs.of('reportIncident')[0]).toMatchObject({ kind: 'stalled' });
    expect(stubs.of('reportIncident')[0]).not.toHaveProperty('status');
    expect(stubs.of('importPage')).toHaveLength(12);
    expect((await handle.query(progressQuery)).status).toBe('importing');

    await skipUntil(() => stubs.of('finishRun').length === 1, 'the run finished on the retry after the stall');
    expect(stubs.of('importPage')).toHaveLength(13);
    expect(stubs.of('resolveIncidents')).toHaveLength(1);
    expect(stubs.of('reportIncident')).toHaveLength(1);
  });
}, 90_000);
