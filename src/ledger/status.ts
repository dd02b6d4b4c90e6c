/**
 * States of a connection. Kept free of any import so that workflow code (which must stay deterministic and
 * small) can share the type.
 */
export const CONNECTION_STATUSES = [
  'importing',
  'idle',
  'syncing',
  'paused',
  'error',
  'quota_exhausted',
  'disconnected',
] as const;

export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];
