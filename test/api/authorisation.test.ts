import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../api/app';
import { startSimulator, type RunningSimulator } from '../../src/cloudsign-simulator';
import type { Services } from '../../src/composition';
import type { MikroORM } from '../../src/db';
import { createConnection, createGroup, createReview, createUser, ensureBootstrapAdmin, importFile } from '../../src/ledger';
import { endConnectionWorkflows, TEST_SECRETS_KEY, testServices } from '../support/app';
import { openTestDatabase, resetDatabase } from '../support/database';

/**
 * The authorisation matrix: every route of the API × anonymous / member / reviewer / admin → the status class
 * each gets, against real rows. The routes are read from the app itself (its router and its OpenAPI
 * document), so a route added without a row here fails the first test by name: add its row.
 *
 * member: a user in no group, owning nothing. reviewer: a member who is a reviewer user of the review-mode
 * connection and in the group 法務部 that may see the `legal` contract. admin: the bootstrap admin.
 */

const ROLES = ['anonymous', 'member', 'reviewer', 'admin'] as const;
type Role = (typeof ROLES)[number];
/** What a role gets: refused with 401, 403 or 404 (a thing it may not see), or served (any 2xx). */
type Outcome = 401 | 403 | 404 | '2xx';

interface Fixture {
  users: { spare: string; toDisable: string; toEnable: string };
  /** 法務部, with the reviewer; not changed by any row. */
  groupId: string;
  /** A group whose members a row replaces. */
  spareGroupId: string;
  connection: { id: string; toDisconnect: string };
  /** Seen by members of 法務部 (the reviewer), owners (nobody) and admins. */
  legalContract: string;
  /** One pending review per role that may decide, so that a decision by one does not make the next a 409. */
  reviews: { forApprove: Record<'reviewer' | 'admin', string>; forDiscard: Record<'reviewer' | 'admin', string>; forBulk: Record<'reviewer' | 'admin', string>; read: string };
  reviewFileId: string;
  cloudsignClientId: string;
  /** A stylesheet the /docs page links to. */
  docsAsset: string;
}

interface Call {
  path: string;
  body?: unknown;
}
interface Row {
  call: (f: Fixture, role: Role) => Call;
  expect: [anonymous: Outcome, member: Outcome, reviewer: Outcome, admin: Outcome];
}

const PUBLIC: Row['expect'] = ['2xx', '2xx', '2xx', '2xx'];
const SIGNED_IN: Row['expect'] = [401, '2xx', '2xx', '2xx'];
const ADMIN: Row['expect'] = [401, 403, 403, '2xx'];
const REVIEWERS: Row['expect'] = [401, 403, '2xx', '2xx'];
/** A contract the member may not see (404), the reviewer may see but not change (403). */
const SEE_LEGAL: Row['expect'] = [401, 404, '2xx', '2xx'];
const CHANGE_LEGAL: Row['expect'] = [401, 404, 403, '2xx'];

const at = (path: string, body?: unknown) => (): Call => ({ path, ...(body !== undefined && { body }) });

