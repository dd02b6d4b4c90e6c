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

/** Runs one SQL statement with `?` placeholders (MikroORM's `em.getConnection().execute`). */
export type SqlRunner = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/** How long a waiting process sleeps at most before it asks again (a slot may free earlier than foreseen). */
const MAX_POLL_MS = 1_000;

const TAKE_SLOT = `
  update cloudsign_request_slots set free_at = clock_timestamp() + make_interval(secs => ?)
  where (client_key, slot) = (
    select client_key, slot from cloudsign_request_slots
    where client_key = ? and slot < ? and free_at <= clock_timestamp()
    order by free_at limit 1 for update skip locked)
  returning slot`;

const NEXT_FREE_IN_MS = `
  select greatest(0, extract(epoch from min(free_at) - clock_timestamp()) * 1000)::float8 as wait_ms
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

  acquire(key: string): Promise<void> {
    if (this.requestsPerMinute === 0) return Promise.resolve();
    return this.line.join(key, () => this.take(key));
  }

  private async take(key: string): Promise<void> {
    if (!this.prepared.has(key)) {
      // Slots are created once per client ID and limit; a lower limit later simply leaves the upper ones unused.
      await this.sql(CREATE_SLOTS, [key, this.requestsPerMinute]);
      this.prepared.add(key);
    }
    for (;;) {
      const taken = await this.sql(TAKE_SLOT, [this.holdSeconds, key, this.requestsPerMinute]);
      if (taken.length) return;
      const [next] = await this.sql(NEXT_FREE_IN_MS, [key, this.requestsPerMinute]);
      const waitMs = Number(next?.wait_ms ?? 0);
      // A little jitter, so that processes waiting for the same slot do not ask in lockstep.
      await this.clock.sleep(Math.min(waitMs, MAX_POLL_MS) + Math.random() * 20);
    }
  }
}
