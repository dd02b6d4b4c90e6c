// `npm run dev [-- --workers N]`: the whole service on embedded defaults, in one terminal. Whatever is not
// configured is started here: the Temporal dev server (Web UI), the CloudSign simulator with demo data, a mail
// catcher, a secrets key and an admin token kept in .data/ so that a restart keeps them. The worker runs in
// this process, or with --workers N as N separate worker processes (scale-out on one machine). Ctrl-C stops
// everything.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startApiServer } from '../api/server';
import { startSimulator } from '../src/cloudsign-simulator';
import { openServices, type Services } from '../src/composition';
import { ConfigError, loadConfig, publicBaseUrl, type Config } from '../src/config';
import { migrate } from '../src/db';
import { ensureBootstrapAdmin, storedSecretsOpen } from '../src/ledger';
import { startMailCatcher } from '../src/mail/catcher';
import { startMetricsServer, type MetricsServer } from '../src/metrics';
import { hookUrlOfTeam } from '../src/services/hooks';
import { startDevServer } from '../src/temporal/dev-server';
import { ensureSearchAttributes } from '../src/temporal/search-attributes';
import { runWorker } from '../worker';
import { installTemporalRuntime } from '../worker/telemetry';

const DATA_DIR = resolve('.data');
const SIMULATOR_PORT = 4010;
const SMTP_PORT = 1025;
/** The simulator's demo user; a real client ID comes from CloudSign's admin screen. */
const DEMO_CLIENT_ID = 'demo0123456789abcdefghijklmnopqrstuv';
const DEMO_DOCUMENTS = 120;
const MAX_WORKERS = 16;
/** This process's /metrics (the API, and the in-process worker); worker process i serves it on the port + i. */
const METRICS_PORT = 9464;

/** Where the embedded simulator sends its hooks from. */
const SIMULATOR_HOOK_SOURCE = '127.0.0.1';

type Stop = () => Promise<unknown>;

/**
 * The embedded simulator, like a CloudSign team admin, gets the Hook URL of its demo team: a document
 * concluded there (POST /_sim/documents/conclude) reaches the ledger within seconds, through the hook.
 */
async function registerSimulatorHook(services: Services, simulatorUrl: string): Promise<string> {
  const user = await services.cloudsign.getMe(DEMO_CLIENT_ID);
  const hookUrl = await hookUrlOfTeam({ orm: services.orm, secretsKey: services.secretsKey, publicBaseUrl: publicBaseUrl(services.config) }, user.team?.id ?? 'demo');
  const res = await fetch(`${simulatorUrl}/_sim/hooks`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ urls: [hookUrl], sourceAddress: SIMULATOR_HOOK_SOURCE }),
  });
  if (!res.ok) throw new Error(`The simulator refused the Hook URL: ${res.status} ${await res.text()}`);
  return hookUrl;
}

/** A value kept in a git-ignored file, generated on the first run. */
function keptSecret(name: string, generate: () => string): string {
  const file = join(DATA_DIR, name);
  if (!existsSync(file)) writeFileSync(file, generate(), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** `--workers N`: 0 (the default) runs the worker in this process. */
function workerProcesses(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { workers: { type: 'string' } } });
  if (values.workers === undefined) return 0;
  const n = Number(values.workers);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) throw new ConfigError(`Configuration error: --workers must be a whole number from 1 to ${MAX_WORKERS}.`);
  return n;
}

interface EmbeddedParts {
  /** The configuration with the embedded parts' addresses and the kept secrets filled in. */
  config: Config & Required<Pick<Config, 'TEMPORAL_ADDRESS' | 'CLOUDSIGN_BASE_URL' | 'SMTP_URL' | 'SECRETS_KEY' | 'LOG_FORMAT' | 'METRICS_PORT'>>;
  adminToken: string;
  webUi: string;
  mailNote: string;
}

