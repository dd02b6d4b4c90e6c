import { createMiddleware } from 'hono/factory';
import type { MikroORM } from '../src/db';
import { authenticate } from '../src/ledger';
import type { ApiEnv } from './context';
import { ApiError } from './errors';

/** Bearer-token authentication: every route behind it knows its user. */
export function requireUser(orm: MikroORM) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new ApiError(401, 'unauthorized', 'Send your API token as `Authorization: Bearer <token>`.');
    const user = await authenticate(orm.em.fork(), match[1]!);
    if (!user) throw new ApiError(401, 'unauthorized', 'This API token is not known. Ask an admin for a new one.');
    c.set('user', user);
    await next();
  });
}

export const requireAdmin = createMiddleware<ApiEnv>(async (c, next) => {
  if (c.get('user').role !== 'admin') throw new ApiError(403, 'forbidden', 'Only an admin may do this.');
  await next();
});
