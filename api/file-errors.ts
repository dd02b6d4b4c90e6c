import { createRoute, z } from '@hono/zod-openapi';
import { dismissFileErrors, getConnection, listFileErrors, type FileError } from '../src/ledger';
import { retryFileErrors } from '../src/services/connections';
import { requireAdmin } from './auth';
import type { ApiDeps } from './context';
import { ErrorSchema, bodyErrorResponses, errorResponses } from './errors';
import { newRouter } from './router';
import { IdList, IdParam, ListQuery, json, pageOf } from './schemas';

/**
 * A connection's failed files (API.md "Connections"), admin only: the list, another attempt now, and
 * dismissing those not worth trying. Each sync retries the due ones by itself (src/import/by-id.ts).
 */

const FileErrorSchema = z
  .object({
    id: z.string(),
    documentId: z.string().openapi({ description: 'CloudSign document ID' }),
    fileId: z.string().openapi({ description: 'CloudSign file ID' }),
    title: z.string().nullable().openapi({ description: "The document's title" }),
    reason: z.string().openapi({ description: 'Why the last attempt failed' }),
    attempts: z.number().int().openapi({ description: 'Failed attempts since it last succeeded' }),
    firstFailedAt: z.string(),
    lastTriedAt: z.string(),
    nextAttemptAt: z.string().nullable().openapi({ description: 'When a sync tries it again by itself; null when dismissed' }),
    dismissedAt: z.string().nullable(),
  })
  .openapi('FileError');

const RetryRequest = z
  .object({ ids: IdList.min(1).optional().openapi({ description: 'File error IDs; all of the connection when absent' }) })
  .strict()
  .openapi('FileErrorRetry');
const DismissRequest = z.object({ ids: IdList.min(1) }).strict().openapi('FileErrorDismiss');
const Retrying = z.object({ id: z.string(), managementId: z.string(), retrying: z.number().int() }).openapi('FileErrorRetrying');
const Dismissed = z.object({ dismissed: z.number().int() }).openapi('FileErrorsDismissed');

const adminRoute = { security: [{ Bearer: [] }], middleware: requireAdmin };
const notFound = json(ErrorSchema, 'No such connection');

const listRoute = createRoute({
  method: 'get',
  path: '/{id}/file-errors',
  summary: 'Files that could not be imported and still fail (dismissed ones too), newest first',
  ...adminRoute,
  request: { params: IdParam, query: ListQuery },
  responses: { 200: json(pageOf(FileErrorSchema, 'FileErrorPage'), 'Failed files'), ...errorResponses, 404: notFound },
});

const retryRoute = createRoute({
  method: 'post',
  path: '/{id}/file-errors/retry',
  summary: 'Tries failed files again now (all, or those of `ids`), dismissed ones included: a sync starts',
  ...adminRoute,
  request: { params: IdParam, body: { content: { 'application/json': { schema: RetryRequest } }, required: false } },
  responses: {
    202: json(Retrying, 'The files are due; the sync that retries them is asked for'),
    ...errorResponses,
    ...bodyErrorResponses,
    404: notFound,
    409: json(ErrorSchema, 'The connection is disconnected'),
  },
});

const dismissRoute = createRoute({
  method: 'post',
  path: '/{id}/file-errors/dismiss',
  summary: 'Stops retrying these failed files; they are no longer counted as failing (retry brings them back)',
  ...adminRoute,
  request: { params: IdParam, body: { content: { 'application/json': { schema: DismissRequest } }, required: true } },
  responses: { 200: json(Dismissed, 'How many were dismissed (IDs of other connections, or resolved, are not)'), ...errorResponses, ...bodyErrorResponses, 404: notFound },
});

const toJson = (e: FileError): z.infer<typeof FileErrorSchema> => ({
  id: e.id,
  documentId: e.documentId,
  fileId: e.fileId,
  title: e.title,
  reason: e.message,
  attempts: e.attempts,
  firstFailedAt: e.firstFailedAt.toISOString(),
  lastTriedAt: e.lastFailedAt.toISOString(),
  nextAttemptAt: e.dismissedAt ? null : (e.nextAttemptAt?.toISOString() ?? null),
  dismissedAt: e.dismissedAt?.toISOString() ?? null,
});

/** `/v1/connections/:id/file-errors…`. */
export function fileErrorRoutes(deps: ApiDeps) {
  const { orm } = deps;
  return newRouter()
    .openapi(listRoute, async (c) => {
      const em = orm.em.fork();
      const { id } = c.req.valid('param');
      await getConnection(em, id);
      const page = await listFileErrors(em, { connectionId: id, ...c.req.valid('query') });
      return c.json({ items: page.items.map(toJson), nextCursor: page.nextCursor }, 200);
    })
    .openapi(retryRoute, async (c) => {
      // The body is optional: without one (or without `ids`) every failing file is retried.
      const body = c.req.valid('json') ?? {};
      const { connection, retrying } = await retryFileErrors(deps, { connectionId: c.req.valid('param').id, ...(body.ids && { ids: body.ids }), actor: c.get('user') });
      return c.json({ id: connection.id, managementId: connection.managementId, retrying }, 202);
    })
    .openapi(dismissRoute, async (c) => {
      const dismissed = await dismissFileErrors(orm.em.fork(), { connectionId: c.req.valid('param').id, ids: c.req.valid('json').ids, actor: c.get('user') });
      return c.json({ dismissed }, 200);
    });
}
