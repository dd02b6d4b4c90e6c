import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { MikroORM } from '../../src/db';
import { endConsoleSession, findConsoleSession, startConsoleSession, type ConsoleSession } from '../../src/ledger';
import type { User } from '../../src/ledger/user';
import { chooseLang, type Lang } from './i18n';

/** Hono context variables of a console request. */
export interface ConsoleEnv {
  Variables: {
    lang: Lang;
    /** Set behind `requireSession`: the signed-in user and the token every form of theirs must carry. */
    user: User;
    session: ConsoleSession;
    csrf: string;
  };
}

/** A console request's context; `P`, a route's path (`'/:id'`), types its parameters for a handler of that route. */
export type ConsoleContext<P extends string = any> = Context<ConsoleEnv, P>;

export const SESSION_COOKIE = 'cloudsign_sync_session';
/** The form field (or, for a script's request, the header) that carries the CSRF token. */
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/**
 * The CSRF token of a session: derived from the cookie's secret, so that only a page this service rendered
 * for the session knows it (the cookie itself is HttpOnly and SameSite=Strict, a second line of defence).
 */
const csrfOf = (secret: string) => createHash('sha256').update(`csrf:${secret}`).digest('base64url');

/** Only a secure request gets a Secure cookie; behind a TLS proxy the request says so in `X-Forwarded-Proto`. */
function isSecure(c: Context, secureProxy: boolean): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  return secureProxy && c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}

export async function signIn(c: Context, orm: MikroORM, input: { token: string; ttlMs: number; secureProxy: boolean }): Promise<ConsoleSession | null> {
  const started = await startConsoleSession(orm.em.fork(), { token: input.token, ttlMs: input.ttlMs });
  if (!started) return null;
  setCookie(c, SESSION_COOKIE, started.secret, {
    path: '/console',
    httpOnly: true,
    sameSite: 'Strict',
    secure: isSecure(c, input.secureProxy),
    expires: started.session.expiresAt,
  });
  return started.session;
}

export async function signOut(c: Context, orm: MikroORM): Promise<void> {
  const secret = getCookie(c, SESSION_COOKIE);
  if (secret) await endConsoleSession(orm.em.fork(), secret);
  deleteCookie(c, SESSION_COOKIE, { path: '/console' });
}

/** Every console request knows its language. */
export const withLang = createMiddleware<ConsoleEnv>(async (c, next) => {
  c.set('lang', chooseLang(c));
  await next();
});

/**
 * The pages behind sign-in: without a standing session a page sends the browser to the sign-in form (and
 * back afterwards), anything else is refused with 401. Every POST must carry the session's CSRF token.
 */
export const requireSession = (orm: MikroORM) =>
  createMiddleware<ConsoleEnv>(async (c, next) => {
    const secret = getCookie(c, SESSION_COOKIE);
    const session = secret ? await findConsoleSession(orm.em.fork(), secret) : null;
    if (!session || !secret) {
      if (secret) deleteCookie(c, SESSION_COOKIE, { path: '/console' });
      if (c.req.method === 'GET') return c.redirect(`/console?next=${encodeURIComponent(c.req.path + new URL(c.req.url).search)}`, 303);
      return c.text(c.get('lang') === 'en' ? 'Your session has ended: sign in again.' : 'セッションが終了しました。もう一度ログインしてください。', 401);
    }
    c.set('session', session);
    c.set('user', session.user);
    c.set('csrf', csrfOf(secret));
    if (!['GET', 'HEAD'].includes(c.req.method) && !(await carriesCsrf(c, csrfOf(secret)))) {
      return c.text(c.get('lang') === 'en' ? 'This form is out of date: reload the page and try again.' : 'このフォームは古くなっています。ページを再読み込みしてからやり直してください。', 403);
    }
    await next();
  });

async function carriesCsrf(c: ConsoleContext, expected: string): Promise<boolean> {
  let sent = c.req.header(CSRF_HEADER);
  if (!sent && /^(application\/x-www-form-urlencoded|multipart\/form-data)/.test(c.req.header('content-type') ?? '')) {
    const body = await c.req.parseBody({ all: true });
    const value = body[CSRF_FIELD];
    sent = typeof value === 'string' ? value : undefined;
  }
  if (!sent) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A path inside the console to return to after sign-in; anything else (another site, `//host`) is dropped. */
export function safeNext(next: string | undefined): string {
  // No control character either: a line break in a Location header would fail the response.
  return next && /^\/console(\/|\?|$)/.test(next) && !next.startsWith('//') && !/[\x00-\x1f\x7f]/.test(next) ? next : '/console/reviews';
}
