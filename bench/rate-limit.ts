/**
 * npm run bench:rate-limit -- [--files 700] [--limit 240] [--workers 1,2,4] [--seed 1] [--database cloudsign_sync_bench_rate_limit]
 *
 * Does the one request budget hold CloudSign's limit however many processes share it, and does it cost
 * time? For each number of worker processes it runs, on real parts, a full import of ≈ --files files:
 * the CloudSign simulator in this process counting the limit the strict way (`--rate-limit-window sliding`:
 * per user, any 60-second span, on arrival; the request that crosses it is refused with 429 and blocks the
 * user for a minute), the Temporal dev server (CLI, free loopback ports, a temporary SQLite file), Postgres
 * (database --database, dropped and migrated per configuration), N worker processes
 * (`worker/main.ts`, as `npm run start:worker` runs them) and the API in this process, every part with
 * CLOUDSIGN_REQUESTS_PER_MINUTE = --limit. While the import runs, the API previews the same client ID every
 * PREVIEW_EVERY_MS, as an admin would.
 *
 * Per configuration it prints the requests CloudSign received, the busiest 60-second span of them / the
 * limit (the simulator's own count on arrival, `/_sim/rate-limit`), the 429s, the time from the connect
 * request until the connection is idle against the ideal time (requests ÷ limit), the previews' answer
 * times, and whether the ledger holds exactly the simulator's truth; and it checks: 0 × 429, exact,
 * time ≤ 1.1 × ideal + 30 s. One preview before the import, alone, shows what a preview costs here budget aside.
 * One connection's workflow runs one page at a time, so its pages land on
 * whichever worker polls first: the budget, kept in Postgres, is what holds the minute as they move.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createApp } from '../api/app';
import { startSimulator, type RunningSimulator } from '../src/cloudsign-simulator';
import { openServices } from '../src/composition';
import { ensureBootstrapAdmin } from '../src/ledger';
import { startMailCatcher } from '../src/mail/catcher';
import { startDevServer } from '../src/temporal/dev-server';
import { connectionWorkflowId } from '../src/temporal/messages';
import { benchConfig, databaseUrlOf, exactness, freePort, freshDatabase, onExit, registeredStops, runBench, tempDir, tidy, truthOf } from './support';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '700' },
    limit: { type: 'string', default: '240' },
    workers: { type: 'string', default: '1,2,4' },
    seed: { type: 'string', default: '1' },
    database: { type: 'string', default: 'cloudsign_sync_bench_rate_limit' },
  },
});
const FILES = positiveInteger('--files', values.files);
const LIMIT = positiveInteger('--limit', values.limit);
const WORKER_COUNTS = values.workers.split(',').map((n) => positiveInteger('--workers', n));
const SEED = Number.parseInt(values.seed, 10);

const HARD_TIMEOUT_MS = 60 * 60_000;
const PREVIEW_EVERY_MS = 45_000;
const CLIENT_ID = 'benchratelimit0123456789abcdefghijkl'; // 36 alphanumerics, like a real client ID
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const SECRETS_KEY = randomBytes(32).toString('hex');

function positiveInteger(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1, not "${text}"`);
  return n;
}

type Api = (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>>;

/** The API app as the bootstrap admin; an answer that is not 2xx throws. */
function apiOf(app: ReturnType<typeof createApp>): Api {
  return async (method, path, body) => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}

/** `count` worker processes on `env`, each ready when it says it polls; `tidy()` stops them with SIGTERM. */
async function startWorkerProcesses(count: number, env: NodeJS.ProcessEnv): Promise<ChildProcess[]> {
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  // They never outlive the benchmark, however it ends.
  process.once('exit', () => children.forEach((child) => child.kill('SIGKILL')));
  for (const child of children) {
    onExit(`worker process ${child.pid}`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    });
  }
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve, reject) => {
          let stderr = '';
          child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
          child.stdout!.on('data', (chunk: Buffer) => {
            if (chunk.toString().includes('worker polling')) resolve();
          });
          child.once('exit', (code) => reject(new Error(`worker process ${child.pid} exited with ${String(code)} before it polled: ${stderr}`)));
        }),
    ),
  );
  return children;
}

