import { createHash } from 'node:crypto';
import type { Clock } from './clock';

/**
 * The key under which anything per client ID is kept in memory: a hash, so that a map dumped into a log or
 * a debugger shows no credential.
 */
export function clientIdKey(clientId: string): string {
  return createHash('sha256').update(clientId).digest('hex');
}

export interface IssuedToken {
  accessToken: string;
  /** Seconds the token stays valid (CloudSign's `expires_in`). */
  expiresIn: number;
}

/**
 * Refresh this long before a token expires, so that a request does not set off with a token that lapses
 * on the way.
 */
const REFRESH_MARGIN_MS = 60_000;
/** After CloudSign's expiry time, wait this much before asking again, to allow for clocks drifting apart. */
const LAPSE_GRACE_MS = 1_000;

interface CachedToken {
  accessToken: string;
  refreshAt: number;
}

/**
 * Access tokens per client ID. CloudSign issues a token for an hour and, while it is valid, answers
 * `POST /token` with that same token and the remaining seconds — so asking early does not help.
 * Concurrent callers share one request for a token.
 */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly issue: (clientId: string) => Promise<IssuedToken>,
    private readonly clock: Clock,
  ) {}

  /** A token believed valid: the cached one, or a new one. */
  async get(clientId: string): Promise<string> {
    const cached = this.tokens.get(clientIdKey(clientId));
    if (cached && this.clock.now() < cached.refreshAt) return cached.accessToken;
    return this.refresh(clientId);
  }

  /** Asks CloudSign now, even if a cached token looks valid (CloudSign checks the client ID's user and IP on this call). */
  refresh(clientId: string): Promise<string> {
    const key = clientIdKey(clientId);
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const request = this.issue(clientId)
      .then(({ accessToken, expiresIn }) => {
        const lifetime = expiresIn * 1000;
        // Normally refresh a margin before expiry. A token issued with less than the margin left is the old
        // one handed back (CloudSign will not issue a new one while it is valid): use it until it lapses.
        const refreshAt =
          this.clock.now() + (lifetime > REFRESH_MARGIN_MS ? lifetime - REFRESH_MARGIN_MS : lifetime + LAPSE_GRACE_MS);
        this.tokens.set(key, { accessToken, refreshAt });
        return accessToken;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, request);
    return request;
  }

  /** CloudSign rejected `accessToken` (401): forget it, unless a newer one already replaced it. */
  invalidate(clientId: string, accessToken: string): void {
    const key = clientIdKey(clientId);
    if (this.tokens.get(key)?.accessToken === accessToken) this.tokens.delete(key);
  }
}
