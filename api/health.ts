import { createRoute, z } from '@hono/zod-openapi';
import { connectionWarnings } from '../src/ledger';
import { requireAdmin } from './auth';
import type { ApiDeps } from './context';
import { errorResponses } from './errors';
import { missingSearchAttributes } from '../src/temporal/search-attributes';
import { newRouter } from './router';
import { silentLogger, type Logger } from '../src/logging';

/**
 * Up or down only: /health answers anyone, so the cause goes to the log, never into the answer. Admins read
 * more at GET /v1/health: the connections' warnings — what would stop a person from hearing of an incident.
 */
const DependencyState = z.object({ ok: z.boolean() });
const TemporalState = DependencyState.extend({
  missingSearchAttributes: z.array(z.string()).optional().openapi({
    description: 'Search attributes the namespace lacks: workflows cannot start until an operator creates them (npm run temporal:search-attributes).',
  }),
});
const WarningSchema = z.object({ managementId: z.string(), code: z.string(), message: z.string() });
const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    postgres: DependencyState,
    temporal: TemporalState,
  })
  .openapi('Health');
const AdminHealthSchema = HealthSchema.extend({
  warnings: z.array(WarningSchema).openapi({
    description: 'Each live connection\'s warnings (`incident_mail_undeliverable`, `review_mail_undeliverable`); empty when nothing needs fixing.',
  }),
}).openapi('AdminHealth');

const route = createRoute({
  method: 'get',
  path: '/health',
  summary: 'Whether Postgres and Temporal answer (no authentication)',
  responses: {
    200: { description: 'Both answer', content: { 'application/json': { schema: HealthSchema } } },
    503: { description: 'At least one is down; the body says which', content: { 'application/json': { schema: HealthSchema } } },
  },
});

const adminRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'What /health says, and the connections\' warnings (admin)',
  security: [{ Bearer: [] }],
  middleware: requireAdmin,
  responses: {
    200: { description: 'The state of the dependencies (ok or degraded) and what needs fixing', content: { 'application/json': { schema: AdminHealthSchema } } },
    ...errorResponses,
  },
});

async function probe(logger: Logger, name: string, timeoutMs: number, check: () => Promise<unknown>): Promise<z.infer<typeof DependencyState>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([check(), timeout]);
    return { ok: true };
  } catch (error) {
    logger.warn(`health: ${name} does not answer`, { error: (error as Error).message.split('\n')[0] });
    return { ok: false };
  } finally {
    clearTimeout(timer);
  }
}

/** gRPC UNIMPLEMENTED: the time-skipping test server cannot list search attributes; it cannot be judged then. */
const UNIMPLEMENTED = 12;

/** Whether Temporal answers, and which of our search attributes its namespace lacks. */
async function temporalHealth(logger: Logger, temporal: ApiDeps['temporal'], namespace: string, timeoutMs: number): Promise<z.infer<typeof TemporalState>> {
  const answers = await probe(logger, 'temporal', timeoutMs, () =>
    temporal.connection.withDeadline(Date.now() + timeoutMs, () => temporal.connection.healthService.check({})),
  );
  if (!answers.ok) return answers;
  try {
    const missing = await temporal.connection.withDeadline(Date.now() + timeoutMs, () => missingSearchAttributes(temporal.connection, namespace));
    return missing.length ? { ok: false, missingSearchAttributes: missing } : { ok: true };
  } catch (error) {
    if ((error as { code?: unknown }).code === UNIMPLEMENTED) return { ok: true };
    return probe(logger, 'temporal', timeoutMs, () => Promise.reject(error));
  }
}

async function healthOf({ orm, temporal, healthTimeoutMs = 3_000, logger = silentLogger }: ApiDeps) {
  const [postgres, temporalState] = await Promise.all([
    probe(logger, 'postgres', healthTimeoutMs, () => orm.em.getConnection().execute('select 1')),
    temporalHealth(logger, temporal, temporal.client.options.namespace, healthTimeoutMs),
  ]);
  const ok = postgres.ok && temporalState.ok;
  return { status: ok ? 'ok' : 'degraded', postgres, temporal: temporalState } as const;
}
export function healthRoutes(deps: ApiDeps) {
  return newRouter().openapi(route, async (c) => {
    const health = await healthOf(deps);
    return c.json(health, health.status === 'ok' ? 200 : 503);
  });
}

/** `GET /v1/health`: what /health says, and for admins what needs fixing — each live connection's warnings. */
export function adminHealthRoutes(deps: ApiDeps) {
  return newRouter().openapi(adminRoute, async (c) => {
    const [health, warnings] = await Promise.all([
      healthOf(deps),
      connectionWarnings(deps.orm.em.fork()),
    ]);
    return c.json({ ...health, warnings }, 200);
  });
}
