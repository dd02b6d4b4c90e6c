import { BlockList, isIP } from 'node:net';
import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { receiveHook } from '../src/services/hooks';
import type { ApiDeps, ApiEnv } from './context';
import { ApiError, errorContent, errorResponse } from './errors';
import { newRouter } from './router';
import { json } from './schemas';
import { sourceAddress } from './sign-in-limit';

/**
 * CloudSign's webhook (cloudsign-api.md §8): `POST /hooks/cloudsign/:token`, the Hook URL a CloudSign team
 * admin pastes into チーム設定 → Webhook. Not under /v1: CloudSign sends no API token (nor any signature), so
 * a hook is let in by its source address (CLOUDSIGN_HOOK_ALLOWED_IPS; behind a proxy, TRUSTED_PROXIES
 * decides whose X-Forwarded-For counts) and the URL's token, and is never believed: it only asks the
 * connections of the token's team to read that document through the API (src/ledger/hooks.ts).
 *
 * In this order, each refusal before anything costlier: source address (403, no look-up at all), the
 * process's rate limit per source (429), size (413), form (400), then the token (one indexed look-up; 404).
 * The answer comes once the hook is in Postgres; the workflows are told after it, so it never waits on
 * Temporal (and a signal that could not go out is sent again by the API's repair round).
 */

/** No hook is near this: five short fields (the `text` holds a title and a URL). */
export const MAX_HOOK_BYTES = 16 * 1024;
/** Hooks a source address may send a minute, per API process: CloudSign sends one per conclusion and Hook URL. */
export const HOOKS_PER_MINUTE = 600;

const TokenParam = z.object({
  token: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'token', in: 'path' }, description: 'The token of the Hook URL (hookUrl on GET /v1/connections/{id})' }),
});

const HookBody = z
  .object({
    documentID: z.string().min(1).max(100).regex(/^[\x21-\x7e]+$/, 'must be a CloudSign document ID').openapi({ description: '書類ID' }),
    status: z.number().int().min(0).max(20).openapi({ description: '2 締結完了 (imported); 1 bounced mail and 3 取り消し・却下 are recorded and ignored' }),
    userID: z.string().max(200).optional(),
    email: z.string().max(320).optional(),
    text: z.string().max(MAX_HOOK_BYTES).optional(),
  })
  .openapi('CloudSignHook', { description: "CloudSign's webhook body; only documentID and status are used, and only as a hint" });

const HookAnswer = z
  .object({ status: z.enum(['accepted', 'ignored']).openapi({ description: '`ignored`: a state other than 締結完了, recorded only' }) })
  .openapi('HookAnswer');

const hookRoute = createRoute({
  method: 'post',
  path: '/hooks/cloudsign/{token}',
  summary: "CloudSign's webhook (Hook URL): a concluded document is imported within seconds",
  description:
    'Called by CloudSign, not by people: no API token. Allowed only from CLOUDSIGN_HOOK_ALLOWED_IPS. The document is read again through the ' +
    "CloudSign API by each connection of the URL's CloudSign team that can see it; the daily sync stays the source of truth.",
  request: { params: TokenParam, body: { content: { 'application/json': { schema: HookBody } }, required: true } },
  responses: {
    202: json(HookAnswer, 'Recorded; the import follows asynchronously'),
    400: { description: 'Not a CloudSign hook body', content: errorContent },
    403: { description: 'The source address is not in CLOUDSIGN_HOOK_ALLOWED_IPS (`hook_source_refused`)', content: errorContent },
    404: { description: 'No Hook URL has this token (`hook_not_found`)', content: errorContent },
    413: { description: `The body is over ${MAX_HOOK_BYTES / 1024} KiB (\`payload_too_large\`)`, content: errorContent },
    415: { description: 'The body is not `application/json`', content: errorContent },
    429: {
      description: `More than ${HOOKS_PER_MINUTE} hooks a minute from this address (\`too_many_hooks\`)`,
      headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer', minimum: 1 } } },
      content: errorContent,
    },
    503: { description: 'Postgres does not answer; nothing was recorded', content: errorContent },
  },
});

/** The allow-list as a matcher of addresses and CIDR ranges (the configuration checked their form). */
export function addressMatcher(entries: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/** A fixed one-minute window per source address, in this process's memory, bounded in size. */
function minuteLimiter(limit: number, now: () => number = Date.now) {
  const windows = new Map<string, { start: number; count: number }>();
  return (source: string): number => {
    const at = now();
    let window = windows.get(source);
    if (!window || at - window.start >= 60_000) {
      windows.delete(source);
      window = { start: at, count: 0 };
      windows.set(source, window);
      if (windows.size > 10_000) windows.delete(windows.keys().next().value!);
    }
    window.count++;
    return window.count > limit ? Math.max(1, Math.ceil((window.start + 60_000 - at) / 1000)) : 0;
  };
}

/** The source address and rate checks, before the body is read. */
function admission(deps: ApiDeps): MiddlewareHandler<ApiEnv> {
  const allowed = addressMatcher(deps.config.CLOUDSIGN_HOOK_ALLOWED_IPS);
  const trustedProxies = new Set(deps.config.TRUSTED_PROXIES);
  const limited = minuteLimiter(HOOKS_PER_MINUTE);
  return async (c, next) => {
    // Another method is answered 405 (api/guards.ts), whoever asks.
    if (c.req.method !== 'POST') return next();
    const source = sourceAddress(c, trustedProxies);
    if (!source || !allowed(source)) {
      return errorResponse(c, 403, 'hook_source_refused', `Hooks are accepted only from CLOUDSIGN_HOOK_ALLOWED_IPS; ${source ?? 'this source'} is not in it.`);
    }
    const retryAfter = limited(source);
    if (retryAfter) {
      const response = errorResponse(c, 429, 'too_many_hooks', `More than ${HOOKS_PER_MINUTE} hooks a minute from ${source}; the daily sync imports what was refused.`);
      response.headers.set('Retry-After', String(retryAfter));
      return response;
    }
    await next();
  };
}

/**
 * The hook's own size limit, under the API's 256 KiB: the body has been read by then (the API's NUL check
 * reads JSON bodies), so it is measured, not streamed.
 */
const limitHookBody: MiddlewareHandler<ApiEnv> = async (c, next) => {
  if (c.req.method === 'POST' && Buffer.byteLength(await c.req.text()) > MAX_HOOK_BYTES) {
    return errorResponse(c, 413, 'payload_too_large', `A hook body may have at most ${MAX_HOOK_BYTES / 1024} KiB.`);
  }
  await next();
};

export function hookRoutes(deps: ApiDeps) {
  const router = newRouter();
  router.use('/hooks/cloudsign/*', admission(deps), limitHookBody);
  return router.openapi(hookRoute, async (c) => {
    const { token } = c.req.valid('param');
    const body = c.req.valid('json');
    const received = await receiveHook(deps, { token, hook: { documentId: body.documentID, status: body.status } });
    if (!received) throw new ApiError(404, 'hook_not_found', 'No Hook URL has this token: copy hookUrl from GET /v1/connections/{id} into CloudSign again.');
    // After the answer: telling the workflows may wait on Temporal, which the answer must not.
    setImmediate(() => void received.deliver());
    return c.json({ status: body.status === 2 ? ('accepted' as const) : ('ignored' as const) }, 202);
  });
}
