import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import type { MikroORM } from '../../src/db';
import { authenticate, createUser, ensureBootstrapAdmin, getQuota, listGroups, listUsers } from '../../src/ledger';
import { testServices } from '../support/app';
import { launchChromium, listen, seriousViolations, signedIn } from '../support/browser';
import { openTestDatabase, resetDatabase } from '../support/database';

/** The admins' pages ユーザー · グループ · 登録上限: what they show, what they change, and that members get none of it. */

const ADMIN_TOKEN = 'console-admin-pages-admin-token-0123456789';

let orm: MikroORM;
let browser: Browser;
let server: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  orm = await openTestDatabase();
  server = await listen(createApp(await testServices(orm, { TEMPORAL_TASK_QUEUE: 'console-admin', CONSOLE_SESSION_TTL: 3_600_000 })));
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

/** The new token as the page shows it once, after the warning that it will not be shown again. */
async function shownToken(page: Page): Promise<string> {
  await expect(page.getByText('このトークンが表示されるのは今回だけです').count()).resolves.toBe(1);
  return page.getByLabel('新しい APIトークン').inputValue();
}

it('refuses a member the admin pages with 403, and does not offer them in the navigation', async () => {
  const { apiToken } = await createUser(orm.em.fork(), { name: '佐藤 一郎', email: 'ichiro@example.jp', role: 'member' });
  const { context, page } = await signedIn(browser, server.url, apiToken);
  const nav = page.getByRole('navigation', { name: 'メインメニュー' });
  await expect(nav.getByRole('link', { name: '契約書', exact: true }).count()).resolves.toBe(1);
  for (const name of ['ユーザー', 'グループ', '登録上限', '連携']) await expect(nav.getByRole('link', { name, exact: true }).count()).resolves.toBe(0);

  for (const path of ['/console/users', '/console/groups', '/console/quota']) {
    const response = await page.goto(path);
    expect(response!.status(), path).toBe(403);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('管理者専用のページです');
  }
  expect(await seriousViolations(page)).toEqual([]);

  await context.close();
});

