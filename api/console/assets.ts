import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The console's stylesheet and scripts: every file of `static/`, served from this process under a URL with
 * its content's hash (`/console/assets/<hash>/<name>`), so that a browser may keep each version for a year
 * and a new version is fetched at once. Nothing comes from a CDN: the service may run without internet.
 */
const STATIC_DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'static');
const TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml' };

interface Asset {
  path: string;
  body: Buffer;
  type: string;
}

const ASSETS = new Map<string, Asset>(
  readdirSync(STATIC_DIR)
    .filter((name) => TYPES[extname(name)])
    .map((name) => {
      const body = readFileSync(join(STATIC_DIR, name));
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
      return [name, { path: `/console/assets/${hash}/${name}`, body, type: TYPES[extname(name)]! }];
    }),
);

/** The URL of a file of `static/`; a name that is not there is a programming error, caught by any page test. */
export function assetPath(name: string): string {
  const asset = ASSETS.get(name);
  if (!asset) throw new Error(`api/console/static/${name} does not exist`);
  return asset.path;
}

/** The asset a request path names, if it is one of ours with its current hash. */
export function assetAt(hash: string, name: string): Asset | undefined {
  const asset = ASSETS.get(name);
  return asset && asset.path === `/console/assets/${hash}/${name}` ? asset : undefined;
}