interface RateLimitReport {
  users: { allowed: number; refused: number; busiestSpan: number }[];
}

async function rateLimitCount(sim: RunningSimulator) {
  const res = await fetch(`${sim.url}/_sim/rate-limit`);
  const { users } = (await res.json()) as RateLimitReport;
  // The benchmark's client ID is one CloudSign user.
  const user = users[0] ?? { allowed: 0, refused: 0, busiestSpan: 0 };
  return { requests: user.allowed + user.refused, refused: user.refused, busiestSpan: user.busiestSpan };
}

/** Previews the client ID every PREVIEW_EVERY_MS until stopped; their answer times in seconds. */
function previewEvery(api: Api) {
  const seconds: number[] = [];
  let running = true;
  let wake = () => {};
  const done = (async () => {
    while (running) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, PREVIEW_EVERY_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (!running) break;
      const started = performance.now();
      await api('POST', '/v1/connection-previews', { clientId: CLIENT_ID });
      seconds.push((performance.now() - started) / 1000);
    }
  })();
  return {
    async stop() {
      running = false;
      wake();
      await done;
      return seconds;
    },
  };
}

/** How many worker processes ran the workflow's activities (an activity task's `identity` is `pid@host`). */
async function pageWorkers(client: Awaited<ReturnType<typeof openServices>>['temporal']['client'], workflowId: string): Promise<number> {
  const identities = new Set<string>();
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const events = (await client.workflow.getHandle(workflowId, run.runId).fetchHistory()).events ?? [];
    for (const event of events) {
      const identity = event.activityTaskStartedEventAttributes?.identity;
      if (identity) identities.add(identity);
    }
  }
  return identities.size;
}

interface Result {
  workers: number;
  files: number;
  requests: number;
  busiestSpan: number;
  refused: number;
  seconds: number;
  idealSeconds: number;
  exact: string | null;
  contracts: number;
  previews: number[];
  previewAloneSeconds: number;
  pageWorkers: number;
  load: [number, number];
}

