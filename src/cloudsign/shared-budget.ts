import { defineEntity, p } from '@mikro-orm/core';
import { KeyedLine, checkRequestsPerMinute, holdMsOf, type Budget, type BudgetOptions } from './budget';
import { systemClock, type Clock } from './clock';

/**
 * The request budget of a client ID shared by every process that talks to CloudSign for it — the API (its
 * previews and checks) and any number of workers on any number of hosts — kept in the Postgres they all use.
 *
 * CloudSign blocks an access token for a minute once it has received more than 800 requests in a minute.
 * Each client ID has `requestsPerMinute` slots; sending a request takes a free slot and holds it for the
 * window plus a latency margin, counted from the moment it was taken, so that however the requests are
 * spread over processes, no span of the window (counted on arrival, as CloudSign counts) holds more than the
 * limit. Times come from the database's clock, the one clock every host shares. There is no coordinator: a
 * process that dies mid-minute keeps its slots taken until they run out, so a worker that replaces it cannot
 * overspend the minute the dead one spent.
 *
 * Within a process, requests for one client ID line up first (as in RequestBudget), so that each process has
 * one request at a time asking the database: processes share the budget evenly, whatever their concurrency.
 *
 * Two lanes share a client ID's slots, so that a person never waits behind an import: `bulk` (the workers'
 * syncs) may take only the lower slots, one every hold ÷ slots seconds, and leaves the top
 * {@link reservedSlotsOf} to `interactive` (the API's previews and the checks at connect), which may take any
 * slot at once. Each lane has its own line in a process, so a
 * preview in a process that also runs a worker (`npm run dev`) does not queue behind that worker's requests.
 */

/** One row per request a client ID may have in flight within the window; the key is clientIdKey(), never the ID. */
export const RequestSlotEntity = defineEntity({
  name: 'RequestSlot',
  tableName: 'cloudsign_request_slots',
  properties: {
    clientKey: p.string().length(64).primary(),
    slot: p.integer().primary(),
    freeAt: p.datetime(),
  },
});

/** Who asks: the API's requests, for a person waiting on an answer, or the workers' syncs. */
export type BudgetLane = 'interactive' | 'bulk';

/**
 * Slots of a limit that bulk requests leave free for interactive ones: 4 % (a preview or a connect check is
 * a handful of requests: a token, the user, a page or a few of the list), at least one, never all of them.
 * At 800 a minute that is 32; an import then runs at 768 a minute, 4 % below the limit.
 */
export function reservedSlotsOf(requestsPerMinute: number): number {
  return Math.max(0, Math.min(requestsPerMinute - 1, Math.ceil(requestsPerMinute / 25)));
}

/** Runs one SQL statement with `?` placeholders (MikroORM's `em.getConnection().execute`). */
export type SqlRunner = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/** How long a waiting process sleeps at most before it asks again (a slot may free earlier than foreseen). */
const MAX_POLL_MS = 1_000;

/**
 * Takes the longest-free slot of the lane, if the lane's last request was at least `spacing` seconds ago
 * (params: hold, key, slots, key, slots, hold − spacing). Two processes may pass the spacing check at once:
 * the pace is a smoothing, the slots are the limit.
 */
const TAKE_SLOT = `
  update cloudsign_request_slots set free_at = clock_timestamp() + make_interval(secs => ?)
  where (client_key, slot) = (
    select client_key, slot from cloudsign_request_slots
    where client_key = ? and slot < ? and free_at <= clock_timestamp()
      and (select max(free_at) from cloudsign_request_slots where client_key = ? and slot < ?) <= clock_timestamp() + make_interval(secs => ?)
    order by free_at limit 1 for update skip locked)
  returning slot`;

/** How long until a slot frees and the pace allows the next request (params: hold − spacing, key, slots). */
const NEXT_FREE_IN_MS = `
  select greatest(0, extract(epoch from min(free_at) - clock_timestamp()) * 1000,
                     extract(epoch from max(free_at) - clock_timestamp() - make_interval(secs => ?)) * 1000)::float8 as wait_ms
  from cloudsign_request_slots where client_key = ? and slot < ?`;

const CREATE_SLOTS = `
  insert into cloudsign_request_slots (client_key, slot, free_at)
  select ?, g, 'epoch'::timestamptz from generate_series(0, ? - 1) g
  on conflict do nothing`;

export class SharedRequestBudget implements Budget {
  private readonly holdSeconds: number;
  private readonly clock: Clock;
  private readonly line = new KeyedLine();
  private readonly prepared = new Set<string>();

  /** @param requestsPerMinute 0 means no limit */
  constructor(
    private readonly sql: SqlRunner,
    readonly requestsPerMinute: number,
    options: BudgetOptions = {},
  ) {
    checkRequestsPerMinute(requestsPerMinute);
    this.holdSeconds = holdMsOf(options) / 1000;
    this.clock = options.clock ?? systemClock;
  }

  /** Resolves when a request of `lane` for `key` may be sent; bulk by default (see the class comment). */
  acquire(key: string, lane: BudgetLane = 'bulk'): Promise<void> {
    if (this.requestsPerMinute === 0) return Promise.resolve();
    return this.line.join(`${lane}:${key}`, () => this.take(key, lane));
  }

  /** This budget as its lane's callers see it: the CloudSign client of the API or of the workers. */
  lane(lane: BudgetLane): Budget {
    return { acquire: (key) => this.acquire(key, lane) };
  }

  private async take(key: string, lane: BudgetLane): Promise<void> {
    const interactive = lane === 'interactive';
    const slots = interactive ? this.requestsPerMinute : this.requestsPerMinute - reservedSlotsOf(this.requestsPerMinute);
    // Bulk requests are paced evenly over the hold, so that slots free evenly too: a burst would leave whole
    // seconds in which no slot frees, and an interactive request beyond the reserve would wait for the next.
    const spaced = this.holdSeconds - (interactive ? 0 : this.holdSeconds / slots);
    if (!this.prepared.has(key)) {
      // Slots are created once per client ID and limit; a lower limit later simply leaves the upper ones unused.
      await this.sql(CREATE_SLOTS, [key, this.requestsPerMinute]);
      this.prepared.add(key);
    }
    for (;;) {
      const taken = await this.sql(TAKE_SLOT, [this.holdSeconds, key, slots, key, slots, spaced]);
      if (taken.length) return;
      const [next] = await this.sql(NEXT_FREE_IN_MS, [spaced, key, slots]);
      const waitMs = Number(next?.wait_ms ?? 0);
      // A little jitter, so that processes waiting for the same slot do not ask in lockstep.
      await this.clock.sleep(Math.min(waitMs, MAX_POLL_MS) + Math.random() * 20);
    }
  }
}
