import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { inject } from 'vitest';

// Workers log every state change at INFO; a test run wants only what went wrong.
Runtime.install({ logger: new DefaultLogger('WARN') });

type CreateOptions = {
  supportsTimeSkipping: boolean;
  server: { type: 'existing' };
  address: string;
};

/**
 * Connects to the run's time-skipping server (started once by the global setup). The SDK only offers
 * time skipping on a server it starts itself, so this calls the factory those helpers share.
 */
export async function connectTestEnvironment(): Promise<TestWorkflowEnvironment> {
  const create = (TestWorkflowEnvironment as unknown as { create(o: CreateOptions): Promise<TestWorkflowEnvironment> }).create;
  return create.call(TestWorkflowEnvironment, {
    supportsTimeSkipping: true,
    server: { type: 'existing' },
    address: inject('temporalAddress'),
  });
}

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/** Bundling costs about a second and 200 MB: once per module per test file. */
export function workflowBundle(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath, logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}

let queue = 0;
/** A task queue no other test uses, so workers of different tests never take each other's tasks. */
export function uniqueTaskQueue(name: string): string {
  return `test-${name}-${process.pid}-${++queue}`;
}