/** Keyed `METHOD path` with path parameters as in the OpenAPI document. */
const MATRIX: Record<string, Row> = {
  'GET /health': { call: at('/health'), expect: PUBLIC },
  'GET /openapi.json': { call: at('/openapi.json'), expect: PUBLIC },
  'GET /docs': { call: at('/docs'), expect: PUBLIC },
  'GET /docs/assets/{hash}/{name}': { call: (f) => ({ path: f.docsAsset }), expect: PUBLIC },
  'GET /v1/me': { call: at('/v1/me'), expect: SIGNED_IN },
  'GET /v1/health': { call: at('/v1/health'), expect: ADMIN },

  'POST /v1/users': {
    call: (_, role) => ({ path: '/v1/users', body: { name: `New ${role}`, email: `new-${role}@example.jp`, role: 'member' } }),
    expect: ADMIN,
  },
  'GET /v1/users': { call: at('/v1/users'), expect: ADMIN },
  'GET /v1/users/{id}': { call: (f) => ({ path: `/v1/users/${f.users.spare}` }), expect: ADMIN },
  'PATCH /v1/users/{id}': { call: (f, role) => ({ path: `/v1/users/${f.users.spare}`, body: { name: `Renamed by ${role}` } }), expect: ADMIN },
  'POST /v1/users/{id}/disable': { call: (f) => ({ path: `/v1/users/${f.users.toDisable}/disable` }), expect: ADMIN },
  'POST /v1/users/{id}/enable': { call: (f) => ({ path: `/v1/users/${f.users.toEnable}/enable` }), expect: ADMIN },
  'POST /v1/users/{id}/token': { call: (f) => ({ path: `/v1/users/${f.users.spare}/token` }), expect: ADMIN },

  'POST /v1/groups': { call: (_, role) => ({ path: '/v1/groups', body: { name: `Group of ${role}`, memberIds: [] } }), expect: ADMIN },
  'GET /v1/groups': { call: at('/v1/groups'), expect: ADMIN },
  'GET /v1/groups/{id}': { call: (f) => ({ path: `/v1/groups/${f.groupId}` }), expect: ADMIN },
  'PUT /v1/groups/{id}/members': { call: (f) => ({ path: `/v1/groups/${f.spareGroupId}/members`, body: { memberIds: [] } }), expect: ADMIN },

  'GET /v1/quota': { call: at('/v1/quota'), expect: SIGNED_IN },
  'PUT /v1/quota': { call: at('/v1/quota', { limit: 50_000 }), expect: ADMIN },

  'GET /v1/contracts': { call: at('/v1/contracts'), expect: SIGNED_IN },
  'GET /v1/contracts/{id}': { call: (f) => ({ path: `/v1/contracts/${f.legalContract}` }), expect: SEE_LEGAL },
  'GET /v1/contracts/{id}/file': { call: (f) => ({ path: `/v1/contracts/${f.legalContract}/file` }), expect: SEE_LEGAL },
  'GET /v1/contracts/{id}/history': { call: (f) => ({ path: `/v1/contracts/${f.legalContract}/history` }), expect: SEE_LEGAL },
  'PATCH /v1/contracts/{id}': { call: (f, role) => ({ path: `/v1/contracts/${f.legalContract}`, body: { counterparty: `edited as ${role}` } }), expect: CHANGE_LEGAL },
  'POST /v1/contracts/{id}/extractions': {
    call: (f) => ({ path: `/v1/contracts/${f.legalContract}/extractions`, body: { fields: { startDate: '2025-01-01' } } }),
    expect: CHANGE_LEGAL,
  },

  'GET /v1/reviews': { call: at('/v1/reviews?status=pending'), expect: SIGNED_IN },
  'GET /v1/reviews/{id}': { call: (f) => ({ path: `/v1/reviews/${f.reviews.read}` }), expect: REVIEWERS },
  'GET /v1/reviews/{id}/files/{fileId}': { call: (f) => ({ path: `/v1/reviews/${f.reviews.read}/files/${f.reviewFileId}` }), expect: REVIEWERS },
  'POST /v1/reviews/{id}/approve': {
    call: (f, role) => ({ path: `/v1/reviews/${f.reviews.forApprove[role === 'admin' ? 'admin' : 'reviewer']}/approve`, body: {} }),
    expect: REVIEWERS,
  },
  'POST /v1/reviews/{id}/discard': {
    call: (f, role) => ({ path: `/v1/reviews/${f.reviews.forDiscard[role === 'admin' ? 'admin' : 'reviewer']}/discard` }),
    expect: REVIEWERS,
  },

  'POST /v1/reviews/bulk': {
    call: (f, role) => ({ path: '/v1/reviews/bulk', body: { ids: [f.reviews.forBulk[role === 'admin' ? 'admin' : 'reviewer']], action: 'discard' } }),
    expect: REVIEWERS,
  },

  'POST /v1/connection-previews': { call: (f) => ({ path: '/v1/connection-previews', body: { clientId: f.cloudsignClientId } }), expect: ADMIN },
  'POST /v1/connections': {
    call: (f) => ({
      path: '/v1/connections',
      body: { name: '新規', clientId: f.cloudsignClientId, visibility: { scope: 'company' }, owners: [], saveMode: 'direct' },
    }),
    expect: ADMIN,
  },
  'GET /v1/connections': { call: at('/v1/connections'), expect: ADMIN },
  'GET /v1/connections/{id}': { call: (f) => ({ path: `/v1/connections/${f.connection.id}` }), expect: ADMIN },
  'PATCH /v1/connections/{id}': { call: (f) => ({ path: `/v1/connections/${f.connection.id}`, body: { name: '本社（改）' } }), expect: ADMIN },
  'POST /v1/connections/{id}/sync': { call: (f) => ({ path: `/v1/connections/${f.connection.id}/sync` }), expect: ADMIN },
  'POST /v1/connections/{id}/pause': { call: (f) => ({ path: `/v1/connections/${f.connection.id}/pause` }), expect: ADMIN },
  'POST /v1/connections/{id}/resume': { call: (f) => ({ path: `/v1/connections/${f.connection.id}/resume` }), expect: ADMIN },
  'POST /v1/connections/{id}/reconcile': { call: (f) => ({ path: `/v1/connections/${f.connection.id}/reconcile` }), expect: ADMIN },
  'GET /v1/connections/{id}/file-errors': { call: (f) => ({ path: `/v1/connections/${f.connection.id}/file-errors` }), expect: ADMIN },
  'POST /v1/connections/{id}/file-errors/retry': { call: (f) => ({ path: `/v1/connections/${f.connection.id}/file-errors/retry`, body: {} }), expect: ADMIN },
  'POST /v1/connections/{id}/file-errors/dismiss': {
    call: (f) => ({ path: `/v1/connections/${f.connection.id}/file-errors/dismiss`, body: { ids: ['00000000-0000-4000-8000-000000000000'] } }),
    expect: ADMIN,
  },
  'DELETE /v1/connections/{id}': { call: (f) => ({ path: `/v1/connections/${f.connection.toDisconnect}` }), expect: ADMIN },
  'GET /v1/connections/{id}/runs': { call: (f) => ({ path: `/v1/connections/${f.connection.id}/runs` }), expect: ADMIN },

  'GET /v1/audit': { call: at('/v1/audit'), expect: ADMIN },

  // CloudSign's webhook takes no API token: a hook is let in by its source address and the URL's token
  // (api/hooks.ts), so every role gets the same answer. app.request() has no source address: refused (403)
  // for all, before the token or the body is looked at. test/connections/hook.test.ts calls it over the network.
  'POST /hooks/cloudsign/{token}': { call: at('/hooks/cloudsign/any-token', { documentID: 'd', status: 2 }), expect: [403, 403, 403, 403] },
};

