import { systemClock, type Clock } from './clock';

const WINDOW_MS = 60_000;

/**
 * How many requests one client ID may send a minute, shared by every call for that client ID in the
 * process — several syncs of one connection (or two connections of one client ID) then cannot exceed
 * CloudSign's limit together (800 requests a minute per access token, after which it blocks for a minute).
 *
 * A sliding log rather than a token bucket: a bucket of 800 refilled continuously lets up to 1,600 requests
 * through in some 60-second span, the log never more than the limit in any span. Requests wait for room
 * rather than fail, in the order they asked.
 */
export class RequestBudget {
  /** Send times within the last window, oldest first, per key. */
  private readonly sent = new Map<string, number[]>();
  /** The last waiter in line per key: each acquisition waits for the previous one (first come, first served). */
  private readonly queues = new Map<string, Promise<void>>();

  /** @param requestsPerMinute 0 means no limit */
  constructor(
    readonly requestsPerMinute: number,
    private readonly clock: Clock = systemClock,
  ) {
    if (!Number.isInteger(requestsPerMinute) || requestsPerMinute < 0) {
      throw new RangeError('requestsPerMinute must be a whole number, 0 for no limit');
    }
  }

  /** Resolves when a request for `key` may be sent, and counts it as sent. */
  acquire(key: string): Promise<void> {
    if (this.requestsPerMinute === 0) return Promise.resolve();
    const turn = (this.queues.get(key) ?? Promise.resolve()).then(() => this.take(key));
    this.queues.set(key, turn);
    // Forget the queue once it is empty so that keys of client IDs no longer used do not pile up.
    void turn.then(() => {
      if (this.queues.get(key) === turn) this.queues.delete(key);
    });
    return turn;
  }

  private async take(key: string): Promise<void> {
    const times = this.sent.get(key) ?? [];
    this.sent.set(key, times);
    for (;;) {
      const now = this.clock.now();
      while (times.length > 0 && times[0]! <= now - WINDOW_MS) times.shift();
      if (times.length < this.requestsPerMinute) {
        times.push(now);
        return;
      }
      await this.clock.sleep(times[0]! + WINDOW_MS - now);
    }
  }
}
