import { createRoute, z } from '@hono/zod-openapi';
import type { ApiDeps } from './context';
import { newRouter } from './router';

const DependencyState = z.object({ ok: z.boolean(), error: z.string().optional() });
const HealthSchema = z
  .object({ status: z.enum(['ok', 'degraded']), postgres: DependencyState, temporal: DependencyState })
  .openapi('Health');

const route = createRoute({
  method: 'get',
  path: '/health',
  summary: 'Whether Postgres and Temporal answer (no authentication)',
  responses: {
    200: { description: 'Both answer', content: { 'application/json': { schema: HealthSchema } } },
    503: { description: 'At least one is down; the body says which', content: { 'application/json': { schema: HealthSchema } } },
  },
});

async function probe(timeoutMs: number, check: () => Promise<unknown>): Promise<z.infer<typeof DependencyState>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([check(), timeout]);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message.split('\n')[0] };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes({ orm, temporal, healthTimeoutMs = 3_000 }: ApiDeps) {
  return newRouter().openapi(route, async (c) => {
    const [postgres, temporalState] = await Promise.all([
      probe(healthTimeoutMs, () => orm.em.getConnection().execute('select 1')),
      probe(healthTimeoutMs, () =>
        temporal.connection.withDeadline(Date.now() + healthTimeoutMs, () => temporal.connection.healthService.check({})),
      ),
    ]);
    const ok = postgres.ok && temporalState.ok;
    return c.json({ status: ok ? 'ok' : 'degraded', postgres, temporal: temporalState } as const, ok ? 200 : 503);
  });
}
