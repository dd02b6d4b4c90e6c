/**
 * The CloudSign Web API endpoints an importer uses, with the spec's status codes and error bodies.
 * Request order: request log → injected faults → routing (405 for a method the endpoint lacks) →
 * Authorization (400) → token (401) → IP restriction (403) → rate limit (429) → plan (403) → the handler.
 */
import { Hono } from 'hono';
import type { Context, MiddlewareHandler } from 'hono';
import { IP_RESTRICTED, TEAM_LIST_STATUSES, canRead, canUseTeamDocuments, ownDocuments, refusal, teamDocuments } from './access';
import type { DocumentRecord, DocumentStatus, User } from './data';
import { fail } from './errors';
import { INCLUDE_ALL, attributeModel, documentModel, userModel } from './models';
import { int64Json } from './quirks';
import type { Include } from './models';
import type { ListQuery, SimulatorState } from './state';
import { parseTimestamp } from './time';

type Env = { Variables: { user: User } };

const PAGE_SIZE = 100;

/** `status` values GET /documents accepts; 4 (テンプレート) is accepted but the simulator has no templates. */
const STATUS_FILTERS: Record<string, ReadonlySet<DocumentStatus>> = {
  '-1': new Set([0, 1, 2, 3, 13]),
  '0': new Set([0]),
  '1': new Set([1]),
  '2': new Set([2]),
  '3': new Set([3]),
  '4': new Set(),
};

const ALL_BUT_IMPORTED: ReadonlySet<DocumentStatus> = new Set([0, 1, 2, 3]);

const GATEWAY_PAGE = (status: number, text: string) =>
  `<html>\r\n<head><title>${status} ${text}</title></head>\r\n<body>\r\n<center><h1>${status} ${text}</h1></center>\r\n</body>\r\n</html>\r\n`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The client ID must never reach the request log, whichever way /token received it. */
function loggedPath(url: string): string {
  const { pathname, search } = new URL(url);
  return pathname + search.replace(/([?&]client_id=)[^&]*/g, '$1[redacted]');
}

export function cloudsignRoutes(state: SimulatorState): Hono<Env> {
  const app = new Hono<Env>();
  app.use('*', requestLog(state));
  app.use('*', injectedFaults(state));
  const token = tokenHandler(state);
  app.get('/token', token);
  app.post('/token', token);
  const signedIn = [authenticated(state), planAllowsDocuments] as const;
  app.get('/me', authenticated(state), (c) => {
    const user = c.get('user');
    if (user.team.multiDepartment) return fail(c, 403, 'forbidden', '複数部署管理機能を利用しているアカウントでは利用できません');
    return c.json(userModel(user));
  });
  listRoutes(app, state, signedIn);
  documentRoutes(app, state, signedIn);
  unservedMethods(app);
  return app;
}

type Guards = readonly [MiddlewareHandler<Env>, MiddlewareHandler<Env>];

function requestLog(state: SimulatorState): MiddlewareHandler<Env> {
  return async (c, next) => {
    await next();
    state.logRequest(c.req.method, loggedPath(c.req.url), c.res.status);
  };
}

function injectedFaults(state: SimulatorState): MiddlewareHandler<Env> {
  return async (c, next) => {
    const { faults, faultRandom } = state;
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    // 503/504 come from the gateway in front of the API: HTML, not errorModel (Uncertain #7).
    if (faults.gatewayTimeoutRate > 0 && faultRandom.chance(faults.gatewayTimeoutRate)) return c.html(GATEWAY_PAGE(504, 'Gateway Time-out'), 504);
    if (faults.errorRate > 0 && faultRandom.chance(faults.errorRate)) {
      return faultRandom.chance(0.5)
        ? fail(c, 500, 'internal_server_error', 'API サーバーの内部的なエラーが発生しました')
        : c.html(GATEWAY_PAGE(503, 'Service Temporarily Unavailable'), 503);
    }
    if (faults.tooManyRequestsRate > 0 && faultRandom.chance(faults.tooManyRequestsRate)) {
      return fail(c, 429, 'too_many_requests', 'リクエスト数の上限を超えました', { 'Retry-After': String(faults.retryAfterSeconds) });
    }
    await next();
  };
}

