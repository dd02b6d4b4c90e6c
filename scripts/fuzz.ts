// `npm run fuzz`: Schemathesis (a fuzzer from PyPI that nobody here wrote) against the served OpenAPI document,
// with every one of its checks, as an admin and as a member, on a service that holds real rows. Exits non-zero
// on any finding: a 5xx, a status code, header, content type or body the document does not state, a malformed
// request the server took, a well-formed one it refused.
//
// The service runs on embedded parts on free loopback ports: the Temporal dev server (a temporary SQLite file),
// the CloudSign simulator, a mail catcher, a worker in this process and the API, on the database
// `cloudsign_sync_fuzz` (dropped and migrated at start, dropped at the end). Schemathesis is the pinned one
// `npm run fuzz:setup` installs under .tools/, or the executable SCHEMATHESIS names.
//
// Options: --max-examples N (per operation and phase, 50), --seed S (1), --keep (leave the database).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startApiServer } from '../api/server';
import { startSimulator } from '../src/cloudsign-simulator';
import { openServices } from '../src/composition';
import { loadConfig } from '../src/config';
import { dropDatabase, migrate } from '../src/db';
import { ensureBootstrapAdmin } from '../src/ledger';
import { startMailCatcher } from '../src/mail/catcher';
import { startDevServer } from '../src/temporal/dev-server';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { runWorker } from '../worker';
import { installSchemathesis, schemathesisPath } from './fuzz-setup';

// The worker logs every state change at INFO; the fuzz report is what should be read.
Runtime.install({ logger: new DefaultLogger('WARN') });

const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/cloudsign_sync_fuzz';
const DEMO_CLIENT_ID = 'fuzz0123456789abcdefghijklmnopqrstuv';

/**
 * Operations the fuzzer must not call, because one successful call spoils every case after it: disconnecting
 * ends the seeded connections (every later call on them is 409), disabling a user or rotating a token can hit
 * the very user whose token the fuzzer sends (every later call is 401). Their refusals of bad input are tested
 * in test/api (inputs.test.ts, users.test.ts); their paths' other methods are fuzzed.
 */
const EXCLUDED = [
  { method: 'DELETE', path: '/v1/connections/{id}' },
  { method: 'POST', path: '/v1/users/{id}/disable' },
  { method: 'POST', path: '/v1/users/{id}/token' },
];

