import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiEnv } from './context';

type OpenApiDocument = ReturnType<OpenAPIHono<ApiEnv>['getOpenAPI31Document']>;

const escape = (text: string) =>
  text.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);

/**
 * A self-contained, human-readable page of the OpenAPI document: it loads nothing from the internet, so
 * it works on an isolated installation.
 */
export function renderDocsPage(doc: OpenApiDocument): string {
  const rows = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item ?? {}).map(([method, op]) => {
      const operation = op as { summary?: string; security?: unknown[]; responses?: Record<string, { description?: string }> };
      const responses = Object.entries(operation.responses ?? {})
        .map(([status, r]) => `<li><code>${status}</code> ${escape(r.description ?? '')}</li>`)
        .join('');
      const auth = operation.security?.length ? 'Bearer token' : 'none';
      return `<section><h3><code>${method.toUpperCase()} ${escape(path)}</code></h3><p>${escape(operation.summary ?? '')}</p><p>Auth: ${auth}</p><ul>${responses}</ul></section>`;
    }),
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(doc.info.title)} API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}section{border-top:1px solid #ddd}code{background:#f4f4f4;padding:0 .2em}</style>
</head><body><h1>${escape(doc.info.title)} API ${escape(doc.info.version)}</h1><p>${escape(doc.info.description ?? '')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>${rows.join('\n')}</body></html>`;
}
