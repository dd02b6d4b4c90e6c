// `npm run fuzz:setup`: installs the pinned Schemathesis from PyPI into a virtualenv under .tools/ (git-ignored),
// for `npm run fuzz`. Idempotent: a version already installed is left alone. SCHEMATHESIS (the path of a
// `schemathesis` executable) skips it and is used instead.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Pinned: a new Schemathesis brings new checks, which should arrive in a commit of their own, not in CI by surprise. */
export const SCHEMATHESIS_VERSION = '4.32.5';

const venv = resolve(import.meta.dirname, '..', '.tools', `schemathesis-${SCHEMATHESIS_VERSION}`);

/** The executable `npm run fuzz` runs. */
export function schemathesisPath(): string {
  return process.env.SCHEMATHESIS ?? join(venv, 'bin', 'schemathesis');
}

export function installSchemathesis(): void {
  if (process.env.SCHEMATHESIS || existsSync(schemathesisPath())) return;
  rmSync(venv, { recursive: true, force: true }); // a half-finished earlier install
  console.log(`installing schemathesis==${SCHEMATHESIS_VERSION} into ${venv}`);
  execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`], { stdio: 'inherit' });
  if (!existsSync(schemathesisPath())) throw new Error(`schemathesis==${SCHEMATHESIS_VERSION} installed no ${schemathesisPath()}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) installSchemathesis();
