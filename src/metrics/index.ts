import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * The service's own Prometheus metrics, one registry per composed service (src/composition.ts), so that
 * tests and `npm run dev` — several services or an API and a worker in one process — never share counters.
 * Domain code receives the narrow recorder it needs (e.g. `Pick<Metrics, 'fileImported'>`), never the registry.
 */

/** What a CloudSign request was for: a label of few values, never an ID. */
export type CloudSignRoute = 'token' | 'me' | 'documents' | 'team_documents' | 'document' | 'attribute' | 'file';

/** An HTTP status, or `network_error` when no answer came (refused, reset, timed out). */
export type CloudSignOutcome = number | 'network_error';

export interface Metrics {
  /** A file became a ledger contract (not a duplicate, not sent to review). */
  fileImported(): void;
  /** A file could not be imported and was recorded as a failed file. */
  fileFailed(): void;
  cloudsignRequest(route: CloudSignRoute, outcome: CloudSignOutcome): void;
  /** How long a CloudSign request waited for room in its client ID's request budget. */
  budgetWaited(seconds: number): void;
  mailQueued(): void;
  mailSent(): void;
  /** An attempt to send a queued mail failed (it is tried again later). */
  mailFailed(): void;
  /** The Prometheus text of these metrics and the process's own (`process_*`, `nodejs_*`). */
  scrape(): Promise<string>;
  readonly contentType: string;
}

/** Budget waits are mostly zero and, under CloudSign's 800 a minute, up to a minute. */
const BUDGET_WAIT_BUCKETS = [0.001, 0.01, 0.1, 0.5, 1, 5, 15, 30, 60, 120];

export function createMetrics(): Metrics {
  const registers = [new Registry()];
  const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers });
  const filesImported = counter('cloudsign_sync_files_imported_total', 'Files saved as new ledger contracts.');
  const filesFailed = counter('cloudsign_sync_files_failed_total', 'Files that could not be imported (recorded as failed files; retried at a later sync).');
  const requests = counter('cloudsign_sync_cloudsign_requests_total', 'Requests sent to CloudSign, by route and HTTP status (network_error: no answer).', ['route', 'status']);
  const budgetWait = new Histogram({
    name: 'cloudsign_sync_budget_wait_seconds',
    help: "Time a CloudSign request waited for room in its client ID's request budget.",
    buckets: BUDGET_WAIT_BUCKETS,
    registers,
  });
  const mailsQueued = counter('cloudsign_sync_mails_queued_total', 'E-mails queued in the outbox.');
  const mailsSent = counter('cloudsign_sync_mails_sent_total', 'E-mails the SMTP server accepted.');
  const mailsFailed = counter('cloudsign_sync_mail_send_failures_total', 'Attempts to send a queued e-mail that failed (it is tried again).');
  let processMetrics = false;
  const [registry] = registers as [Registry];
  return {
    fileImported: () => filesImported.inc(),
    fileFailed: () => filesFailed.inc(),
    cloudsignRequest: (route, outcome) => requests.inc({ route, status: String(outcome) }),
    budgetWaited: (seconds) => budgetWait.observe(seconds),
    mailQueued: () => mailsQueued.inc(),
    mailSent: () => mailsSent.inc(),
    mailFailed: () => mailsFailed.inc(),
    scrape() {
      // Only a process that is scraped pays for the event-loop monitor of the process metrics.
      if (!processMetrics) collectDefaultMetrics({ register: registry });
      processMetrics = true;
      return registry.metrics();
    },
    contentType: registry.contentType,
  };
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` on its own listener, so that metrics are never on the API's public port: bound to
 * METRICS_ADDRESS (loopback by default). `extra` appends more Prometheus text (the worker's Temporal SDK series).
 */
export async function startMetricsServer(options: {
  metrics: Pick<Metrics, 'scrape' | 'contentType'>;
  address: string;
  port: number;
  extra?: () => Promise<string>;
}): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: metrics are at GET /metrics.\n');
      return;
    }
    // The SDK's series missing (its exporter not up yet) must not hide ours: a comment says so instead.
    const extra = (options.extra?.() ?? Promise.resolve('')).catch((error: Error) => `# Temporal SDK metrics unavailable: ${error.message}\n`);
    Promise.all([options.metrics.scrape(), extra])
      .then(([ours, extra]) => res.writeHead(200, { 'content-type': options.metrics.contentType }).end(`${ours}\n${extra}`))
      .catch((error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics could not be collected: ${error.message}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.address, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.address.includes(':') ? `[${options.address}]` : options.address;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A recorder that records nothing, for parts built outside the composition root (unit tests, tools). */
export const noMetrics: Omit<Metrics, 'scrape' | 'contentType'> = {
  fileImported() {},
  fileFailed() {},
  cloudsignRequest() {},
  budgetWaited() {},
  mailQueued() {},
  mailSent() {},
  mailFailed() {},
};