/** Starts whatever the configuration does not name; each part's stop goes to the front of `stops`. */
async function startEmbeddedParts(config: Config, stops: Stop[]): Promise<EmbeddedParts> {
  const secretsKey = config.SECRETS_KEY ?? keptSecret('secrets.key', () => randomBytes(32).toString('hex'));
  const adminToken = config.BOOTSTRAP_ADMIN_TOKEN ?? keptSecret('admin-token', () => randomBytes(24).toString('base64url'));

  let temporalAddress = config.TEMPORAL_ADDRESS;
  let webUi = 'the Web UI of your Temporal server';
  if (!temporalAddress) {
    const server = await startDevServer({ port: 7233, uiPort: 8233, namespace: config.TEMPORAL_NAMESPACE, dbFile: join(DATA_DIR, 'temporal.sqlite') });
    stops.unshift(server.stop);
    temporalAddress = server.address;
    webUi = server.uiUrl;
  }

  let cloudsignBaseUrl = config.CLOUDSIGN_BASE_URL;
  if (!cloudsignBaseUrl) {
    const simulator = await startSimulator({ port: SIMULATOR_PORT, documents: DEMO_DOCUMENTS, clientId: DEMO_CLIENT_ID });
    stops.unshift(simulator.close);
    cloudsignBaseUrl = simulator.url;
  }

  let smtpUrl = config.SMTP_URL;
  let mailNote = `sent through ${config.SMTP_URL}`;
  if (!smtpUrl) {
    const catcher = await startMailCatcher({ port: SMTP_PORT, dir: join(DATA_DIR, 'mail') });
    stops.unshift(catcher.close);
    smtpUrl = catcher.url;
    mailNote = `caught by ${catcher.url}, saved as .eml files in ${join(DATA_DIR, 'mail')}`;
  }
  const effective = {
    ...config,
    TEMPORAL_ADDRESS: temporalAddress,
    CLOUDSIGN_BASE_URL: cloudsignBaseUrl,
    SMTP_URL: smtpUrl,
    SECRETS_KEY: secretsKey,
    // The embedded simulator posts its hooks from loopback: allowed here, on top of CloudSign's addresses, and
    // only when the allow-list is not configured (a configured one is used as it is).
    ...(!config.CLOUDSIGN_BASE_URL && process.env.CLOUDSIGN_HOOK_ALLOWED_IPS === undefined && { CLOUDSIGN_HOOK_ALLOWED_IPS: [...config.CLOUDSIGN_HOOK_ALLOWED_IPS, SIMULATOR_HOOK_SOURCE] }),
    // A person reads this terminal; a deployment's collector reads JSON.
    LOG_FORMAT: config.LOG_FORMAT ?? 'pretty',
    METRICS_PORT: config.METRICS_PORT ?? METRICS_PORT,
    // The console links each connection to its workflow in the embedded server's Web UI.
    TEMPORAL_WEB_UI_URL: config.TEMPORAL_WEB_UI_URL ?? (webUi.startsWith('http') ? webUi : undefined),
  };
  return { config: effective, adminToken, webUi, mailNote };
}

/**
 * N workers as separate OS processes (`npm run start:worker`), given the embedded parts' addresses. Resolves
 * `done` when one of them exits on its own; `stop` ends them all gracefully.
 */
function startWorkerProcesses(config: EmbeddedParts['config'], count: number) {
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
    CLOUDSIGN_BASE_URL: config.CLOUDSIGN_BASE_URL,
    SMTP_URL: config.SMTP_URL,
    SECRETS_KEY: config.SECRETS_KEY,
    LOG_FORMAT: config.LOG_FORMAT,
  };
  // Process groups of their own, like the dev server's: Ctrl-C reaches only this process, which stops the
  // workers before the servers they need. They never outlive it, however it ends.
  const children: ChildProcess[] = Array.from({ length: count }, (_, i) =>
    spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
      env: { ...env, METRICS_PORT: String(config.METRICS_PORT && config.METRICS_PORT + 1 + i) },
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
    }),
  );
  process.once('exit', () => children.forEach((child) => child.kill('SIGKILL')));
  let stopping = false;
  const done = Promise.race(children.map((child, i) => once(child, 'exit').then(([code]) => {
    if (!stopping) throw new Error(`worker process ${i + 1} (pid ${child.pid}) exited with code ${String(code)}`);
  })));
  const stop = async () => {
    stopping = true;
    await Promise.all(children.filter((c) => c.exitCode === null && c.signalCode === null).map(async (child) => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }));
  };
  return { done, stop, pids: children.map((c) => c.pid) };
}

function printBanner(parts: EmbeddedParts, api: { url: string }, metrics: MetricsServer, workers: string, started: number, embeddedCloudSign: boolean) {
  // A token generated here is printed; one from the environment is not (the banner ends up in logs).
  const token = parts.config.BOOTSTRAP_ADMIN_TOKEN ? '$BOOTSTRAP_ADMIN_TOKEN' : parts.adminToken;
  console.log(`
cloudsign-sync is running (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)
  Console        ${api.url}/console   (sign in with the admin token below)
  API            ${api.url}   (docs: ${api.url}/docs, health: ${api.url}/health)
  Temporal UI    ${parts.webUi}
  CloudSign      ${parts.config.CLOUDSIGN_BASE_URL}${embeddedCloudSign ? `   (simulator, ${DEMO_DOCUMENTS} demo documents)` : ''}
  E-mail         ${parts.mailNote}
  Worker         ${workers}
  Metrics        ${metrics.url}${workers.startsWith('in this') ? '' : '   (the API; each worker process serves its own)'}
  Admin token    ${token}

Create a connection to the ${embeddedCloudSign ? 'simulator' : 'configured CloudSign'}:
  curl -s -X POST ${api.url}/v1/connections \\
    -H "Authorization: Bearer ${token}" -H 'Content-Type: application/json' \\
    -d '{"name":"Demo team","clientId":"${embeddedCloudSign ? DEMO_CLIENT_ID : '<your CloudSign client ID>'}","visibility":{"scope":"company"},"owners":[],"saveMode":"direct"}'

${embeddedCloudSign ? `Conclude a document in the simulator; CloudSign's webhook brings it into the ledger within seconds:
  curl -s -X POST ${parts.config.CLOUDSIGN_BASE_URL}/_sim/documents/conclude -H 'Content-Type: application/json' -d '{"count":1}'

` : ''}Press Ctrl-C to stop everything.`);
}

