import { createHash } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectedContracts } from '../connections/expectations';
import { connectionWhen, endReviewWorkflows, people, type People } from '../reviews/support';
import { launchChromium, listen, seriousViolations, signedIn } from '../support/browser';
import { createApp } from '../../api/app';
import { testServices } from '../support/app';
import { ADMIN_TOKEN, eventually, startService, type Service } from '../support/service';

/** The console's connections section on the whole service: real imports on the time-skipping server. */

let service: Service;
let who: People;
let browser: Browser;
let server: Awaited<ReturnType<typeof listen>>;
/** The review-mode connection the wizard creates in the first test. */
let created: { id: string; managementId: string };

beforeAll(async () => {
  service = await startService({ simulator: { documents: 8 } });
  who = await people(service);
  server = await listen(service.app);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (service) await endReviewWorkflows(service);
  await service?.close();
});

const step = (page: Page, n: number) => page.locator(`section[data-step="${n}"]`);

/** Step 1 of the wizard filled in, ready for 次へ. */
async function fillStepOne(page: Page, name: string, clientId: string) {
  await page.goto('/console/connections');
  await page.getByRole('link', { name: 'アカウントを追加' }).click();
  await page.waitForURL((url) => url.pathname === '/console/connections/new');
  if (name) await page.getByRole('textbox', { name: '連携の名前' }).fill(name);
  // By its label, as CONSOLE.md names it: exactly one element of the page is labelled クライアントID.
  await page.getByLabel('クライアントID').fill(clientId);
}

it('creates a review-mode connection through the wizard, whose dialog counts the files to import, and shows the import through to the end on the list', async () => {
  const clientId = service.simulator.accounts.demo;
  const files = (await expectedContracts(service, clientId)).length;
  const { context, page } = await signedIn(browser, server.url, ADMIN_TOKEN);
  await page.goto('/console/connections');
  expect(await seriousViolations(page)).toEqual([]);

  await fillStepOne(page, '法務部 確認あり', clientId);
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByRole('button', { name: '次へ' }).click();

  await step(page, 2).waitFor();
  const scope = page.getByRole('radiogroup', { name: '共有範囲' });
  await scope.getByRole('radio', { name: 'グループ', exact: true }).check();
  await page.getByRole('group', { name: '公開するグループ' }).getByRole('checkbox', { name: 'Legal', exact: true }).check();
  await page.getByRole('group', { name: '社内担当者' }).getByRole('checkbox', { name: 'Owner', exact: true }).check();
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByRole('button', { name: '次へ' }).click();

  await step(page, 3).waitFor();
  await page.getByRole('radio', { name: '台帳に保存前に確認作業を行う' }).check();
  const reviewers = page.getByRole('group', { name: '確認者' });
  await reviewers.getByRole('checkbox', { name: 'Reviewers', exact: true }).check();
  await reviewers.getByRole('checkbox', { name: 'Reviewer', exact: true }).check();
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByRole('button', { name: '次へ' }).click();

  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  const count = dialog.locator('dt', { hasText: 'ファイルの件数' }).locator('+ dd');
  expect(Number((await count.textContent())!.replace(/[^\d]/g, ''))).toBe(files);
  await expect(dialog.textContent()).resolves.toContain('PDF ファイル1つごとに契約書1件');
  // 注意事項 in the page's language, not the API's English.
  const advice = await dialog.getByRole('listitem').allTextContents();
  expect(advice[0]).toContain('専用のクラウドサインユーザーをお使いください');
  expect(advice.at(-1)).toMatch(/^このクラウドサインユーザーには書類管理権限が(あります|ありません)。/);
  expect(advice.join(' ')).not.toMatch(/CloudSign user/);
  expect(await seriousViolations(page)).toEqual([]);
  await dialog.getByRole('button', { name: '連携開始' }).click();

  await page.waitForURL((url) => /^\/console\/connections\/[0-9a-f-]{36}$/.test(url.pathname));
  await expect(page.getByRole('status').textContent()).resolves.toContain('連携を開始しました');
  const id = new URL(page.url()).pathname.split('/').at(-1)!;
  const { body: connection } = await service.api('GET', `/v1/connections/${id}`);
  created = { id, managementId: connection.managementId };
  expect(connection).toMatchObject({
    name: '法務部 確認あり',
    saveMode: 'review',
    visibility: { scope: 'groups', groupIds: [who.legalGroup] },
    owners: [who.owner.id],
    reviewers: { groupIds: [who.reviewersGroup], userIds: [who.reviewer.id] },
  });
  // The client ID went from the field to the service, and was never rendered back.
  expect(await page.content()).not.toContain(clientId);

  // The list follows the import by itself (static/connections.js), to its end.
  await page.goto('/console/connections');
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: created.managementId }) });
  await row.filter({ hasText: '待機中' }).waitFor({ timeout: 60_000 });
  const done = await connectionWhen(service, id, (c) => c.status === 'idle' && c.lastSyncAt, 'the full import');
  expect(done.totals.pendingReview).toBeGreaterThan(0);
  const progress = row.getByRole('progressbar', { name: `${created.managementId} の取込の進捗` });
  await expect(progress.getAttribute('max')).resolves.toBe(String(files));
  await expect(progress.getAttribute('value')).resolves.toBe(String(files));
  await expect(row.textContent()).resolves.toContain(`確認待ちの書類${done.totals.pendingReview}`);
  expect(await seriousViolations(page)).toEqual([]);
  await context.close();
});

