import { mkdirSync, writeFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type proto from '@temporalio/proto';

type History = proto.temporal.api.history.v1.IHistory;

/**
 * The history of the latest run of a workflow that scheduled `activityType`, walking back through its
 * continue-as-new chain (each run names the one it continued). A connection's workflow continues as new
 * every cycle, so the run that reconciled or imported a hook is one of the closed ones.
 */
export async function historyOfRunWith(client: Client, workflowId: string, activityType: string, maxRuns = 30): Promise<History> {
  let runId: string | undefined;
  for (let i = 0; i < maxRuns; i++) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    if (events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType)) return history;
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
    if (!runId) break;
  }
  throw new Error(`no run of ${workflowId} among its last ${maxRuns} scheduled ${activityType}`);
}

/**
 * Under `RECORD_HISTORIES=1`, writes the run of `workflowId` that scheduled `activityType` as the fixture
 * `name` that test/connections/replay.test.ts replays against every later version of the workflow code.
 */
export async function recordHistoryWith(client: Client, workflowId: string, activityType: string, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await historyOfRunWith(client, workflowId, activityType);
  const dir = new URL('../fixtures/histories/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL(`${name}.json`, dir), historyToJSON(history));
}
