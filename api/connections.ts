import { createRoute, z } from '@hono/zod-openapi';
import { TypedSearchAttributes, type SignalDefinition } from '@temporalio/common';
import { CloudSignError, type CloudSignAccess } from '../src/cloudsign';
import { countWindow, listingScopeOf } from '../src/import/window';
import {
  RUN_OUTCOMES,
  createConnection,
  disconnectConnection,
  getConnection,
  getQuota,
  listConnections,
  listRuns,
  updateConnection,
  type Connection,
} from '../src/ledger';
import { CONNECTION_STATUSES } from '../src/ledger/status';
import {
  CONNECTION_STATUS,
  MANAGEMENT_ID,
  connectionWorkflowId,
  disconnectSignal,
  pauseSignal,
  resumeSignal,
  settingsChangedSignal,
  syncNowSignal,
  type ConnectionWorkflowInput,
} from '../src/temporal/messages';
import { requireAdmin } from './auth';
import type { ApiDeps } from './context';
import { ApiError, ErrorSchema, errorResponses } from './errors';
import { newRouter } from './router';
import { IdParam, ListQuery, OwnersSchema, VisibilitySchema, pageOf } from './schemas';

const ClientId = z.string().trim().min(1).max(200).openapi({ description: 'CloudSign client ID (クライアントID). Never returned.' });
const Reviewers = z.object({ groupIds: z.array(z.string()).default([]), userIds: z.array(z.string()).default([]) });

const PreviewRequest = z.object({ clientId: ClientId }).openapi('ConnectionPreviewRequest');
const PreviewSchema = z
  .object({
    cloudsignUser: z.object({ name: z.string().nullable(), email: z.string().nullable() }),
    documents: z.number().int(),
    files: z.number().int(),
    confidentialDocuments: z.number().int(),
    earliestConcludedAt: z.string().nullable(),
    latestConcludedAt: z.string().nullable(),
    quota: z.object({ remaining: z.number().int(), required: z.number().int() }),
    advice: z.array(z.string()),
  })
  .openapi('ConnectionPreview');

const ConnectionSettings = z.object({
  name: z.string().trim().min(1).max(200),
  clientId: ClientId,
  visibility: VisibilitySchema,
  owners: OwnersSchema,
  saveMode: z.enum(['direct', 'review']),
  reviewers: Reviewers,
});

const CreateConnection = ConnectionSettings.extend({ reviewers: Reviewers.optional() }).openapi('CreateConnection');

/** Any subset of the settings; a new clientId rotates the credential. */
const UpdateConnection = ConnectionSettings.partial()
  .strict()
  .openapi('UpdateConnection');

const ConnectionSchema = z
  .object({
    id: z.string(),
    managementId: z.string().openapi({ example: 'CS-0001' }),
    name: z.string(),
    clientIdLast4: z.string().openapi({ description: 'The last 4 characters of the client ID, to tell connections apart.' }),
    visibility: VisibilitySchema,
    owners: z.array(z.string()),
    saveMode: z.enum(['direct', 'review']),
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
    createdAt: z.string(),
  })
  .openapi('Connection');

const RunSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['full', 'incremental', 'manual']),
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

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const adminRoute = { security: [{ Bearer: [] }], middleware: requireAdmin };
const refused = json(ErrorSchema, 'CloudSign refused the client ID; `code` says why');

/** A CloudSign refusal at setup time, as a 422 whose code says what to fix (or 503 when CloudSign is down). */
function refusal(error: unknown): never {
  if (!(error instanceof CloudSignError)) throw error;
  if (error.code === 'transient' || error.code === 'rate_limited') {
    throw new ApiError(503, 'cloudsign_unavailable', `CloudSign did not answer properly; try again shortly. ${error.message}`);
  }
  throw new ApiError(422, `cloudsign_${error.code}`, error.message);
}

const serialise = (c: Connection): z.infer<typeof ConnectionSchema> => ({
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
  createdAt: c.createdAt.toISOString(),
});