it("shows the connection's runs, and pauses, resumes and syncs it with its controls", async () => {
  const { context, page } = await signedIn(browser, server.url, ADMIN_TOKEN);
  await page.goto(`/console/connections/${created.id}`);
  const runs = page.getByRole('table', { name: '同期の履歴' });
  await expect(runs.getByRole('row').filter({ hasText: '全件取込' }).filter({ hasText: '成功' }).count()).resolves.toBe(1);
  expect(await seriousViolations(page)).toEqual([]);
  // Beside the settings: the Hook URL to paste into CloudSign, the same the API shows.
  const { hookUrl } = (await service.api('GET', `/v1/connections/${created.id}`)).body;
  expect(hookUrl).toMatch(/\/hooks\/cloudsign\/[\w-]{20,}$/);
  await expect(page.locator('#hook-url').textContent()).resolves.toBe(hookUrl);

  await page.getByRole('button', { name: '一時停止' }).click();
  await page.waitForURL((url) => url.search === '?done=pause');
  await expect(page.getByRole('status').textContent()).resolves.toBe('一時停止を依頼しました。');
  // The workflow takes the signal; the page shows it, and offers 再開 instead of 一時停止.
  await page.getByRole('button', { name: '再開' }).waitFor({ timeout: 30_000 });
  await expect(page.locator('#connection-live').textContent()).resolves.toContain('一時停止中');
  await expect(page.getByRole('button', { name: '一時停止' }).count()).resolves.toBe(0);
  expect((await service.api('GET', `/v1/connections/${created.id}`)).body.status).toBe('paused');

  await page.getByRole('button', { name: '再開' }).click();
  await page.waitForURL((url) => url.search === '?done=resume');
  await page.getByRole('button', { name: '今すぐ同期' }).waitFor({ timeout: 30_000 });
  await connectionWhen(service, created.id, (c) => c.status === 'idle', 'idle again');

  await page.getByRole('button', { name: '今すぐ同期' }).click();
  await page.waitForURL((url) => url.search === '?done=sync');
  await expect(page.getByRole('status').textContent()).resolves.toBe('同期を依頼しました。');
  await connectionWhen(service, created.id, (c) => c.status === 'idle', 'idle after the sync');
  const manual = await service.api('GET', `/v1/connections/${created.id}/runs`);
  expect(manual.body.items.map((r: any) => r.kind)).toContain('manual');
  await page.reload();
  await expect(runs.getByRole('row').filter({ hasText: '手動同期' }).count()).resolves.toBe(1);
  expect(await seriousViolations(page)).toEqual([]);
  await context.close();
});

it("shows CloudSign's reason and the fix on Step 1 when it refuses the client ID, and refuses a client ID connected already", async () => {
  const { context, page } = await signedIn(browser, server.url, ADMIN_TOKEN);
  const unknown = service.simulator.accounts.unknown;
  await fillStepOne(page, '未登録', unknown);
  // Enter in a field goes to the next step, as 次へ does (it does not send the form).
  await page.getByRole('textbox', { name: 'クライアントID' }).press('Enter');
  await step(page, 2).waitFor();
  await page.getByRole('button', { name: '次へ' }).click();
  await step(page, 3).waitFor();
  await page.getByRole('button', { name: '次へ' }).click();

  const alert = step(page, 1).getByRole('alert');
  await alert.filter({ hasText: 'invalid_client' }).waitFor();
  await expect(alert.textContent()).resolves.toContain('クライアントIDをもう一度すべてコピー');
  await expect(page.getByRole('dialog').count()).resolves.toBe(0);
  // What was typed stays in the field to correct; nothing was created.
  await expect(page.getByRole('textbox', { name: 'クライアントID' }).inputValue()).resolves.toBe(unknown);
  expect(await page.content()).not.toContain(unknown);
  expect(await seriousViolations(page)).toEqual([]);

  // A client ID connected already passes the preview; 連携開始 is refused, with the connection to open instead.
  await page.getByRole('textbox', { name: 'クライアントID' }).fill(service.simulator.accounts.demo);
  await page.getByRole('button', { name: '次へ' }).click();
  await page.getByRole('button', { name: '次へ' }).click();
  await page.getByRole('button', { name: '次へ' }).click();
  await page.getByRole('dialog').getByRole('button', { name: '連携開始' }).click();
  await alert.filter({ hasText: created.managementId }).waitFor();
  await expect(alert.textContent()).resolves.toContain('すでに連携されています');
  const { body } = await service.api('GET', '/v1/connections');
  expect(body.items).toHaveLength(1);
  await context.close();
});

