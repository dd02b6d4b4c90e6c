import { createRoute, z } from '@hono/zod-openapi';
import { CONNECTION_STATUSES, RUN_KINDS, RUN_OUTCOMES, SAVE_MODES, getConnection, nonBlankText, listConnections, listRuns, type Connection, type SyncRun, type User } from '../src/ledger';
import { changeSettings, connect, controlConnection, disconnect, type Control } from '../src/services/connections';
import { adviceText, previewConnection } from '../src/services/preview';
import { requireAdmin } from './auth';
import type { ApiDeps } from './context';
import { publicBaseUrl } from '../src/config';
import { hookUrlOf } from '../src/services/hooks';
import { ErrorSchema, bodyErrorResponses, errorResponses } from './errors';
import { newRouter } from './router';
import { IdList, IdParam, ListQuery, OwnersSchema, VisibilitySchema, json, pageOf } from './schemas';

/**
 * Connections (API.md "Connections"), admin only: the preview that counts what a client ID would import,
 * connecting, settings, the controls (sync now, pause, resume), disconnecting, and the runs. The work is
 * done by `src/services/connections.ts` and `src/services/preview.ts`; CloudSign's refusals are mapped to
 * 422/503 by the error handler (`./errors.ts`).
 */

const ClientId = nonBlankText(200).openapi({ description: 'CloudSign client ID (クライアントID). Never returned.' });
const Reviewers = z.object({ groupIds: IdList.default([]), userIds: IdList.default([]) });

const PreviewRequest = z.object({ clientId: ClientId }).openapi('ConnectionPreviewRequest');
const PreviewSchema = z
  .object({
    cloudsignUser: z.object({ name: z.string().nullable(), email: z.string().nullable() }),
    documents: z.number().int().openapi({ description: 'Concluded and imported (status 13) documents' }),
    files: z.number().int(),
    confidentialDocuments: z.number().int(),
    importedDocuments: z.number().int().openapi({ description: "Of documents, those brought into CloudSign with its 書類インポート (status 13)" }),
    earliestConcludedAt: z.string().nullable(),
    latestConcludedAt: z.string().nullable(),
    quota: z.object({ remaining: z.number().int(), required: z.number().int() }),
    advice: z.array(z.string()),
  })
  .openapi('ConnectionPreview');

const ConnectionSettings = z.object({
  name: nonBlankText(200),
  clientId: ClientId,
  visibility: VisibilitySchema,
  owners: OwnersSchema,
  saveMode: z.enum(SAVE_MODES),
  reviewers: Reviewers,
});

/** Reviewers are part of a review-mode connection's shape: a body without them is malformed (400), as API.md has it. */
const CreateConnection = ConnectionSettings.extend({ reviewers: Reviewers.optional() })
  .refine((body) => body.saveMode !== 'review' || !!(body.reviewers?.groupIds.length || body.reviewers?.userIds.length), {
    message: 'review mode needs reviewers: at least one group or user',
    path: ['reviewers'],
  })
  .openapi('CreateConnection', {
    anyOf: [
      { properties: { saveMode: { const: 'direct' } } },
      {
        required: ['reviewers'],
        properties: {
          reviewers: {
            anyOf: [
              { required: ['groupIds'], properties: { groupIds: { minItems: 1 } } },
              { required: ['userIds'], properties: { userIds: { minItems: 1 } } },
            ],
          },
        },
      },
    ],
    example: {
      name: '本社 法務部',
      clientId: '<the CloudSign client ID>',
      visibility: { scope: 'groups', groupIds: ['0193a5c2-2222-7b8a-9c1d-2e3f4a5b6c7d'] },
      owners: ['0193a5c2-1111-7b8a-9c1d-2e3f4a5b6c7d'],
      saveMode: 'review',
      reviewers: { groupIds: ['0193a5c2-2222-7b8a-9c1d-2e3f4a5b6c7d'], userIds: [] },
    },
  });

/** Any subset of the settings; a new clientId rotates the credential. */
const UpdateConnection = ConnectionSettings.partial()
  .strict()
  .refine((settings) => Object.keys(settings).length > 0, 'give at least one setting to change')
  .openapi('UpdateConnection', { minProperties: 1 });

