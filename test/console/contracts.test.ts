import { createHash } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium, listen, seriousViolations, signedIn } from '../support/browser';
import { ADMIN_TOKEN, eventually, startService, type Service } from '../support/service';

/**
 * 契約書 in the console, on contracts imported through real direct-mode connections: the list (search,
 * filters), a contract's page (fields with provenance, the PDF, 更新履歴, edits), and what a member may see.
 */

let service: Service;
let server: Awaited<ReturnType<typeof listen>>;
let browser: Browser;
/** A member who sees the company-wide contracts only; the owner of the private ones. */
let member: { id: string; token: string };
let owner: { id: string; token: string };
let companyConnection: { id: string; managementId: string };
let privateConnection: { id: string; managementId: string };

interface ContractJson {
  id: string;
  title: { value: string | null; source: string | null };
  counterparty: { value: string | null; source: string | null };
  conclusionDate: { value: string | null; source: string | null };
  source: { connectionId: string; managementId: string };
  file: { sha256: string; name: string };
}

async function newUser(name: string, email: string) {
  const { status, body } = await service.api('POST', '/v1/users', { name, email, role: 'member' });
  expect(status).toBe(201);
  return { id: body.id as string, token: body.apiToken as string };
}

async function connect(name: string, clientId: string, visibility: unknown, owners: string[]) {
  const created = await service.api('POST', '/v1/connections', { name, clientId, visibility, owners, saveMode: 'direct' });
  expect(created.status).toBe(201);
  await eventually(async () => {
    const { body } = await service.api('GET', `/v1/connections/${created.body.id}`);
    return body.status === 'idle' && body.lastSyncAt;
  }, 60_000, `the import of ${name}`);
  return { id: created.body.id as string, managementId: created.body.managementId as string };
}

/** The contracts the API shows `token`'s user, all pages, with the given filters. */
async function apiContracts(query: Record<string, string> = {}, token = ADMIN_TOKEN): Promise<ContractJson[]> {
  const { status, body } = await service.api('GET', `/v1/contracts?${new URLSearchParams({ limit: '500', ...query })}`, undefined, token);
  expect(status).toBe(200);
  return body.items;
}

beforeAll(async () => {
  service = await startService({ simulator: { documents: 16 } });
  server = await listen(service.app);
  browser = await launchChromium();
  member = await newUser('佐藤 一郎', 'ichiro@example.jp');
  owner = await newUser('山田 花子', 'hanako@example.jp');
  companyConnection = await connect('全社', service.simulator.accounts.demo, { scope: 'company' }, []);
  // Private to 山田 花子: 佐藤 一郎 must neither find these contracts nor open them.
  privateConnection = await connect('非公開', service.simulator.accounts.members[1]!, { scope: 'private' }, [owner.id]);
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await service?.close();
});

/** The titles of the list's rows, as links to the contracts. */
const listedIds = async (page: import('playwright-core').Page) =>
  (await page.locator('main table tbody tr td:first-child a').evaluateAll((links) => links.map((a) => a.getAttribute('href')))).map((href) => href!.split('/').pop()!);

