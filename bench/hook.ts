/**
 * npm run bench:hook -- [--documents 200] [--interval 1000] [--budget 800]
 *
 * How soon is a document concluded in CloudSign a contract in the ledger, through CloudSign's webhook? On real
 * parts — the Temporal dev server (CLI, free loopback ports, a temporary SQLite file), Postgres (database
 * `cloudsign_sync_bench_hook`, dropped and migrated at start), the CloudSign simulator in this process with
 * CloudSign's limit (`--budget` requests a minute per user, counted on arrival, 429 beyond it), a worker in this
 * process with the real workflows and activities, and the API listening on a loopback port with the request
 * budget on (CLOUDSIGN_REQUESTS_PER_MINUTE = `--budget`) and 127.0.0.1 allowed to send hooks:
 *
 *  1. a direct-mode connection is created and its full import (a few seeded documents) awaited;
 *  2. its Hook URL (hookUrl) is registered with the simulator, as a CloudSign team admin would;
 *  3. `--documents` documents are concluded one at a time, `--interval` ms apart (a busy team's pace, far
 *     under the budget: a burst would measure the budget, not the hook), each posted to the Hook URL;
 *  4. for each, the time from its conclusion (the simulator's answer) to its first contract in the ledger
 *     (the contract's creation time): p50, p95, max;
 *  5. then a sync now, which must import nothing (the hook left nothing to do), and the checks: the ledger
 *     equals the simulator's truth (one contract per file, same SHA-256), 0 × 429.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { startSimulator } from '../src/cloudsign-simulator';
import { exactness, freePort, freshDatabase, onExit, percentile, runBench, startDurableService, truthOf } from './support';

const { values } = parseArgs({
  options: {
    documents: { type: 'string', default: '200' },
    interval: { type: 'string', default: '1000' },
    budget: { type: 'string', default: '800' },
  },
});
const DOCUMENTS = Number(values.documents);
const INTERVAL_MS = Number(values.interval);
const BUDGET = Number(values.budget);
for (const [name, n] of [['--documents', DOCUMENTS], ['--interval', INTERVAL_MS], ['--budget', BUDGET]] as const) {
  if (!Number.isSafeInteger(n) || n < (name === '--documents' ? 1 : 0)) throw new Error(`${name} must be a whole number`);
}

const CLIENT_ID = 'benchhook0123456789abcdefghijklmnopq';
const ADMIN_TOKEN = 'bench-hook-admin-token-0123456789ab';
const SECRETS_KEY = randomBytes(32).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const s1 = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<boolean> {
  console.log(`bench:hook — node ${process.version}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const orm = await freshDatabase('cloudsign_sync_bench_hook');
  const sim = await startSimulator({ documents: 10, clientId: CLIENT_ID, rateLimitPerMinute: BUDGET, rateLimitWindow: 'sliding', port: 0 });
  onExit('the simulator', () => sim.close());
  const port = await freePort();
  const { app, services } = await startDurableService({
    name: 'bench-hook',
    orm,
    cloudsignUrl: sim.url,
    secretsKey: SECRETS_KEY,
    adminToken: ADMIN_TOKEN,
    logLevel: 'ERROR',
    config: { CLOUDSIGN_REQUESTS_PER_MINUTE: BUDGET, CLOUDSIGN_HOOK_ALLOWED_IPS: ['127.0.0.1'], PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, PORT: port },
  });
  const http = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
  onExit('the API server', () => new Promise<void>((resolve) => http.close(() => resolve())));
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.url}/_sim${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined && { body: JSON.stringify(body) }) });
    if (!res.ok) throw new Error(`simulator ${path}: ${res.status}`);
    return (await res.json()) as any;
  };
  const until = async (what: string, check: () => Promise<boolean>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs / 1000} s`);
      await sleep(100);
    }
  };

  // 1–2. The connection, its full import, its Hook URL in the simulator.
  const created = await api('POST', '/v1/connections', { name: 'Bench hook', clientId: CLIENT_ID, visibility: { scope: 'company' }, owners: [], saveMode: 'direct' });
  if (created.status !== 201) throw new Error(`POST /v1/connections answered ${created.status}: ${JSON.stringify(created.body)}`);
  await until('full import', async () => (await api('GET', `/v1/connections/${created.body.id}`)).body.status === 'idle', 300_000);
  const { hookUrl } = (await api('GET', `/v1/connections/${created.body.id}`)).body;
  await control('PUT', '/hooks', { urls: [hookUrl], sourceAddress: '127.0.0.1' });

  // 3. Conclusions at a steady pace.
  const concludedAt = new Map<string, number>();
  const started = Date.now();
  for (let i = 0; i < DOCUMENTS; i++) {
    const { documents } = await control('POST', '/documents/conclude', { count: 1 });
    concludedAt.set(documents[0], Date.now());
    await sleep(Math.max(0, started + (i + 1) * INTERVAL_MS - Date.now()));
  }
  const firstContracts = async () =>
    new Map(
      (
        await orm.em
          .getConnection()
          .execute<{ document_id: string; at: Date }[]>(`select document_id, min(created_at) as at from contracts where document_id = any(?::text[]) group by document_id`, [
            `{${[...concludedAt.keys()].map((id) => `"${id}"`).join(',')}}`,
          ])
      ).map((r) => [r.document_id, new Date(r.at).getTime()]),
    );
  await until('contract for every hooked document', async () => (await firstContracts()).size === DOCUMENTS, 600_000);

  // 4. Conclusion to contract.
  const arrived = await firstContracts();
  const latencies = [...concludedAt].map(([id, at]) => arrived.get(id)! - at).sort((a, b) => a - b);
  const deliveries = (await control('GET', '/hooks/deliveries')).deliveries as { status: number | null }[];
  const hookRuns = Number((await orm.em.getConnection().execute<{ n: string }[]>(`select count(*) as n from sync_runs where kind = 'hook'`))[0]!.n);

  // 5. Sync now finds nothing left; the ledger is the truth; CloudSign never said 429.
  await api('POST', `/v1/connections/${created.body.id}/sync`);
  let manual: any;
  await until('manual sync', async () => {
    manual = ((await api('GET', `/v1/connections/${created.body.id}/runs?limit=500`)).body.items as any[]).find((r) => r.kind === 'manual' && r.outcome !== 'running');
    return !!manual;
  }, 300_000);
  const truth = await truthOf(sim, CLIENT_ID);
  const ledger = await exactness(orm, services.storage, truth);
  const requests = ((await control('GET', '/requests')).requests as { status: number; path: string }[]).filter((r) => r.path !== '/token');
  const refused = requests.filter((r) => r.status === 429).length;
  const exact = ledger.problem === null;

  console.log(`
npm run bench:hook -- --documents ${DOCUMENTS} --interval ${INTERVAL_MS} --budget ${BUDGET}
conclusion → contract   p50 ${s1(percentile(latencies, 0.5))}   p95 ${s1(percentile(latencies, 0.95))}   max ${s1(latencies.at(-1)!)}   (${DOCUMENTS} documents, one every ${INTERVAL_MS} ms)
hooks                   ${deliveries.length} delivered: ${deliveries.filter((d) => d.status === 202).length} × 202; ${hookRuns} hook runs
sync now afterwards     imported ${manual.counts.imported}, skipped as duplicate ${manual.counts.skippedDuplicate} (${manual.outcome})
CloudSign requests      ${requests.length} (budget ${BUDGET} a minute), 429s ${refused}
ledger                  ${ledger.contracts} contracts for ${truth.files} files of the simulator's truth${exact ? ' (exact: same files, same SHA-256, PDFs stored)' : ` — ${ledger.problem}`}
load                    ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  return exact && refused === 0 && manual.counts.imported === 0 && deliveries.every((d) => d.status === 202);
}

void runBench('bench:hook', 30 * 60_000, main);
