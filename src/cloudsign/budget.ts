import { systemClock, type Clock } from './clock';

/** CloudSign's window: more than the limit within it blocks the token for a minute. */
export const BUDGET_WINDOW_MS = 60_000;
/**
 * CloudSign counts a request when it arrives, a moment after it was sent: a slot is kept this much longer
 * than the window, so that a request sent just as a slot frees cannot arrive inside the same window as the
 * one that held it.
 */
export const DEFAULT_LATENCY_MARGIN_MS = 2_000;

/** What the client asks before each request: may one more be sent for this client ID now? */
export interface Budget {
  /** Resolves when a request for `key` may be sent, and counts it as sent. */
  acquire(key: string): Promise<void>;
}

/**
 * Requests of one client ID line up and go one after another, first come first served; a line that empties
 * is forgotten, so that keys of client IDs no longer used do not pile up. A turn that fails does not stop
 * the ones behind it.
 */
export class KeyedLine {
  private readonly last = new Map<string, Promise<unknown>>();

  join(key: string, turn: () => Promise<void>): Promise<void> {
    const mine = (this.last.get(key) ?? Promise.resolve()).then(turn);
    const settled = mine.catch(() => undefined);
    this.last.set(key, settled);
    void settled.then(() => {
      if (this.last.get(key) === settled) this.last.delete(key);
    });
    return mine;
  }
}

/** How long a request keeps its place in a budget: the window and the latency margin. */
export function holdMsOf(options: BudgetOptions): number {
  return (options.windowMs ?? BUDGET_WINDOW_MS) + (options.latencyMarginMs ?? DEFAULT_LATENCY_MARGIN_MS);
}

/** A whole number of requests a minute, 0 for no limit. */
export function checkRequestsPerMinute(requestsPerMinute: number): void {
  if (!Number.isInteger(requestsPerMinute) || requestsPerMinute < 0) {
    throw new RangeError('requestsPerMinute must be a whole number, 0 for no limit');
  }
}

export interface BudgetOptions {
  clock?: Clock;
  /** The window (default: CloudSign's minute); tests shorten it. */
  windowMs?: number;
  latencyMarginMs?: number;
}

/**
 * How many requests one client ID may send a minute, shared by every call for that client ID in the
 * process (SharedRequestBudget shares it between processes) — several syncs of one connection (or two connections of one client ID) then cannot exceed
 * CloudSign's limit together (800 requests a minute per access token, after which it blocks for a minute).
 *
 * A sliding log rather than a token bucket: a bucket of 800 refilled continuously lets up to 1,600 requests
 * through in some 60-second span, the log never more than the limit in any span. Requests wait for room
 * rather than fail, in the order they asked.
 */
export class RequestBudget implements Budget {
  /** Send times within the last window, oldest first, per key. */
  private readonly sent = new Map<string, number[]>();
  private readonly line = new KeyedLine();

  private readonly clock: Clock;
  /** How long each request keeps its place in the log: the window and the latency margin. */
  private readonly holdMs: number;

  /** @param requestsPerMinute 0 means no limit */
  constructor(
    readonly requestsPerMinute: number,
    options: BudgetOptions = {},
  ) {
    checkRequestsPerMinute(requestsPerMinute);
    this.clock = options.clock ?? systemClock;
    this.holdMs = holdMsOf(options);
  }

  acquire(key: string): Promise<void> {
    if (this.requestsPerMinute === 0) return Promise.resolve();
    return this.line.join(key, () => this.take(key));
  }

  private async take(key: string): Promise<void> {
    const times = this.sent.get(key) ?? [];
    this.sent.set(key, times);
    for (;;) {
      const now = this.clock.now();
      while (times.length > 0 && times[0]! <= now - this.holdMs) times.shift();
      if (times.length < this.requestsPerMinute) {
        times.push(now);
        return;
      }
      await this.clock.sleep(times[0]! + this.holdMs - now);
    }
  }
}
