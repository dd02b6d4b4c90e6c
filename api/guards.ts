import type { Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { TrieRouter } from 'hono/router/trie-router';
import type { ApiEnv } from './context';
import { errorResponse } from './errors';

/**
 * What every request passes before any route sees it: bounds that make each input either handled or refused
 * with 4xx, so that no input reaches Postgres in a form it cannot store (the API would answer 500).
 */

/** No request of this API carries more: its bodies are settings, fields and IDs, never files. */
export const MAX_BODY_BYTES = 256 * 1024;

export const limitBody: MiddlewareHandler<ApiEnv> = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => errorResponse(c, 413, 'payload_too_large', `A request body may have at most ${MAX_BODY_BYTES / 1024} KiB.`),
});

/** Postgres cannot store a NUL in text, and no name, field or search needs one. */
const NUL = '\u0000';

/** Whether a parsed JSON value holds a NUL in any string, key or value. */
function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(NUL);
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value && typeof value === 'object') return Object.entries(value).some(([key, item]) => key.includes(NUL) || holdsNul(item));
  return false;
}

/** A JSON body's text holds a NUL once parsed; text that is not JSON is left to the route's validation (400). */
function bodyHoldsNul(text: string): boolean {
  try {
    return holdsNul(JSON.parse(text));
  } catch {
    return text.includes(NUL);
  }
}

/** A form body holds a NUL, raw (multipart) or percent-encoded (urlencoded). */
function formHoldsNul(text: string): boolean {
  return text.includes(NUL) || /%00/i.test(text);
}

/** Refuses a NUL character anywhere in the path, the query, a JSON body or a form, with 400. */
export const refuseNul: MiddlewareHandler<ApiEnv> = async (c, next) => {
  let url: string;
  try {
    url = decodeURIComponent(c.req.url);
  } catch {
    return errorResponse(c, 400, 'invalid_request', 'The URL is not valid percent-encoding.');
  }
  const type = c.req.header('content-type') ?? '';
  const withBody = ['POST', 'PUT', 'PATCH'].includes(c.req.method);
  const body = withBody && type.includes('json') ? await c.req.text() : '';
  // The console's forms: a NUL typed (or sent) into a field would reach Postgres, which cannot store it.
  const form = withBody && /^(application\/x-www-form-urlencoded|multipart\/form-data)/.test(type) ? await c.req.text() : '';
  if (url.includes(NUL) || (body && bodyHoldsNul(body)) || (form && formHoldsNul(form))) {
    return errorResponse(c, 400, 'invalid_request', 'The request contains a NUL character (U+0000); remove it.');
  }
  await next();
};

/**
 * 405 with `Allow` for a route that exists with other methods (TRACE, or PUT where only GET is), not 404.
 * `Allow` names the methods of the most specific route the path matches, as the OpenAPI document lists
 * them: for `/v1/reviews/bulk` those of that path (POST), not also `/v1/reviews/{id}`'s GET.
 */
export const allowedMethods = (app: Hono<ApiEnv>): MiddlewareHandler<ApiEnv> => {
  let router: TrieRouter<{ path: string; methods: string[] }> | undefined;
  return async (c, next) => {
    await next();
    if (c.res.status !== 404 || c.error) return;
    router ??= methodRouter(app);
    const matches = router.match('ALL', c.req.path)[0].map(([route]) => route);
    if (!matches.length) return;
    const specific = matches.reduce((best, route) => (paramsOf(route.path) < paramsOf(best.path) ? route : best));
    if (specific.methods.includes(c.req.method)) return;
    const response = errorResponse(c, 405, 'method_not_allowed', `${c.req.method} is not allowed here; use ${specific.methods.join(', ')}.`);
    response.headers.set('Allow', specific.methods.join(', '));
    c.res = response;
  };
};

const paramsOf = (path: string) => path.split('/').filter((part) => part.startsWith(':') || part === '*').length;

/** Every route path the app serves, with its methods (HEAD wherever GET is). */
function methodRouter(app: Hono<ApiEnv>): TrieRouter<{ path: string; methods: string[] }> {
  const methodsByPath = new Map<string, Set<string>>();
  for (const route of app.routes) {
    if (route.method === 'ALL' || route.method === 'HEAD') continue;
    const methods = methodsByPath.get(route.path) ?? new Set<string>();
    methods.add(route.method);
    if (route.method === 'GET') methods.add('HEAD');
    methodsByPath.set(route.path, methods);
  }
  const router = new TrieRouter<{ path: string; methods: string[] }>();
  for (const [path, methods] of methodsByPath) router.add('ALL', path, { path, methods: [...methods] });
  return router;
}