async function startWorkers(services: Services, parts: EmbeddedParts, count: number) {
  if (count === 0) return { ...(await runWorker(services)), description: 'in this process' };
  // Temporal's runtime of this process is then only the API's client side: its default is enough.
  const processes = startWorkerProcesses(parts.config, count);
  return { ...processes, description: `${count} worker processes (pids ${processes.pids.join(', ')})` };
}

/**
 * The dev database outlives `.data/` (a fresh clone, a deleted folder): its secrets were then sealed under a
 * key this run does not have, and every sync would fail on them. Said once, at start, with what to do.
 */
function secretsKeyMismatch(config: Config, keySet: boolean): ConfigError {
  const database = new URL(config.DATABASE_URL);
  const name = database.pathname.slice(1);
  return new ConfigError(
    `The database ${name} holds secrets sealed under another key than ${keySet ? 'the SECRETS_KEY set' : '.data/secrets.key'} ` +
      `(a fresh clone, or .data/ deleted, beside an old database?). Start afresh with \`dropdb -h ${database.hostname} -U ${database.username || 'postgres'} ${name}\` ` +
      '(npm run dev creates it again), or set SECRETS_KEY to the key it was made with.',
  );
}

/** Signals this soon after the first are the same Ctrl-C, relayed; a later one forces the stop. */
const REPEATED_SIGNAL_MS = 2_000;

async function main() {
  const started = Date.now();
  const workerCount = workerProcesses(process.argv.slice(2));
  const config = loadConfig();
  mkdirSync(DATA_DIR, { recursive: true });
  const stops: Stop[] = [];

  const parts = await startEmbeddedParts(config, stops);
  const services = await openServices(parts.config);
  stops.unshift(services.close);
  await migrate(services.orm);
  if (!(await storedSecretsOpen(services.orm.em.fork(), parts.config.SECRETS_KEY))) throw secretsKeyMismatch(parts.config, !!config.SECRETS_KEY);
  const email = parts.config.BOOTSTRAP_ADMIN_EMAIL;
  await ensureBootstrapAdmin(services.orm.em.fork(), { token: parts.adminToken, ...(email && { email }) });
  // The embedded dev server is started with them; a configured TEMPORAL_ADDRESS may lack them, and then every
  // connection's workflow start would fail.
  await ensureSearchAttributes(services.temporal.connection, parts.config.TEMPORAL_NAMESPACE);

  // Before the in-process worker's native connection: the SDK's runtime is set up once, by its first user.
  const telemetry = workerCount === 0 ? await installTemporalRuntime({ logger: services.logger, metrics: true }) : {};
  const worker = await startWorkers(services, parts, workerCount);
  stops.unshift(worker.stop);
  const api = await startApiServer(services);
  stops.unshift(api.close);
  const { METRICS_ADDRESS, METRICS_PORT: metricsPort } = parts.config;
  const metrics = await startMetricsServer({ metrics: services.metrics, address: METRICS_ADDRESS, port: metricsPort, ...(telemetry.sdkMetrics && { extra: telemetry.sdkMetrics }) });
  stops.unshift(metrics.close);
  if (!config.CLOUDSIGN_BASE_URL) await registerSimulatorHook(services, parts.config.CLOUDSIGN_BASE_URL);
  printBanner(parts, api, metrics, worker.description, started, !config.CLOUDSIGN_BASE_URL);

  let stoppingSince: number | undefined;
  const stop = async (signal: string) => {
    if (stoppingSince !== undefined) {
      // Ctrl-C reaches this process twice (from the terminal, and relayed by npm and tsx): the same request.
      // A second Ctrl-C later means "now": exit at once, the 'exit' handlers still kill the Temporal server.
      if (Date.now() - stoppingSince > REPEATED_SIGNAL_MS) process.exit(1);
      return;
    }
    stoppingSince = Date.now();
    console.log(`\n${signal}: stopping…`);
    for (const close of stops) await close().catch((error: Error) => console.error(error.message));
    process.exit(0);
  };
  // `on`, not `once`: with no listener left, a relayed repeat of the signal would end this process before it
  // stopped the Temporal dev server, which would then hold its ports for the next `npm run dev`.
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // A worker that fails on its own must not leave the rest running unnoticed.
  void worker.done.catch(async (error: Error) => {
    console.error('the worker stopped:', error);
    await stop('worker failure');
  });
}

main().catch((error: Error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
