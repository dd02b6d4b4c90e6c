import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { LogLevel as TemporalLogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { Logger, LogLevel } from '../src/logging';
import { managementIdOfWorkflowId } from '../src/temporal/messages';

/**
 * The Temporal SDK's process-wide runtime, set up once, before any worker or native connection exists:
 * its log lines (the SDK's, workflows' `log`, and Core's, forwarded) go through the service's logger, and
 * optionally its metrics (`temporal_*`: task slots, polls, latencies, activity and workflow outcomes) are
 * exported for the worker's /metrics. Only the worker's entry points call it: tests create many workers in
 * one process on the SDK's default runtime, unless a test installs this one first itself.
 */
export interface TemporalTelemetry {
  /** The Prometheus text of the SDK's metrics; undefined when they are off. */
  sdkMetrics?: () => Promise<string>;
}

const LEVELS: Record<TemporalLogLevel, LogLevel | undefined> = { TRACE: undefined, DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** The service's logger as the SDK's: each line keeps the SDK's context and gains the workflow's management ID. */
export function temporalLogger(logger: Logger): TemporalLogger {
  const log = (level: TemporalLogLevel, message: string, meta: LogMetadata = {}) => {
    const ours = LEVELS[level];
    if (!ours) return;
    const workflowId = typeof meta.workflowId === 'string' ? meta.workflowId : undefined;
    logger[ours](message, { ...(workflowId && { managementId: managementIdOfWorkflowId(workflowId) }), ...meta });
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

/**
 * Installs the runtime. With `metrics`, Core's Prometheus exporter listens on a free loopback port of its
 * own (never exposed) and the worker's /metrics appends what it serves: one scrape target per process.
 */
export async function installTemporalRuntime({ logger, metrics }: { logger: Logger; metrics: boolean }): Promise<TemporalTelemetry> {
  const bindAddress = metrics ? `127.0.0.1:${await freeLoopbackPort()}` : undefined;
  Runtime.install({
    logger: temporalLogger(logger),
    telemetryOptions: {
      logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
      ...(bindAddress && { metrics: { prometheus: { bindAddress } } }),
    },
  });
  if (!bindAddress) return {};
  return {
    async sdkMetrics() {
      const response = await fetch(`http://${bindAddress}/metrics`, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`the SDK's exporter answered ${response.status}`);
      return response.text();
    },
  };
}

/** A port nothing listens on now; Core binds it a moment later (a loopback port taken in between fails start-up). */
async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