function tokenHandler(state: SimulatorState) {
  return async (c: Context<Env>) => {
    // POST takes the form body; the deprecated GET and one production client (POST with no body) use the query.
    const form = c.req.method === 'POST' && /^application\/x-www-form-urlencoded|^multipart\/form-data/.test(c.req.header('content-type') ?? '') ? await c.req.parseBody() : {};
    const clientId = String(form.client_id ?? c.req.query('client_id') ?? '');
    if (!clientId) return fail(c, 400, 'invalid_request', 'client_id が指定されていません');
    const user = state.userByClientId(clientId);
    if (!user) return fail(c, 400, 'invalid_client', 'client_id が不正です');
    if (user.team.ipRestricted) return fail(c, IP_RESTRICTED.status, IP_RESTRICTED.error, IP_RESTRICTED.message);
    if (user.disabled) return fail(c, 403, 'forbidden', '無効なユーザーのクライアント ID です');
    const issued = state.tokens.issue(user.id, Date.now());
    return c.json({ access_token: issued.token, expires_in: issued.expiresIn, token_type: 'Bearer' });
  };
}

function authenticated(state: SimulatorState): MiddlewareHandler<Env> {
  return async (c, next) => {
    const match = /^Bearer ([^\s]+)$/.exec(c.req.header('authorization') ?? '');
    if (!match) return fail(c, 400, 'bad_request', 'アクセストークンが適切に設定されていません');
    const now = Date.now();
    const userId = state.tokens.resolve(match[1] as string, now);
    const user = userId === undefined ? undefined : state.userById(userId);
    // A user disabled after the token was issued loses it at once.
    if (!user || user.disabled) return fail(c, 401, 'unauthorized', 'アクセストークンが無効です');
    if (user.team.ipRestricted) return fail(c, IP_RESTRICTED.status, IP_RESTRICTED.error, IP_RESTRICTED.message);
    if (!state.limiter.allow(match[1] as string, user.id, now)) return fail(c, 429, 'too_many_requests', 'リクエスト数の上限を超えました');
    c.set('user', user);
    await next();
  };
}

const planAllowsDocuments: MiddlewareHandler<Env> = async (c, next) => {
  const refused = refusal(c.get('user'));
  if (refused) return fail(c, refused.status, refused.error, refused.message);
  await next();
};

/** 400 for a `from`/`to` that is not RFC3339 (the spec is silent; ignoring it would silently list everything). */
function listQuery(c: Context<Env>, statuses: ReadonlySet<DocumentStatus>): ListQuery | Response {
  const bounds: { from?: number; to?: number } = {};
  for (const name of ['from', 'to'] as const) {
    const text = c.req.query(name);
    if (!text) continue;
    const micros = parseTimestamp(text);
    if (micros === undefined) return fail(c, 400, 'bad_request', `${name} の値が RFC3339 形式ではありません`);
    bounds[name] = micros;
  }
  return { statuses, ...bounds };
}

const flag = (c: Context<Env>, name: string, fallback: string) => (c.req.query(name) ?? fallback) === 'y';

/** The `with_*` flags of a list request, each defaulting as the endpoint documents. */
const includes = (c: Context<Env>, files: 'y' | 'n', participants: 'y' | 'n'): Include => ({
  files: flag(c, 'with_files', files),
  participants: flag(c, 'with_participants', participants),
  reportees: flag(c, 'with_reportees', 'n'),
  attachment: flag(c, 'with_attachment', 'n'),
});

