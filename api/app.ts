import { createRoute, z } from '@hono/zod-openapi';
import { auditRoutes } from './audit';
import { consoleRoutes } from './console';
import { requireUser } from './auth';
import type { ApiDeps } from './context';
import { serveDocs } from './docs';
import { connectionRoutes, previewRoutes } from './connections';
import { contractRoutes } from './contracts';
import { fileErrorRoutes } from './file-errors';
import { ErrorSchema, errorResponse, errorResponses, errorHandler } from './errors';
import { allowedMethods, limitBody, refuseNul } from './guards';
import { groupRoutes } from './groups';
import { hookRoutes } from './hooks';
import { adminHealthRoutes, healthRoutes } from './health';
import { quotaRoutes } from './quota';
import { reviewRoutes } from './reviews';
import { signInLimiter } from './sign-in-limit';
import { newRouter } from './router';
import { userRoutes } from './users';
import { silentLogger } from '../src/logging';

const OPENAPI_INFO = {
  title: 'cloudsign-sync',
  version: '1',
  description:
    'Imports every contract concluded on CloudSign into the contract ledger, durably, on Temporal. ' +
    'Every request: a body of at most 256 KiB (else 413), JSON (else 415), and no NUL character (U+0000) in its path, query or body (else 400).',
};

const MeSchema = z
  .object({ id: z.string(), name: z.string(), email: z.string(), role: z.enum(['admin', 'member']) })
  .openapi('Me');

const meRoute = createRoute({
  method: 'get',
  path: '/me',
  summary: 'The user the API token belongs to',
  security: [{ Bearer: [] }],
  responses: { 200: { description: 'The caller', content: { 'application/json': { schema: MeSchema } } }, ...errorResponses },
});

/** Builds the HTTP API; `server.ts` listens, tests call `app.request()`. */
export function createApp(deps: ApiDeps) {
  const app = newRouter();
  app.onError(errorHandler(deps.logger ?? silentLogger));
  app.use('*', allowedMethods(app), limitBody, refuseNul);
  app.notFound((c) => errorResponse(c, 404, 'not_found', `There is no route ${c.req.method} ${c.req.path}.`));
  app.openAPIRegistry.registerComponent('securitySchemes', 'Bearer', { type: 'http', scheme: 'bearer' });
  app.openAPIRegistry.register('Error', ErrorSchema);

  app.route('/', healthRoutes(deps));
  // CloudSign's webhook: its own admission (source address, URL token), no API token (api/hooks.ts).
  app.route('/', hookRoutes(deps));

  // One count per API process (api/sign-in-limit.ts), for every authenticated route and the console's sign-in.
  const signInLimit = { limiter: signInLimiter(deps.config.AUTH_FAILURES_PER_MINUTE), trustedProxies: new Set(deps.config.TRUSTED_PROXIES) };
  const v1 = newRouter();
  v1.use('*', requireUser(deps.orm, signInLimit));
  v1.openapi(meRoute, (c) => {
    const { id, name, email, role } = c.get('user');
    return c.json({ id, name, email, role }, 200);
  });
  v1.route('/health', adminHealthRoutes(deps));
  v1.route('/users', userRoutes(deps));
  v1.route('/groups', groupRoutes(deps));
  v1.route('/quota', quotaRoutes(deps));
  v1.route('/contracts', contractRoutes(deps));
  v1.route('/reviews', reviewRoutes(deps));
  v1.route('/connection-previews', previewRoutes(deps));
  v1.route('/connections', connectionRoutes(deps));
  v1.route('/audit', auditRoutes(deps));
  v1.route('/connections', fileErrorRoutes(deps));
  app.route('/v1', v1);
  app.route('/console', consoleRoutes(deps, signInLimit));

  app.doc31('/openapi.json', { openapi: '3.1.0', info: OPENAPI_INFO });
  serveDocs(app);
  return app;
}

export type App = ReturnType<typeof createApp>;
