/**
 * What a benchmark on real parts needs around its measurement: tidying up whatever happens, free loopback
 * ports, temporary folders, a database of its own, and the durable service wired by the composition root.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import pg from 'pg';
import { createApp } from '../api/app';
import type { RunningSimulator } from '../src/cloudsign-simulator';
import { openServices, type Overrides } from '../src/composition';
import { loadConfig, type Config } from '../src/config';
import { migrate, openDatabase, type MikroORM } from '../src/db';
import { ensureBootstrapAdmin } from '../src/ledger';
import { startMailCatcher } from '../src/mail/catcher';
import type { FileStorage } from '../src/storage';
import { startDevServer } from '../src/temporal/dev-server';
import { runWorker } from '../worker';

const stops: Array<{ what: string; stop: () => Promise<unknown> }> = [];

/** Registers how to stop something started; `tidy()` stops everything, newest first. */
export const onExit = (what: string, stop: () => Promise<unknown>) => void stops.unshift({ what, stop });

/** How many stops are registered now: `tidy(count)` later stops only what was started after this. */
export const registeredStops = () => stops.length;

export async function tidy(keep = 0): Promise<void> {
  while (stops.length > keep) {
    const { what, stop } = stops.shift()!;
    await stop().catch((error: Error) => console.error(`while stopping ${what}: ${error.message}`));
  }
}

/** Runs `main` within `hardTimeoutMs`, tidying up on success, failure, timeout and Ctrl-C; exits 0 when it returns true. */
export async function runBench(name: string, hardTimeoutMs: number, main: () => Promise<boolean>): Promise<never> {
  const timeout = setTimeout(() => {
    console.error(`${name}: no result within ${hardTimeoutMs / 60_000} minutes; stopping`);
    void tidy().finally(() => process.exit(2));
  }, hardTimeoutMs);
  process.once('SIGINT', () => void tidy().finally(() => process.exit(130)));
  let ok = false;
  try {
    ok = await main();
  } catch (error) {
    console.error(error);
  } finally {
    clearTimeout(timeout);
    await tidy();
  }
  process.exit(ok ? 0 : 1);
}

/** A temporary folder, removed when the run ends. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onExit(dir, async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A port nobody listens on now (the Temporal dev server needs to be told its ports). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The URL of database `name` on the configured Postgres, which must be on loopback (a benchmark drops it). */
export function databaseUrlOf(name: string): string {
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/cloudsign_sync');
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error(`DATABASE_URL must point to a loopback address, not ${url.hostname}`);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A database `name` on the configured (loopback) Postgres, dropped, created and migrated; left behind for
 * inspection. Never the development database.
 */
export async function freshDatabase(benchName: string): Promise<MikroORM> {
  // BENCH_DATABASE names another database, so that two people benchmarking on one Postgres do not drop each other's.
  const name = process.env.BENCH_DATABASE ?? benchName;
  const url = new URL(databaseUrlOf(name));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await client.end();
  }
  const orm = await openDatabase(url.toString());
  onExit('the ORM', () => orm.close());
  await migrate(orm);
  return orm;
}

/** The simulator's ground truth (`/_sim/truth`): what an exact import brings, file by file. */
export interface Truth {
  files: number;
  documents: { id: string; files: { id: string; sha256: string }[] }[];
}

export async function truthOf(sim: RunningSimulator, clientId: string): Promise<Truth> {
  const res = await fetch(`${sim.url}/_sim/truth?client_id=${clientId}`);
  if (!res.ok) throw new Error(`/_sim/truth answered ${res.status}`);
  return (await res.json()) as Truth;
}

/**
 * Exactness against the ground truth: every file of the truth is one contract with the same SHA-256, no
 * contract is extra, and every PDF is in storage.
 */
export async function exactness(orm: MikroORM, storage: FileStorage, truth: Truth): Promise<{ contracts: number; problem: string | null }> {
  const rows = await orm.em.getConnection().execute<{ document_id: string; file_id: string; file_sha256: string }[]>(
    'select document_id, file_id, file_sha256 from contracts',
  );
  const ledger = new Map(rows.map((r) => [`${r.document_id}/${r.file_id}`, r.file_sha256]));
  const problems: string[] = [];
  if (rows.length !== truth.files) problems.push(`${rows.length} contracts for ${truth.files} files`);
  if (ledger.size !== rows.length) problems.push(`${rows.length - ledger.size} duplicated files`);
  let wrong = 0;
  let missing = 0;
  for (const document of truth.documents) {
    for (const file of document.files) {
      const sha256 = ledger.get(`${document.id}/${file.id}`);
      if (sha256 === undefined) missing++;
      else if (sha256 !== file.sha256 || !(await storage.exists(sha256))) wrong++;
    }
  }
  if (missing) problems.push(`${missing} files missing`);
  if (wrong) problems.push(`${wrong} files with wrong bytes or no PDF in storage`);
  return { contracts: rows.length, problem: problems.length ? problems.join(', ') : null };
}

/** Percentile of sorted numbers. */
export const percentile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/**
 * A benchmark's configuration: the defaults with no CloudSign request budget (at CloudSign's 800 requests a
 * minute the budget, not the code, would set the pace) and mail that never leaves loopback.
 */
export function benchConfig(values: Partial<Config>): Config {
  return { ...loadConfig({}), CLOUDSIGN_REQUESTS_PER_MINUTE: 0, MAIL_FROM: 'cloudsign-sync <bench@localhost>', ...values };
}

export interface DurableServiceOptions {
  /** Names the task queue and the temporary folders. */
  name: string;
  orm: MikroORM;
  cloudsignUrl: string;
  secretsKey: string;
  adminToken: string;
  /** Workers log every state change at INFO; a benchmark wants only what went wrong. */
  logLevel: LogLevel;
  importConcurrency?: Overrides['importConcurrency'];
  /** Configuration beyond the benchmark defaults (e.g. the request budget on). */
  config?: Partial<Config>;
}

/**
 * The durable half of the service in this process, as `npm run dev` wires it: a Temporal dev server (free
 * loopback ports, a temporary SQLite file), a mail catcher (incident mail, none expected, never goes out),
 * the composition root's services on `orm` with file storage in a temporary folder, a worker running the
 * real workflows and activities, the bootstrap admin, and the API app. `tidy()` stops all of it.
 */
export async function startDurableService(options: DurableServiceOptions) {
  const { name, orm } = options;
  Runtime.install({ logger: new DefaultLogger(options.logLevel) });
  const server = await startDevServer({
    port: await freePort(),
    uiPort: await freePort(),
    namespace: 'default',
    dbFile: join(tempDir(`cloudsign-sync-${name}-temporal-`), 'temporal.sqlite'),
  });
  onExit('the Temporal dev server', () => server.stop());
  const mail = await startMailCatcher();
  onExit('the mail catcher', () => mail.close());
  const config = benchConfig({
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TASK_QUEUE: name,
    CLOUDSIGN_BASE_URL: options.cloudsignUrl,
    SMTP_URL: mail.url,
    SECRETS_KEY: options.secretsKey,
    FILE_STORAGE_DIR: tempDir(`cloudsign-sync-${name}-files-`),
    ...options.config,
  });
  const services = await openServices(config, { orm, ...(options.importConcurrency !== undefined && { importConcurrency: options.importConcurrency }) });
  onExit('the Temporal client', () => services.close());
  const worker = await runWorker(services);
  onExit('the worker', () => worker.stop());
  await ensureBootstrapAdmin(orm.em.fork(), { token: options.adminToken });
  return { server, services, app: createApp(services) };
}
