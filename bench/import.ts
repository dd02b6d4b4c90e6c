/**
 * npm run bench:import -- [--files 2000] [--concurrency 4] [--seed 1] [--database cloudsign_sync_bench]
 *
 * How fast is the durable import, and what does Temporal cost? Against real parts — the Temporal dev
 * server (CLI, free loopback ports, a temporary SQLite file), Postgres (database `cloudsign_sync_bench`,
 * dropped and migrated at start, left behind for inspection), the CloudSign simulator in this process (no
 * rate limit, sized so that the demo user's concluded files ≈ --files) and file storage in a temporary
 * folder — it measures in one run:
 *
 *  1. the durable import: a worker in this process with the real activities, a connection created with
 *     POST /v1/connections, timed until the connection is `idle` after its full import; files/s, contracts,
 *     history events per 1,000 files (every run of `connection/<managementId>`), peak RSS and heap, and
 *     where the time went (activity durations and the gaps between them, from the workflow history);
 *  2. the plain copy: the same files into an emptied ledger and fresh storage without Temporal — the
 *     window's pages listed with `listWindowPage`, each given to the same `importDocuments` the activity
 *     calls, with the same concurrency — so that the only difference is Temporal;
 *  3. the ratio durable/plain against the target "no less than half the speed of the plain copy".
 *
 * Both are checked for exactness against the simulator's ground truth (`/_sim/truth`): one contract per
 * file, the right bytes, the PDF in storage. The CloudSign request budget is unlimited (`benchConfig`: 0 a minute):
 * at CloudSign's 800 requests a minute, a 10,000-file import (≈ 15,000 requests: a 書類情報 per document, a
 * download per file, the lists) takes ≥ 19 minutes whatever the code does, which would hide the rest.
 * It stops by itself (hard timeout 20 minutes) and tidies up on success, failure and Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { startSimulator, type RunningSimulator } from '../src/cloudsign-simulator';
import { openServices } from '../src/composition';
import type { MikroORM } from '../src/db';
import { importDocuments } from '../src/import/importer';
import { contractListingsOf, countWindow, listingScopeOf, listWindowPage } from '../src/import/window';
import { createConnection, finishRun, startRun } from '../src/ledger';
import { connectionWorkflowId, type SyncWindow } from '../src/temporal/messages';
import { benchConfig, exactness, freshDatabase, onExit, registeredStops, runBench, startDurableService, tempDir, tidy, truthOf, type Truth } from './support';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '4' }, // the activity's default importConcurrency
    seed: { type: 'string', default: '1' },
    // Two people benchmarking on one Postgres need two databases: the bench drops its database at start.
    database: { type: 'string', default: 'cloudsign_sync_bench' },
  },
});
const FILES = positiveInteger('--files', values.files);
const CONCURRENCY = positiveInteger('--concurrency', values.concurrency);
const SEED = Number.parseInt(values.seed, 10);

const HARD_TIMEOUT_MS = 20 * 60_000;
const CLIENT_ID = 'benchimport0123456789abcdefghijklmno'; // 36 alphanumerics, like a real client ID
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
/** A key of this run's own: what it encrypts lives only in the benchmark's database. */
const SECRETS_KEY = randomBytes(32).toString('hex');
const MB = 1024 * 1024;

