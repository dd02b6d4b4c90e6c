import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import type { MikroORM } from '../../src/db';
import { createUser, ensureBootstrapAdmin, rotateToken, setUserDisabled } from '../../src/ledger';
import { testServices } from '../support/app';
import { launchChromium, listen, seriousViolations, signedIn } from '../support/browser';
import { openTestDatabase, resetDatabase } from '../support/database';

const ADMIN_TOKEN = 'console-sign-in-admin-token-0123456789';

let orm: MikroORM;
let browser: Browser;
let server: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  orm = await openTestDatabase();
  server = await listen(createApp(await testServices(orm, { TEMPORAL_TASK_QUEUE: 'console-sign-in', CONSOLE_SESSION_TTL: 3_600_000 })));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await orm?.close();
});
beforeEach(async () => {
  await resetDatabase(orm);
  await ensureBootstrapAdmin(orm.em.fork(), { token: ADMIN_TOKEN });
});

it('signs an admin in with their API token into an HttpOnly, SameSite=Strict session that expires, and shows the admin navigation', async () => {
  const { context, page } = await signedIn(browser, server.url, ADMIN_TOKEN);
  expect(new URL(page.url()).pathname).toBe('/console/reviews');
  const nav = page.getByRole('navigation');
  for (const name of ['レビュー', '連携', '契約書', 'ログアウト']) await expect(nav.getByRole('link', { name, exact: true }).count()).resolves.toBe(1);

  const [cookie] = (await context.cookies()).filter((c) => c.name === 'cloudsign_sync_session');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
  const expiresInMs = cookie!.expires * 1000 - Date.now();
  expect(expiresInMs).toBeGreaterThan(3_500_000);
  expect(expiresInMs).toBeLessThanOrEqual(3_600_000);
  // The browser holds the session's secret; the ledger only its hash, and never the API token.
  const [row] = await orm.em.fork().getConnection().execute<{ secret_hash: string; api_token_hash: string }[]>('select secret_hash, api_token_hash from console_sessions');
  expect(row!.secret_hash).not.toBe(cookie!.value);
  expect(JSON.stringify(row)).not.toContain(ADMIN_TOKEN);
  await context.close();
});

it('refuses an unknown token with the reason and what to do, and keeps the browser on the sign-in form', async () => {
  const context = await browser.newContext({ baseURL: server.url, locale: 'ja-JP' });
  const page = await context.newPage();
  await page.goto('/console');
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByLabel('APIトークン').fill('csk_not-a-token-of-anyone');
  const response = page.waitForResponse((r) => r.url().endsWith('/console/sign-in'));
  await page.getByRole('button', { name: 'ログイン' }).click();
  expect((await response).status()).toBe(401);
  await expect(page.getByRole('alert').textContent()).resolves.toContain('管理者に新しいトークンを発行してもらってください');
  expect(await context.cookies()).toEqual([]);
  await context.close();
});

it('counts failed console sign-ins against the same per-address limit as the API, answering 429 with the wait', async () => {
  // A server of its own: its count of failures (per process, in memory) must not hold back the other tests.
  const limited = await listen(createApp(await testServices(orm, { TEMPORAL_TASK_QUEUE: 'console-sign-in', AUTH_FAILURES_PER_MINUTE: 3 })));
  const context = await browser.newContext({ baseURL: limited.url, locale: 'ja-JP' });
  const page = await context.newPage();
  await page.goto('/console');
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.getByLabel('APIトークン').fill(`wrong-${attempt}`);
    await page.getByRole('button', { name: 'ログイン' }).click();
    await page.getByRole('alert').waitFor();
  }
  // Now even the right token waits: a right guess must not be told from a wrong one.
  await page.getByLabel('APIトークン').fill(ADMIN_TOKEN);
  const response = page.waitForResponse((r) => r.url().endsWith('/console/sign-in'));
  await page.getByRole('button', { name: 'ログイン' }).click();
  expect((await response).status()).toBe(429);
  await expect(page.getByRole('alert').textContent()).resolves.toMatch(/\d+ 秒後にもう一度お試しください/);
  await context.close();
  await limited.close();
});

it('sends a browser without a session to the sign-in form, and back to the page it asked for afterwards', async () => {
  const context = await browser.newContext({ baseURL: server.url, locale: 'ja-JP' });
  const page = await context.newPage();
  await page.goto('/console/reviews?status=pending');
  expect(new URL(page.url()).pathname).toBe('/console');
  await page.getByLabel('APIトークン').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL((url) => url.pathname === '/console/reviews' && url.search === '?status=pending');
  await context.close();
});

