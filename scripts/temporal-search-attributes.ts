// Creates the search attributes the workflows set, on the configured Temporal (`npm run temporal:search-attributes`).
// Safe to run again; exits non-zero with one sentence when the server refuses, so a deployment stops there.
import { Connection } from '@temporalio/client';
import { loadConfig } from '../src/config';
import { DEFAULT_TEMPORAL_ADDRESS } from '../src/temporal/client';
import { ensureSearchAttributes } from '../src/temporal/search-attributes';

const config = loadConfig();
const address = config.TEMPORAL_ADDRESS ?? DEFAULT_TEMPORAL_ADDRESS;
const connection = await Connection.connect({ address });
try {
  const created = await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
  console.log(created.length ? `created the search attributes ${created.join(', ')}` : 'every search attribute exists already');
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  await connection.close();
}