it('lists the imported contracts the user may see, and searches and filters them as the API does', async () => {
  const all = await apiContracts();
  expect(all.some((c) => c.source.connectionId === companyConnection.id)).toBe(true);
  expect(all.some((c) => c.source.connectionId === privateConnection.id)).toBe(true);
  const { context, page } = await signedIn(browser, server.url, ADMIN_TOKEN);
  await page.getByRole('navigation').getByRole('link', { name: '契約書', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/console/contracts');
  expect(await seriousViolations(page)).toEqual([]);
  // Pages of 50, newest first, as the API pages them: together exactly the contracts there are.
  expect(all.length).toBeGreaterThan(50);
  const listed = await listedIds(page);
  expect(listed).toEqual(all.slice(0, 50).map((c) => c.id));
  while (await page.getByRole('link', { name: '次のページ' }).count()) {
    await page.getByRole('link', { name: '次のページ' }).click();
    await page.waitForURL((url) => url.searchParams.has('cursor'));
    const more = await listedIds(page);
    if (more.some((id) => listed.includes(id))) throw new Error('a contract was listed on two pages');
    listed.push(...more);
  }
  expect(listed).toEqual(all.map((c) => c.id));

  // Search by part of one contract's title: exactly what the API's `q` finds, which is not everything.
  const sample = all.find((c) => c.title.value && c.title.value.length > 4)!;
  const word = sample.title.value!.slice(0, 4);
  const found = await apiContracts({ q: word });
  expect(found.map((c) => c.id)).toContain(sample.id);
  await page.getByLabel('検索').fill(word);
  await page.getByRole('button', { name: '絞り込む' }).click();
  await page.waitForURL((url) => url.searchParams.get('q') === word);
  expect((await listedIds(page)).sort()).toEqual(found.map((c) => c.id).sort());
  await expect(page.getByRole('link', { name: sample.title.value!, exact: true }).count()).resolves.toBeGreaterThan(0);

  // Conclusion dates: one day, the sample's.
  const day = all.find((c) => c.conclusionDate.value)!.conclusionDate.value!;
  const sameDay = await apiContracts({ concludedFrom: day, concludedTo: day });
  await page.goto('/console/contracts');
  await page.getByLabel('締結日（から）').fill(day);
  await page.getByLabel('締結日（まで）').fill(day);
  await page.getByRole('button', { name: '絞り込む' }).click();
  await page.waitForURL((url) => url.searchParams.get('concludedTo') === day);
  expect((await listedIds(page)).sort()).toEqual(sameDay.map((c) => c.id).sort());
  expect(sameDay.length).toBeLessThan(all.length);

  // By connection, chosen by its 管理ID.
  await page.goto('/console/contracts');
  await page.getByLabel('連携', { exact: true }).selectOption({ label: `${privateConnection.managementId} 非公開` });
  await page.getByRole('button', { name: '絞り込む' }).click();
  await page.waitForURL((url) => url.searchParams.get('connectionId') === privateConnection.id);
  const ofConnection = await apiContracts({ connectionId: privateConnection.id });
  expect(await listedIds(page)).toEqual(ofConnection.slice(0, 50).map((c) => c.id));
  expect(ofConnection.every((c) => c.source.connectionId === privateConnection.id)).toBe(true);

  // A date the ledger cannot take is refused with its reason, not a server error.
  const refused = await page.goto('/console/contracts?concludedFrom=2025-02-30');
  expect(refused!.status()).toBe(400);
  await expect(page.getByRole('alert').textContent()).resolves.toContain('concludedFrom');
  await context.close();
});

it("shows a contract's fields with their provenance, its PDF embedded, its 更新履歴, and records an admin's edit as the user's", async () => {
  const contract = (await apiContracts()).find((c) => c.source.connectionId === companyConnection.id && c.title.value)!;
  const { context, page } = await signedIn(browser, server.url, ADMIN_TOKEN);
  await page.goto('/console/contracts');
  await page.getByRole('link', { name: contract.title.value!, exact: true }).first().click();
  await page.waitForURL((url) => url.pathname === `/console/contracts/${contract.id}`);
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(contract.title.value);
  const titleRow = page.getByRole('row', { name: /^契約書名/ });
  await expect(titleRow.getByRole('cell').allTextContents()).resolves.toEqual([contract.title.value, 'CloudSign']);
  // The 管理ID leads an admin to the connection.
  await expect(page.getByRole('link', { name: companyConnection.managementId, exact: true }).getAttribute('href')).resolves.toBe(`/console/connections/${companyConnection.id}`);
  await expect(page.getByRole('table', { name: '更新履歴' }).getByRole('cell', { name: '取り込み', exact: true }).count()).resolves.toBe(1);
  expect(await seriousViolations(page)).toEqual([]);

  // The PDF: embedded from a console address that streams the stored file, inline for the browser's viewer.
  const frame = page.locator('main iframe');
  const src = await frame.getAttribute('src');
  expect(src).toBe(`/console/contracts/${contract.id}/file`);
  await expect(frame.getAttribute('title')).resolves.toContain(contract.file.name);
  const pdf = await page.request.get(src!);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()['content-type']).toBe('application/pdf');
  expect(pdf.headers()['content-disposition']).toMatch(/^inline;/);
  expect(createHash('sha256').update(await pdf.body()).digest('hex')).toBe(contract.file.sha256);

  // An edit: the counterparty becomes the user's, the others keep their source, and the history says so.
  await page.getByLabel('相手方').fill('株式会社テスト編集');
  await page.getByRole('button', { name: '変更を保存' }).click();
  await expect(page.getByRole('status').textContent()).resolves.toBe('変更を保存しました。');
  await expect(page.getByRole('row', { name: /^相手方/ }).getByRole('cell').allTextContents()).resolves.toEqual(['株式会社テスト編集', 'ユーザーが入力']);
  const edited = (await service.api('GET', `/v1/contracts/${contract.id}`)).body;
  expect(edited.counterparty).toEqual({ value: '株式会社テスト編集', source: 'user' });
  expect(edited.title).toEqual(contract.title);
  await expect(page.getByRole('table', { name: '更新履歴' }).getByRole('row', { name: /編集/ }).textContent()).resolves.toContain('株式会社テスト編集');

  // A value the ledger cannot take is refused with its reason and changes nothing.
  await page.getByLabel('取引金額').fill('12 yen');
  const response = page.waitForResponse((r) => r.request().method() === 'POST');
  await page.getByRole('button', { name: '変更を保存' }).click();
  expect((await response).status()).toBe(422);
  await expect(page.getByRole('alert').count()).resolves.toBe(1);
  expect((await service.api('GET', `/v1/contracts/${contract.id}`)).body.amount).toEqual(edited.amount);
  await context.close();
});

it("hides another user's private contract from a member: not listed, not found, its PDF refused, no edit form", async () => {
  const hidden = (await apiContracts({ connectionId: privateConnection.id }))[0]!;
  const shown = (await apiContracts({ connectionId: companyConnection.id }))[0]!;
  const visibleToMember = await apiContracts({}, member.token);
  expect(visibleToMember.some((c) => c.id === hidden.id)).toBe(false);

  const { context, page } = await signedIn(browser, server.url, member.token);
  await page.goto('/console/contracts');
  expect((await listedIds(page)).sort()).toEqual(visibleToMember.map((c) => c.id).sort());
  const notFound = await page.goto(`/console/contracts/${hidden.id}`);
  expect(notFound!.status()).toBe(404);
  expect(await page.content()).not.toContain(hidden.file.sha256);
  expect((await page.request.get(`/console/contracts/${hidden.id}/file`)).status()).toBe(404);

  // A company-wide contract: readable, with its 管理ID as text (members cannot open connections), and no edit form.
  await page.goto(`/console/contracts/${shown.id}`);
  await expect(page.getByText(companyConnection.managementId, { exact: true }).count()).resolves.toBe(1);
  await expect(page.getByRole('link', { name: companyConnection.managementId }).count()).resolves.toBe(0);
  await expect(page.getByRole('button', { name: '変更を保存' }).count()).resolves.toBe(0);
  expect(await seriousViolations(page)).toEqual([]);
  await context.close();

  // The owner sees it, with 非公開 and themselves as 社内担当者.
  const asOwner = await signedIn(browser, server.url, owner.token);
  await asOwner.page.goto(`/console/contracts/${hidden.id}`);
  await expect(asOwner.page.getByText('非公開', { exact: true }).count()).resolves.toBe(1);
  await expect(asOwner.page.getByText('山田 花子', { exact: true }).count()).resolves.toBe(1);
  await asOwner.context.close();
});
