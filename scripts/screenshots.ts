// `npm run screenshots`: PNGs of the console's main pages for the README, in docs/screenshots/ at 1280×800.
// Starts the service on embedded parts (a Temporal dev server, the CloudSign simulator with demo data, a mail
// catcher, a database of its own: BENCH_DATABASE or cloudsign_sync_screenshots, dropped first), creates a
// review-mode and a direct connection through the API, waits for their imports, and photographs the pages
// with a real Chromium (CHROMIUM_PATH, default /usr/bin/chromium), which needs a Japanese font (Debian:
// fonts-noto-cjk). A page that answers 404, or is still a placeholder, is skipped with a note: run it again
// once every section is there.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Page } from 'playwright-core';
import { freshDatabase, onExit, runBench, startDurableService } from '../bench/support';
import { startSimulator } from '../src/cloudsign-simulator';

const OUT_DIR = resolve('docs/screenshots');
const ADMIN_TOKEN = 'screenshots-admin-token-0123456789abcdef';
const SECRETS_KEY = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const CLIENT_ID = 'demo0123456789abcdefghijklmnopqrstuv';
const VIEWPORT = { width: 1280, height: 800 };
/** Words of a page that is not built yet (the foundation's placeholder). */
const PLACEHOLDER = '準備中です';

type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

/** Whether fontconfig knows a font with Japanese glyphs: without one every page is a row of boxes (tofu). */
function hasJapaneseFont(): boolean {
  try {
    return execFileSync('fc-list', [':lang=ja', 'family'], { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false;
  }
}

async function main(): Promise<boolean> {
  if (!hasJapaneseFont()) {
    console.error('No Japanese font is installed, so the pages would show boxes instead of text. Install one (Debian: apt-get install fonts-noto-cjk), then run this again.');
    return false;
  }
  mkdirSync(OUT_DIR, { recursive: true });
  const simulator = await startSimulator({ documents: 40, clientId: CLIENT_ID, rateLimitPerMinute: 0, port: 0 });
  onExit('the simulator', () => simulator.close());
  const orm = await freshDatabase(process.env.BENCH_DATABASE ?? 'cloudsign_sync_screenshots');
  const { app } = await startDurableService({ name: 'screenshots', orm, cloudsignUrl: simulator.url, secretsKey: SECRETS_KEY, adminToken: ADMIN_TOKEN, logLevel: 'WARN' });
  const server: ServerType = await new Promise((done) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => done(s));
  });
  onExit('the API server', () => new Promise<void>((done) => server.close(() => done())));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const api: Api = async (method, path, body) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const ids = await seed(api, simulator.accounts);

  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  onExit('Chromium', () => browser.close());
  const context = await browser.newContext({ baseURL: baseUrl, locale: 'ja-JP', viewport: VIEWPORT });
  const page = await context.newPage();
  const taken: string[] = [];
  const skipped: string[] = [];
  const shoot = async (name: string, path: string, prepare?: (page: Page) => Promise<void>) => {
    try {
      const response = await page.goto(path);
      if (response?.status() === 404) return void skipped.push(`${name}: ${path} answers 404`);
      if ((await page.locator('main').textContent())?.includes(PLACEHOLDER)) return void skipped.push(`${name}: ${path} is a placeholder`);
      await prepare?.(page);
      await page.screenshot({ path: join(OUT_DIR, `${name}.png`) });
      taken.push(name);
    } catch (error) {
      skipped.push(`${name}: ${path}: ${(error as Error).message.split('\n')[0]}`);
    }
  };

  await shoot('sign-in', '/console');
  await page.getByLabel('APIトークン').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL((url) => url.pathname !== '/console');

  await shoot('reviews', '/console/reviews');
  if (ids.reviewId) await shoot('review', `/console/reviews/${ids.reviewId}`);
  else skipped.push('review: no review to show');
  await shoot('connections', '/console/connections');
  await shoot('wizard-step-4', '/console/connections/new', async (p) => fillWizard(p, simulator.accounts.members[0]!));
  await shoot('connection', `/console/connections/${ids.directConnectionId}`);
  await shoot('contracts', '/console/contracts');
  // The browser's PDF viewer draws the file a moment after the page is loaded.
  if (ids.contractId) await shoot('contract', `/console/contracts/${ids.contractId}`, (p) => p.waitForTimeout(3_000));
  else skipped.push('contract: no contract to show');
  await shoot('users', '/console/users');
  await shoot('groups', '/console/groups');
  await shoot('quota', '/console/quota');

  console.log(`Saved in ${OUT_DIR}: ${taken.map((n) => `${n}.png`).join(', ') || 'nothing'}`);
  for (const note of skipped) console.log(`Skipped ${note}`);
  return taken.length > 0;
}