const ConnectionSchema = z
  .object({
    id: z.string(),
    managementId: z.string().openapi({ example: 'CS-0001' }),
    name: z.string(),
    clientIdLast4: z.string().openapi({ description: 'The last 4 characters of the client ID, to tell connections apart.' }),
    visibility: VisibilitySchema,
    owners: z.array(z.string()),
    saveMode: z.enum(SAVE_MODES),
    reviewers: z.object({ groupIds: z.array(z.string()), userIds: z.array(z.string()) }),
    status: z.enum(CONNECTION_STATUSES),
    lastSyncAt: z.string().nullable(),
    nextSyncAt: z.string().nullable(),
    progress: z.object({ filesDone: z.number().int(), filesTotal: z.number().int() }),
    totals: z.object({
      imported: z.number().int().openapi({ description: 'Files this connection imported first' }),
      pendingReview: z.number().int().openapi({ description: 'Documents waiting in its reviews (GET /v1/reviews?status=pending)' }),
      discarded: z.number().int().openapi({ description: 'Documents discarded in its reviews' }),
      failed: z.number().int().openapi({ description: 'Files still failing' }),
    }),
    lastError: z.object({ code: z.string(), message: z.string(), at: z.string() }).nullable(),
    warnings: z.array(z.object({ code: z.string(), message: z.string() })).openapi({
      description:
        'What to fix before it bites: `incident_mail_undeliverable` (no admin or owner has a deliverable e-mail address), `review_mail_undeliverable` (no reviewer has one).',
    }),
    completeness: z
      .object({
        checkedAt: z.string(),
        cloudsignFiles: z.number().int().openapi({ description: 'Files the CloudSign user can see' }),
        ledgerFiles: z.number().int().openapi({ description: 'Of those, in the ledger' }),
        inReview: z.number().int(),
        discarded: z.number().int(),
        failed: z.number().int().openapi({ description: 'Failing (GET /v1/connections/:id/file-errors), dismissed ones included' }),
        missing: z.number().int().openapi({ description: 'In none of the other states; 0 after a reconciliation repaired them' }),
      })
      .nullable()
      .openapi({ description: 'What the last reconciliation found (POST /v1/connections/:id/reconcile); null until one ran' }),
    hookUrl: z.string().nullable().openapi({
      description:
        "The Hook URL to paste into CloudSign (チーム設定 → Webhook, condition 締結完了時): one per CloudSign team, shared by the team's connections. " +
        'A secret: whoever has it (and sends from an allowed address) can make the connections look a document up. Null until the CloudSign team is known (at connect, or the next sync), and once disconnected',
    }),
    createdAt: z.string(),
  })
  .openapi('Connection', {
    example: {
      id: '0193a5c2-7d4e-7b8a-9c1d-2e3f4a5b6c7d',
      managementId: 'CS-0001',
      name: '本社 法務部',
      clientIdLast4: 'k3x9',
      visibility: { scope: 'groups', groupIds: ['0193a5c2-2222-7b8a-9c1d-2e3f4a5b6c7d'] },
      owners: ['0193a5c2-1111-7b8a-9c1d-2e3f4a5b6c7d'],
      saveMode: 'review',
      reviewers: { groupIds: ['0193a5c2-2222-7b8a-9c1d-2e3f4a5b6c7d'], userIds: [] },
      status: 'idle',
      lastSyncAt: '2026-11-30T18:00:04.000Z',
      nextSyncAt: '2026-12-01T18:00:00.000Z',
      progress: { filesDone: 5120, filesTotal: 5120 },
      totals: { imported: 3021, pendingReview: 14, discarded: 2085, failed: 0 },
      lastError: null,
      createdAt: '2026-10-01T02:15:00.000Z',
    },
  });