/** A whole number option, within bounds. */
function count(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new Error(`--${name} must be a whole number from 1 to 100000.`);
  return n;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

type Api = (method: string, path: string, body?: unknown, token?: string) => Promise<any>;

/** An API client that fails loudly: seeding must succeed, or the fuzz would run against nothing. */
function apiClient(baseUrl: string, adminToken: string): Api {
  return async (method, path, body, token = adminToken) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`seeding: ${method} ${path} answered ${res.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`seeding: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Seed {
  memberToken: string;
  ids: { users: string[]; groups: string[]; connections: string[]; contracts: string[]; reviews: string[]; reviewFiles: string[] };
}

/**
 * Real rows of every kind: users (a member who owns contracts, a reviewer), a group, three connections imported
 * from the simulator (company-wide, private, and review mode), their contracts and runs, and reviews — one
 * approved, one discarded, the rest pending.
 */
async function seed(api: Api, accounts: { members: string[] }): Promise<Seed> {
  await api('PUT', '/v1/quota', { limit: 1_000_000 });
  const member = await api('POST', '/v1/users', { name: 'Member Fuzz', email: 'member@fuzz.example', role: 'member' });
  const reviewer = await api('POST', '/v1/users', { name: 'Reviewer Fuzz', email: 'reviewer@fuzz.example', role: 'member' });
  const group = await api('POST', '/v1/groups', { name: 'Legal', memberIds: [member.id, reviewer.id] });
  const company = await api('POST', '/v1/connections', {
    name: 'Company', clientId: DEMO_CLIENT_ID, visibility: { scope: 'company' }, owners: [member.id], saveMode: 'direct',
  });
  const hidden = await api('POST', '/v1/connections', {
    name: 'Private', clientId: accounts.members[0], visibility: { scope: 'private' }, owners: [], saveMode: 'direct',
  });
  const review = await api('POST', '/v1/connections', {
    name: 'Review', clientId: accounts.members[1], visibility: { scope: 'groups', groupIds: [group.id] }, owners: [reviewer.id],
    saveMode: 'review', reviewers: { groupIds: [group.id], userIds: [] },
  });
  const connections = [company, hidden, review];
  for (const connection of connections) {
    await until(`${connection.managementId} to finish its full import`, async () => {
      const now = await api('GET', `/v1/connections/${connection.id}`);
      return now.status === 'idle' && now.lastSyncAt !== null;
    });
  }
  const pending = (await api('GET', '/v1/reviews?status=pending&limit=500')).items as { id: string; files: { id: string }[] }[];
  if (pending.length < 3) throw new Error(`seeding: expected reviews from ${review.managementId}, found ${pending.length}`);
  await api('POST', `/v1/reviews/${pending[0]!.id}/approve`, {}, reviewer.apiToken);
  await api('POST', `/v1/reviews/${pending[1]!.id}/discard`, undefined, reviewer.apiToken);
  await until('the two decisions to take effect', async () => {
    const left = (await api('GET', '/v1/reviews?status=pending&limit=500')).items as unknown[];
    return left.length === pending.length - 2;
  });
  const contracts = (await api('GET', '/v1/contracts?limit=500')).items as { id: string }[];
  const users = (await api('GET', '/v1/users?limit=500')).items as { id: string }[];
  return {
    memberToken: member.apiToken,
    ids: {
      users: users.map((u) => u.id),
      groups: [group.id],
      connections: connections.map((c) => c.id),
      contracts: contracts.slice(0, 20).map((c) => c.id),
      reviews: pending.slice(0, 10).map((r) => r.id),
      reviewFiles: pending.slice(0, 10).flatMap((r) => r.files.map((f) => f.id)),
    },
  };
}

const toml = (values: string[]) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;

/**
 * Schemathesis' configuration: path IDs drawn half of the time from the seeded rows (the other half
 * generated, so unknown IDs are fuzzed too), and the excluded operations.
 */
function schemathesisConfig({ ids }: Seed): string {
  const idsOf = (pathRegex: string, dictionary: string, extra = '') =>
    `[[operations]]\ninclude-path-regex = '${pathRegex}'\nparameters = { "path.id" = { dictionary = "${dictionary}", probability = 0.5 }${extra} }\n`;
  return [
    // 422 is the API's answer to a well-formed request the domain refuses (API.md "Conventions"): a client ID
    // CloudSign does not know, a quota below what is used, member IDs that name no user. No schema can tell
    // those apart, so a schema-valid request may get it; every other 4xx to one is a finding.
    // 413: a body over 256 KiB, which the document states but JSON Schema cannot (it counts items, not bytes).
    `[checks.positive_data_acceptance]\nexpected-statuses = ["2xx", "401", "403", "404", "409", "413", "422", "429"]`,
    `[checks.negative_data_rejection]\nexpected-statuses = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]`,
    // NUL is refused in every string and key (400, test/api/inputs.test.ts), which the document says in its
    // description; JSON Schema cannot say it of the keys of an open object, so the fuzzer does not send it.
    // Every run starts from nothing: no example database, no crash cache (both would land in the work tree).
    `[generation]\nallow-x00 = false\ndatabase = "none"`,
    `[cache]\nenabled = false`,
    '',
    `[dictionaries.users]\nvalues = ${toml(ids.users)}`,
    `[dictionaries.groups]\nvalues = ${toml(ids.groups)}`,
    `[dictionaries.connections]\nvalues = ${toml(ids.connections)}`,
    `[dictionaries.contracts]\nvalues = ${toml(ids.contracts)}`,
    `[dictionaries.reviews]\nvalues = ${toml(ids.reviews)}`,
    `[dictionaries.reviewFiles]\nvalues = ${toml(ids.reviewFiles)}`,
    '',
    idsOf('^/v1/users/', 'users'),
    idsOf('^/v1/groups/', 'groups'),
    idsOf('^/v1/connections/', 'connections'),
    idsOf('^/v1/contracts/', 'contracts'),
    idsOf('^/v1/reviews/\\{id\\}/files/', 'reviews', ', "path.fileId" = { dictionary = "reviewFiles", probability = 0.5 }'),
    idsOf('^/v1/reviews/\\{id\\}(/approve|/discard)?$', 'reviews'),
    `[[operations]]\ninclude-path-regex = '^/v1/(contracts|reviews)$'\nparameters = { "query.connectionId" = { dictionary = "connections", probability = 0.5 } }\n`,
  ].join('\n');
}

/** One Schemathesis run as one user; resolves its exit code. */
async function runSchemathesis(options: { schemaUrl: string; token: string; who: string; configFile: string; maxExamples: number; seed: number; reportDir: string }) {
  const args = [
    '--config-file', options.configFile,
    'run', options.schemaUrl,
    '--checks', 'all',
    '--header', `Authorization: Bearer ${options.token}`,
    '--max-examples', String(options.maxExamples),
    '--seed', String(options.seed),
    // One worker: CPython 3.11's ast.parse, which Hypothesis calls to describe strategies, is not thread-safe.
    '--workers', '1',
    '--request-timeout', '20',
    '--report', 'junit',
    '--report-dir', join(options.reportDir, options.who),
    ...EXCLUDED.flatMap(({ method, path }) => ['--exclude-name', `${method} ${path}`]),
  ];
  console.log(`\n=== Schemathesis as ${options.who} ===`);
  const child = spawn(schemathesisPath(), args, { stdio: 'inherit', env: { ...process.env, NO_COLOR: '1' } });
  const [code] = (await once(child, 'exit')) as [number | null];
  return code ?? 1;
}

async function main() {
  const { values } = parseArgs({ options: { 'max-examples': { type: 'string' }, seed: { type: 'string' }, keep: { type: 'boolean' } } });
  const maxExamples = count(values['max-examples'], 50, 'max-examples');
  const seedValue = count(values.seed, 1, 'seed');
  installSchemathesis();
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'cloudsign-sync-fuzz-'));
  const stops: (() => Promise<unknown>)[] = [() => Promise.resolve(rmSync(work, { recursive: true, force: true }))];
  try {
    const adminToken = randomBytes(24).toString('base64url');
    const [temporalPort, uiPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const temporal = await startDevServer({ port: temporalPort, uiPort, namespace: 'default', dbFile: join(work, 'temporal.sqlite') });
    stops.unshift(temporal.stop);
    const simulator = await startSimulator({ port: 0, documents: 30, clientId: DEMO_CLIENT_ID, rateLimitPerMinute: 0 });
    stops.unshift(simulator.close);
    const mail = await startMailCatcher({ dir: join(work, 'mail') });
    stops.unshift(mail.close);

    await dropDatabase(DATABASE_URL);
    if (!values.keep) stops.push(() => dropDatabase(DATABASE_URL));
    const services = await openServices({
      ...loadConfig({}),
      PORT: apiPort,
      DATABASE_URL,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: 'cloudsign-sync-fuzz',
      CLOUDSIGN_BASE_URL: simulator.url,
      CLOUDSIGN_REQUESTS_PER_MINUTE: 0,
      // The fuzzer sends requests without a token by design (thousands a minute, from one address): with the
      // failed sign-in limit on, all but the first ten would answer 429 instead of the 401 it checks for.
      // The limit has a test of its own (test/api/sign-in-limit.test.ts).
      AUTH_FAILURES_PER_MINUTE: 0,
      // The fuzzer reaches the hook endpoint from loopback: allowed, so that its bodies and tokens are fuzzed
      // past the source check (which test/api/hooks.test.ts covers).
      CLOUDSIGN_HOOK_ALLOWED_IPS: ['127.0.0.1'],
      SMTP_URL: mail.url,
      SECRETS_KEY: randomBytes(32).toString('hex'),
      FILE_STORAGE_DIR: join(work, 'files'),
    });
    stops.unshift(services.close);
    await migrate(services.orm);
    await ensureBootstrapAdmin(services.orm.em.fork(), { token: adminToken });
    const worker = await runWorker(services);
    stops.unshift(worker.stop);
    const server = await startApiServer(services);
    stops.unshift(server.close);

    const seeded = await seed(apiClient(server.url, adminToken), simulator.accounts);
    const configFile = join(work, 'schemathesis.toml');
    writeFileSync(configFile, schemathesisConfig(seeded));
    console.log(`seeded in ${((Date.now() - started) / 1000).toFixed(1)} s: ${seeded.ids.contracts.length} contracts, ${seeded.ids.reviews.length} reviews, ${seeded.ids.users.length} users`);

    const common = { schemaUrl: `${server.url}/openapi.json`, configFile, maxExamples, seed: seedValue, reportDir: resolve('.data/fuzz') };
    const asAdmin = await runSchemathesis({ ...common, token: adminToken, who: 'admin' });
    const asMember = await runSchemathesis({ ...common, token: seeded.memberToken, who: 'member' });
    console.log(`\nfuzz: admin ${asAdmin === 0 ? 'passed' : `failed (exit ${asAdmin})`}, member ${asMember === 0 ? 'passed' : `failed (exit ${asMember})`}, ${((Date.now() - started) / 1000).toFixed(0)} s in all; JUnit reports in .data/fuzz/`);
    process.exitCode = asAdmin === 0 && asMember === 0 ? 0 : 1;
  } finally {
    for (const stop of stops) await stop().catch((error: Error) => console.error(error.message));
  }
}

main().then(
  () => process.exit(),
  (error: Error) => {
    console.error(error);
    process.exit(1);
  },
);
