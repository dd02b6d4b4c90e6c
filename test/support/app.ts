import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { openServices, type Overrides, type Services } from '../../src/composition';
import { loadConfig, type Config } from '../../src/config';
import type { MikroORM } from '../../src/db';
import { listConnections } from '../../src/ledger';
import { connectionWorkflowId } from '../../src/temporal/messages';
import { createLogger } from '../../src/logging';

/** A fixed key for tests: what it encrypts lives only in the run's own database. */
export const TEST_SECRETS_KEY = '5c1e9a7f03b2d84e6a9f1c3d5e7b0a2c4e6f8a1b3c5d7e9f0a2b4c6d8e1f3a5b';

let files: string | undefined;
/** One storage folder per test file (PDFs are content-addressed: tests can share it), removed when it ends. */
function filesOfThisFile(): string {
  if (!files) {
    const dir = mkdtempSync(join(tmpdir(), 'cloudsign-sync-api-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    files = dir;
  }
  return files;
}

/**
 * The configuration of a test: the defaults, the run's Temporal test server, no CloudSign request budget,
 * the test key, files in a temporary folder and, unless `values` says otherwise, a CloudSign address where
 * nothing answers.
 */
export function testConfig(values: Partial<Config> = {}): Config {
  return {
    ...loadConfig({}),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: 'api-test',
    CLOUDSIGN_BASE_URL: 'http://127.0.0.1:1',
    CLOUDSIGN_REQUESTS_PER_MINUTE: 0,
    SECRETS_KEY: TEST_SECRETS_KEY,
    MAIL_FROM: 'cloudsign-sync <sync@test.invalid>',
    ...values,
    FILE_STORAGE_DIR: values.FILE_STORAGE_DIR ?? filesOfThisFile(),
  };
}

/** Tests show the service's warnings and errors, readably, on stderr; its info lines would drown the test output. */
const testLogger = createLogger({ format: 'pretty', level: 'warn', write: (line) => void process.stderr.write(line) });

/** The service's parts for a test, through the composition root, on the test's own ORM (which it closes). */
export function testServices(orm: MikroORM, config: Partial<Config> = {}, overrides: Omit<Overrides, 'orm'> = {}): Promise<Services> {
  return openServices(testConfig(config), { cloudsignRetry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 }, logger: testLogger, ...overrides, orm });
}

/**
 * Ends the workflows the API started for the ledger's connections (a control or a new setting starts one when
 * it is missing). Nobody runs them on the run's shared Temporal server, and they would live on: a later test
 * file reusing a management ID (CS-0001…) could then not start its own.
 */
export async function endConnectionWorkflows(orm: MikroORM, temporal: Pick<Services['temporal'], 'client'>): Promise<void> {
  const { items } = await listConnections(orm.em.fork(), { limit: 500 });
  await Promise.all(
    items.map((c) => temporal.client.workflow.getHandle(connectionWorkflowId(c.managementId)).terminate('test over').catch(() => undefined)),
  );
}
