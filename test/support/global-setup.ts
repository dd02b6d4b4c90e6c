import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { dropDatabase } from './database';
import { startTimeSkippingServer } from './time-skipping-server';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
  }
}

/**
 * Once per test run: a database of the run's own (never the dev one), migrated, and the time-skipping
 * Temporal test server. Both go away when the run ends.
 */
export default async function setup(project: TestProject) {
  const databaseUrl = `postgres://postgres@127.0.0.1:5432/cloudsign_sync_test_${process.pid}`;
  await dropDatabase(databaseUrl);
  // The same command a user runs, in its own process: MikroORM loads migration files with a plain
  // `import()`, which only a TypeScript-aware loader (tsx) can serve.
  try {
    execFileSync('npx', ['tsx', 'scripts/db-migrate.ts'], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: 'pipe' });
  } catch (error) {
    throw new Error(`npm run db:migrate failed on the test database:\n${String((error as { stderr?: Buffer }).stderr)}`);
  }

  const env = await startTimeSkippingServer();

  project.provide('databaseUrl', databaseUrl);
  project.provide('temporalAddress', env.address);

  return async () => {
    await env.teardown();
    await dropDatabase(databaseUrl);
  };
}
