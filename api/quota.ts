import { createRoute, z } from '@hono/zod-openapi';
import { getQuota, listConnections, setQuotaLimit, type Quota } from '../src/ledger';
import { connectionWorkflowId, quotaRaisedSignal } from '../workflows/connection';
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
  summary: 'Set the quota limit (admin); connections stopped by quota_exhausted go on by themselves',
  security: [{ Bearer: [] }],
  middleware: requireAdmin,
  request: { body: { required: true, content: { 'application/json': { schema: SetQuotaBody } } } },
  responses: {
    200: { description: 'The quota with its new limit', content: { 'application/json': { schema: QuotaSchema } } },
    422: { description: 'The limit is below the contracts imported already', content: { 'application/json': { schema: ErrorSchema } } },
    ...errorResponses,
  },
});

/** How long the signals to stopped connections may take before the request answers anyway. */
const SIGNAL_DEADLINE_MS = 5_000;

/**
 * Tells every connection stopped by `quota_exhausted` that the quota was raised: its workflow
 * (`connection/<managementId>`) takes the `quotaRaised` signal and goes on. A workflow that is missing or
 * cannot be reached is logged and skipped: the quota is changed already, and a stopped workflow also
 * rechecks the quota by itself from time to time. Returns the management IDs that were signalled.
 */
export async function notifyQuotaRaised(deps: Pick<ApiDeps, 'orm' | 'temporal'>): Promise<string[]> {
  const stopped: string[] = [];
  const em = deps.orm.em.fork();
  let cursor: string | null = null;
  do {
    const page = await listConnections(em, { limit: 500, cursor });
    for (const connection of page.items) if (connection.status === 'quota_exhausted') stopped.push(connection.managementId);
    cursor = page.nextCursor;
  } while (cursor);
  if (!stopped.length) return [];

  const { connection, client } = deps.temporal;
  const results = await Promise.allSettled(
    stopped.map((managementId) =>
      connection.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () =>
        client.workflow.getHandle(connectionWorkflowId(managementId)).signal(quotaRaisedSignal),
      ),
    ),
  );
  const signalled: string[] = [];
  results.forEach((result, i) => {
    const managementId = stopped[i]!;
    if (result.status === 'fulfilled') signalled.push(managementId);
    else console.warn(`quota raised: could not signal the workflow of connection ${managementId}: ${(result.reason as Error).message}`);
  });
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
        // The limit is changed already: failing to wake the stopped connections must not turn that into an error.
        await notifyQuotaRaised(deps).catch((error: Error) => console.warn(`quota raised: could not notify connections: ${error.message}`));
      }
      return c.json(toQuotaJson(quota), 200);
    });
}
