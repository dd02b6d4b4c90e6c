/**
 * Access tokens and the per-token rate limit, as the spec describes them for POST /token and
 * GET /documents/{id}/certificate.
 */
import { randomUUID } from 'node:crypto';

interface IssuedToken {
  userId: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly current = new Map<string, string>();

  constructor(private readonly ttlSeconds: number) {}

  /**
   * "アクセストークン取得後、有効期限内に再度アクセストークンの取得をリクエストしても、新しいアクセストークンは
   * 発行されません": while a user's token is valid, /token hands back the same one with the seconds it has left.
   */
  issue(userId: string, now: number): { token: string; expiresIn: number } {
    const existing = this.current.get(userId);
    const issued = existing === undefined ? undefined : this.tokens.get(existing);
    if (existing !== undefined && issued && issued.expiresAt > now) {
      return { token: existing, expiresIn: Math.floor((issued.expiresAt - now) / 1000) };
    }
    // The spec's example token is a UUID (36 characters, within accessTokenModel's 32–36). Random rather than
    // seeded: a token must never become valid again after a reset.
    const token = randomUUID();
    this.tokens.set(token, { userId, expiresAt: now + this.ttlSeconds * 1000 });
    this.current.set(userId, token);
    return { token, expiresIn: this.ttlSeconds };
  }

  /** The user a token belongs to, or undefined when it is unknown or expired. */
  resolve(token: string, now: number): string | undefined {
    const issued = this.tokens.get(token);
    return issued && issued.expiresAt > now ? issued.userId : undefined;
  }

  expireAll(now: number): void {
    for (const issued of this.tokens.values()) issued.expiresAt = Math.min(issued.expiresAt, now);
    this.current.clear();
  }
}

/** How the limit is counted: as CloudSign documents it, or the strictest way a client can be held to. */
export type RateLimitWindow = 'fixed' | 'sliding';

/**
 * "同一のアクセストークンを用いたリクエストが1分間に800回を超えた場合、それ以降のリクエストはブロックされます。
 * ブロックは1分間の停止期間を挟んで自動的に解除されます" — the spec documents this limit only on
 * GET /documents/{id}/certificate; the simulator applies it to every endpoint that takes a token, the safe
 * assumption for a client (Uncertain #6). No rate-limit headers are documented, so none are sent (the
 * injected 429 faults do carry Retry-After).
 * - `fixed` (default): per access token, a one-minute window opens with the token's first request; past the
 *   limit, requests are refused until the window ends.
 * - `sliding`: per CloudSign user, whichever tokens it uses (several processes each hold one), no more than the
 *   limit in any 60-second span, counted on arrival; the request that crosses it blocks the user for a minute.
 *   A client whose budget holds under this one holds under CloudSign's, however CloudSign really counts.
 */
/** What the limiter counted for one CloudSign user since the start (or a reset), in the sliding count. */
export interface RateLimitCount {
  userId: string;
  /** Requests let through. */
  allowed: number;
  /** Requests refused with 429. */
  refused: number;
  /** The most requests let through within any 60-second span, counted on arrival. */
  busiestSpan: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly arrivals = new Map<string, { times: number[]; blockedUntil: number }>();
  private readonly counts = new Map<string, RateLimitCount>();

  constructor(
    public limitPerMinute: number,
    public window: RateLimitWindow = 'fixed',
  ) {}

  /** Counts one request; false when it must be refused. */
  allow(token: string, userId: string, now: number): boolean {
    if (this.limitPerMinute <= 0) return true;
    return this.window === 'fixed' ? this.allowFixed(token, now) : this.allowSliding(userId, now);
  }

  private allowFixed(token: string, now: number): boolean {
    let window = this.windows.get(token);
    if (!window || now - window.start >= 60_000) {
      window = { start: now, count: 0 };
      this.windows.set(token, window);
    }
    window.count++;
    return window.count <= this.limitPerMinute;
  }

  /** Per user, what the sliding count saw (empty in the fixed count): how close a client came to the limit. */
  slidingCounts(): RateLimitCount[] {
    return [...this.counts.values()].map((count) => ({ ...count }));
  }

  private allowSliding(userId: string, now: number): boolean {
    const log = this.arrivals.get(userId) ?? { times: [], blockedUntil: 0 };
    this.arrivals.set(userId, log);
    const count = this.counts.get(userId) ?? { userId, allowed: 0, refused: 0, busiestSpan: 0 };
    this.counts.set(userId, count);
    if (now < log.blockedUntil) {
      count.refused++;
      return false;
    }
    while (log.times.length > 0 && log.times[0]! <= now - 60_000) log.times.shift();
    if (log.times.length >= this.limitPerMinute) {
      log.blockedUntil = now + 60_000;
      count.refused++;
      return false;
    }
    log.times.push(now);
    count.allowed++;
    count.busiestSpan = Math.max(count.busiestSpan, log.times.length);
    return true;
  }
}
