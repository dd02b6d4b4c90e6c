/**
 * npm run bench:reconcile -- [--files 10000] [--missing 0.01] [--seed 1]
 *
 * What does a reconciliation cost? Against real parts — Postgres (database `cloudsign_sync_bench_reconcile`,
 * dropped and migrated at start, left behind for inspection), the CloudSign simulator in this process (no
 * rate limit, sized so that the demo user's concluded files ≈ --files), file storage in a temporary folder —
 * it runs the reconciliation's work (`reconcileConnection`, what the `reconcile` activity calls) twice:
 *
 *  1. with nothing missing: the ledger holds an import record for every file the user sees;
 *  2. with --missing (1 %) of the files missing: the records of whole documents (every n-th one) removed,
 *     so the reconciliation downloads and saves those, through the same import path as a sync.
 *
 * For each: CloudSign requests by kind (from the simulator's request log), seconds, and the completeness it
 * recorded, which must end with `missing: 0` and every file in the ledger. The ledger of phase 1 is
 * written directly (one import record per file, as a finished import leaves them) instead of by a
 * ten-minute import first: the reconciliation reads only those records. It stops by itself (hard timeout
 * 10 minutes) and tidies up on success, failure and Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startSimulator, type RunningSimulator } from '../src/cloudsign-simulator';
import { openServices } from '../src/composition';
import type { MikroORM } from '../src/db';
import { reconcileConnection } from '../src/import/reconcile';
import { createConnection, startRun, type Completeness } from '../src/ledger';
import { sqlArray } from '../src/ledger/sql';
import { benchConfig, freshDatabase, onExit, runBench, tempDir } from './support';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '10000' },
    missing: { type: 'string', default: '0.01' },
    seed: { type: 'string', default: '1' },
  },
});
const FILES = Number(values.files);
const MISSING = Number(values.missing);
const SEED = Number.parseInt(values.seed, 10);
if (!Number.isSafeInteger(FILES) || FILES < 1) throw new Error(`--files must be a whole number ≥ 1, not "${values.files}"`);
if (!(MISSING > 0 && MISSING < 1)) throw new Error(`--missing must be a fraction between 0 and 1, not "${values.missing}"`);

const CLIENT_ID = 'benchreconcile0123456789abcdefghijkl';
const SECRETS_KEY = randomBytes(32).toString('hex');

interface Truth {
  files: number;
  documents: { id: string; files: { id: string }[] }[];
}

async function simJson<T>(sim: RunningSimulator, method: string, path: string): Promise<T> {
  const res = await fetch(`${sim.url}/_sim${path}`, { method });
  if (!res.ok) throw new Error(`simulator ${method} ${path}: ${res.status}`);
  return res.json() as Promise<T>;
}

/** A simulator whose demo user sees ≈ `files` files (a document has about 2), corrected until within 2 %. */
async function sizedSimulator(files: number): Promise<{ sim: RunningSimulator; truth: Truth }> {
  let documents = Math.max(1, Math.round(files / 2));
  for (let attempt = 1; ; attempt++) {
    const sim = await startSimulator({ documents, clientId: CLIENT_ID, seed: SEED, rateLimitPerMinute: 0, port: 0 });
    const truth = await simJson<Truth>(sim, 'GET', `/truth?client_id=${CLIENT_ID}`);
    if (Math.abs(truth.files - files) <= files * 0.02 || attempt === 4) {
      onExit('the simulator', () => sim.close());
      return { sim, truth };
    }
    await sim.close();
    documents = Math.max(1, Math.round(documents * (files / Math.max(1, truth.files))));
  }
}

/** One import record per file, as a finished import leaves them. */
async function seedLedger(orm: MikroORM, connectionId: string, truth: Truth): Promise<void> {
  const files = truth.documents.flatMap((d) => d.files.map((f) => [d.id, f.id] as const));
  await orm.em.getConnection().execute(
    `insert into import_records (document_id, file_id, connection_id, imported_at) select d, f, ?, now() from unnest(?::text[], ?::text[]) as t(d, f)`,
    [connectionId, sqlArray(files.map(([d]) => d)), sqlArray(files.map(([, f]) => f))],
  );
}

