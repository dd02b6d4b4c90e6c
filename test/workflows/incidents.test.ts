import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CloudSignInvalidClientError } from '../../src/cloudsign';
import { QuotaExhaustedError } from '../../src/ledger/errors';
import { disconnectSignal, pauseSignal, progressQuery, quotaRaisedSignal, resumeSignal, settingsChangedSignal } from '../../src/temporal/messages';
import { startTimeSkippingServer } from '../support/time-skipping-server';
import { eventually, stubActivities, withConnection } from './stubs';

/*
 * The incident policy on a time-skipping server, with the real workflow bundle and stub activities that
 * fail the way the real ones do (real errors through src/failures): what the connection shows, which
 * incident it reports (one e-mail each), and what makes it try again.
 */

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTimeSkippingServer();
});
afterAll(async () => {
  await env?.teardown();
});

it('shows error on a refusal only a person can fix, and tries again when the settings change', async () => {
  const stubs = stubActivities({
    pages: 2,
    failPage: (page, attempt) => (page === 2 && attempt === 1 ? new CloudSignInvalidClientError(401) : undefined),
  });
  await withConnection(env, stubs, async (handle) => {
    await eventually(() => stubs.of('reportIncident').length === 1, 'the incident is reported');
    expect(stubs.of('reportIncident')[0]).toMatchObject({ kind: 'invalid_client', status: 'error' });
    expect((await handle.query(progressQuery)).status).toBe('error');
    // Not retried: the workflow waits for a person, however long.
    await env.sleep('2 days');
    expect(stubs.of('importPage').filter((p) => p.page === 2)).toHaveLength(1);

    await handle.signal(settingsChangedSignal);
    await eventually(() => stubs.of('finishRun').length === 1, 'the run finished after the settings changed');
    expect(stubs.of('resolveIncidents')).toHaveLength(1);
    expect(stubs.of('setConnectionStatus').map((s) => s.status)).toContain('importing');
  });
});

it('shows paused at once when paused during an incident, and tries again when resumed', async () => {
  const stubs = stubActivities({
    pages: 2,
    failPage: (page, attempt) => (page === 2 && attempt === 1 ? new CloudSignInvalidClientError(401) : undefined),
  });
  await withConnection(env, stubs, async (handle) => {
    await eventually(() => stubs.of('reportIncident').length === 1, 'the incident is reported');
    await handle.signal(pauseSignal);
    await eventually(() => stubs.of('setConnectionStatus').some((s) => s.status === 'paused'), 'the ledger shows paused');
    expect(await handle.query(progressQuery)).toMatchObject({ status: 'paused', paused: true });
    expect(stubs.of('importPage').filter((p) => p.page === 2)).toHaveLength(1);

    await handle.signal(resumeSignal);
    await eventually(() => stubs.of('finishRun').length === 1, 'the run finished after the resume');
    expect(stubs.of('resolveIncidents')).toHaveLength(1);
    expect(stubs.of('reportIncident')).toHaveLength(1);
  });
});

it('shows quota_exhausted when the quota is spent, and goes on when it is raised', async () => {
  const stubs = stubActivities({
    pages: 1,
    failPage: (_page, attempt) => (attempt === 1 ? new QuotaExhaustedError(10, 10) : undefined),
  });
  await withConnection(env, stubs, async (handle) => {
    await eventually(() => stubs.of('reportIncident').length === 1, 'the spent quota is reported');
    expect(stubs.of('reportIncident')[0]).toMatchObject({ kind: 'quota_exhausted', status: 'quota_exhausted' });
    expect((await handle.query(progressQuery)).status).toBe('quota_exhausted');
    await handle.signal(quotaRaisedSignal);
    await eventually(() => stubs.of('finishRun').length === 1, 'the run finished after the raise');
    expect(stubs.of('importPage')).toHaveLength(2);
  });
});

it('shows the refusal on the run it holds up, and ends that run as failed when the connection is disconnected meanwhile', async () => {
  const stubs = stubActivities({ pages: 2, failPage: (page) => (page === 2 ? new CloudSignInvalidClientError(401) : undefined) });
  await withConnection(env, stubs, async (handle) => {
    await eventually(() => stubs.of('reportIncident').length === 1, 'the incident is reported');
    const [begun] = stubs.of('beginRun');
    const runId = `run-${begun!.runKey as string}`;
    expect(stubs.of('reportIncident')[0]).toMatchObject({ kind: 'invalid_client', runId });
    await handle.signal(disconnectSignal);
    await eventually(() => stubs.of('finishRun').length === 1, 'the run is closed');
    expect(stubs.of('finishRun')[0]).toMatchObject({ runId, outcome: 'failed' });
  });
});

it('retries the failed files due at the end of each sync, by ID, within its run', async () => {
  const stubs = stubActivities({ pages: 1 });
  await withConnection(env, stubs, async () => {
    await eventually(() => stubs.of('finishRun').length === 1, 'the full import finished');
    const names = stubs.calls.map((c) => c.name).filter((n) => ['importPage', 'retryFailedFiles', 'finishRun'].includes(n));
    expect(names).toEqual(['importPage', 'retryFailedFiles', 'finishRun']);
    expect(stubs.of('retryFailedFiles')[0]).toMatchObject({ runId: stubs.of('finishRun')[0]!.runId });
  });
});