async function runConfiguration(workers: number, documents: number): Promise<Result> {
  const keep = registeredStops();
  const orm = await freshDatabase(values.database);
  const sim = await startSimulator({ documents, clientId: CLIENT_ID, seed: SEED, rateLimitPerMinute: LIMIT, rateLimitWindow: 'sliding', port: 0 });
  onExit('the simulator', () => sim.close());
  const truth = await truthOf(sim, CLIENT_ID);
  const temporal = await startDevServer({
    port: await freePort(),
    uiPort: await freePort(),
    namespace: 'default',
    dbFile: join(tempDir('cloudsign-sync-bench-rate-limit-temporal-'), 'temporal.sqlite'),
  });
  onExit('the Temporal dev server', () => temporal.stop());
  const mail = await startMailCatcher();
  onExit('the mail catcher', () => mail.close());
  const settings = {
    DATABASE_URL: databaseUrlOf(values.database),
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: 'bench-rate-limit',
    CLOUDSIGN_BASE_URL: sim.url,
    SMTP_URL: mail.url,
    SECRETS_KEY,
    // Shared by the workers: one storage, as on a shared volume.
    FILE_STORAGE_DIR: tempDir('cloudsign-sync-bench-rate-limit-files-'),
  };
  const services = await openServices(benchConfig({ ...settings, CLOUDSIGN_REQUESTS_PER_MINUTE: LIMIT }), { orm });
  onExit('the API services', () => services.close());
  await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN });
  const api = apiOf(createApp(services));
  await startWorkerProcesses(workers, { ...settings, CLOUDSIGN_REQUESTS_PER_MINUTE: String(LIMIT), MAIL_FROM: 'cloudsign-sync <bench@localhost>' });
  console.log(`   ${workers} worker processes polling; ${truth.files} files to import`);

  // The same preview with no import running: what a preview costs on this machine, budget aside.
  const alone = performance.now();
  await api('POST', '/v1/connection-previews', { clientId: CLIENT_ID });
  const previewAloneSeconds = (performance.now() - alone) / 1000;
  const before = await rateLimitCount(sim); // not part of the import's requests, nor of its time

  const load0 = loadavg()[0]!;
  const started = performance.now();
  const created = await api('POST', '/v1/connections', {
    name: 'Benchmark',
    clientId: CLIENT_ID,
    visibility: { scope: 'company' },
    owners: [],
    saveMode: 'direct',
  });
  const previews = previewEvery(api);
  for (;;) {
    const c = await api('GET', `/v1/connections/${String(created.id)}`);
    if (c.status === 'idle' && c.lastSyncAt) break;
    if (c.status === 'error' || c.status === 'quota_exhausted') throw new Error(`the import stopped: ${JSON.stringify(c.lastError)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const seconds = (performance.now() - started) / 1000;
  const previewSeconds = await previews.stop();
  const load: [number, number] = [load0, loadavg()[0]!];
  const counted = await rateLimitCount(sim);
  const { contracts, problem } = await exactness(orm, services.storage, truth);
  const workflowId = connectionWorkflowId(String(created.managementId));
  const workersUsed = await pageWorkers(services.temporal.client, workflowId);
  await services.temporal.client.workflow.getHandle(workflowId).terminate('benchmark over');
  await tidy(keep);
  return {
    workers,
    files: truth.files,
    ...counted,
    requests: counted.requests - before.requests,
    seconds,
    idealSeconds: ((counted.requests - before.requests) / LIMIT) * 60,
    exact: problem,
    contracts,
    previews: previewSeconds,
    previewAloneSeconds,
    pageWorkers: workersUsed,
    load,
  };
}

const f1 = (n: number) => n.toFixed(1);

/** Prints one configuration's figures; true when it meets the criteria. */
function report(r: Result): boolean {
  const allowedSeconds = 1.1 * r.idealSeconds + 30;
  const ok = r.refused === 0 && r.exact === null && r.seconds <= allowedSeconds && r.busiestSpan <= LIMIT;
  const previewMax = r.previews.length ? Math.max(...r.previews) : NaN;
  console.log(
    `${String(r.workers).padStart(2)} worker process${r.workers === 1 ? '  ' : 'es'}  ` +
      `requests ${r.requests}  busiest 60 s ${r.busiestSpan}/${LIMIT}  429s ${r.refused}  ` +
      `time ${f1(r.seconds)} s / ideal ${f1(r.idealSeconds)} s = ${(r.seconds / r.idealSeconds).toFixed(2)} (allowed ${f1(allowedSeconds)} s)  ` +
      `${r.exact === null ? `exact (${r.contracts} contracts = ${r.files} files)` : `NOT exact: ${r.exact}`}  ` +
      `previews ${r.previews.length}, slowest ${f1(previewMax)} s (alone ${f1(r.previewAloneSeconds)} s)  activities on ${r.pageWorkers} of ${r.workers} processes  ` +
      `load ${f1(r.load[0])} → ${f1(r.load[1])}  ${ok ? 'met' : 'NOT met'}`,
  );
  return ok;
}

async function main() {
  console.log(
    `bench:rate-limit — node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? '?'}), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  // A document has about two files; the seeded world is the same for every configuration.
  const documents = Math.max(1, Math.round(FILES / 2));
  console.log(
    `--files ${FILES} (${documents} documents) --limit ${LIMIT}: simulator --rate-limit ${LIMIT} --rate-limit-window sliding, ` +
      `CLOUDSIGN_REQUESTS_PER_MINUTE=${LIMIT}, a preview every ${PREVIEW_EVERY_MS / 1000} s; criteria: 0 × 429, exact, time ≤ 1.1 × ideal + 30 s`,
  );
  let ok = true;
  for (const workers of WORKER_COUNTS) ok = report(await runConfiguration(workers, documents)) && ok;
  return ok;
}

await runBench('bench:rate-limit', HARD_TIMEOUT_MS, main);
