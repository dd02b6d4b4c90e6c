import { createRoute, z } from '@hono/zod-openapi';
import { getQuota, listConnections, reviewsAwaitingQuota, setQuotaLimit, type Quota } from '../src/ledger';
import { connectionWorkflowId, quotaRaisedSignal, reviewWorkflowId } from '../src/temporal/messages';
import { requireAdmin } from './auth';
import type { ApiDeps } from './context';
import { ErrorSchema, errorResponses } from './errors';
import { newRouter } from './router';

/** The ledger subscription's contract quota: API.md "Quota". */

const QuotaSchema = z
  .object({
    limit: z.number().int().openapi({ description: 'Contracts the subscription may hold.' }),
    used: z.number().int().openapi({ description: 'Contracts imported so far (each CloudSign file is one).' }),
    remaining: z.number().int(),
  })
  .openapi('Quota');

const SetQuotaBody = z
  .object({ limit: z.number().int().min(0).max(2_147_483_647) })
  .openapi('SetQuota', { description: 'A limit below what is used already is refused with 422.' });

const getQuotaRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'The contract quota: limit, used, remaining',
  security: [{ Bearer: [] }],
  responses: {
    200: { description: 'The quota', content: { 'application/json': { schema: QuotaSchema } } },
    ...errorResponses,
  },
});

const setQuotaRoute = createRoute({
  method: 'put',
  path: '/',
  summary: 'Set the quota limit (admin); connections stopped by quota_exhausted and approved reviews waiting for quota go on by themselves',
  security: [{ Bearer: [] }],
  middleware: requireAdmin,
  request: { body: { required: true, content: { 'application/json': { schema: SetQuotaBody } } } },
  responses: {
    200: { description: 'The quota with its new limit', content: { 'application/json': { schema: QuotaSchema } } },
    422: { description: 'The limit is below the contracts imported already', content: { 'application/json': { schema: ErrorSchema } } },
    ...errorResponses,
  },
});

/** How long each signal may take before it is given up (the request answers anyway). */
const SIGNAL_DEADLINE_MS = 5_000;
/** Signals in flight at once: thousands of approved reviews may wait for quota. */
const SIGNALS_AT_ONCE = 100;

/**
 * Tells whatever waits for quota that it was raised, with the `quotaRaised` signal: the workflow of every
 * connection stopped by `quota_exhausted` (`connection/<managementId>`) and of every approved review that
 * could not be saved (`review/<managementId>/<documentId>`); they go on by themselves. A workflow that is
 * missing or cannot be reached is logged and skipped: the quota is changed already, and both kinds of
 * workflow also recheck the quota by themselves from time to time. Returns the workflow IDs signalled.
 */
export async function notifyQuotaRaised(deps: Pick<ApiDeps, 'orm' | 'temporal'>): Promise<string[]> {
  const waiting: string[] = [];
  const em = deps.orm.em.fork();
  let cursor: string | null = null;
  do {
    const page = await listConnections(em, { limit: 500, cursor });
    for (const c of page.items) if (c.status === 'quota_exhausted') waiting.push(connectionWorkflowId(c.managementId));
    cursor = page.nextCursor;
  } while (cursor);
  for (const review of await reviewsAwaitingQuota(em)) waiting.push(reviewWorkflowId(review.managementId, review.documentId));

  const { connection, client } = deps.temporal;
  const signalled: string[] = [];
  for (let i = 0; i < waiting.length; i += SIGNALS_AT_ONCE) {
    const batch = waiting.slice(i, i + SIGNALS_AT_ONCE);
    const results = await Promise.allSettled(
      batch.map((workflowId) =>
        connection.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () => client.workflow.getHandle(workflowId).signal(quotaRaisedSignal)),
      ),
    );
    results.forEach((result, j) => {
      const workflowId = batch[j]!;
      if (result.status === 'fulfilled') signalled.push(workflowId);
      else console.warn(`quota raised: could not signal workflow ${workflowId}: ${(result.reason as Error).message}`);
    });
  }
  return signalled;
}

function toQuotaJson(quota: Quota): z.infer<typeof QuotaSchema> {
  return { limit: quota.limit, used: quota.used, remaining: quota.remaining };
}

export function quotaRoutes(deps: ApiDeps) {
  const { orm } = deps;
  return newRouter()
    .openapi(getQuotaRoute, async (c) => c.json(toQuotaJson(await getQuota(orm.em.fork())), 200))
    .openapi(setQuotaRoute, async (c) => {
      const quota = await setQuotaLimit(orm.em.fork(), { limit: c.req.valid('json').limit });
      if (quota.remaining > 0) {
        // The limit is changed already: failing to wake what waits must not turn that into an error.
        await notifyQuotaRaised(deps).catch((error: Error) => console.warn(`quota raised: could not notify the waiting workflows: ${error.message}`));
      }
      return c.json(toQuotaJson(quota), 200);
    });
}
