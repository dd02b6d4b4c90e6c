import { Client, Connection } from '@temporalio/client';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

export interface TemporalTarget {
  address?: string;
  namespace: string;
}

/**
 * A client whose connection is made on first use, so the API can start (and report Temporal as down on
 * /health) while Temporal is still starting or unreachable.
 */
export function lazyTemporalClient({ address = DEFAULT_TEMPORAL_ADDRESS, namespace }: TemporalTarget) {
  // Calls that must not hang on a server that does not answer carry a deadline (gateway.ts, health).
  const connection = Connection.lazy({ address });
  return { connection, client: new Client({ connection, namespace }) };
}