const ADMIN_TOKEN = 'authorisation-test-admin-token-0123';
const CLIENT_ID = 'authzclient0123456789abcdefghijklmn';

let orm: MikroORM;
let app: App;
let simulator: RunningSimulator;
let services: Services;
let fixture: Fixture;
const tokens: Partial<Record<Role, string>> = {};

/** Every `METHOD path` the app serves: its router's routes (OpenAPI or not) and its OpenAPI document's operations. */
function servedRoutes(app: App): string[] {
  const routes = new Set<string>();
  for (const route of app.routes) {
    if (route.method === 'ALL' || route.path.includes('*')) continue;
    // The console's pages take a session cookie, not a token: who may open each is tested in test/console.
    if (route.path === '/console' || route.path.startsWith('/console/')) continue;
    routes.add(`${route.method} ${route.path.replace(/:([A-Za-z]+)/g, '{$1}')}`);
  }
  const document = app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'matrix', version: '1' } });
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    for (const method of Object.keys(operations ?? {})) {
      if (['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(method)) routes.add(`${method.toUpperCase()} ${path}`);
    }
  }
  return [...routes].sort();
}

beforeAll(async () => {
  orm = await openTestDatabase();
  simulator = await startSimulator({ documents: 2, clientId: CLIENT_ID, port: 0, rateLimitPerMinute: 0 });
  services = await testServices(orm, { TEMPORAL_TASK_QUEUE: 'authorisation-test', CLOUDSIGN_BASE_URL: simulator.url });
  app = createApp(services);

  await resetDatabase(orm);
  const em = () => orm.em.fork();
  await ensureBootstrapAdmin(em(), { token: ADMIN_TOKEN });
  tokens.admin = ADMIN_TOKEN;
  const person = async (name: string) => (await createUser(em(), { name, email: `${name.toLowerCase()}@example.jp`, role: 'member' })).user.id;
  const member = await createUser(em(), { name: 'Mia', email: 'mia@example.jp', role: 'member' });
  const reviewer = await createUser(em(), { name: 'Rita', email: 'rita@example.jp', role: 'member' });
  tokens.member = member.apiToken;
  tokens.reviewer = reviewer.apiToken;
  const legal = await createGroup(em(), { name: '法務部', memberIds: [reviewer.user.id] });
  const toEnable = await person('Eve');
  await orm.em.fork().getConnection().execute('update users set disabled_at = now() where id = ?', [toEnable]);

  const connect = (name: string, mode: { saveMode: 'direct' } | { saveMode: 'review'; reviewers: { groupIds: string[]; userIds: string[] } }) =>
    createConnection(em(), { name, clientId: `${name}-client-0123456789`, secretsKey: TEST_SECRETS_KEY, visibility: { scope: 'company' }, owners: [], ...mode });
  const direct = await connect('honsha', { saveMode: 'direct' });
  const toDisconnect = await connect('shisha', { saveMode: 'direct' });
  const reviewed = await connect('review', { saveMode: 'review', reviewers: { groupIds: [], userIds: [reviewer.user.id] } });

  const pdf = await services.storage.put(Readable.from([Buffer.from('%PDF-1.4\n% authorisation matrix\n%%EOF\n')]));
  const { contractId } = await importFile(em(), {
    connectionId: direct.id,
    documentId: 'legal-doc',
    fileId: 'legal-file',
    fields: { title: '法務の契約', fileName: 'legal.pdf' },
    file: pdf,
    visibility: { scope: 'groups', groupIds: [legal.id] },
    owners: [],
  });
  const review = async (documentId: string) =>
    (
      await createReview(em(), {
        connectionId: reviewed.id,
        documentId,
        title: documentId,
        files: [{ fileId: `${documentId}-file`, name: `${documentId}.pdf`, size: pdf.size, sha256: pdf.sha256, fields: { title: documentId } }],
        createdAt: new Date(),
      })
    ).review.id;

  fixture = {
    users: { spare: await person('Sam'), toDisable: await person('Dan'), toEnable },
    groupId: legal.id,
    spareGroupId: (await createGroup(em(), { name: '総務部', memberIds: [member.user.id] })).id,
    connection: { id: direct.id, toDisconnect: toDisconnect.id },
    legalContract: contractId!,
    reviews: {
      forApprove: { reviewer: await review('approve-r'), admin: await review('approve-a') },
      forDiscard: { reviewer: await review('discard-r'), admin: await review('discard-a') },
      forBulk: { reviewer: await review('bulk-r'), admin: await review('bulk-a') },
      read: await review('read'),
    },
    reviewFileId: 'read-file',
    cloudsignClientId: CLIENT_ID,
    docsAsset: /href="(\/docs\/assets\/[^"]+\.css)"/.exec(await (await app.request('/docs')).text())![1]!,
  };
});
afterAll(async () => {
  if (services) await endConnectionWorkflows(orm, services.temporal);
  await orm?.close();
  await simulator?.close();
});

