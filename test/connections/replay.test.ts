import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from '@temporalio/worker';
import { expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../worker';
import { workflowBundle } from '../support/temporal';

/*
 * Histories recorded from real runs must replay against today's workflow code: a change that would break
 * the workflows already running for years fails here, before it is deployed (reordering two commands does).
 * Direct mode: `RECORD_HISTORIES=1 npx vitest run test/connections/long-run.test.ts`; review mode (the
 * connection starting review children, its upkeep, review workflows that approved and discarded):
 * `RECORD_HISTORIES=1 npx vitest run test/reviews/decisions.test.ts`; a reconciliation, failed files retried by ID and a
 * hook's import (`connection-reconcile`, `-retry-failed-files`, `-hook`): `RECORD_HISTORIES=1 npx vitest run
 * test/connections/reconcile.test.ts test/connections/file-errors.test.ts test/connections/hook.test.ts`. Record new ones when the workflow changes on purpose, with a
 * versioning patch for the running ones, and keep the old ones: `review-*-signalled.json` are review workflows from before
 * the ledger became the only source of decisions (patch `review-decision-from-ledger`).
 */
const dir = new URL('../fixtures/histories/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

it('has recorded histories to replay', () => {
  expect(files.length).toBeGreaterThan(0);
});

it.each(files)('replays %s without a nondeterminism error', async (file) => {
  const history = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle(WORKFLOWS_PATH) }, history);
});