/** What the admin should know before connecting (PRODUCT.md: the recommended dedicated user, 親展). */
function adviceFor(access: CloudSignAccess, confidential: number): string[] {
  const advice = [
    'Use a dedicated, non-personal CloudSign user with document-management rights: a personal user brings its ' +
      'confidential (親展) documents into the ledger, and deleting it (a transfer, a resignation) stops the sync.',
  ];
  if (confidential > 0) {
    advice.push(`${confidential} of the documents are confidential (親展); they will be imported with the connection's visibility.`);
  }
  if (listingScopeOf(access.user) === 'user') {
    advice.push('This CloudSign user has no document-management right (書類管理権限): only the documents it sent or received are imported.');
  } else {
    advice.push("This CloudSign user has the document-management right (書類管理権限): every document of the team is imported.");
  }
  return advice;
}

export function connectionRoutes(deps: ApiDeps) {
  const { orm, cloudsign, temporal } = deps;
  const handle = (connection: Connection) => temporal.client.workflow.getHandle(connectionWorkflowId(connection.managementId));

  /** Delivers a control signal; a connection that is disconnected cannot be controlled any more. */
  async function control(connectionId: string, signal: SignalDefinition<[], string>, what: string) {
    const connection = await getConnection(orm.em.fork(), connectionId);
    if (connection.status === 'disconnected') {
      throw new ApiError(409, 'connection_disconnected', `Connection ${connection.managementId} is disconnected; it cannot ${what}.`);
    }
    await handle(connection).signal(signal);
    return connection;
  }

  const app = newRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/connection-previews',
      summary: 'Counts what a client ID would import, in files, writing nothing (Step 4)',
      ...adminRoute,
      request: { body: { content: { 'application/json': { schema: PreviewRequest } }, required: true } },
      responses: { 200: json(PreviewSchema, 'What the full import would bring'), ...errorResponses, 422: refused },
    }),
    async (c) => {
      const { clientId } = c.req.valid('json');
      const access = await cloudsign.checkAccess(clientId).catch(refusal);
      const count = await countWindow(cloudsign, clientId, { scope: listingScopeOf(access.user) }).catch(refusal);
      const quota = await getQuota(orm.em.fork());
      return c.json(
        {
          cloudsignUser: { name: access.user.name ?? null, email: access.user.email ?? null },
          documents: count.documents,
          files: count.files,
          confidentialDocuments: count.confidentialDocuments,
          earliestConcludedAt: count.earliestConcludedAt,
          latestConcludedAt: count.latestConcludedAt,
          quota: { remaining: quota.remaining, required: count.files },
          advice: adviceFor(access, count.confidentialDocuments),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/connections',
      summary: 'Connects a CloudSign client ID; the full import starts',
      ...adminRoute,
      request: { body: { content: { 'application/json': { schema: CreateConnection } }, required: true } },
      responses: {
        201: json(ConnectionSchema, 'Connected; the full import runs'),
        ...errorResponses,
        409: json(ErrorSchema, 'This client ID is connected already'),
        422: refused,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      await cloudsign.checkAccess(body.clientId).catch(refusal);
      // The workflow starts inside the transaction: if Temporal refuses, no connection is left behind.
      const connection = await orm.em.fork().transactional(async (em) => {
        const created = await createConnection(em, { ...body, secretsKey: deps.secretsKey });
        await temporal.client.workflow.start<(input: ConnectionWorkflowInput) => Promise<void>>('connectionWorkflow', {
          taskQueue: temporal.taskQueue,
          workflowId: connectionWorkflowId(created.managementId),
          args: [{ connectionId: created.id, managementId: created.managementId, syncIntervalMs: deps.syncIntervalMs }],
          typedSearchAttributes: new TypedSearchAttributes([
            { key: MANAGEMENT_ID, value: created.managementId },
            { key: CONNECTION_STATUS, value: created.status },
          ]),
        });
        return created;
      });
      return c.json(serialise(connection), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/connections',
      summary: 'Every connection, newest first',
      ...adminRoute,
      request: { query: ListQuery },
      responses: { 200: json(pageOf(ConnectionSchema, 'ConnectionPage'), 'Connections'), ...errorResponses },
    }),
    async (c) => {
      const page = await listConnections(orm.em.fork(), c.req.valid('query'));
      return c.json({ items: page.items.map(serialise), nextCursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/connections/{id}',
      summary: 'A connection: settings (never the client ID), status, progress, totals, last error',
      ...adminRoute,
      request: { params: IdParam },
      responses: { 200: json(ConnectionSchema, 'The connection'), ...errorResponses, 404: json(ErrorSchema, 'No such connection') },
    }),
    async (c) => c.json(serialise(await getConnection(orm.em.fork(), c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/connections/{id}',
      summary: 'Changes settings or rotates the client ID; the sync position is kept',
      ...adminRoute,
      request: { params: IdParam, body: { content: { 'application/json': { schema: UpdateConnection } }, required: true } },
      responses: {
        200: json(ConnectionSchema, 'The connection as changed'),
        ...errorResponses,
        404: json(ErrorSchema, 'No such connection'),
        409: json(ErrorSchema, 'Disconnected, or the new client ID is connected already'),
        422: refused,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { clientId, ...settings } = c.req.valid('json');
      if (clientId !== undefined) await cloudsign.checkAccess(clientId).catch(refusal);
      const em = orm.em.fork();
      const connection =
        clientId === undefined
          ? await updateConnection(em, { connectionId: id, ...settings })
          : await updateConnection(em, { connectionId: id, ...settings, clientId, secretsKey: deps.secretsKey });
      await handle(connection).signal(settingsChangedSignal);
      return c.json(serialise(connection), 200);
    },
  );

  const controls = [
    { path: 'sync', signal: syncNowSignal, summary: 'Syncs now instead of at the next scheduled time', what: 'sync' },
    { path: 'pause', signal: pauseSignal, summary: 'Pauses syncing (a running import stops after its current page)', what: 'be paused' },
    { path: 'resume', signal: resumeSignal, summary: 'Resumes a paused connection, or retries one in error', what: 'be resumed' },
  ] as const;
  for (const { path, signal, summary, what } of controls) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/connections/{id}/${path}`,
        summary,
        ...adminRoute,
        request: { params: IdParam },
        responses: {
          202: json(Accepted, 'Delivered to the connection'),
          ...errorResponses,
          404: json(ErrorSchema, 'No such connection'),
          409: json(ErrorSchema, 'The connection is disconnected'),
        },
      }),
      async (c) => {
        const connection = await control(c.req.valid('param').id, signal, what);
        return c.json({ id: connection.id, managementId: connection.managementId, accepted: path }, 202);
      },
    );
  }

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/connections/{id}',
      summary: 'Disconnects: the workflow ends, imported contracts stay',
      ...adminRoute,
      request: { params: IdParam },
      responses: { 202: json(Accepted, 'Disconnected'), ...errorResponses, 404: json(ErrorSchema, 'No such connection') },
    }),
    async (c) => {
      const connection = await disconnectConnection(orm.em.fork(), c.req.valid('param').id);
      // The workflow may have ended already (a repeated DELETE): the connection is disconnected either way.
      await handle(connection)
        .signal(disconnectSignal)
        .catch((error: Error) => {
          if (error.name !== 'WorkflowNotFoundError') throw error;
        });
      return c.json({ id: connection.id, managementId: connection.managementId, accepted: 'disconnect' }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/connections/{id}/runs',
      summary: 'One row per sync run, newest first',
      ...adminRoute,
      request: { params: IdParam, query: ListQuery },
      responses: { 200: json(pageOf(RunSchema, 'SyncRunPage'), 'Runs'), ...errorResponses, 404: json(ErrorSchema, 'No such connection') },
    }),
    async (c) => {
      const em = orm.em.fork();
      const { id } = c.req.valid('param');
      await getConnection(em, id);
      const page = await listRuns(em, { connectionId: id, ...c.req.valid('query') });
      const items = page.items.map((run) => ({
        id: run.id,
        kind: run.kind,
        window: run.window,
        startedAt: run.startedAt.toISOString(),
        finishedAt: run.finishedAt?.toISOString() ?? null,
        counts: run.counts,
        outcome: run.outcome,
        error: run.error,
      }));
      return c.json({ items, nextCursor: page.nextCursor }, 200);
    },
  );

  return app;
}