function listRoutes(app: Hono<Env>, state: SimulatorState, guards: Guards): void {
  const page = (c: Context<Env>, records: DocumentRecord[], include: Include) => {
    // Missing or invalid page → 1; past the end → no documents (spec).
    const text = c.req.query('page') ?? '';
    const number = /^\d+$/.test(text) && Number(text) >= 1 ? Number(text) : 1;
    const documents = records
      .slice((number - 1) * PAGE_SIZE, number * PAGE_SIZE)
      .map((r) => documentModel(state.details(r), state.behaviour, include));
    const empty = state.behaviour.emptyListAs === 'null' ? null : [];
    state.listPageServed(number);
    return c.json({ total: records.length, page: number, documents: documents.length ? documents : empty });
  };

  app.get('/documents', ...guards, (c) => {
    const status = c.req.query('status') || '-1';
    // Whether 全ての状態 includes imported documents (status 13) is an open question (Uncertain #4): a switch.
    const statuses = status === '-1' && !state.behaviour.importedInAllStatuses ? ALL_BUT_IMPORTED : STATUS_FILTERS[status];
    if (!statuses) return fail(c, 400, 'bad_request', 'status の値が不適切です');
    const query = listQuery(c, statuses);
    if (query instanceof Response) return query;
    return page(c, state.list(ownDocuments(c.get('user')), query), includes(c, 'y', 'y'));
  });

  app.get('/team_documents', ...guards, (c) => {
    const user = c.get('user');
    if (!canUseTeamDocuments(user)) return fail(c, 403, 'forbidden', '管理者権限がありません');
    const query = listQuery(c, TEAM_LIST_STATUSES);
    if (query instanceof Response) return query;
    // Here every with_* flag defaults to "not included": only `y` adds the data (spec).
    return page(c, state.list(teamDocuments(user), query), includes(c, 'n', 'n'));
  });
}

function documentRoutes(app: Hono<Env>, state: SimulatorState, guards: Guards): void {
  const documentOf = (c: Context<Env>): DocumentRecord | Response => {
    const record = state.world.documents.get(c.req.param('documentID') ?? '');
    if (!record) return fail(c, 404, 'not_found', '指定された書類が存在しません');
    if (!canRead(c.get('user'), record) || state.isHidden(record)) return fail(c, 403, 'forbidden', '書類にアクセスする権限がありません');
    return record;
  };
  const forbidden = (c: Context<Env>) => fail(c, 403, 'forbidden', '書類にアクセスする権限がありません');

  app.get('/documents/:documentID', ...guards, (c) => {
    const record = documentOf(c);
    if (record instanceof Response) return record;
    return c.json(documentModel(state.details(record), state.behaviour, INCLUDE_ALL));
  });

  app.get('/documents/:documentID/attribute', ...guards, (c) => {
    const record = documentOf(c);
    if (record instanceof Response) return record;
    if (state.quirks.get(record.id)?.attributeForbidden) return forbidden(c);
    const { attribute } = state.details(record);
    if (!attribute) return fail(c, 404, 'not_found', '指定された書類情報が存在しません');
    // int64Json: an amount at the spec's int64 limit goes out with every digit.
    return c.body(int64Json(attributeModel(record.id, attribute, state.behaviour)), 200, { 'Content-Type': 'application/json' });
  });

  app.get('/documents/:documentID/files/:fileID', ...guards, (c) => {
    const record = documentOf(c);
    if (record instanceof Response) return record;
    const details = state.details(record);
    const file = details.files.find((f) => f.id === c.req.param('fileID'));
    if (!file) return fail(c, 404, 'not_found', '指定されたファイルが存在しません');
    const quirks = state.quirks.get(record.id);
    if (quirks?.fileForbidden) return forbidden(c);
    if (quirks?.notPdf) return c.html('<html><body>メンテナンス中です</body></html>', 200);
    const bytes = state.pdf(details, file);
    return c.body(bytes, 200, {
      'Content-Type': 'application/pdf',
      'Content-Length': String(bytes.length),
    });
  });
}

/** Methods the real endpoint has but this read-only simulator does not serve → 501; any other → 405. */
function unservedMethods(app: Hono<Env>): void {
  const otherMethods = (path: string, real: string[]) =>
    app.all(path, (c) =>
      real.includes(c.req.method)
        ? fail(c, 501, 'not_implemented', `the simulator does not implement ${c.req.method} ${path}`)
        : fail(c, 405, 'method_not_allowed', `${c.req.method} は許可されていません`),
    );
  otherMethods('/token', []);
  otherMethods('/me', []);
  otherMethods('/documents', ['POST']);
  otherMethods('/team_documents', []);
  otherMethods('/documents/:documentID', ['POST', 'PUT', 'DELETE']);
  otherMethods('/documents/:documentID/attribute', ['PUT']);
  otherMethods('/documents/:documentID/files/:fileID', ['DELETE']);
}