/** Users, a group, a review-mode and a direct connection, their imports finished; the IDs the pages need. */
async function seed(api: Api, accounts: { teamAdmin: string; demo: string; members: string[] }) {
  const reviewer = await expectStatus(api('POST', '/v1/users', { name: '山田 花子', email: 'hanako.yamada@example.jp', role: 'member' }), 201);
  await expectStatus(api('POST', '/v1/users', { name: '佐藤 一郎', email: 'ichiro.sato@example.jp', role: 'member' }), 201);
  const group = await expectStatus(api('POST', '/v1/groups', { name: '法務部', memberIds: [reviewer.id] }), 201);
  const review = await expectStatus(
    api('POST', '/v1/connections', {
      name: '営業部（確認あり）',
      clientId: accounts.teamAdmin,
      visibility: { scope: 'company' },
      owners: [],
      saveMode: 'review',
      reviewers: { groupIds: [group.id], userIds: [] },
    }),
    201,
  );
  const direct = await expectStatus(
    api('POST', '/v1/connections', { name: '本社', clientId: accounts.demo, visibility: { scope: 'company' }, owners: [], saveMode: 'direct' }),
    201,
  );
  for (const connection of [review, direct]) {
    await until(async () => {
      const { body } = await api('GET', `/v1/connections/${connection.id}`);
      return body.status === 'idle' && body.lastSyncAt;
    }, `the import of ${connection.name}`);
  }
  const reviews = await api('GET', '/v1/reviews?status=pending&limit=1');
  const contracts = await api('GET', `/v1/contracts?connectionId=${direct.id}&limit=1`);
  return {
    directConnectionId: direct.id as string,
    reviewId: reviews.body?.items?.[0]?.id as string | undefined,
    contractId: contracts.body?.items?.[0]?.id as string | undefined,
  };
}

/** The wizard's Steps 1–3 (CONSOLE.md's words), up to the Step 4 dialog with the count of files. */
async function fillWizard(page: Page, clientId: string): Promise<void> {
  await page.getByLabel('クライアントID').fill(clientId);
  await page.getByRole('button', { name: '次へ' }).click();
  await page.getByRole('radiogroup', { name: '共有範囲' }).getByRole('radio', { name: '全社公開' }).check();
  await page.getByRole('button', { name: '次へ' }).click();
  await page.getByRole('radio', { name: '台帳に直接保存する' }).check();
  await page.getByRole('button', { name: '次へ' }).click();
  await page.getByRole('dialog').getByText('ファイルの件数', { exact: true }).waitFor({ timeout: 30_000 });
}

async function expectStatus(call: ReturnType<Api>, status: number) {
  const { status: got, body } = await call;
  if (got !== status) throw new Error(`expected ${status}, got ${got}: ${JSON.stringify(body)}`);
  return body;
}

async function until(check: () => Promise<unknown>, what: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not finish within ${timeoutMs / 1000} s`);
    await new Promise((done) => setTimeout(done, 500));
  }
}

await runBench('screenshots', 15 * 60_000, main);
