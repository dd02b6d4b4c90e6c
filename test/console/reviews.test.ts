import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium, listen, seriousViolations, signedIn } from '../support/browser';
import { startService, type Service } from '../support/service';
import {
  connectForReview,
  connectionWhen,
  contractsOf,
  endReviewWorkflows,
  listReviews,
  people,
  quotaUsed,
  reviewWhen,
  type People,
} from '../reviews/support';

/** More than one page of the console's list (50): the reviewer pages through it. */
const DOCUMENTS = 60;

let service: Service;
let who: People;
let connection: { id: string; managementId: string };
let server: Awaited<ReturnType<typeof listen>>;
let browser: Browser;
let reviewer: Page;
/** Pending reviews not yet used by a test, oldest last. */
let unused: any[];

beforeAll(async () => {
  service = await startService({ simulator: { documents: DOCUMENTS }, ownTemporalServer: true });
  who = await people(service);
  connection = await connectForReview(service, service.simulator.accounts.demo, who);
  await connectionWhen(service, connection.id, (c) => c.status === 'idle' && c.lastSyncAt, 'the full import', 120_000);
  unused = await listReviews(service, 'status=pending', who.reviewer.token);
  expect(unused.length).toBeGreaterThanOrEqual(DOCUMENTS);
  server = await listen(service.app);
  browser = await launchChromium();
  // The reviewer is a member, named as a reviewer user (確認者) of the connection.
  ({ page: reviewer } = await signedIn(browser, server.url, who.reviewer.token));
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (service) await endReviewWorkflows(service);
  await service?.close();
});

const take = () => unused.shift()!;
const statusText = (page: Page) => page.getByRole('status').textContent();
const idsOnPage = (page: Page) => page.locator('tbody input[name="ids"]').evaluateAll((boxes) => boxes.map((b) => (b as unknown as { value: string }).value));

it('lists exactly the pending reviews the reviewer may decide, a row each with its title linking to its page, over pages of the API’s cursor', async () => {
  await reviewer.goto('/console/reviews');
  expect(await seriousViolations(reviewer)).toEqual([]);
  const seen: string[] = [...(await idsOnPage(reviewer))];
  expect(seen).toHaveLength(50);
  const first = unused.find((r) => r.id === seen[0])!;
  const row = reviewer.getByRole('row').filter({ has: reviewer.locator(`input[value="${first.id}"]`) });
  await expect(row.getByRole('link').getAttribute('href')).resolves.toBe(`/console/reviews/${first.id}`);
  await expect(row.textContent()).resolves.toContain(connection.managementId);
  await expect(row.textContent()).resolves.toContain(first.files[0].name);

  await reviewer.getByRole('link', { name: '次のページ' }).click();
  seen.push(...(await idsOnPage(reviewer)));
  expect(new Set(seen)).toEqual(new Set(unused.map((r) => r.id)));
  expect(seen).toHaveLength(unused.length);
});

it('approves a document as 非公開 with the reviewer as 社内担当者 from its page; the ledger holds its contracts as the API shows them, and another reviewer no longer finds the review', async () => {
  const review = take();
  await reviewer.goto(`/console/reviews/${review.id}`);
  expect(await seriousViolations(reviewer)).toEqual([]);
  await expect(reviewer.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(review.title);
  // Each file's PDF is embedded from the console, with the session's rights.
  const frames = reviewer.locator('iframe');
  await expect(frames.count()).resolves.toBe(review.files.length);
  const pdf = await reviewer.request.get((await frames.first().getAttribute('src'))!);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()['content-type']).toBe('application/pdf');
  expect(pdf.headers()['content-disposition']).toMatch(/^inline/);
  expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');

  const before = await quotaUsed(service);
  await reviewer.getByRole('radiogroup', { name: '共有範囲' }).getByRole('radio', { name: '非公開' }).check();
  await reviewer.getByLabel('社内担当者').selectOption({ label: 'Reviewer' });
  await reviewer.getByRole('button', { name: '台帳に保存', exact: true }).click();
  await reviewer.waitForURL((url) => url.pathname !== `/console/reviews/${review.id}`);
  await expect(statusText(reviewer)).resolves.toBe('保存しました');

  const done = await reviewWhen(service, review.id, (r) => r.status === 'approved', 'the approval');
  expect(done.decision).toMatchObject({ action: 'approve', decidedBy: who.reviewer.id, visibility: { scope: 'private' }, owners: [who.reviewer.id] });
  const contracts = await contractsOf(service, review.documentId);
  expect(contracts).toHaveLength(review.files.length);
  for (const contract of contracts) expect(contract).toMatchObject({ visibility_scope: 'private', owner_ids: [who.reviewer.id] });
  expect(await quotaUsed(service)).toBe(before + review.files.length);
  // Private: its owner sees it, another member does not.
  const listed = async (token: string) => (await service.api('GET', '/v1/contracts?limit=500', undefined, token)).body.items.map((c: any) => c.id);
  const ids = contracts.map((c) => c.id);
  expect(await listed(who.reviewer.token)).toEqual(expect.arrayContaining(ids));
  expect((await listed(who.groupMember.token)).filter((id: string) => ids.includes(id))).toEqual([]);
  expect((await service.api('GET', `/v1/contracts/${ids[0]}`, undefined, who.groupMember.token)).status).toBe(404);
  // The review follows its contracts: another of the connection's reviewers, who may not see them, finds it no more.
  expect((await service.api('GET', `/v1/reviews/${review.id}`, undefined, who.groupMember.token)).status).toBe(404);
  const other = await signedIn(browser, server.url, who.groupMember.token);
  expect((await other.page.goto(`/console/reviews/${review.id}`))!.status()).toBe(404);
  await other.context.close();
});

