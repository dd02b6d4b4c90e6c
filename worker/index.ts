import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';

/** The module the worker bundles: every workflow of the service. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface WorkerSetup {
  address: string;
  namespace: string;
  taskQueue: string;
  activities: object;
  /** A pre-built bundle (tests build it once per run); otherwise the worker bundles `workflows/`. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  maxCachedWorkflows?: number;
}

/**
 * Connects first and only then creates the worker: a worker created on a connection that cannot be made
 * can hang start-up instead of failing it.
 */
export async function createWorker({ address, namespace, taskQueue, activities, workflowBundle, maxCachedWorkflows }: WorkerSetup) {
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    activities,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    ...(maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows }),
    // On SIGINT/SIGTERM the worker stops polling and lets running activities finish for this long; an
    // activity still running after it is cancelled and retried by Temporal on another worker.
    shutdownGraceTime: '30s',
  });
  return { worker, connection };
}
