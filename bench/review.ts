/**
 * npm run bench:review -- [--documents 2000] [--concurrency 16] [--single <n>]
 *
 * How fast do reviewers' decisions go through, with thousands of documents waiting? Against real parts —
 * the Temporal dev server (CLI, free loopback ports, a temporary SQLite file, our search attributes),
 * Postgres (database `cloudsign_sync_bench_review`, dropped and migrated at start, left for inspection),
 * the CloudSign simulator in this process (rate limit off), a worker in this process with the real
 * workflows and activities, and the API listening on a loopback port — it measures:
 *
 *  1. sending to review: a review-mode connection is created with POST /v1/connections and timed until its
 *     full import is done: every document pending, its PDFs stored, one review workflow each;
 *  2. deciding through the API one by one: the first half of the reviews (or the first `--single`; e.g.
 *     `--documents 2100 --single 100` discards 2,000 by filter in step 3), approve and discard alternately,
 *     `--concurrency` requests in flight, over HTTP as a reviewer (not an admin, so the reviewer check runs):
 *     decisions answered per second (202) and their latency;
 *  3. deciding in bulk: the other half discarded by `POST /v1/reviews/bulk` with a filter (the connection),
 *     as the same reviewer, request after request until none remains: decisions answered per second, beside
 *     the single ones;
 *  4. taking effect: until the ledger has no pending review left — decisions applied per second, end to end.
 *
 * Then it checks the result: one contract per file of each approved document, none for a discarded one,
 * quota used once per contract, and the Web UI's view (`ReviewStatus` counts from Temporal's visibility).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { cpus, loadavg, totalmem } from 'node:os';
import { serve } from '@hono/node-server';
import type { Client } from '@temporalio/client';
import { startSimulator } from '../src/cloudsign-simulator';
import { freePort, freshDatabase, onExit, percentile, runBench, startDurableService } from './support';

const { values } = parseArgs({
  options: {
    documents: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    single: { type: 'string' },
  },
});
const DOCUMENTS = Number(values.documents);
const CONCURRENCY = Number(values.concurrency);
/** Reviews decided one by one; the rest are discarded in bulk by filter. */
const SINGLE = values.single === undefined ? undefined : Number(values.single);
if (SINGLE !== undefined && (!Number.isSafeInteger(SINGLE) || SINGLE < 0)) throw new Error('--single must be a whole number ≥ 0');
for (const [name, n] of [['--documents', DOCUMENTS], ['--concurrency', CONCURRENCY]] as const) {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1`);
}

const CLIENT_ID = 'benchreview0123456789abcdefghijklmno';
const ADMIN_TOKEN = 'bench-review-admin-token-0123456789';
/** A key of this run's own: what it encrypts lives only in the benchmark's database. */
const SECRETS_KEY = randomBytes(32).toString('hex');

const f1 = (n: number) => n.toFixed(1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<boolean> {
  console.log(
    `bench:review — node ${process.version}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  const orm = await freshDatabase('cloudsign_sync_bench_review');
  const sim = await startSimulator({ documents: DOCUMENTS, clientId: CLIENT_ID, rateLimitPerMinute: 0, port: 0 });
  onExit('the simulator', () => sim.close());
  const { services, app } = await startDurableService({
    name: 'bench-review',
    orm,
    cloudsignUrl: sim.url,
    secretsKey: SECRETS_KEY,
    adminToken: ADMIN_TOKEN,
    logLevel: 'ERROR',
  });
  const { client } = services.temporal;
  const port = await freePort();
  const http = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
  onExit('the API server', () => new Promise<void>((resolve) => http.close(() => resolve())));
  const api = async (method: string, path: string, body?: unknown, token = ADMIN_TOKEN) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const scalar = async (sql: string) => Number((await orm.em.getConnection().execute<{ n: string }[]>(sql))[0]!.n);

  // 1. Sending to review.
  const reviewer = (await api('POST', '/v1/users', { name: 'Reviewer', email: 'reviewer@bench.invalid', role: 'member' })).body;
  const startedAt = performance.now();
  const { body: created } = await api('POST', '/v1/connections', {
    name: 'Benchmark',
    clientId: CLIENT_ID,
    visibility: { scope: 'company' },
    owners: [],
    saveMode: 'review',
    reviewers: { groupIds: [], userIds: [reviewer.id] },
  });
  for (;;) {
    const { body: c } = await api('GET', `/v1/connections/${created.id}`);
    if (c.status === 'idle' && c.lastSyncAt) break;
    if (c.status === 'error') throw new Error(`the import stopped: ${JSON.stringify(c.lastError)}`);
    await sleep(250);
  }
  const sendSeconds = (performance.now() - startedAt) / 1000;
  const pending = await scalar(`select count(*) as n from reviews where status = 'pending'`);
  const files = await scalar(`select coalesce(sum(jsonb_array_length(files)), 0) as n from reviews`);
  console.log(`simulator: ${DOCUMENTS} documents of the demo user; --concurrency ${CONCURRENCY}`);
  console.log(`send to review ${f1(sendSeconds).padStart(7)} s  ${f1(pending / sendSeconds).padStart(7)} documents/s  (${pending} pending reviews, ${files} PDFs stored)`);

  console.log(`               ${await whereTheTimeWent(client, `connection/${created.managementId}`)}`);

  const countOf = (status: string) => client.workflow.count(`ManagementId = '${created.managementId}' AND ReviewStatus = '${status}'`).then((c) => c.count);
  const visible = async (status: string, expected: number) => {
    for (let tries = 0; tries < 100 && (await countOf(status)) !== expected; tries++) await sleep(200);
    return countOf(status);
  };
  console.log(`web UI         ReviewStatus = 'pending': ${await visible('pending', pending)} workflows`);

  // Every pending review, through the API's pages, as the reviewer sees them.
  const listedAt = performance.now();
  const reviews: { id: string; files: unknown[] }[] = [];
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const { body: page } = await api('GET', `/v1/reviews?status=pending&limit=500${cursor ? `&cursor=${cursor}` : ''}`, undefined, reviewer.apiToken);
    reviews.push(...page.items);
    cursor = page.nextCursor;
  }
  console.log(`list           ${f1((performance.now() - listedAt) / 1000).padStart(7)} s  for ${reviews.length} reviews in pages of 500`);

  // 2. Deciding through the API, one by one: the first half.
  const single = reviews.slice(0, SINGLE ?? Math.ceil(reviews.length / 2));
  const latencies: number[] = [];
  const refused: number[] = [];
  let next = 0;
  const decidedAt = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < single.length) {
        const i = next++;
        const t = performance.now();
        const { status } = await api('POST', `/v1/reviews/${single[i]!.id}/${i % 2 ? 'discard' : 'approve'}`, i % 2 ? undefined : {}, reviewer.apiToken);
        latencies.push(performance.now() - t);
        if (status !== 202) refused.push(status);
      }
    }),
  );
  const decideSeconds = (performance.now() - decidedAt) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    `decide one by one ${f1(decideSeconds).padStart(4)} s  ${f1(single.length / decideSeconds).padStart(7)} decisions/s  ` +
      `p50 ${f1(percentile(latencies, 0.5))} ms  p95 ${f1(percentile(latencies, 0.95))} ms  p99 ${f1(percentile(latencies, 0.99))} ms` +
      (refused.length ? `  (${refused.length} not 202: ${[...new Set(refused)].join(', ')})` : ''),
  );

  // 3. Deciding in bulk: the rest, by filter, as many requests as `remaining` asks for.
  const bulkAt = performance.now();
  let bulkDecided = 0;
  let bulkRequests = 0;
  let undelivered = 0;
  for (let remaining = 1; remaining > 0; bulkRequests++) {
    const { status, body } = await api('POST', '/v1/reviews/bulk', { filter: { connectionId: created.id }, action: 'discard' }, reviewer.apiToken);
    if (status !== 202) throw new Error(`the bulk decision answered ${status}: ${JSON.stringify(body)}`);
    bulkDecided += body.decided;
    undelivered += body.undelivered;
    remaining = body.remaining;
  }
  const bulkSeconds = (performance.now() - bulkAt) / 1000;
  console.log(
    `decide in bulk ${f1(bulkSeconds).padStart(7)} s  ${f1(bulkDecided / bulkSeconds).padStart(7)} decisions/s  ` +
      `(${bulkDecided} discarded by filter in ${bulkRequests} request${bulkRequests === 1 ? '' : 's'}${undelivered ? `, ${undelivered} left to redelivery` : ''})`,
  );

  // 4. Taking effect.
  while ((await scalar(`select count(*) as n from reviews where status = 'pending'`)) > 0) await sleep(100);
  const appliedSeconds = (performance.now() - decidedAt) / 1000;
  console.log(`applied        ${f1(appliedSeconds).padStart(7)} s  ${f1(reviews.length / appliedSeconds).padStart(7)} decisions/s end to end (API call to ledger)`);

  // The result.
  const approved = single.filter((_, i) => i % 2 === 0);
  const approvedFiles = approved.reduce((n, r) => n + r.files.length, 0);
  const contracts = await scalar('select count(*) as n from contracts');
  const discarded = await scalar('select count(*) as n from discarded_documents');
  const quota = (await api('GET', '/v1/quota')).body;
  const [shownApproved, shownDiscarded, shownPending] = [
    await visible('approved', approved.length),
    await visible('discarded', reviews.length - approved.length),
    await visible('pending', 0),
  ];
  const exact =
    contracts === approvedFiles &&
    discarded === reviews.length - approved.length &&
    bulkDecided === reviews.length - single.length &&
    quota.used === approvedFiles &&
    !refused.length;
  console.log(
    `result         ${contracts} contracts for ${approvedFiles} files of ${approved.length} approved documents, ${discarded} discarded, quota used ${quota.used} — ${exact ? 'exact' : 'NOT EXACT'}`,
  );
  console.log(`web UI         ReviewStatus approved ${shownApproved}, discarded ${shownDiscarded}, pending ${shownPending}`);
  return exact;
}

