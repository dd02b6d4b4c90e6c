import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Context, Hono } from 'hono';
import type { ApiEnv } from './context';
import { errorResponse } from './errors';

/**
 * The API reference at /docs: Swagger UI on the served OpenAPI document (/openapi.json), with shapes,
 * examples and "Try it out", under a short introduction in Japanese. Everything it loads comes from this
 * service — Swagger UI from the installed `swagger-ui-dist` — so it works on an installation without
 * internet, and its Content-Security-Policy allows nothing else.
 */

interface Asset {
  body: Buffer;
  type: string;
}

const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** Our own start-up script: a script served from here, since the policy allows no inline script. */
const START_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    tryItOutEnabled: false,
    // No badge from validator.swagger.io: nothing leaves this service.
    validatorUrl: null,
    // The token stays in this tab only, never in the browser's storage.
    persistAuthorization: false,
    defaultModelsExpandDepth: 0,
  });
});
`;

const PAGE_STYLE = `body{margin:0;font:15px/1.6 system-ui,'Hiragino Sans','Noto Sans JP',sans-serif}
.intro{max-width:60rem;margin:0 auto;padding:1.5rem 1.25rem .5rem}
.intro h1{font-size:1.6rem;margin:0 0 .5rem}.intro code{background:#f3f3f3;padding:0 .25em;border-radius:3px}
.intro dt{font-weight:600;margin-top:.6rem}.intro dd{margin-left:1.25rem}
`;

function loadAssets(): Map<string, Asset & { path: string }> {
  const files: [name: string, type: string, body: Buffer][] = [
    ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8', readFileSync(join(SWAGGER_UI_DIR, 'swagger-ui-bundle.js'))],
    ['swagger-ui.css', 'text/css; charset=utf-8', readFileSync(join(SWAGGER_UI_DIR, 'swagger-ui.css'))],
    ['favicon-32x32.png', 'image/png', readFileSync(join(SWAGGER_UI_DIR, 'favicon-32x32.png'))],
    ['start.js', 'text/javascript; charset=utf-8', Buffer.from(START_SCRIPT)],
    ['docs.css', 'text/css; charset=utf-8', Buffer.from(PAGE_STYLE)],
  ];
  // The content's hash in the URL: a new version has a new URL, so a browser may keep each one for a year.
  return new Map(
    files.map(([name, type, body]) => {
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
      return [name, { body, type, path: `/docs/assets/${hash}/${name}` }];
    }),
  );
}

/** Only this service's own files; inline styles and data: images because Swagger UI's React views and stylesheet use them. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function renderPage(assets: Map<string, { path: string }>): string {
  const at = (name: string) => assets.get(name)!.path;
  return `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cloudsign-sync API リファレンス</title>
<link rel="icon" type="image/png" href="${at('favicon-32x32.png')}">
<link rel="stylesheet" href="${at('swagger-ui.css')}">
<link rel="stylesheet" href="${at('docs.css')}">
</head>
<body>
<section class="intro" lang="ja">
<h1>cloudsign-sync API リファレンス</h1>
<p><strong>cloudsign-sync</strong> は、クラウドサインで締結された契約書を契約台帳へ取り込み、その後も毎日差分を同期するサービスです。
この API で連携（クラウドサインのクライアントID と公開範囲・社内担当者）の登録、取り込み状況の確認、台帳の契約の閲覧・編集、
レビュー待ち書類の承認・破棄（一括も可）、取り込み上限の管理ができます。</p>
<dl>
<dt>認証</dt>
<dd><code>/v1</code> 以下はすべて API トークンが必要です。<code>Authorization: Bearer &lt;API トークン&gt;</code> ヘッダーを付けてください。
トークンは管理者がユーザーを作成したとき（<code>POST /v1/users</code>）に一度だけ表示されます。最初の管理者のトークンは
<code>BOOTSTRAP_ADMIN_TOKEN</code>（<code>npm run dev</code> では <code>.data/admin-token</code>）です。
下の「Authorize」にトークンを入力すると、各 API を「Try it out」でこの画面から呼び出せます（トークンはこのタブの中だけで保持されます）。</dd>
<dt>画面</dt>
<dd>人向けの Web コンソールは <code>/console</code> にあります。連携ごとのワークフローは Temporal Web UI で確認できます
（<code>npm run dev</code> ではこのマシンのポート 8233、Docker Compose ではポート 8080）。</dd>
<dt>機械可読な定義</dt>
<dd>OpenAPI 3.1 の定義は <a href="/openapi.json">/openapi.json</a> です。この下のリファレンスも同じ定義から表示しています。</dd>
</dl>
</section>
<div id="swagger-ui"></div>
<script src="${at('swagger-ui-bundle.js')}"></script>
<script src="${at('start.js')}"></script>
</body>
</html>
`;
}

/** Serves /docs and its assets on `app`. */
export function serveDocs(app: Hono<ApiEnv>): void {
  const assets = loadAssets();
  const page = renderPage(assets);
  const byPath = new Map([...assets.values()].map((asset) => [asset.path, asset]));
  const secured = (c: Context<ApiEnv>) => {
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    c.header('X-Content-Type-Options', 'nosniff');
  };
  app.get('/docs', (c) => {
    secured(c);
    // The page names the current assets: always ask again, so that an upgrade is seen at once.
    c.header('Cache-Control', 'no-cache');
    return c.html(page);
  });
  app.get('/docs/assets/:hash/:name', (c) => {
    const asset = byPath.get(c.req.path);
    if (!asset) return errorResponse(c, 404, 'not_found', `There is no asset ${c.req.path}; load /docs again for the current ones.`);
    secured(c);
    c.header('Content-Type', asset.type);
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
    return c.body(new Uint8Array(asset.body), 200);
  });
}