const RunSchema = z
  .object({
    id: z.string(),
    kind: z.enum(RUN_KINDS),
    window: z.object({ from: z.string().nullable(), to: z.string() }),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    counts: z.object({
      listed: z.number().int().openapi({ description: 'Files in the window when the run started' }),
      imported: z.number().int(),
      sentToReview: z.number().int(),
      skippedDuplicate: z.number().int().openapi({ description: 'In the ledger already (an earlier run or another connection)' }),
      skippedDiscarded: z.number().int().openapi({ description: 'Of documents a reviewer discarded' }),
      failed: z.number().int(),
    }),
    outcome: z.enum(RUN_OUTCOMES),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .openapi('SyncRun');

const Accepted = z.object({ id: z.string(), managementId: z.string(), accepted: z.string() }).openapi('Accepted');

const adminRoute = { security: [{ Bearer: [] }], middleware: requireAdmin };
const refused = json(ErrorSchema, 'CloudSign refused the client ID; `code` says why');
const notFound = json(ErrorSchema, 'No such connection');

const previewRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Counts what a client ID would import, in files, writing nothing (Step 4)',
  ...adminRoute,
  request: { body: { content: { 'application/json': { schema: PreviewRequest } }, required: true } },
  responses: { 200: json(PreviewSchema, 'What the full import would bring'), ...errorResponses, ...bodyErrorResponses, 422: refused },
});

const createConnectionRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Connects a CloudSign client ID; the full import starts',
  ...adminRoute,
  request: { body: { content: { 'application/json': { schema: CreateConnection } }, required: true } },
  responses: {
    201: json(ConnectionSchema, 'Connected; the full import runs'),
    ...errorResponses,
    ...bodyErrorResponses,
    409: json(ErrorSchema, 'This client ID is connected already'),
    422: refused,
  },
});

const listConnectionsRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Every connection, newest first',
  ...adminRoute,
  request: { query: ListQuery },
  responses: { 200: json(pageOf(ConnectionSchema, 'ConnectionPage'), 'Connections'), ...errorResponses },
});

const getConnectionRoute = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'A connection: settings (never the client ID), status, progress, totals, last error',
  ...adminRoute,
  request: { params: IdParam },
  responses: { 200: json(ConnectionSchema, 'The connection'), ...errorResponses, 404: notFound },
});

const updateConnectionRoute = createRoute({
  method: 'patch',
  path: '/{id}',
  summary: 'Changes settings or rotates the client ID; the sync position is kept',
  ...adminRoute,
  request: { params: IdParam, body: { content: { 'application/json': { schema: UpdateConnection } }, required: true } },
  responses: {
    200: json(ConnectionSchema, 'The connection as changed'),
    ...errorResponses,
    ...bodyErrorResponses,
    404: notFound,
    409: json(ErrorSchema, 'Disconnected, or the new client ID is connected already'),
    422: refused,
  },
});

/** The three controls answer alike: 202 once the signal is delivered, 409 for a disconnected connection. */
const controlRoute = <P extends Control>(control: P, summary: string) =>
  createRoute({
    method: 'post',
    path: `/{id}/${control}` as `/{id}/${P}`,
    summary,
    ...adminRoute,
    request: { params: IdParam },
    responses: {
      202: json(Accepted, 'Delivered to the connection'),
      ...errorResponses,
      404: notFound,
      409: json(ErrorSchema, 'The connection is disconnected'),
    },
  });
const syncRoute = controlRoute('sync', 'Syncs now instead of at the next scheduled time');
const pauseRoute = controlRoute('pause', 'Pauses syncing (a running import stops after its current page)');
const resumeRoute = controlRoute('resume', 'Resumes a paused connection, or retries one in error');
const reconcileRoute = controlRoute('reconcile', 'Reconciles now: lists everything the CloudSign user sees and imports what the ledger misses');

const disconnectRoute = createRoute({
  method: 'delete',
  path: '/{id}',
  summary: 'Disconnects: the workflow ends, imported contracts stay',
  ...adminRoute,
  request: { params: IdParam },
  responses: { 202: json(Accepted, 'Disconnected'), ...errorResponses, 404: notFound },
});

const listRunsRoute = createRoute({
  method: 'get',
  path: '/{id}/runs',
  summary: 'One row per sync run, newest first',
  ...adminRoute,
  request: { params: IdParam, query: ListQuery },
  responses: { 200: json(pageOf(RunSchema, 'SyncRunPage'), 'Runs'), ...errorResponses, 404: notFound },
});

