// `npm run dev`: the whole service on embedded defaults, in one terminal. Whatever is not configured is
// started here: the Temporal dev server (Web UI), the CloudSign simulator with demo data, a mail catcher,
// a secrets key and an admin token kept in .data/ so that a restart keeps them. Ctrl-C stops everything.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startApiServer } from '../api/server';
import { startSimulator } from '../src/cloudsign-simulator';
import { openServices } from '../src/composition';
import { ConfigError, loadConfig } from '../src/config';
import { migrate } from '../src/db';
import { ensureBootstrapAdmin } from '../src/ledger';
import { startMailCatcher } from '../src/mail/catcher';
import { startDevServer } from '../src/temporal/dev-server';
import { runWorker } from '../worker';

const DATA_DIR = resolve('.data');
const SIMULATOR_PORT = 4010;
const SMTP_PORT = 1025;
/** The simulator's demo user; a real client ID comes from CloudSign's admin screen. */
const DEMO_CLIENT_ID = 'demo0123456789abcdefghijklmnopqrstuv';
const DEMO_DOCUMENTS = 120;

/** A value kept in a git-ignored file, generated on the first run. */
function keptSecret(name: string, generate: () => string): string {
  const file = join(DATA_DIR, name);
  if (!existsSync(file)) writeFileSync(file, generate(), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

async function main() {
  const started = Date.now();
  const config = loadConfig();
  mkdirSync(DATA_DIR, { recursive: true });
  const stops: Array<() => Promise<unknown>> = [];

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

  const services = await openServices({
    ...config,
    TEMPORAL_ADDRESS: temporalAddress,
    CLOUDSIGN_BASE_URL: cloudsignBaseUrl,
    SMTP_URL: smtpUrl,
    SECRETS_KEY: secretsKey,
  });
  stops.unshift(services.close);
  await migrate(services.orm);
  await ensureBootstrapAdmin(services.orm.em.fork(), { token: adminToken });
  // A token generated here is printed; one from the environment is not (the banner ends up in logs).
  const shownToken = config.BOOTSTRAP_ADMIN_TOKEN ? '$BOOTSTRAP_ADMIN_TOKEN' : adminToken;

  const worker = await runWorker(services);
  stops.unshift(worker.stop);

  const api = await startApiServer(services);
  stops.unshift(api.close);

  console.log(`
cloudsign-sync is running (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)
  API            ${api.url}   (docs: ${api.url}/docs, health: ${api.url}/health)
  Temporal UI    ${webUi}
  CloudSign      ${cloudsignBaseUrl}${config.CLOUDSIGN_BASE_URL ? '' : `   (simulator, ${DEMO_DOCUMENTS} demo documents)`}
  E-mail         ${mailNote}
  Admin token    ${shownToken}

Create a connection to the ${config.CLOUDSIGN_BASE_URL ? 'configured CloudSign' : 'simulator'}:
  curl -s -X POST ${api.url}/v1/connections \\
    -H "Authorization: Bearer ${shownToken}" -H 'Content-Type: application/json' \\
    -d '{"name":"Demo team","clientId":"${config.CLOUDSIGN_BASE_URL ? '<your CloudSign client ID>' : DEMO_CLIENT_ID}","visibility":{"scope":"company"},"owners":[],"saveMode":"direct"}'

Press Ctrl-C to stop everything.`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    for (const close of stops) await close().catch((error: Error) => console.error(error.message));
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
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