/** Every change writes an audit event in its transaction: an unchanged count means a refusal changed nothing. */
async function auditEvents(): Promise<number> {
  const [row] = await orm.em.fork().getConnection().execute<{ n: string }[]>('select count(*) as n from audit_events');
  return Number(row!.n);
}

const outcomeOf = (status: number): Outcome | number => (status >= 200 && status < 300 ? '2xx' : status);

it('has a row for every route the API serves, and a route for every row', () => {
  const served = servedRoutes(app);
  const rows = Object.keys(MATRIX).sort();
  expect(served.length).toBeGreaterThan(30);
  // A new route needs a row in MATRIX saying who may call it; a removed one, its row gone.
  expect({ routesWithoutARow: served.filter((r) => !rows.includes(r)), rowsWithoutARoute: rows.filter((r) => !served.includes(r)) }).toEqual({
    routesWithoutARow: [],
    rowsWithoutARoute: [],
  });
});

describe.each(Object.entries(MATRIX))('%s', (route, row) => {
  it(`answers ${ROLES.map((role, i) => `${role} ${row.expect[i]}`).join(', ')}`, async () => {
    const method = route.split(' ')[0]!;
    // Refusals first: each must change nothing, so that the roles allowed after them find what they expect.
    let events = await auditEvents();
    for (const [i, role] of ROLES.entries()) {
      const { path, body } = row.call(fixture, role);
      const token = tokens[role];
      const res = await app.request(path, {
        method,
        headers: {
          ...(token && { authorization: `Bearer ${token}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      expect({ route, role, status: outcomeOf(res.status), ...(res.status >= 400 && res.status !== row.expect[i] && { body: text }) }).toEqual({
        route,
        role,
        status: row.expect[i],
      });
      if (res.status >= 400) expect({ route, role, newAuditEvents: (await auditEvents()) - events }).toEqual({ route, role, newAuditEvents: 0 });
      events = await auditEvents();
    }
  });
});