function positiveInteger(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1, not "${text}"`);
  return n;
}

// ---------------------------------------------------------------------------------------------------------
// Parts

/** Empties every ledger table: the plain copy starts from the same nothing as the durable import. */
async function emptyDatabase(orm: MikroORM): Promise<void> {
  const tables = Object.values(orm.getMetadata().getAll()).map((meta) => `"${meta.tableName}"`);
  await orm.em.getConnection().execute(`truncate ${tables.join(', ')} restart identity cascade`);
}

/**
 * A simulator whose demo user sees ≈ `files` concluded files. A document has 1–5 files (about 2 on
 * average), so a first guess is corrected by the files per document it shows, until within 1 % (a larger
 * world keeps every document of a smaller one, so the count grows steadily with the documents).
 */
async function sizedSimulator(files: number): Promise<{ sim: RunningSimulator; truth: Truth }> {
  let documents = Math.max(1, Math.round(files / 2));
  for (let attempt = 1; ; attempt++) {
    const sim = await startSimulator({ documents, clientId: CLIENT_ID, seed: SEED, rateLimitPerMinute: 0, port: 0 });
    const truth = await truthOf(sim, CLIENT_ID);
    if (Math.abs(truth.files - files) <= files * 0.01 || attempt === 4) {
      onExit('the simulator', () => sim.close());
      return { sim, truth };
    }
    await sim.close();
    documents = Math.max(1, Math.round(documents * (files / Math.max(1, truth.files))));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Measuring

/** Peak RSS and heap of this process (worker, simulator, API and ORM together), sampled every 100 ms. */
function sampleMemory() {
  const peak = { rss: 0, heapUsed: 0 };
  const take = () => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
  };
  take();
  const before = { ...peak };
  const timer = setInterval(take, 100);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { before, peak };
    },
  };
}

/** CPU seconds a process (e.g. the Temporal dev server) has used so far, from /proc. */
function cpuSecondsOf(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks, 100 a second on Linux
  } catch {
    return NaN;
  }
}

const cpuSecondsOfThisProcess = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

interface Phase {
  name: string;
  seconds: number;
  contracts: number;
  exact: string | null; // null when exact, else what is wrong
  memory: ReturnType<ReturnType<typeof sampleMemory>['stop']>;
  cpuSeconds: number;
  /** Share of the time this process's event loop was busy: near 1, the main thread is the bottleneck. */
  eventLoop: number;
  load: [number, number];
}

// ---------------------------------------------------------------------------------------------------------
// 1. The durable import

interface HistoryFigures {
  runs: number;
  events: number;
  /** Per activity type: calls, and seconds from scheduled to completed (and to started, i.e. queueing). */
  activities: Map<string, { calls: number; seconds: number; queuedSeconds: number }>;
  /** From the workflow's first event until `finishRun` completed, and how much of it no activity ran. */
  importSeconds: number;
  betweenActivitiesSeconds: number;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const secondsOf = (event: HistoryEvent) => {
  const t = event.eventTime;
  return t ? Number(t.seconds ?? 0) + (t.nanos ?? 0) / 1e9 : NaN;
};

/**
 * Sums the history of every run of the connection's workflow (continue-as-new makes several) and reads
 * from it where the import's time went: the workflow is sequential, so its span is its activities plus
 * the time between them (workflow tasks, polling, history writes: Temporal's own cost).
 */
async function historyFigures(client: Client, workflowId: string): Promise<HistoryFigures> {
  // Visibility (the list) may trail the histories a little: wait until it shows the current run.
  const current = (await client.workflow.getHandle(workflowId).describe()).runId;
  let runs: { runId: string; startTime: Date }[] = [];
  for (let tries = 0; !runs.some((r) => r.runId === current); tries++) {
    if (tries === 50) throw new Error(`the workflow list does not show the current run of ${workflowId}`);
    if (tries) await new Promise((r) => setTimeout(r, 100));
    runs = [];
    for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(run);
  }
  runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  const figures: HistoryFigures = { runs: runs.length, events: 0, activities: new Map(), importSeconds: 0, betweenActivitiesSeconds: 0 };
  let firstEvent = NaN;
  let importEnd = NaN;
  let inActivities = 0;
  for (const run of runs) {
    const events = (await client.workflow.getHandle(workflowId, run.runId).fetchHistory()).events ?? [];
    figures.events += events.length;
    if (Number.isNaN(firstEvent) && events[0]) firstEvent = secondsOf(events[0]);
    const scheduled = new Map<string, { type: string; at: number; startedAt?: number }>();
    for (const event of events) {
      const id = String(event.eventId);
      const a = event.activityTaskScheduledEventAttributes;
      if (a) scheduled.set(id, { type: a.activityType?.name ?? '?', at: secondsOf(event) });
      const started = event.activityTaskStartedEventAttributes;
      if (started) scheduled.get(String(started.scheduledEventId))!.startedAt = secondsOf(event);
      const done = event.activityTaskCompletedEventAttributes;
      if (done) {
        const s = scheduled.get(String(done.scheduledEventId))!;
        const entry = figures.activities.get(s.type) ?? { calls: 0, seconds: 0, queuedSeconds: 0 };
        entry.calls++;
        entry.seconds += secondsOf(event) - s.at;
        entry.queuedSeconds += (s.startedAt ?? s.at) - s.at;
        figures.activities.set(s.type, entry);
        if (Number.isNaN(importEnd)) inActivities += secondsOf(event) - s.at;
        if (s.type === 'finishRun' && Number.isNaN(importEnd)) importEnd = secondsOf(event);
      }
    }
  }
  figures.importSeconds = importEnd - firstEvent;
  figures.betweenActivitiesSeconds = figures.importSeconds - inActivities;
  return figures;
}

/** The durable service (`startDurableService`), with an API call as the bootstrap admin that fails on an error. */
async function startBenchService(orm: MikroORM, sim: RunningSimulator) {
  const { server, services, app } = await startDurableService({
    name: 'bench-import',
    orm,
    cloudsignUrl: sim.url,
    secretsKey: SECRETS_KEY,
    adminToken: ADMIN_TOKEN,
    logLevel: 'WARN',
    importConcurrency: CONCURRENCY,
  });
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as { id: string; managementId: string; status: string; lastSyncAt: string | null; lastError: unknown };
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return { server, client: services.temporal.client, storage: services.storage, api };
}

async function durableImport(orm: MikroORM, sim: RunningSimulator, truth: Truth) {
  const outerStops = registeredStops(); // what this phase starts, it stops before the plain copy
  const { server, client, storage, api } = await startBenchService(orm, sim);

  const memory = sampleMemory();
  const cpuBefore = cpuSecondsOfThisProcess();
  const elu = performance.eventLoopUtilization();
  const serverCpuBefore = cpuSecondsOf(server.process.pid);
  const load0 = loadavg()[0]!;
  const started = performance.now();
  const created = await api('POST', '/v1/connections', {
    name: 'Benchmark',
    clientId: CLIENT_ID,
    visibility: { scope: 'company' },
    owners: [],
    saveMode: 'direct',
  });
  // Polled through the API, as an admin would watch it: every 250 ms, a few ms of CPU each (it counts the
  // connection's import records), so the watching barely weighs on what it watches.
  for (;;) {
    const c = await api('GET', `/v1/connections/${created.id}`);
    if (c.status === 'idle' && c.lastSyncAt) break;
    if (c.status === 'error' || c.status === 'quota_exhausted') throw new Error(`the import stopped: ${JSON.stringify(c.lastError)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const seconds = (performance.now() - started) / 1000;
  const phaseMemory = memory.stop();
  const cpuSeconds = cpuSecondsOfThisProcess() - cpuBefore;
  const eventLoop = performance.eventLoopUtilization(elu).utilization;
  const serverCpuSeconds = cpuSecondsOf(server.process.pid) - serverCpuBefore;
  const load: [number, number] = [load0, loadavg()[0]!];

  const workflowId = connectionWorkflowId(created.managementId);
  const history = await historyFigures(client, workflowId);
  const { contracts, problem } = await exactness(orm, storage, truth);
  // The connection would sleep a day and sync again: end it, so nothing runs behind the plain copy.
  await client.workflow.getHandle(workflowId).terminate('benchmark over');
  await tidy(outerStops); // worker, dev server, clients, mail catcher, this phase's storage
  const phase: Phase = { name: 'durable', seconds, contracts, exact: problem, memory: phaseMemory, cpuSeconds, eventLoop, load };
  return { phase, history, serverCpuSeconds };
}

// ---------------------------------------------------------------------------------------------------------
// 2. The plain copy

/** The same pages through the same `importDocuments`, in a loop, with no Temporal anywhere. */
async function plainCopy(orm: MikroORM, sim: RunningSimulator, truth: Truth) {
  await emptyDatabase(orm);
  // The same parts as the worker's, from the composition root: no request budget, fresh storage.
  const plain = await openServices(benchConfig({ CLOUDSIGN_BASE_URL: sim.url, SECRETS_KEY, FILE_STORAGE_DIR: tempDir('cloudsign-sync-bench-plain-') }), { orm });
  onExit('the plain copy\'s parts', () => plain.close());
  const { cloudsign, storage } = plain;

  const memory = sampleMemory();
  const cpuBefore = cpuSecondsOfThisProcess();
  const elu = performance.eventLoopUtilization();
  const load0 = loadavg()[0]!;
  const started = performance.now();
  const connection = await createConnection(orm.em.fork(), {
    name: 'Benchmark (plain)',
    clientId: CLIENT_ID,
    secretsKey: SECRETS_KEY,
    visibility: { scope: 'company' },
    owners: [],
    saveMode: 'direct',
  });
  // The same lists as the activity's beginRun (concluded, then imported documents), counted the same way.
  const bounds = { from: null, to: new Date().toISOString() };
  const user = await cloudsign.getMe(CLIENT_ID);
  const { listings } = await countWindow(cloudsign, CLIENT_ID, { ...bounds, listings: contractListingsOf(user) });
  const window: SyncWindow = { ...bounds, scope: listingScopeOf(user), listings };
  const run = await startRun(orm.em.fork(), { connectionId: connection.id, runKey: 'bench/plain', kind: 'full', window, listed: truth.files });
  let listingSeconds = 0;
  let pages = 0;
  for (let page = 1; ; page++) {
    const listedAt = performance.now();
    const { documents, hasMore } = await listWindowPage(cloudsign, CLIENT_ID, window, page);
    listingSeconds += (performance.now() - listedAt) / 1000;
    pages++;
    await importDocuments({ orm, cloudsign, storage }, { connectionId: connection.id, runId: run.id, clientId: CLIENT_ID, documents, concurrency: CONCURRENCY });
    if (!hasMore) break;
  }
  await finishRun(orm.em.fork(), { runId: run.id, outcome: 'succeeded' });
  const seconds = (performance.now() - started) / 1000;
  const phaseMemory = memory.stop();
  const cpuSeconds = cpuSecondsOfThisProcess() - cpuBefore;
  const eventLoop = performance.eventLoopUtilization(elu).utilization;
  const load: [number, number] = [load0, loadavg()[0]!];

  const { contracts, problem } = await exactness(orm, storage, truth);
  const phase: Phase = { name: 'plain', seconds, contracts, exact: problem, memory: phaseMemory, cpuSeconds, eventLoop, load };
  return { phase, pages, listingSeconds };
}

// ---------------------------------------------------------------------------------------------------------
// Report

const f1 = (n: number) => n.toFixed(1);
const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;

function printPhase(phase: Phase, files: number) {
  const { before, peak } = phase.memory;
  console.log(
    `${phase.name.padEnd(8)} ${f1(phase.seconds).padStart(7)} s  ${f1(files / phase.seconds).padStart(7)} files/s  ` +
      `${phase.contracts} contracts (${phase.exact ? `NOT EXACT: ${phase.exact}` : 'exact'})`,
  );
  console.log(
    `         peak rss ${mb(peak.rss)} (${mb(before.rss)} before), peak heap ${mb(peak.heapUsed)} (${mb(before.heapUsed)} before); ` +
      `this process used ${f1(phase.cpuSeconds)} CPU-s (${f1((phase.cpuSeconds / files) * 1000)} per 1,000 files), ` +
      `event loop busy ${(phase.eventLoop * 100).toFixed(0)} %; load ${phase.load[0].toFixed(2)} → ${phase.load[1].toFixed(2)}`,
  );
}

/**
 * Where the durable import's extra seconds went: the count pass (`beginRun` lists the whole window once
 * more to count its files), Temporal between activities, pages slower inside the activity than in the
 * loop (the same work, so: competition for the two cores, the activity's few extra queries), and the rest
 * (creating the connection, the status activities, the 250 ms polling).
 */
function printExtraTime(durable: Phase, history: HistoryFigures, plain: { phase: Phase; pages: number }) {
  const page = history.activities.get('importPage');
  const countPass = history.activities.get('beginRun')?.seconds ?? 0;
  const slowerPages = page ? page.seconds - page.calls * (plain.phase.seconds / plain.pages) : 0;
  const extra = durable.seconds - plain.phase.seconds;
  const rest = extra - countPass - history.betweenActivitiesSeconds - slowerPages;
  console.log(
    `extra time of the durable import ${f1(extra)} s = count pass ${f1(countPass)} s + between activities ${f1(history.betweenActivitiesSeconds)} s ` +
      `+ pages slower in the activity ${f1(slowerPages)} s + the rest ${f1(rest)} s`,
  );
}

async function main() {
  const cores = cpus().length;
  console.log(
    `bench:import — node ${process.version}, ${cores} cores (${cpus()[0]?.model.trim() ?? '?'}), ${mb(totalmem())} RAM (${mb(freemem())} free), ` +
      `load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  console.log(`--files ${FILES} --concurrency ${CONCURRENCY} --seed ${SEED}; CloudSign request budget: unlimited (RequestBudget(0), simulator rate limit off)`);

  const orm = await freshDatabase(values.database);
  const { sim, truth } = await sizedSimulator(FILES);
  console.log(`simulator: ${truth.documents.length} concluded documents, ${truth.files} files (the truth)`);

  const durable = await durableImport(orm, sim, truth);
  const plain = await plainCopy(orm, sim, truth);

  const { history } = durable;
  console.log('');
  printPhase(durable.phase, truth.files);
  console.log(
    `         history: ${history.events} events in ${history.runs} runs = ${f1((history.events / truth.files) * 1000)} per 1,000 files; ` +
      `Temporal dev server used ${f1(durable.serverCpuSeconds)} CPU-s`,
  );
  console.log(`         import span in history ${f1(history.importSeconds)} s, of which between activities ${f1(history.betweenActivitiesSeconds)} s:`);
  for (const [type, a] of history.activities) {
    console.log(`           ${type.padEnd(20)} ${String(a.calls).padStart(4)} × ${(a.seconds / a.calls).toFixed(3)} s = ${f1(a.seconds)} s (queued ${f1(a.queuedSeconds)} s)`);
  }
  printPhase(plain.phase, truth.files);
  console.log(`         ${plain.pages} pages, ${(plain.phase.seconds / plain.pages).toFixed(3)} s each; listing them took ${f1(plain.listingSeconds)} s in all`);
  printExtraTime(durable.phase, history, plain);

  const ratio = plain.phase.seconds / durable.phase.seconds; // durable speed / plain speed
  console.log('');
  console.log(`ratio durable/plain ${ratio.toFixed(2)} — target ≥ 0.50: ${ratio >= 0.5 ? 'met' : 'NOT met'}`);
  console.log(`exactness: truth ${truth.files} files; durable ${durable.phase.contracts} contracts, plain ${plain.phase.contracts} contracts`);
  return durable.phase.exact === null && plain.phase.exact === null;
}

// Bounded: whatever hangs, the run ends within the hard timeout and still tidies up.
await runBench('bench:import', HARD_TIMEOUT_MS, main);
