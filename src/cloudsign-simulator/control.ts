/**
 * /_sim/*: what tests and demos use to look behind the API (ground truth, request log) and to change the
 * world (new conclusions, disabled users, faults, behaviour, expired tokens). Not part of CloudSign; never
 * logged in the request log and never subject to faults or rate limits.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { z } from 'zod';
import { canList, ownDocuments, teamDocuments } from './access';
import type { DocumentStatus, User } from './data';
import { fail } from './errors';
import { hooksSchema } from './hooks';
import { int64Json, quirksSchema } from './quirks';
import type { SimulatorState } from './state';
import { parseTimestamp } from './time';

const rate = z.number().min(0).max(1);
const faultsSchema = z.strictObject({
  errorRate: rate.optional(),
  tooManyRequestsRate: rate.optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  gatewayTimeoutRate: rate.optional(),
  rateLimitPerMinute: z.number().int().min(0).optional(),
  rateLimitWindow: z.enum(['fixed', 'sliding']).optional(),
});
const behaviourSchema = z.strictObject({
  emptyListAs: z.enum(['array', 'null']).optional(),
  amountAs: z.enum(['number', 'string']).optional(),
  timezone: z.enum(['Z', '+09:00']).optional(),
  importedInAllStatuses: z.boolean().optional(),
});
const timestamp = z.string().refine((text) => parseTimestamp(text) !== undefined, 'must be an RFC3339 timestamp');
const concludeSchema = z.strictObject({
  count: z.number().int().min(1).max(10_000),
  clientId: z.string().min(1).optional(),
  filesPerDocument: z.number().int().min(1).max(100).optional(),
  lastProcessedAt: timestamp.optional(),
});
const userSchema = z.strictObject({ clientId: z.string().min(1) });
const sendHookSchema = z.strictObject({ documentId: z.string().min(1), status: z.union([z.literal(1), z.literal(2), z.literal(3)]) });
const ipRestrictionSchema = z.strictObject({ clientId: z.string().min(1), restricted: z.boolean() });

/** Parsed JSON body, or the 400 response explaining what is wrong with it. */
async function body<T>(c: Context, schema: z.ZodType<T>): Promise<T | Response> {
  const json: unknown = await c.req.json().catch(() => undefined);
  const parsed = schema.safeParse(json ?? {});
  if (!parsed.success) return fail(c, 400, 'bad_request', z.prettifyError(parsed.error));
  return parsed.data;
}

type Routes = (app: Hono, state: SimulatorState) => void;

export function controlRoutes(state: SimulatorState): Hono {
  const app = new Hono();
  for (const routes of [worldRoutes, hookRoutes, userRoutes, quirkRoutes, settingRoutes, logRoutes] satisfies Routes[]) routes(app, state);
  app.all('*', (c) => fail(c, 404, 'not_found', 'no such simulator control endpoint'));
  return app;
}

const userOr404 = (state: SimulatorState, c: Context, clientId: string): User | Response =>
  state.userByClientId(clientId) ?? fail(c, 404, 'not_found', 'no simulated user has this client ID');

/** The accounts, the ground truth, and new conclusions. */
function worldRoutes(app: Hono, state: SimulatorState): void {
  app.get('/accounts', (c) => c.json(state.world.accounts));

  app.get('/truth', (c) => {
    const user = userOr404(state, c, c.req.query('client_id') ?? '');
    if (user instanceof Response) return user;
    const documents = canList(user) ? truthOf(state, user, c.req.query('scope') === 'team', c.req.query('include_imported') !== 'n').map((r) => state.truth(r)) : [];
    return c.body(int64Json({ documents, files: documents.reduce((n, d) => n + d.files.length, 0) }), 200, { 'Content-Type': 'application/json' });
  });

  app.post('/documents/conclude', async (c) => {
    const input = await body(c, concludeSchema);
    if (input instanceof Response) return input;
    const user = input.clientId === undefined ? userOr404(state, c, state.world.accounts.demo) : userOr404(state, c, input.clientId);
    if (user instanceof Response) return user;
    const at = input.lastProcessedAt === undefined ? undefined : parseTimestamp(input.lastProcessedAt);
    const documents = state.conclude(user, input.count, input.filesPerDocument, at);
    // As CloudSign: the team's Hook URLs hear of each conclusion, after the fact (GET /_sim/hooks/deliveries).
    void Promise.all(documents.map((id) => state.sendHooks(state.world.documents.get(id)!, 2)));
    return c.json({ documents });
  });
}

/**
 * Every contract a user can list: concluded documents and, unless `imported` is false, imported ones
 * (status 13) — by the user's own lists only where 全ての状態 shows them (importedInAllStatuses). With
 * `team`, what /team_documents shows (2 and 13) as well: together, all a 書類管理権限 holder can see.
 */