it('ends the session at sign-out: the same cookie then opens nothing', async () => {
  const { context, page } = await signedIn(browser, server.url, ADMIN_TOKEN);
  const [cookie] = await context.cookies();
  await page.getByRole('link', { name: 'ログアウト' }).click();
  await page.waitForURL((url) => url.pathname === '/console' && url.search === '?signed-out');
  await expect(page.getByRole('status').textContent()).resolves.toBe('ログアウトしました。');
  // A copy of the old cookie (stolen before sign-out) is refused: the session is gone from the ledger.
  const replay = await fetch(`${server.url}/console/reviews`, { headers: { cookie: `${cookie!.name}=${cookie!.value}` }, redirect: 'manual' });
  expect(replay.status).toBe(303);
  expect(replay.headers.get('location')).toMatch(/^\/console\?next=/);
  await context.close();
});

it("ends a user's console sessions when their token is rotated or they are disabled", async () => {
  const { user, apiToken } = await createUser(orm.em.fork(), { name: '山田 花子', email: 'hanako@example.jp', role: 'member' });
  const first = await signedIn(browser, server.url, apiToken);
  await rotateToken(orm.em.fork(), { userId: user.id });
  await first.page.goto('/console/reviews');
  expect(new URL(first.page.url()).pathname).toBe('/console');

  const { apiToken: rotated } = await rotateToken(orm.em.fork(), { userId: user.id });
  const second = await signedIn(browser, server.url, rotated);
  await setUserDisabled(orm.em.fork(), { userId: user.id, disabled: true });
  await second.page.goto('/console/reviews');
  expect(new URL(second.page.url()).pathname).toBe('/console');
  await first.context.close();
  await second.context.close();
});

it('refuses a form without the CSRF token, or sent from another site, with 403 and changes nothing', async () => {
  const { context } = await signedIn(browser, server.url, ADMIN_TOKEN);
  const [cookie] = await context.cookies();
  const headers = { cookie: `${cookie!.name}=${cookie!.value}`, 'content-type': 'application/x-www-form-urlencoded' };
  const noToken = await fetch(`${server.url}/console/reviews`, { method: 'POST', headers, body: 'x=1', redirect: 'manual' });
  expect(noToken.status).toBe(403);
  const wrongToken = await fetch(`${server.url}/console/reviews`, { method: 'POST', headers, body: '_csrf=forged', redirect: 'manual' });
  expect(wrongToken.status).toBe(403);
  const crossSite = await fetch(`${server.url}/console/sign-in`, { method: 'POST', headers: { ...headers, origin: 'https://attacker.example' }, body: `token=${ADMIN_TOKEN}`, redirect: 'manual' });
  expect(crossSite.status).toBe(403);
  expect(crossSite.headers.get('set-cookie')).toBeNull();
  await context.close();
});

it('speaks English when the browser prefers it, and keeps the language chosen with the toggle', async () => {
  const context = await browser.newContext({ baseURL: server.url, locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto('/console');
  await expect(page.getByLabel('API token').count()).resolves.toBe(1);
  await page.getByRole('link', { name: '日本語' }).click();
  await expect(page.getByLabel('APIトークン').count()).resolves.toBe(1);
  await page.reload();
  await expect(page.locator('html').getAttribute('lang')).resolves.toBe('ja');
  await context.close();
});

it('answers an unknown console page with a 404 page, not the API’s JSON', async () => {
  const { context, page } = await signedIn(browser, server.url, ADMIN_TOKEN);
  const response = await page.goto('/console/no-such-page');
  expect(response!.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('ページが見つかりません');
  expect(await seriousViolations(page)).toEqual([]);
  await context.close();
});

it('refuses a form holding a NUL character with 400, and a return address with a line break goes to the reviews instead', async () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded', origin: server.url };
  const nul = await fetch(`${server.url}/console/sign-in`, { method: 'POST', headers: form, body: `token=${ADMIN_TOKEN}%00`, redirect: 'manual' });
  expect(nul.status).toBe(400);
  expect(nul.headers.get('set-cookie')).toBeNull();
  const language = await fetch(`${server.url}/console/language?to=en&next=${encodeURIComponent('/console/\r\nx')}`, { redirect: 'manual' });
  expect({ status: language.status, location: language.headers.get('location') }).toEqual({ status: 303, location: '/console/reviews' });
  const signIn = await fetch(`${server.url}/console/sign-in`, { method: 'POST', headers: form, body: `token=${ADMIN_TOKEN}&next=${encodeURIComponent('/console/\nx')}`, redirect: 'manual' });
  expect({ status: signIn.status, location: signIn.headers.get('location') }).toEqual({ status: 303, location: '/console/reviews' });
});
