import type { Services } from '../src/composition';
import type { User } from '../src/ledger/user';
import type { Logger } from '../src/logging';

/**
 * What the HTTP API needs from the rest of the system: the parts the composition root builds
 * (`src/composition.ts`), of which tests may give their own.
 */
export type ApiDeps = Pick<Services, 'config' | 'orm' | 'temporal' | 'cloudsign' | 'secretsKey' | 'syncIntervalMs' | 'reconcileIntervalMs' | 'storage'> & {
  /** How long a dependency check may take before /health calls it down. */
  healthTimeoutMs?: number;
  /** Where the API logs what an operator must see (dependencies down, unexpected errors); silent if absent. */
  logger?: Logger;
};

/** Hono context variables set by the middleware. */
export interface ApiEnv {
  Variables: { user: User };
}