/** Removes the records of every n-th document, about `fraction` of the files; returns how many files. */
async function loseSome(orm: MikroORM, truth: Truth, fraction: number): Promise<number> {
  const every = Math.max(1, Math.round(1 / fraction));
  const lost = truth.documents.filter((_, i) => i % every === every - 1);
  await orm.em.getConnection().execute(`delete from import_records where document_id = any(?::text[])`, [sqlArray(lost.map((d) => d.id))]);
  return lost.reduce((n, d) => n + d.files.length, 0);
}

/** The requests since the log was cleared, by kind. */
async function requestsByKind(sim: RunningSimulator): Promise<Record<string, number>> {
  const { requests } = await simJson<{ requests: { path: string }[] }>(sim, 'GET', '/requests');
  const kinds: Record<string, number> = {};
  for (const { path } of requests) {
    const kind = /^\/documents\?/.test(path) ? 'list' : /\/files\//.test(path) ? 'download' : /\/attribute/.test(path) ? '書類情報' : path.split('?')[0]!;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

async function main(): Promise<boolean> {
  console.log(`bench:reconcile — node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? '?'}), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const orm = await freshDatabase('cloudsign_sync_bench_reconcile');
  const { sim, truth } = await sizedSimulator(FILES);
  console.log(`simulator: ${truth.documents.length} concluded documents, ${truth.files} files; CloudSign request budget unlimited`);
  const services = await openServices(benchConfig({ CLOUDSIGN_BASE_URL: sim.url, SECRETS_KEY, FILE_STORAGE_DIR: tempDir('cloudsign-sync-bench-reconcile-') }), { orm });
  onExit('the services', () => services.close());
  const connection = await createConnection(orm.em.fork(), {
    name: 'Benchmark', clientId: CLIENT_ID, secretsKey: SECRETS_KEY, visibility: { scope: 'company' }, owners: [], saveMode: 'direct',
  });
  await seedLedger(orm, connection.id, truth);

  let exact = true;
  const measure = async (name: string, runKey: string) => {
    const to = new Date().toISOString();
    const run = await startRun(orm.em.fork(), { connectionId: connection.id, runKey, kind: 'reconcile', window: { from: null, to } });
    await simJson(sim, 'DELETE', '/requests');
    const started = performance.now();
    const result = await reconcileConnection(
      { orm, cloudsign: services.cloudsign, storage: services.storage },
      { connectionId: connection.id, runId: run.id, clientId: CLIENT_ID, listings: ['concluded', 'imported'], to, concurrency: 4 },
    );
    const seconds = (performance.now() - started) / 1000;
    const requests = await requestsByKind(sim);
    const total = Object.values(requests).reduce((a, b) => a + b, 0);
    const c: Completeness = result.completeness;
    console.log(
      `${name.padEnd(18)} ${seconds.toFixed(2).padStart(7)} s, ${String(total).padStart(5)} requests (${Object.entries(requests).map(([k, n]) => `${k} ${n}`).join(', ')}), ` +
        `${result.sweeps} sweep(s); missing before ${result.missingBefore}, after ${c.missing}; ledger ${c.ledgerFiles}/${c.cloudsignFiles}`,
    );
    exact &&= c.missing === 0 && c.ledgerFiles === truth.files && c.cloudsignFiles === truth.files;
  };

  await measure('nothing missing', 'bench/reconcile/1');
  const lost = await loseSome(orm, truth, MISSING);
  console.log(`removed the ledger's records of ${lost} files (${((lost / truth.files) * 100).toFixed(1)} %)`);
  await measure(`${(MISSING * 100).toFixed(0)} % missing`, 'bench/reconcile/2');
  console.log(`exact (missing 0, every file in the ledger after each): ${exact ? 'yes' : 'NO'}`);
  return exact;
}

await runBench('bench:reconcile', 10 * 60_000, main);
