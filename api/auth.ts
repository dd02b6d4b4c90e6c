import { createMiddleware } from 'hono/factory';
import type { MikroORM } from '../src/db';
import { authenticate } from '../src/ledger';
import type { ApiEnv } from './context';
import { ApiError, errorResponse } from './errors';
import { sourceAddress, type SignInLimiter } from './sign-in-limit';

export interface SignInLimit {
  limiter: SignInLimiter;
  /** TRUSTED_PROXIES: peers whose `X-Forwarded-For` names the source. */
  trustedProxies: ReadonlySet<string>;
}

/**
 * Bearer-token authentication: every route behind it knows its user. A source that failed too often is
 * answered 429 before its token is even looked at (api/sign-in-limit.ts).
 */
export function requireUser(orm: MikroORM, { limiter, trustedProxies }: SignInLimit) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const source = sourceAddress(c, trustedProxies);
    const wait = source === undefined ? 0 : limiter.retryAfter(source);
    if (wait > 0) {
      const response = errorResponse(c, 429, 'too_many_failed_sign_ins', `Too many requests with a missing or unknown API token came from your address; try again in ${wait} seconds with a valid token.`);
      response.headers.set('Retry-After', String(wait));
      return response;
    }
    const refuse = (message: string) => {
      if (source !== undefined) limiter.recordFailure(source);
      return new ApiError(401, 'unauthorized', message);
    };
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw refuse('Send your API token as `Authorization: Bearer <token>`.');
    const user = await authenticate(orm.em.fork(), match[1]!);
    if (!user) throw refuse('This API token is not known. Ask an admin for a new one.');
    c.set('user', user);
    await next();
  });
}

export const requireAdmin = createMiddleware<ApiEnv>(async (c, next) => {
  if (c.get('user').role !== 'admin') throw new ApiError(403, 'forbidden', 'Only an admin may do this.');
  await next();
});
