import { isIP } from 'node:net';
import type { Context } from 'hono';
import type { ApiEnv } from './context';

/**
 * Failed authentication limited per source address, so that API tokens cannot be guessed at speed: a
 * source with `limit` failures (no token, an unknown, revoked or disabled one) within a minute is refused
 * with 429 and `Retry-After` until the oldest of them is a minute old. A blocked source gets 429 before
 * its token is looked at — otherwise 429 against 200 would still tell a right guess from a wrong one — and
 * a success resets nothing, so that a valid token of one's own does not buy more guesses.
 *
 * The count lives in the memory of each API process: several processes behind a balancer each allow
 * `limit`, and a restart forgets. That bounds guessing to a few per minute per process, against tokens of
 * 32 random bytes; shared state in Postgres would cost a write per failure for no real gain.
 */
export interface SignInLimiter {
  /** Seconds until `source` may try again; 0 when it is not blocked. */
  retryAfter(source: string): number;
  recordFailure(source: string): void;
}

const WINDOW_MS = 60_000;
/** Sources remembered at most: beyond it the longest-quiet are forgotten first, so memory stays bounded. */
const MAX_SOURCES = 100_000;

export function signInLimiter(limit: number, now: () => number = Date.now): SignInLimiter {
  /** Per source, its last `limit` failures, oldest first; a Map keeps the least recently failing first. */
  const failures = new Map<string, number[]>();
  const blockedUntil = (times: number[] | undefined) => (times && times.length >= limit ? times[0]! + WINDOW_MS : 0);
  return {
    retryAfter(source) {
      if (limit === 0) return 0;
      const until = blockedUntil(failures.get(source));
      return until > now() ? Math.ceil((until - now()) / 1000) : 0;
    },
    recordFailure(source) {
      if (limit === 0) return;
      const times = failures.get(source) ?? [];
      failures.delete(source);
      times.push(now());
      if (times.length > limit) times.shift();
      failures.set(source, times);
      if (failures.size > MAX_SOURCES) failures.delete(failures.keys().next().value!);
    },
  };
}

/**
 * The address a request comes from: the connecting peer's, unless that peer is one of `trustedProxies`;
 * then the last address in `X-Forwarded-For` that is not a trusted proxy (the ones before it are the
 * client's to write). Undefined for a request that did not come over the network (`app.request()`).
 */
export function sourceAddress(c: Context<ApiEnv>, trustedProxies: ReadonlySet<string>): string | undefined {
  const socket = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket;
  const peer = socket?.remoteAddress && normalised(socket.remoteAddress);
  if (!peer || !trustedProxies.has(peer)) return peer;
  const forwarded = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((part) => normalised(part.trim()))
    .filter((address) => isIP(address));
  return forwarded.reverse().find((address) => !trustedProxies.has(address)) ?? peer;
}

/** `::ffff:10.0.0.1` (IPv4 on a dual-stack socket) is `10.0.0.1`. */
function normalised(address: string): string {
  return address.toLowerCase().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}
