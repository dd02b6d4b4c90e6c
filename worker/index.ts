import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Services } from '../src/composition';
import { DEFAULT_TEMPORAL_ADDRESS } from '../src/temporal/client';

/** The module the worker bundles: every workflow of the service. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface WorkerSetup {
  /** A connection of the caller's (a test environment's); it stays open when the worker stops. */
  connection?: NativeConnection;
  /** A pre-built bundle (tests build it once per run); otherwise the worker bundles `workflows/`. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  maxCachedWorkflows?: number;
}

export interface RunningWorker {
  worker: Worker;
  /** Settles when the worker has stopped: by `stop()`, by SIGINT/SIGTERM, or by failing. */
  done: Promise<void>;
  /** Stops polling, lets running activities finish (up to the grace time) and closes the worker's own connection. */
  stop(): Promise<void>;
}

/**
 * Runs a Temporal worker with the service's workflows and activities on the configured task queue, and the
 * sender of the mail they queue.
 * Connects first and only then creates the worker: a worker created on a connection that cannot be made
 * can hang start-up instead of failing it.
 */
export async function runWorker(services: Services, { connection: given, workflowBundle, maxCachedWorkflows }: WorkerSetup = {}): Promise<RunningWorker> {
  const { config } = services;
  const connection = given ?? (await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS ?? DEFAULT_TEMPORAL_ADDRESS }));
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities: services.activities(),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    ...(maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows }),
    // On SIGINT/SIGTERM the worker stops polling and lets running activities finish for this long; an
    // activity still running after it is cancelled and retried by Temporal on another worker.
    shutdownGraceTime: '30s',
  });
  // The activities queue their mail; this process sends it, outside their transactions.
  const outbox = services.outbox();
  outbox.start();
  const done = worker.run().finally(() => outbox.stop());
  return {
    worker,
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
      if (!given) await connection.close();
    },
  };
}
