import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { disconnectSignal, hookReceivedSignal, pauseSignal, progressQuery, resumeSignal } from '../../src/temporal/messages';
import { startTimeSkippingServer } from '../support/time-skipping-server';
import { eventually, stubActivities, withConnection } from './stubs';

/*
 * The connection workflow's control paths on a time-skipping server, with the real workflow bundle and
 * stub activities: what a person asking for a pause, a resume, a disconnect or the progress sees.
 */

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTimeSkippingServer();
});
afterAll(async () => {
  await env?.teardown();
});

it('answers the progress query during a full import with the page, files done and files total', async () => {
  const stubs = stubActivities({ pages: 3, filesPerPage: 5, hold: [2] });
  await withConnection(env, stubs, async (handle) => {
    await eventually(() => stubs.of('importPage').length === 2, 'page 2 is being imported');
    expect(await handle.query(progressQuery)).toEqual({
      status: 'importing',
      run: { kind: 'full', page: 2, filesDone: 5, filesTotal: 15 },
      lastSyncWindowEnd: null,
      paused: false,
    });
    stubs.release(2);
    await eventually(() => stubs.of('finishRun').length === 1, 'the run finished');
    // Polled through the stubs, not by querying in a loop: under load a query polled while the workflow moves
    // on to its timer could hang on the time-skipping server (seen once in a full run); one query follows.
    await eventually(() => stubs.of('setConnectionStatus').some((s) => s.status === 'idle'), 'the connection waits for its next sync');
    expect(await handle.query(progressQuery)).toMatchObject({ run: null, lastSyncWindowEnd: '2026-01-01T00:00:00.000Z' });
    expect(stubs.of('finishRun')).toEqual([expect.objectContaining({ outcome: 'succeeded' })]);
  });
});

it('holds a sync at the next page while paused, shows paused, and goes on from there when resumed', async () => {
  const stubs = stubActivities({ pages: 3, hold: [1] });
  await withConnection(env, stubs, async (handle) => {
    await eventually(() => stubs.of('importPage').length === 1, 'page 1 is being imported');
    await handle.signal(pauseSignal);
    stubs.release(1);
    await eventually(() => stubs.of('setConnectionStatus').some((s) => s.status === 'paused'), 'the ledger shows paused');
    expect((await handle.query(progressQuery)).paused).toBe(true);
    expect(stubs.of('importPage').map((p) => p.page)).toEqual([1]);

    await handle.signal(resumeSignal);
    await eventually(() => stubs.of('finishRun').length === 1, 'the run finished after the resume');
    expect(stubs.of('importPage').map((p) => p.page)).toEqual([1, 2, 3]);
    const statuses = stubs.of('setConnectionStatus').map((s) => s.status);
    expect(statuses.slice(0, 3)).toEqual(['importing', 'paused', 'importing']);
  });
});

it('pauses a connection waiting for its next sync, and shows it idle again when resumed', async () => {
  const stubs = stubActivities({ pages: 1 });
  await withConnection(env, stubs, async (handle) => {
    await eventually(() => stubs.of('setConnectionStatus').some((s) => s.status === 'idle'), 'the connection waits');
    await handle.signal(pauseSignal);
    await eventually(() => stubs.of('setConnectionStatus').at(-1)?.status === 'paused', 'the ledger shows paused');
    expect(stubs.of('setConnectionStatus').at(-1)).toHaveProperty('nextSyncAt');
    await handle.signal(resumeSignal);
    await eventually(() => stubs.of('setConnectionStatus').at(-1)?.status === 'idle', 'the ledger shows idle again');
  });
});

it('ends on a disconnect in the middle of a sync, importing no further page and finishing the run as stopped', async () => {
  const stubs = stubActivities({ pages: 3, hold: [1] });
  await withConnection(env, stubs, async (handle) => {
    await eventually(() => stubs.of('importPage').length === 1, 'page 1 is being imported');
    await handle.signal(disconnectSignal);
    stubs.release(1);
    await handle.result();
    expect(stubs.of('importPage').map((p) => p.page)).toEqual([1]);
    expect(stubs.of('finishRun')).toEqual([expect.objectContaining({ runId: 'run-' + handle.workflowId + '/0', outcome: 'stopped' })]);
    // The API records the disconnect itself: the workflow never writes it.
    expect(stubs.of('setConnectionStatus').map((s) => s.status)).not.toContain('disconnected');
  });
});

