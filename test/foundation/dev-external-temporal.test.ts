import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../bench/support';
import { startSimulator, type RunningSimulator } from '../../src/cloudsign-simulator';
import { startMailCatcher, type MailCatcher } from '../../src/mail/catcher';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/messages';
import { missingSearchAttributes } from '../../src/temporal/search-attributes';
import { TEST_SECRETS_KEY } from '../support/app';
import { testDatabaseUrl } from '../support/database';
import { eventually } from '../support/service';

/** `npm run dev` with every part configured, as a developer with their own Temporal server runs it. */

let temporal: DevServer;
let connection: Connection;
let simulator: RunningSimulator;
let mail: MailCatcher;
let dev: ChildProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), 'cloudsign-sync-dev-'));

beforeAll(async () => {
  [temporal, simulator, mail] = await Promise.all([
    // A Temporal server without our search attributes, as an operator's may be.
    startDevServer({ port: await freePort(), uiPort: await freePort(), namespace: 'default', dbFile: join(dir, 'temporal.sqlite'), searchAttributes: false }),
    startSimulator({ port: 0, documents: 3, clientId: 'devclient0123456789abcdefghijklmnopq', rateLimitPerMinute: 0 }),
    startMailCatcher(),
  ]);
  connection = await Connection.connect({ address: temporal.address });
});
afterAll(async () => {
  if (dev && dev.exitCode === null) {
    const exited = once(dev, 'exit');
    dev.kill('SIGINT');
    await exited;
  }
  await connection?.close();
  await mail?.close();
  await simulator?.close();
  await temporal?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('creates the search attributes a configured TEMPORAL_ADDRESS lacks, and serves the API and worker metrics on one listener', async () => {
  expect(await missingSearchAttributes(connection, 'default')).toEqual(SEARCH_ATTRIBUTES.map((a) => a.name));
  const [port, metricsPort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    DATABASE_URL: testDatabaseUrl(),
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: 'dev-test',
    CLOUDSIGN_BASE_URL: simulator.url,
    SMTP_URL: mail.url,
    // The run's database holds other files' connections, sealed under the tests' key: npm run dev checks it opens them.
    SECRETS_KEY: TEST_SECRETS_KEY,
    BOOTSTRAP_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
    FILE_STORAGE_DIR: join(dir, 'files'),
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
  };
  dev = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  dev.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await eventually(async () => {
    if (dev!.exitCode !== null) throw new Error(`npm run dev exited with ${dev!.exitCode}: ${output}`);
    return output.includes('cloudsign-sync is running');
  }, 90_000, 'npm run dev to be ready');

  expect(await missingSearchAttributes(connection, 'default')).toEqual([]);
  expect(output).toContain(`Metrics        http://127.0.0.1:${metricsPort}/metrics`);
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  expect(metrics).toMatch(/^cloudsign_sync_files_imported_total 0$/m);
  expect(metrics).toMatch(/^temporal_\w+/m);
  // A person reads this terminal: the worker's lines are readable, not JSON.
  expect(output).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  Workflow bundle created sdkComponent=worker/m);
});