function truthOf(state: SimulatorState, user: User, team: boolean, imported: boolean) {
  const own = new Set<DocumentStatus>(imported && state.behaviour.importedInAllStatuses ? [2, 13] : [2]);
  const ofTeam = new Set<DocumentStatus>(imported ? [2, 13] : [2]);
  const mine = ownDocuments(user);
  const teams = teamDocuments(user);
  return state.list(
    (r) => (own.has(r.status) && mine(r)) || (team && ofTeam.has(r.status) && teams(r)),
    { statuses: new Set([2, 13]) },
  );
}

/** CloudSign's Webhook: the team's Hook URLs and what was delivered to them. */
function hookRoutes(app: Hono, state: SimulatorState): void {
  app.get('/hooks', (c) => c.json(state.hooks));
  app.put('/hooks', async (c) => {
    const input = await body(c, hooksSchema);
    if (input instanceof Response) return input;
    state.hooks = input;
    return c.json(state.hooks);
  });
  app.get('/hooks/deliveries', (c) => c.json({ deliveries: state.hookDeliveries }));
  /** One hook now, for any document and status: repeated, late or out-of-order hooks, cancellations. */
  app.post('/hooks/send', async (c) => {
    const input = await body(c, sendHookSchema);
    if (input instanceof Response) return input;
    const record = state.world.documents.get(input.documentId);
    if (!record) return fail(c, 404, 'not_found', 'no simulated document has this ID');
    return c.json({ deliveries: await state.sendHooks(record, input.status) });
  });
}

/** Users disabled and enabled, a team's IP restriction. */
function userRoutes(app: Hono, state: SimulatorState): void {
  const setDisabled = (disabled: boolean) => async (c: Context) => {
    const input = await body(c, userSchema);
    if (input instanceof Response) return input;
    const user = userOr404(state, c, input.clientId);
    if (user instanceof Response) return user;
    user.disabled = disabled;
    return c.json({ disabled });
  };
  app.post('/users/disable', setDisabled(true));
  app.post('/users/enable', setDisabled(false));

  /** Turns the IP restriction of a user's whole team on or off, e.g. to refuse a connection that worked. */
  app.post('/ip-restriction', async (c) => {
    const input = await body(c, ipRestrictionSchema);
    if (input instanceof Response) return input;
    const user = userOr404(state, c, input.clientId);
    if (user instanceof Response) return user;
    user.team.ipRestricted = input.restricted;
    return c.json({ restricted: input.restricted });
  });

}

function quirkRoutes(app: Hono, state: SimulatorState): void {
  /** Per-document quirks (quirks.ts): the keys given change, the others stay; DELETE forgets them all. */
  app.put('/documents/:documentID/quirks', async (c) => {
    const id = c.req.param('documentID');
    if (!state.world.documents.has(id)) return fail(c, 404, 'not_found', 'no simulated document has this ID');
    const input = await body(c, quirksSchema);
    if (input instanceof Response) return input;
    const quirks = { ...state.quirks.get(id), ...input };
    state.quirks.set(id, quirks);
    return c.json(quirks);
  });
  app.delete('/documents/:documentID/quirks', (c) => {
    state.quirks.delete(c.req.param('documentID'));
    return c.json({});
  });
}

/** Faults and behaviour switches. */
function settingRoutes(app: Hono, state: SimulatorState): void {
  app.get('/faults', (c) => c.json(state.faults));
  app.put('/faults', async (c) => {
    const input = await body(c, faultsSchema);
    if (input instanceof Response) return input;
    // Keys left out keep their current value.
    state.setFaults({ ...state.faults, ...input });
    return c.json(state.faults);
  });
  app.delete('/faults', (c) => {
    state.resetFaults();
    return c.json(state.faults);
  });

  app.get('/behaviour', (c) => c.json(state.behaviour));
  app.put('/behaviour', async (c) => {
    const input = await body(c, behaviourSchema);
    if (input instanceof Response) return input;
    state.behaviour = { ...state.behaviour, ...input };
    return c.json(state.behaviour);
  });
}

/** Tokens, the request log, what the rate limit counted, a reset. */
function logRoutes(app: Hono, state: SimulatorState): void {
  app.post('/tokens/expire', (c) => {
    state.tokens.expireAll(Date.now());
    return c.json({ expired: true });
  });

  app.get('/rate-limit', (c) =>
    c.json({ limitPerMinute: state.limiter.limitPerMinute, window: state.limiter.window, users: state.limiter.slidingCounts() }),
  );

  app.get('/requests', (c) => {
    const since = Number(c.req.query('since') ?? 0) || 0;
    return c.json({ requests: state.requests.filter((r) => r.seq > since) });
  });
  app.delete('/requests', (c) => {
    state.requests = [];
    return c.json({ cleared: true });
  });

  app.post('/reset', (c) => {
    state.reset();
    return c.json({ reset: true });
  });
}