it('discards a document from its page: 削除しました, no contract, no quota used, the review discarded', async () => {
  const review = take();
  const before = await quotaUsed(service);
  await reviewer.goto(`/console/reviews/${review.id}`);
  await reviewer.getByRole('button', { name: '削除', exact: true }).click();
  await reviewer.waitForURL((url) => url.pathname !== `/console/reviews/${review.id}`);
  await expect(statusText(reviewer)).resolves.toBe('削除しました');
  await reviewWhen(service, review.id, (r) => r.status === 'discarded', 'the discard');
  expect(await contractsOf(service, review.documentId)).toEqual([]);
  expect(await quotaUsed(service)).toBe(before);
});

it('shows the API’s reason when someone else decided the document meanwhile, and decides nothing', async () => {
  const review = take();
  await reviewer.goto(`/console/reviews/${review.id}`);
  expect((await service.api('POST', `/v1/reviews/${review.id}/discard`, undefined, who.groupMember.token)).status).toBe(202);
  const answer = reviewer.waitForResponse((r) => r.url().endsWith(`/console/reviews/${review.id}/decision`));
  await reviewer.getByRole('button', { name: '台帳に保存', exact: true }).click();
  expect((await answer).status()).toBe(409);
  await expect(reviewer.getByRole('alert').textContent()).resolves.toContain('already discarded');
  await reviewWhen(service, review.id, (r) => r.status === 'discarded', 'the other reviewer’s discard');
  expect(await contractsOf(service, review.documentId)).toEqual([]);
});

it('works through the queue with the keyboard alone: a key to the next document, d to discard it', async () => {
  const review = take();
  await reviewer.goto(`/console/reviews/${review.id}`);
  await expect(reviewer.locator('kbd', { hasText: /^d$/ }).count()).resolves.toBe(1);
  // The next document in the list's order is the one after it; back with k.
  await reviewer.keyboard.press('j');
  await reviewer.waitForURL((url) => url.pathname !== `/console/reviews/${review.id}`);
  await reviewer.keyboard.press('k');
  await reviewer.waitForURL((url) => url.pathname === `/console/reviews/${review.id}`);
  await reviewer.keyboard.press('d');
  await reviewer.waitForURL((url) => url.pathname !== `/console/reviews/${review.id}`);
  await expect(statusText(reviewer)).resolves.toBe('削除しました');
  await reviewWhen(service, review.id, (r) => r.status === 'discarded', 'the discard by keyboard');
});

it('decides the rows selected on the list at once, each once, and says how many', async () => {
  await reviewer.goto('/console/reviews');
  const [a, b] = (await idsOnPage(reviewer)).slice(0, 2) as [string, string];
  for (const id of [a, b]) await reviewer.locator(`input[name="ids"][value="${id}"]`).check();
  await reviewer.getByRole('button', { name: '選択したものを削除' }).click();
  await reviewer.waitForURL((url) => url.searchParams.get('bulk') === 'discard');
  await expect(statusText(reviewer)).resolves.toBe('2 件を削除しました。');
  for (const id of [a, b]) await reviewWhen(service, id, (r) => r.status === 'discarded', 'the bulk discard');
  unused = unused.filter((r) => r.id !== a && r.id !== b);
  expect(await idsOnPage(reviewer)).not.toContain(a);

  // "Select all on this page" ticks every row.
  await reviewer.getByLabel('このページのすべてを選択').check();
  const boxes = reviewer.locator('tbody input[name="ids"]');
  await expect(boxes.evaluateAll((all) => all.every((b) => (b as unknown as { checked: boolean }).checked))).resolves.toBe(true);
});