it('ends on a disconnect while waiting for its next sync, without another sync', async () => {
  const stubs = stubActivities({ pages: 1 });
  await withConnection(env, stubs, async (handle) => {
    await eventually(() => stubs.of('setConnectionStatus').some((s) => s.status === 'idle'), 'the connection waits');
    await handle.signal(disconnectSignal);
    await handle.result();
    expect(stubs.of('beginRun')).toHaveLength(1);
    expect(stubs.of('finishRun')).toEqual([expect.objectContaining({ outcome: 'succeeded' })]);
  });
});

it('continues as new in the middle of a long full import, going on at the page, files done and run it reached', async () => {
  const stubs = stubActivities({ pages: 230, filesPerPage: 1 });
  await withConnection(env, stubs, async (handle) => {
    await eventually(() => stubs.of('finishRun').length === 1, 'the long import finished', 60_000);
    const pages = stubs.of('importPage');
    expect(pages.map((p) => p.page)).toEqual(Array.from({ length: 230 }, (_, i) => i + 1));
    // One run in the ledger, begun once, carried over into the next workflow run with its position.
    expect(stubs.of('beginRun')).toHaveLength(1);
    expect(new Set(pages.map((p) => p.runId))).toEqual(new Set([`run-${handle.workflowId}/0`]));
    expect(pages[200]).toMatchObject({ page: 201, filesDoneBefore: 200, filesTotal: 230 });
    const description = await handle.describe();
    expect(description.runId).not.toBe(handle.firstExecutionRunId);
  });
}, 90_000);

it('imports hooked documents while waiting for the next sync without starting one, and holds them while paused', async () => {
  const stubs = stubActivities({ pages: 1 });
  await withConnection(env, stubs, async (handle) => {
    await eventually(() => stubs.of('setConnectionStatus').some((s) => s.status === 'idle'), 'the connection waits');
    await handle.signal(hookReceivedSignal);
    await eventually(() => stubs.of('importHookedDocuments').length === 1, 'the hooked documents imported');
    expect(stubs.of('beginRun').length).toBe(1);

    await handle.signal(pauseSignal);
    await eventually(() => stubs.of('setConnectionStatus').at(-1)?.status === 'paused', 'the ledger shows paused');
    await handle.signal(hookReceivedSignal);
    // Nothing is imported while paused: the progress query is answered after the signal, so it was handled.
    expect((await handle.query(progressQuery)).paused).toBe(true);
    expect(stubs.of('importHookedDocuments').length).toBe(1);
    await handle.signal(resumeSignal);
    await eventually(() => stubs.of('importHookedDocuments').length === 2, 'the hooked documents imported after the resume');
    // Each batch its own run key, so that its ledger run is its own.
    expect(new Set(stubs.of('importHookedDocuments').map((call) => call.runKey)).size).toBe(2);
    expect(stubs.of('beginRun').length).toBe(1);
  });
});

it('takes a hook that arrives during the full import after the import, without cutting it short', async () => {
  const stubs = stubActivities({ pages: 2, hold: [1] });
  await withConnection(env, stubs, async (handle) => {
    await eventually(() => stubs.of('importPage').length === 1, 'page 1 is being imported');
    await handle.signal(hookReceivedSignal);
    stubs.release(1);
    await eventually(() => stubs.of('importHookedDocuments').length === 1, 'the hooked documents imported');
    expect(stubs.of('importPage').map((p) => p.page)).toEqual([1, 2]);
    expect(stubs.of('finishRun')).toEqual([expect.objectContaining({ outcome: 'succeeded' })]);
    expect(stubs.calls.map((c) => c.name).indexOf('importHookedDocuments')).toBeGreaterThan(stubs.calls.map((c) => c.name).indexOf('finishRun'));
  });
});
