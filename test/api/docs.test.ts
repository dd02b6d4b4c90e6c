import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp, type App } from '../../api/app';
import { testServices } from '../support/app';
import { openTestDatabase } from '../support/database';

let orm: MikroORM;
let app: App;
let page: Response;
let html: string;

beforeAll(async () => {
  orm = await openTestDatabase();
  app = createApp(await testServices(orm));
  page = await app.request('/docs');
  html = await page.text();
});
afterAll(async () => {
  await orm?.close();
});

/** Every URL the page loads or links to: src, href, and the script's `url:` for the OpenAPI document. */
async function referencedAssets(): Promise<{ scripts: string[]; stylesheets: string[] }> {
  return {
    scripts: [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!),
    stylesheets: [...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1]!),
  };
}

it('serves /docs as an HTML page with a Japanese introduction: what the API is, how to authenticate, where the console and Temporal UI are', () => {
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(html).toContain('<html lang="ja">');
  expect(html).toContain('cloudsign-sync API リファレンス');
  expect(html).toContain('クラウドサインで締結された契約書を契約台帳へ取り込み');
  expect(html).toContain('Authorization: Bearer &lt;API トークン&gt;');
  expect(html).toContain('/console');
  expect(html).toContain('Temporal Web UI');
  expect(html).toContain('<div id="swagger-ui"></div>');
});

it('loads nothing from another host: no http(s) URL in the page, and a policy that allows only this service', () => {
  expect(html).not.toMatch(/https?:\/\//i);
  expect(html).not.toMatch(/src="\/\/|href="\/\//);
  const policy = page.headers.get('content-security-policy')!;
  expect(policy).toContain("default-src 'self'");
  expect(policy).toContain("script-src 'self'");
  expect(policy).not.toMatch(/https?:|\*/);
  // No inline script (the policy would block it): Swagger UI starts from a served file.
  expect(html).not.toMatch(/<script>(?!<\/script>)/);
});

it('serves the JavaScript and CSS the page references, with their content types and a year of caching under content-hashed URLs', async () => {
  const { scripts, stylesheets } = await referencedAssets();
  expect(scripts.map((s) => s.split('/').at(-1))).toEqual(['swagger-ui-bundle.js', 'start.js']);
  expect(stylesheets.map((s) => s.split('/').at(-1))).toEqual(['swagger-ui.css', 'docs.css']);
  for (const [urls, type] of [[scripts, /^text\/javascript/], [stylesheets, /^text\/css/]] as const) {
    for (const url of urls) {
      expect(url).toMatch(/^\/docs\/assets\/[0-9a-f]{12}\//);
      const res = await app.request(url);
      expect({ url, status: res.status, type: res.headers.get('content-type') }).toMatchObject({ url, status: 200, type: expect.stringMatching(type) });
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
  }
  // The real Swagger UI, from the installed package; pointed at this service's OpenAPI document.
  const bundle = await (await app.request(scripts[0]!)).text();
  expect(bundle).toContain('SwaggerUIBundle');
  const start = await (await app.request(scripts[1]!)).text();
  expect(start).toContain("url: '/openapi.json'");
  expect(start).toContain('validatorUrl: null');
});

it('answers 404 for an asset it does not have, or one of another version', async () => {
  const { scripts } = await referencedAssets();
  const stale = scripts[0]!.replace(/assets\/[0-9a-f]{12}/, 'assets/000000000000');
  for (const url of [stale, '/docs/assets/000000000000/../../package.json', '/docs/assets/x/index.html']) {
    expect((await app.request(url)).status).toBe(404);
  }
});

it('documents request and response shapes with examples in the OpenAPI document the page shows', async () => {
  const doc = (await (await app.request('/openapi.json')).json()) as any;
  const bulk = doc.paths['/v1/reviews/bulk'].post;
  expect(bulk.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/BulkDecision');
  const schemas = doc.components.schemas;
  for (const name of ['BulkDecision', 'BulkDecisionOutcome', 'Connection', 'Contract', 'Review', 'Error', 'Quota', 'User']) {
    expect({ name, example: schemas[name]?.example !== undefined }).toEqual({ name, example: true });
  }
});
