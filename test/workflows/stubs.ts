import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { classified } from '../../src/failures';
import type { PageResult } from '../../src/temporal/messages';
import { connectionWorkflowId } from '../../src/temporal/messages';
import { WORKFLOWS_PATH } from '../../worker';
import { uniqueTaskQueue, workflowBundle } from '../support/temporal';
import type { connectionWorkflow } from '../../workflows';

/**
 * Stub activities for the workflow's control paths, in the style of Temporal's samples: plain functions
 * with the real activities' names that record every call, and a CloudSign of `pages` pages of
 * `filesPerPage` files each. `failPage` decides, per attempt, whether a page import fails and how
 * (a real error: it leaves through src/failures like the real activity's).
 */
export interface Script {
  pages: number;
  filesPerPage?: number;
  /** Throws for this attempt of this page, or returns nothing to let it pass. */
  failPage?: (page: number, attempt: number) => Error | undefined;
  /** Pages whose import waits until the test releases them (to look at the workflow mid-sync). */
  hold?: number[];
  /** Hook batches that say more documents wait (a flood of hooks); after them, none does. */
  hookBatchesWithMore?: number;
  /** SYNC_INTERVAL and RECONCILE_INTERVAL as the workers have them; none: the workflow keeps its own. */
  schedule?: { syncIntervalMs: number; reconcileIntervalMs: number };
}

/** A promise the test opens. */
function gate() {
  let resolve!: () => void;
  const promise = new Promise<void>((open) => (resolve = open));
  return { promise, resolve };
}

export type Call = { name: string; input: Record<string, unknown> };

export function stubActivities(script: Script) {
  const calls: Call[] = [];
  const attempts = new Map<number, number>();
  const record = (name: string, input: object = {}) => void calls.push({ name, input: input as Record<string, unknown> });
  const filesPerPage = script.filesPerPage ?? 2;
  const holds = new Map((script.hold ?? []).map((page) => [page, gate()]));
  const activities: Pick<Activities, Exclude<keyof Activities, 'recordedDecision' | 'decisionCheck' | 'applyReviewDecision'>> = {
    async importHookedDocuments(input) {
      record('importHookedDocuments', input);
      return { filesDone: 0, hasMore: calls.filter((c) => c.name === 'importHookedDocuments').length <= (script.hookBatchesWithMore ?? 0) };
    },
    async beginRun(input) {
      record('beginRun', input);
      return { runId: `run-${input.runKey}`, window: { from: input.from, to: '2026-01-01T00:00:00.000Z', scope: 'user' }, filesTotal: script.pages * filesPerPage };
    },
    async importPage(input): Promise<PageResult> {
      const attempt = (attempts.get(input.page) ?? 0) + 1;
      attempts.set(input.page, attempt);
      record('importPage', input);
      await holds.get(input.page)?.promise;
      // Its failures leave it the way the real activity's do.
      return classified(async () => {
        const failure = script.failPage?.(input.page, attempt);
        if (failure) throw failure;
        return { filesDone: filesPerPage, hasMore: input.page < script.pages };
      });
    },
    async retryFailedFiles(input) {
      record('retryFailedFiles', input);
      return { filesDone: 0, hasMore: false };
    },
    async beginReconcile(input) {
      record('beginReconcile', input);
      return { runId: `run-${input.runKey}`, window: { from: null, to: '2026-01-01T00:00:00.000Z', scope: 'user' } };
    },
    async reconcile(input) {
      record('reconcile', input);
      return { missingBefore: 0, missing: 0, cloudsignFiles: script.pages * filesPerPage };
    },
    async finishRun(input) {
      record('finishRun', input);
    },
    async setConnectionStatus(input) {
      record('setConnectionStatus', input);
    },
    async reportIncident(input) {
      record('reportIncident', input);
    },
    async resolveIncidents(input) {
      record('resolveIncidents', input);
    },
    async isDisconnected(input) {
      record('isDisconnected', input);
      return true;
    },
    async hasQuota() {
      record('hasQuota');
      return false;
    },
    async currentSchedule() {
      record('currentSchedule');
      return script.schedule ?? null;
    },
    async reviewUpkeep(input) {
      record('reviewUpkeep', input);
      return { nextReminderAt: null, undelivered: [] };
    },
  };
  /** The calls of one activity, in order. */
  const of = (name: string) => calls.filter((c) => c.name === name).map((c) => c.input);
  /** Lets the held import of `page` go on. */
  const release = (page: number) => holds.get(page)?.resolve();
  /** Lets every held import go on: a worker shuts down only once its activities are done. */
  const releaseAll = () => holds.forEach((hold) => hold.resolve());
  return { activities, calls, of, release, releaseAll };
}

/** Runs `body` with a worker of the real workflow bundle and the stubs, and a connection workflow started. */
export async function withConnection<T>(
  env: TestWorkflowEnvironment,
  stubs: ReturnType<typeof stubActivities>,
  body: (handle: Awaited<ReturnType<TestWorkflowEnvironment['client']['workflow']['start']>>) => Promise<T>,
): Promise<T> {
  const taskQueue = uniqueTaskQueue('workflow');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, activities: stubs.activities, workflowBundle: await workflowBundle(WORKFLOWS_PATH) });
  const managementId = taskQueue.slice(-16);
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start<typeof connectionWorkflow>('connectionWorkflow', {
      taskQueue,
      workflowId: connectionWorkflowId(managementId),
      args: [{ connectionId: `connection-${managementId}`, managementId, syncIntervalMs: 3_600_000 }],
    });
    try {
      return await body(handle);
    } finally {
      stubs.releaseAll();
      await handle.terminate('test over').catch(() => undefined);
    }
  });
}

/** Polls until `check` holds (the workflow reacts to a signal on its own time), or fails after a while. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