it('refuses a member the connections and the wizard with 403', async () => {
  const { context, page } = await signedIn(browser, server.url, who.outsider.token);
  await expect(page.getByRole('navigation').getByRole('link', { name: '連携', exact: true }).count()).resolves.toBe(0);
  for (const path of ['/console/connections', '/console/connections/new', `/console/connections/${created.id}`]) {
    const response = await page.goto(path);
    expect(response!.status(), path).toBe(403);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('管理者専用のページです');
  }
  // The session's own CSRF token (api/console/session.ts derives it from the cookie): the refusal is the role's.
  const [cookie] = (await context.cookies()).filter((c) => c.name === 'cloudsign_sync_session');
  const csrf = createHash('sha256').update(`csrf:${cookie!.value}`).digest('base64url');
  const preview = await page.evaluate(
    async ([token, clientId]) =>
      (await fetch('/console/connections/preview', { method: 'POST', headers: { 'x-csrf-token': token!, 'content-type': 'application/x-www-form-urlencoded' }, body: `clientId=${clientId}` })).status,
    [csrf, service.simulator.accounts.members[0]],
  );
  expect(preview).toBe(403);
  await context.close();
});

it('lists the files that failed, dismisses and retries them, changes the settings (refusing review mode without reviewers), and disconnects', async () => {
  const clientId = service.simulator.accounts.members[0]!;
  const expected = await expectedContracts(service, clientId);
  const broken = expected[0]!.documentId;
  const brokenFiles = expected.filter((e) => e.documentId === broken).length;
  await service.sim('PUT', `/documents/${broken}/quirks`, { notPdf: true });
  const { body: connection } = await service.api('POST', '/v1/connections', { name: 'Member', clientId, visibility: { scope: 'company' }, owners: [], saveMode: 'direct' });
  await connectionWhen(service, connection.id, (c) => c.status === 'idle' && c.lastSyncAt, 'the full import');
  const { context, page } = await signedIn(browser, server.url, ADMIN_TOKEN);
  await page.goto(`/console/connections/${connection.id}`);

  const failed = page.getByRole('table', { name: '取り込めなかったファイル' });
  const rows = failed.getByRole('row').filter({ hasText: broken });
  await expect(rows.count()).resolves.toBe(brokenFiles);
  await expect(rows.first().textContent()).resolves.toMatch(/PDF/i);
  expect(await seriousViolations(page)).toEqual([]);
  await rows.first().getByRole('checkbox').check();
  await page.getByRole('button', { name: '選んだファイルを除外' }).click();
  await page.waitForURL((url) => url.search === '?done=dismissed');
  await expect(page.getByRole('status').textContent()).resolves.toBe('選んだファイルを除外しました。');
  const listed = (await service.api('GET', `/v1/connections/${connection.id}/file-errors`)).body.items;
  expect(listed.filter((e: any) => e.dismissedAt !== null)).toHaveLength(1);

  // The fault is gone: すべて再試行 (dismissed ones too) imports them at the sync it starts.
  await service.sim('DELETE', `/documents/${broken}/quirks`);
  await page.getByRole('button', { name: 'すべて再試行' }).click();
  await page.waitForURL((url) => url.search === '?done=retried');
  await eventually(async () => (await service.api('GET', `/v1/connections/${connection.id}/file-errors`)).body.items.length === 0, 60_000, 'the retried files');
  await page.reload();
  await expect(page.getByText('取り込めなかったファイルはありません。').count()).resolves.toBe(1);

  // Settings: review mode without a reviewer is refused with the service's reason; what was typed stays.
  await page.getByRole('textbox', { name: '連携の名前' }).fill('Member 2');
  const settings = page.getByRole('region', { name: '設定' });
  await settings.getByRole('radio', { name: '台帳に保存前に確認作業を行う' }).check();
  const refused = page.waitForResponse((r) => r.url().endsWith(`/console/connections/${connection.id}/settings`));
  await settings.getByRole('button', { name: '設定を保存' }).click();
  expect((await refused).status()).toBe(422);
  await expect(page.getByRole('alert').first().textContent()).resolves.toContain('Review mode needs reviewers');
  await expect(page.getByRole('textbox', { name: '連携の名前' }).inputValue()).resolves.toBe('Member 2');
  expect(await seriousViolations(page)).toEqual([]);
  await settings.getByRole('group', { name: '確認者' }).getByRole('checkbox', { name: 'Reviewer', exact: true }).check();
  await settings.getByRole('button', { name: '設定を保存' }).click();
  await page.waitForURL((url) => url.search === '?done=saved');
  const { body: saved } = await service.api('GET', `/v1/connections/${connection.id}`);
  expect(saved).toMatchObject({ name: 'Member 2', saveMode: 'review', reviewers: { groupIds: [], userIds: [who.reviewer.id] } });

  // 連携を解除 asks first; then the connection shows as disconnected and offers no control.
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: '連携を解除' }).click();
  await page.waitForURL((url) => url.search === '?done=disconnect');
  await expect(page.locator('#connection-live').textContent()).resolves.toContain('連携解除済み');
  for (const name of ['今すぐ同期', '一時停止', '再開', '連携を解除']) await expect(page.getByRole('button', { name }).count()).resolves.toBe(0);
  expect((await service.api('GET', `/v1/connections/${connection.id}`)).body.status).toBe('disconnected');
  await context.close();
});

