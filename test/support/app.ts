import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { ApiDeps } from '../../api/context';
import { createCloudSignClient, RequestBudget } from '../../src/cloudsign';
import type { MikroORM } from '../../src/db';
import { createFileStorage } from '../../src/storage';
import { lazyTemporalClient } from '../../src/temporal/client';

/** A fixed key for tests: what it encrypts lives only in the run's own database. */
export const TEST_SECRETS_KEY = '5c1e9a7f03b2d84e6a9f1c3d5e7b0a2c4e6f8a1b3c5d7e9f0a2b4c6d8e1f3a5b';

/**
 * The API's dependencies for a test: the run's Temporal test server, a CloudSign client for `cloudsignUrl`
 * (a simulator the test started; by default an address where nothing answers), the test key.
 */
export function testApiDeps(orm: MikroORM, overrides: Partial<ApiDeps> & { cloudsignUrl?: string; taskQueue?: string } = {}): ApiDeps {
  const { cloudsignUrl = 'http://127.0.0.1:1', taskQueue = 'api-test', storage, ...rest } = overrides;
  return {
    orm,
    temporal: { ...lazyTemporalClient({ address: inject('temporalAddress'), namespace: 'default' }), taskQueue },
    cloudsign: createCloudSignClient({ baseUrl: cloudsignUrl, budget: new RequestBudget(0), retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 } }),
    secretsKey: TEST_SECRETS_KEY,
    syncIntervalMs: 24 * 3_600_000,
    storage: storage ?? createFileStorage({ dir: mkdtempSync(join(tmpdir(), 'cloudsign-sync-api-')) }),
    ...rest,
  };
}
