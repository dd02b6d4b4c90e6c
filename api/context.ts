import type { Client, Connection } from '@temporalio/client';
import type { CloudSignClient } from '../src/cloudsign';
import type { MikroORM } from '../src/db';
import type { User } from '../src/ledger/user';
import type { FileStorage } from '../src/storage';

/** What the HTTP API needs from the rest of the system; tests build it with their own parts. */
export interface ApiDeps {
  orm: MikroORM;
  temporal: { connection: Connection; client: Client; taskQueue: string };
  /** For previews and for checking a client ID before it is connected. */
  cloudsign: CloudSignClient;
  /** Encrypts client IDs before they are stored. */
  secretsKey: string;
  /** Handed to each new connection's workflow. */
  syncIntervalMs: number;
  /** The stored PDFs, served by `GET /v1/contracts/:id/file`. */
  storage: FileStorage;
  /** How long a dependency check may take before /health calls it down. */
  healthTimeoutMs?: number;
}

/** Hono context variables set by the middleware. */
export interface ApiEnv {
  Variables: { user: User };
}