it('creates a user and shows its token once; the user signs in with it, and disabling them ends their session', async () => {
  const admin = await signedIn(browser, server.url, ADMIN_TOKEN);
  const { page } = admin;
  await page.getByRole('navigation').getByRole('link', { name: 'ユーザー', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/console/users');
  expect(await seriousViolations(page)).toEqual([]);

  await page.getByLabel('名前').fill('山田 花子');
  await page.getByLabel('メールアドレス').fill('hanako@example.jp');
  await page.getByRole('radio', { name: 'メンバー' }).check();
  await page.getByRole('button', { name: 'ユーザーを作成' }).click();
  await expect(page.getByRole('status').textContent()).resolves.toContain('ユーザー「山田 花子」を作成しました');
  const token = await shownToken(page);
  expect(await authenticate(orm.em.fork(), token)).toMatchObject({ name: '山田 花子', role: 'member' });
  expect(await seriousViolations(page)).toEqual([]);
  // Shown once: the list does not hold it, and a reload of the list cannot bring it back.
  await page.getByRole('link', { name: 'ユーザーの一覧へ' }).click();
  await expect(page.content()).resolves.not.toContain(token);
  const row = page.getByRole('row', { name: /山田 花子/ });
  await expect(row.getByRole('cell', { name: 'メンバー' }).count()).resolves.toBe(1);
  await expect(row.getByText('有効').count()).resolves.toBe(1);

  const member = await signedIn(browser, server.url, token);
  expect(new URL(member.page.url()).pathname).toBe('/console/reviews');

  page.once('dialog', (dialog) => void dialog.accept());
  await row.getByRole('button', { name: /^無効にする/ }).click();
  await expect(page.getByRole('status').textContent()).resolves.toContain('ユーザーを無効にしました');
  await expect(page.getByRole('row', { name: /山田 花子/ }).getByText('無効', { exact: true }).count()).resolves.toBe(1);
  await member.page.goto('/console/contracts');
  expect(new URL(member.page.url()).pathname).toBe('/console');
  expect(await authenticate(orm.em.fork(), token)).toBeNull();

  await page.getByRole('row', { name: /山田 花子/ }).getByRole('button', { name: /^有効にする/ }).click();
  await expect(page.getByRole('status').textContent()).resolves.toContain('ユーザーを有効にしました');
  expect(await authenticate(orm.em.fork(), token)).toMatchObject({ name: '山田 花子' });
  await member.context.close();
  await admin.context.close();
});

it('rotates a token: the new one is shown once and signs in, the old one is refused', async () => {
  const { apiToken: old } = await createUser(orm.em.fork(), { name: '鈴木 次郎', email: 'jiro@example.jp', role: 'admin' });
  const { context, page } = await signedIn(browser, server.url, ADMIN_TOKEN);
  await page.goto('/console/users');
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('row', { name: /鈴木 次郎/ }).getByRole('button', { name: /^トークンを再発行/ }).click();
  await expect(page.getByRole('status').textContent()).resolves.toContain('鈴木 次郎');
  const rotated = await shownToken(page);
  expect(rotated).not.toBe(old);
  expect(await authenticate(orm.em.fork(), old)).toBeNull();
  const signed = await signedIn(browser, server.url, rotated);
  await expect(signed.page.getByText('ログイン中: 鈴木 次郎').count()).resolves.toBe(1);
  await signed.context.close();
  await context.close();
});

it('refuses a user with an e-mail address already taken, saying so, and creates nobody', async () => {
  await createUser(orm.em.fork(), { name: '先客', email: 'taken@example.jp', role: 'member' });
  const { context, page } = await signedIn(browser, server.url, ADMIN_TOKEN);
  await page.goto('/console/users');
  await page.getByLabel('名前').fill('後から');
  await page.getByLabel('メールアドレス').fill('taken@example.jp');
  const response = page.waitForResponse((r) => r.request().method() === 'POST');
  await page.getByRole('button', { name: 'ユーザーを作成' }).click();
  expect((await response).status()).toBe(409);
  await expect(page.getByRole('alert').textContent()).resolves.toContain('taken@example.jp');
  await expect(page.getByLabel('名前').inputValue()).resolves.toBe('後から');
  expect((await listUsers(orm.em.fork(), {})).items.map((u) => u.name).sort()).not.toContain('後から');
  await context.close();
});

it('creates a group with members and changes its members', async () => {
  await createUser(orm.em.fork(), { name: '田中 三郎', email: 'saburo@example.jp', role: 'member' });
  await createUser(orm.em.fork(), { name: '高橋 四郎', email: 'shiro@example.jp', role: 'member' });
  const { context, page } = await signedIn(browser, server.url, ADMIN_TOKEN);
  await page.goto('/console/groups');
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByLabel('グループ名').fill('法務部');
  await page.getByRole('group', { name: 'メンバー' }).getByRole('checkbox', { name: '田中 三郎' }).check();
  await page.getByRole('button', { name: 'グループを作成' }).click();
  await expect(page.getByRole('status').textContent()).resolves.toBe('グループを作成しました。');
  await expect(page.getByRole('row', { name: /法務部/ }).textContent()).resolves.toContain('田中 三郎');

  await page.getByRole('link', { name: '法務部' }).click();
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByRole('checkbox', { name: '田中 三郎' }).uncheck();
  await page.getByRole('checkbox', { name: '高橋 四郎' }).check();
  await page.getByRole('button', { name: 'メンバーを保存' }).click();
  await expect(page.getByRole('status').textContent()).resolves.toBe('メンバーを保存しました。');
  await expect(page.getByRole('checkbox', { name: '高橋 四郎' }).isChecked()).resolves.toBe(true);
  await expect(page.getByRole('checkbox', { name: '田中 三郎' }).isChecked()).resolves.toBe(false);

  const [group] = (await listGroups(orm.em.fork(), {})).items;
  const users = (await listUsers(orm.em.fork(), {})).items;
  expect(group!.memberIds).toEqual([users.find((u) => u.name === '高橋 四郎')!.id]);

  // A second group of the same name is refused with the ledger's reason.
  await page.goto('/console/groups');
  await page.getByLabel('グループ名').fill('法務部');
  await page.getByRole('button', { name: 'グループを作成' }).click();
  await expect(page.getByRole('alert').count()).resolves.toBe(1);
  expect((await listGroups(orm.em.fork(), {})).items).toHaveLength(1);
  await context.close();
});

it('shows the quota and sets its limit; a limit that is not a whole number is refused and changes nothing', async () => {
  const { context, page } = await signedIn(browser, server.url, ADMIN_TOKEN);
  await page.getByRole('navigation').getByRole('link', { name: '登録上限', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/console/quota');
  const quota = await getQuota(orm.em.fork());
  await expect(page.locator('[data-quota="limit"]').textContent()).resolves.toBe(`${quota.limit.toLocaleString('ja-JP')} 件`);
  await expect(page.locator('[data-quota="used"]').textContent()).resolves.toBe('0 件');
  expect(await seriousViolations(page)).toEqual([]);

  await page.getByLabel('新しい上限').fill('2500');
  await page.getByRole('button', { name: '上限を変更' }).click();
  await expect(page.getByRole('status').textContent()).resolves.toBe('登録上限を変更しました。');
  await expect(page.locator('[data-quota="limit"]').textContent()).resolves.toBe('2,500 件');
  await expect(page.locator('[data-quota="remaining"]').textContent()).resolves.toBe('2,500 件');
  expect((await getQuota(orm.em.fork())).limit).toBe(2500);

  // The browser's own check would stop "-1" before it is sent: send it as a person's script would.
  const csrf = await page.locator('input[name="_csrf"]').getAttribute('value');
  const refused = await page.request.post('/console/quota', { form: { limit: '-1', _csrf: csrf! }, maxRedirects: 0 });
  expect(refused.status()).toBe(400);
  expect(await refused.text()).toContain('上限は 0 以上 2147483647 以下の整数で入力してください。');
  expect((await getQuota(orm.em.fork())).limit).toBe(2500);
  await context.close();
});
