/** The simulator's public types (re-exported by index.ts; the client, the dev script and tests rely on them). */

export interface SimulatorOptions {
  /** Concluded documents owned by the demo user. */
  documents: number;
  /** The demo user's client ID. */
  clientId: string;
  /** Default 1; same seed => same data, same IDs, same PDF bytes. */
  seed?: number;
  /** 0 = random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 3600, the documented lifetime. */
  tokenTtlSeconds?: number;
  /** Per access token, default 800 (the documented limit); 0 = no limit. */
  rateLimitPerMinute?: number;
  /** `fixed` (default): as documented, per token; `sliding`: per user, any 60-second span (see tokens.ts). */
  rateLimitWindow?: 'fixed' | 'sliding';
}

/** Client IDs of the simulated CloudSign accounts (README.md says what each one is for). */
export interface SimulatorAccounts {
  demo: string;
  teamAdmin: string;
  /** 書類管理権限 without 親展書類管理権限. */
  documentManager: string;
  members: string[];
  unknown: string;
  disabled: string;
  ipRestricted: string;
  noWebApi: string;
  enterprise: string;
}
