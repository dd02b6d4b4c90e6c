import { createRoute, z } from '@hono/zod-openapi';
import { getQuota, type Quota } from '../src/ledger';
import { setQuota } from '../src/services/quota';
import { requireAdmin } from './auth';
import type { ApiDeps } from './context';
import { ErrorSchema, bodyErrorResponses, errorResponses } from './errors';
import { newRouter } from './router';

/** The ledger subscription's contract quota: API.md "Quota". */

const QuotaSchema = z
  .object({
    limit: z.number().int().openapi({ description: 'Contracts the subscription may hold.' }),
    used: z.number().int().openapi({ description: 'Contracts imported so far (each CloudSign file is one).' }),
    remaining: z.number().int(),
  })
  .openapi('Quota', { example: { limit: 10000, used: 3021, remaining: 6979 } });

export const SetQuotaBody = z
  .object({ limit: z.number().int().min(0).max(2_147_483_647) })
  .openapi('SetQuota', { description: 'A limit below what is used already is refused with 422.', example: { limit: 20000 } });

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
    ...bodyErrorResponses,
  },
});

function toQuotaJson(quota: Quota): z.infer<typeof QuotaSchema> {
  return { limit: quota.limit, used: quota.used, remaining: quota.remaining };
}

export function quotaRoutes(deps: ApiDeps) {
  const { orm } = deps;
  return newRouter()
    .openapi(getQuotaRoute, async (c) => c.json(toQuotaJson(await getQuota(orm.em.fork())), 200))
    .openapi(setQuotaRoute, async (c) => c.json(toQuotaJson(await setQuota(deps, c.req.valid('json').limit, c.get('user'))), 200));
}