const toConnectionJson = (c: Connection, hookUrl: string | null): z.infer<typeof ConnectionSchema> => ({
  id: c.id,
  managementId: c.managementId,
  name: c.name,
  clientIdLast4: c.clientIdLast4,
  visibility: c.visibility,
  owners: c.owners,
  saveMode: c.saveMode,
  reviewers: c.reviewers,
  status: c.status,
  lastSyncAt: c.lastSyncAt?.toISOString() ?? null,
  nextSyncAt: c.nextSyncAt?.toISOString() ?? null,
  progress: c.progress,
  totals: c.totals,
  lastError: c.lastError && { code: c.lastError.code, message: c.lastError.message, at: new Date(c.lastError.at).toISOString() },
  warnings: c.warnings,
  completeness: c.completeness,
  hookUrl,
  createdAt: c.createdAt.toISOString(),
});

const toRunJson = (run: SyncRun): z.infer<typeof RunSchema> => ({
  id: run.id,
  kind: run.kind,
  window: run.window,
  startedAt: run.startedAt.toISOString(),
  finishedAt: run.finishedAt?.toISOString() ?? null,
  counts: run.counts,
  outcome: run.outcome,
  error: run.error,
});

const accepted = (connection: Connection, what: string) => ({ id: connection.id, managementId: connection.managementId, accepted: what });

/** `POST /v1/connection-previews`. */
export function previewRoutes(deps: ApiDeps) {
  return newRouter().openapi(previewRoute, async (c) => {
    const preview = await previewConnection(deps, c.req.valid('json').clientId);
    return c.json({ ...preview, advice: preview.advice.map(adviceText) }, 200);
  });
}

/** `/v1/connections`. */
export function connectionRoutes(deps: ApiDeps) {
  const { orm } = deps;
  const control = (what: Control) => async (connectionId: string, actor: User) => accepted(await controlConnection(deps, connectionId, what, actor), what);
  const [sync, pause, resume, reconcile] = [control('sync'), control('pause'), control('resume'), control('reconcile')];
  const hooks = { orm, secretsKey: deps.secretsKey, publicBaseUrl: publicBaseUrl(deps.config) };
  const serialised = async (connection: Connection) => toConnectionJson(connection, await hookUrlOf(hooks, connection));
  return newRouter()
    .openapi(createConnectionRoute, async (c) => c.json(await serialised(await connect(deps, { ...c.req.valid('json'), actor: c.get('user') })), 201))
    .openapi(listConnectionsRoute, async (c) => {
      const page = await listConnections(orm.em.fork(), c.req.valid('query'));
      return c.json({ items: await Promise.all(page.items.map(serialised)), nextCursor: page.nextCursor }, 200);
    })
    .openapi(getConnectionRoute, async (c) => c.json(await serialised(await getConnection(orm.em.fork(), c.req.valid('param').id)), 200))
    .openapi(updateConnectionRoute, async (c) => {
      const connection = await changeSettings(deps, { connectionId: c.req.valid('param').id, ...c.req.valid('json'), actor: c.get('user') });
      return c.json(await serialised(connection), 200);
    })
    .openapi(syncRoute, async (c) => c.json(await sync(c.req.valid('param').id, c.get('user')), 202))
    .openapi(pauseRoute, async (c) => c.json(await pause(c.req.valid('param').id, c.get('user')), 202))
    .openapi(resumeRoute, async (c) => c.json(await resume(c.req.valid('param').id, c.get('user')), 202))
    .openapi(reconcileRoute, async (c) => c.json(await reconcile(c.req.valid('param').id, c.get('user')), 202))
    .openapi(disconnectRoute, async (c) => c.json(accepted(await disconnect(deps, c.req.valid('param').id, c.get('user')), 'disconnect'), 202))
    .openapi(listRunsRoute, async (c) => {
      const em = orm.em.fork();
      const { id } = c.req.valid('param');
      await getConnection(em, id);
      const page = await listRuns(em, { connectionId: id, ...c.req.valid('query') });
      return c.json({ items: page.items.map(toRunJson), nextCursor: page.nextCursor }, 200);
    });
}