it('discards every document that matches a filter after a confirmation that shows how many, and leaves the others', async () => {
  // A conclusion date that about 30 of the remaining documents are concluded on or before (by any file).
  const earliest = (r: any) => r.files.map((f: any) => f.fields.conclusionDate).filter(Boolean).sort()[0] as string | undefined;
  const dated = unused.filter(earliest).sort((x, y) => earliest(x)!.localeCompare(earliest(y)!));
  const cutoff = earliest(dated[29])!;
  const matching = unused.filter((r) => earliest(r) !== undefined && earliest(r)! <= cutoff);
  const others = unused.filter((r) => !matching.includes(r));
  expect(others.length).toBeGreaterThan(0);

  await reviewer.goto('/console/reviews');
  await reviewer.getByLabel('締結日（この日以前）').fill(cutoff);
  await reviewer.getByRole('button', { name: '絞り込む' }).click();
  await reviewer.getByRole('button', { name: 'この条件のすべてを削除' }).click();
  await expect(reviewer.locator('#bulk-count').textContent()).resolves.toContain(`${matching.length} 件`);
  expect(await seriousViolations(reviewer)).toEqual([]);
  await reviewer.getByRole('button', { name: `${matching.length} 件を削除する` }).click();
  await reviewer.waitForURL((url) => url.searchParams.get('bulk') === 'discard');
  // Those decided earlier that match are named as skipped, never decided twice.
  await expect(statusText(reviewer)).resolves.toMatch(new RegExp(`^${matching.length} 件を削除しました。 処理しなかった文書: 決定済み \\d+ 件、権限なし 0 件`));
  await expect(reviewer.getByText('確認待ちの文書はありません。').count()).resolves.toBe(1);

  for (const review of matching) await reviewWhen(service, review.id, (r) => r.status === 'discarded', 'the discard by filter');
  const pending = new Set((await listReviews(service, 'status=pending', who.reviewer.token)).map((r) => r.id));
  expect(others.every((r) => pending.has(r.id))).toBe(true);
  expect(matching.some((r) => pending.has(r.id))).toBe(false);
  unused = others;
});

it('says at once when an approval waits for spent quota, shows the API’s reason on its page, and saves it when the quota is raised', async () => {
  const review = take();
  const used = await quotaUsed(service);
  expect((await service.api('PUT', '/v1/quota', { limit: used })).status).toBe(200);
  await reviewer.goto(`/console/reviews/${review.id}`);
  await reviewer.getByRole('button', { name: '台帳に保存', exact: true }).click();
  await reviewer.waitForURL((url) => url.searchParams.get('quota') === 'exhausted');
  await expect(statusText(reviewer)).resolves.toBe('保存しました');
  await expect(reviewer.getByRole('alert').textContent()).resolves.toContain(`登録上限（${used} / ${used} 件）`);
  await reviewWhen(service, review.id, (r) => r.pendingReason?.code === 'quota_exhausted', 'the quota refusal');
  await reviewer.reload();
  await expect(reviewer.locator('.meta').textContent()).resolves.toContain('the contract quota is used up');
  expect(await contractsOf(service, review.documentId)).toEqual([]);

  expect((await service.api('PUT', '/v1/quota', { limit: used + 1_000 })).status).toBe(200);
  await reviewWhen(service, review.id, (r) => r.status === 'approved', 'the approval after the raise');
  expect(await contractsOf(service, review.documentId)).toHaveLength(review.files.length);
});

it('shows a member of a reviewer group (確認者 by group) the same queue', async () => {
  const { context, page } = await signedIn(browser, server.url, who.groupMember.token);
  await page.goto('/console/reviews');
  expect(new Set(await idsOnPage(page))).toEqual(new Set(unused.map((r) => r.id)));
  await context.close();
});

it('shows a user who reviews nothing no review, and refuses them every review page, PDF and bulk decision', async () => {
  const review = unused[0]!;
  const { context, page } = await signedIn(browser, server.url, who.outsider.token);
  await page.goto('/console/reviews');
  await expect(page.getByText('確認待ちの文書はありません。').count()).resolves.toBe(1);
  await expect(page.locator('tbody tr').count()).resolves.toBe(0);
  expect((await page.goto(`/console/reviews/${review.id}`))!.status()).toBe(403);
  await expect(page.getByRole('alert').textContent()).resolves.toContain('Only the reviewers');
  expect((await page.request.get(`/console/reviews/${review.id}/files/${review.files[0].id}`)).status()).toBe(403);
  expect((await page.goto(`/console/reviews/bulk?connectionId=${connection.id}&action=discard`))!.status()).toBe(403);
  expect((await page.goto('/console/reviews/00000000-0000-4000-8000-000000000000'))!.status()).toBe(404);
  await context.close();
  expect((await service.api('GET', `/v1/reviews/${review.id}`)).body.status).toBe('pending');
});