it("links a connection's page to its workflow in the Temporal Web UI when TEMPORAL_WEB_UI_URL is set", async () => {
  const withUi = await listen(
    createApp(
      await testServices(
        service.orm,
        { TEMPORAL_WEB_UI_URL: 'http://temporal-ui.test:8233/', TEMPORAL_NAMESPACE: 'ledger', TEMPORAL_TASK_QUEUE: service.taskQueue, CLOUDSIGN_BASE_URL: service.simulator.url },
        { temporal: { connection: service.env.connection, client: service.env.client } },
      ),
    ),
  );
  const { context, page } = await signedIn(browser, withUi.url, ADMIN_TOKEN);
  await page.goto(`/console/connections/${created.id}`);
  const link = page.getByRole('link', { name: 'Temporal Web UI でワークフローを見る' });
  await expect(link.getAttribute('href')).resolves.toBe(`http://temporal-ui.test:8233/namespaces/ledger/workflows/${encodeURIComponent(`connection/${created.managementId}`)}`);
  await context.close();
  // Without the setting (the other server), there is no such link.
  const plain = await signedIn(browser, server.url, ADMIN_TOKEN);
  await plain.page.goto(`/console/connections/${created.id}`);
  await expect(plain.page.getByRole('link', { name: 'Temporal Web UI でワークフローを見る' }).count()).resolves.toBe(0);
  await plain.context.close();
  await withUi.close();
});

it('works without script as one form: a refused client ID renders the form again with the reason and the field empty', async () => {
  const context = await browser.newContext({ baseURL: server.url, locale: 'ja-JP', javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/console');
  await page.getByLabel('APIトークン').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL((url) => url.pathname !== '/console');
  await page.goto('/console/connections/new');
  const unknown = service.simulator.accounts.unknown;
  await page.getByRole('textbox', { name: '連携の名前' }).fill('スクリプトなし');
  await page.getByRole('textbox', { name: 'クライアントID' }).fill(unknown);
  await page.getByRole('radio', { name: '非公開' }).check();
  const response = page.waitForResponse((r) => r.url().endsWith('/console/connections') && r.request().method() === 'POST');
  await page.getByRole('button', { name: '連携開始' }).click();
  expect((await response).status()).toBe(422);
  await expect(step(page, 1).getByRole('alert').textContent()).resolves.toContain('invalid_client');
  await expect(page.getByRole('textbox', { name: '連携の名前' }).inputValue()).resolves.toBe('スクリプトなし');
  await expect(page.getByRole('radio', { name: '非公開' }).isChecked()).resolves.toBe(true);
  await expect(page.getByRole('textbox', { name: 'クライアントID' }).inputValue()).resolves.toBe('');
  expect(await page.content()).not.toContain(unknown);
  await context.close();
});
