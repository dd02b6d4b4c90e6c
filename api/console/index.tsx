import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { SignInLimit } from '../auth';
import type { ApiDeps } from '../context';
import { describeError, loggedPath } from '../errors';
import { sourceAddress } from '../sign-in-limit';
import { silentLogger, type Logger } from '../../src/logging';
import { assetAt } from './assets';
import { connectionPages } from './connections';
import { contractPages } from './contracts';
import { groupPages } from './groups';
import { quotaPages } from './quota';
import { userPages } from './users';
import { LANG_COOKIE } from './i18n';
import { renderMessagePage } from './layout';
import { requireSession, safeNext, signIn, signOut, withLang, type ConsoleContext, type ConsoleEnv } from './session';
import { reviewPages } from './reviews';
import { renderSignIn, SIGN_IN_WORDS } from './sign-in';
import { setCookie } from 'hono/cookie';

/**
 * The web console under /console (../shared/spec/CONSOLE.md): server-rendered pages on the same services
 * and rules as the API. Sign-in takes an API token and gives a session cookie; each section is a router of
 * its own, mounted here behind the session.
 */
export function consoleRoutes(deps: ApiDeps, signInLimit: SignInLimit) {
  const app = new Hono<ConsoleEnv>();
  const logger = deps.logger ?? silentLogger;
  app.use('*', securityHeaders, withLang, sameOrigin);
  app.onError((error, c) => errorPage(c, logger, error));
  app.get('/assets/:hash/:name', serveAsset);
  app.get('/language', chooseLanguage);
  app.get('/', showSignIn);
  app.post('/sign-in', (c) => submitSignIn(c, deps, signInLimit));
  // A GET is enough: the cookie is SameSite=Strict, so no other site can make a browser sign out.
  app.get('/sign-out', (c) => endSession(c, deps));
  app.route('/', sectionPages(deps));
  app.all('*', notFound);
  return app;
}

/** The sections behind the session: each a router of its own. */
function sectionPages(deps: ApiDeps) {
  const pages = new Hono<ConsoleEnv>();
  pages.use('*', requireSession(deps.orm));
  // The sections' routers (reviews, connections, contracts, users, groups, quota) are mounted here.
  pages.route('/reviews', reviewPages(deps));
  pages.route('/connections', connectionPages(deps));
  pages.route('/contracts', contractPages(deps));
  pages.route('/users', userPages(deps));
  pages.route('/groups', groupPages(deps));
  pages.route('/quota', quotaPages(deps));
  return pages;
}

function errorPage(c: ConsoleContext, logger: Logger, error: Error): Response {
  const described = describeError(error, logger, { method: c.req.method, path: c.req.path });
  if (!described) logger.error('console request failed unexpectedly', { method: c.req.method, path: loggedPath(c.req.path), error, stack: error.stack });
  const en = c.get('lang') === 'en';
  const status = (described?.status ?? 500) as 400 | 404 | 409 | 422 | 503 | 500;
  return renderMessagePage(c, {
    title: en ? 'Something went wrong' : 'エラー',
    // The API's own sentence: it says what to do (the same words an API caller gets).
    message: described?.message ?? (en ? 'The server failed to handle this request; the error has been logged.' : 'サーバーでエラーが発生しました。エラーは記録されています。'),
    status,
  });
}

function serveAsset(c: ConsoleContext<'/assets/:hash/:name'>): Response {
  const asset = assetAt(c.req.param('hash'), c.req.param('name'));
  if (!asset) return c.text('Not found', 404);
  return c.body(new Uint8Array(asset.body), 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable' });
}

function chooseLanguage(c: ConsoleContext): Response {
  const to = c.req.query('to') === 'en' ? 'en' : 'ja';
  setCookie(c, LANG_COOKIE, to, { path: '/console', sameSite: 'Lax', maxAge: 365 * 24 * 3600 });
  return c.redirect(safeNext(c.req.query('next')), 303);
}

async function showSignIn(c: ConsoleContext): Promise<Response> {
  const next = safeNext(c.req.query('next'));
  const signedOut = c.req.query('signed-out') !== undefined;
  return renderSignIn(c, { next, ...(signedOut && { notice: SIGN_IN_WORDS[c.get('lang')].signedOut }) });
}

async function submitSignIn(c: ConsoleContext, deps: ApiDeps, signInLimit: SignInLimit): Promise<Response> {
  const words = SIGN_IN_WORDS[c.get('lang')];
  const form = await c.req.parseBody();
  const next = safeNext(typeof form.next === 'string' ? form.next : undefined);
  const token = typeof form.token === 'string' ? form.token.trim() : '';
  // The API's limit on failed authentications, per source address, counts the console's too.
  const source = sourceAddress(c as never, signInLimit.trustedProxies);
  const wait = source === undefined ? 0 : signInLimit.limiter.retryAfter(source);
  if (wait > 0) {
    c.header('Retry-After', String(wait));
    return renderSignIn(c, { next, error: words.tooMany.replace('{seconds}', () => String(wait)), status: 429 });
  }
  if (!token) return renderSignIn(c, { next, error: words.missing, status: 400 });
  const session = await signIn(c, deps.orm, { token, ttlMs: deps.config.CONSOLE_SESSION_TTL, secureProxy: deps.config.TRUSTED_PROXIES.length > 0 });
  if (!session) {
    if (source !== undefined) signInLimit.limiter.recordFailure(source);
    return renderSignIn(c, { next, error: words.unknown, status: 401 });
  }
  return c.redirect(next, 303);
}

async function endSession(c: ConsoleContext, deps: ApiDeps): Promise<Response> {
  await signOut(c, deps.orm);
  return c.redirect('/console?signed-out', 303);
}

function notFound(c: ConsoleContext): Response {
  const en = c.get('lang') === 'en';
  return renderMessagePage(c, {
    title: en ? 'Page not found' : 'ページが見つかりません',
    message: en ? `There is no page at ${c.req.path}. Use the menu to find what you are looking for.` : `${c.req.path} というページはありません。メニューから目的のページを開いてください。`,
    status: 404,
  });
}

/**
 * What every console response carries: nothing but this service's own scripts and styles, PDFs framed only
 * by its own pages, never cached (pages hold what one user may see).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "frame-src 'self'",
  "object-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

const securityHeaders = createMiddleware<ConsoleEnv>(async (c, next) => {
  await next();
  c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'same-origin');
  if (!c.res.headers.has('cache-control')) c.header('Cache-Control', 'no-store');
});

/**
 * A POST from a page of another site is refused before anything else: browsers name the page's origin in
 * `Origin`, and ours must be the one the request was sent to. (Beside the CSRF token, and the sign-in form,
 * which has no session yet, needs it alone.)
 */
const sameOrigin = createMiddleware<ConsoleEnv>(async (c, next) => {
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
    const origin = c.req.header('origin');
    const host = c.req.header('x-forwarded-host') ?? c.req.header('host') ?? new URL(c.req.url).host;
    if (origin !== undefined && (origin === 'null' || hostOf(origin) !== host)) {
      return c.text(c.get('lang') === 'en' ? 'This form was sent from another site and was refused.' : '別のサイトから送信されたため、受け付けませんでした。', 403);
    }
  }
  await next();
});

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