/**
 * From the connection workflow's runs (continue-as-new makes several): how long its pages took inside the
 * `importPage` activity (listing, downloads, ledger) and how many review workflows the runs started.
 */
async function whereTheTimeWent(client: Client, workflowId: string): Promise<string> {
  const seconds = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => (t ? Number(t.seconds ?? 0) + (t.nanos ?? 0) / 1e9 : NaN);
  let runs = 0;
  let pages = 0;
  let pageSeconds = 0;
  let started = 0;
  // Continue-as-new links the runs, first to current (the visibility list may trail behind).
  const { raw } = await client.workflow.getHandle(workflowId).describe();
  for (let runId = raw.workflowExecutionInfo?.firstRunId; runId; ) {
    runs++;
    const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    const scheduled = new Map<string, { type: string; at: number }>();
    for (const event of events) {
      const a = event.activityTaskScheduledEventAttributes;
      if (a) scheduled.set(String(event.eventId), { type: a.activityType?.name ?? '?', at: seconds(event.eventTime) });
      const done = event.activityTaskCompletedEventAttributes;
      const s = done && scheduled.get(String(done.scheduledEventId));
      if (s?.type === 'importPage') {
        pages++;
        pageSeconds += seconds(event.eventTime) - s.at;
      }
      if (event.childWorkflowExecutionStartedEventAttributes) started++;
    }
  }
  return `${pages} pages took ${f1(pageSeconds)} s in importPage; ${started} review workflows started by ${runs} runs of the connection's workflow`;
}

await runBench('bench:review', 20 * 60_000, main);
