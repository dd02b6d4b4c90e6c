import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { reservedSlotsOf, SharedRequestBudget, type BudgetLane, type SqlRunner } from '../../src/cloudsign';
import type { MikroORM } from '../../src/db';
import { openTestDatabase, resetDatabase } from '../support/database';

/*
 * Processes are stood for by budgets on database pools of their own, over the run's Postgres; the window is
 * shortened to 1.5 s so that several windows pass in seconds. Grant times are the database's clock.
 */
const WINDOW_MS = 1_500;
/** Also the room for measuring: grant times are read just after each grant, a little late. */
const MARGIN_MS = 500;
const LIMIT = 5;

let pools: MikroORM[] = [];
const runner = (orm: MikroORM): SqlRunner => (sql, params) => orm.em.getConnection().execute(sql, params);
const dbNow = async (orm: MikroORM) => Number((await runner(orm)('select extract(epoch from clock_timestamp()) * 1000 as now', []))[0]!.now);

beforeAll(async () => {
  pools = await Promise.all([openTestDatabase(), openTestDatabase(), openTestDatabase()]);
});
beforeEach(async () => {
  await resetDatabase(pools[0]!);
});
afterAll(async () => {
  await Promise.all(pools.map((orm) => orm.close()));
});

const budgetOn = (orm: MikroORM, limit = LIMIT) => new SharedRequestBudget(runner(orm), limit, { windowMs: WINDOW_MS, latencyMarginMs: MARGIN_MS });
/** What an import may send in a window: the limit less the slots kept for the API's interactive requests. */
const BULK = LIMIT - reservedSlotsOf(LIMIT);

/** The largest number of grants within any span of the window. */
const busiestSpan = (times: number[]) => Math.max(...times.map((t) => times.filter((u) => u > t - WINDOW_MS && u <= t).length));

it('holds three processes, each with four requests at a time, to one limit in every span of the window', async () => {
  const granted: number[] = [];
  const budgets = pools.map((orm) => budgetOn(orm));
  const started = Date.now();
  await Promise.all(
    budgets.flatMap((budget, p) =>
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 2; i++) {
          await budget.acquire('client-a');
          granted.push(await dbNow(pools[p]!));
        }
      }),
    ),
  );
  expect(granted).toHaveLength(24);
  expect(busiestSpan(granted)).toBeLessThanOrEqual(LIMIT);
  // 24 requests at 5 a window: the last four windows must wait (≥ 4 × 2 s).
  expect(Date.now() - started).toBeGreaterThanOrEqual(4 * (WINDOW_MS + MARGIN_MS) - 200);
});

it('keeps the minute a process spent when it dies: its replacement waits instead of sending more', async () => {
  const dying = budgetOn(pools[0]!);
  await dying.acquire('client-b');
  const spentAt = await dbNow(pools[1]!);
  for (let i = 1; i < BULK; i++) await dying.acquire('client-b');
  const replacement = budgetOn(pools[1]!);
  await replacement.acquire('client-b');
  expect(await dbNow(pools[1]!)).toBeGreaterThanOrEqual(spentAt + WINDOW_MS - 300);
});

it('keeps a separate budget per client ID', async () => {
  const budget = budgetOn(pools[0]!);
  for (let i = 0; i < BULK; i++) await budget.acquire('client-c');
  const started = Date.now();
  await budget.acquire('client-d');
  expect(Date.now() - started).toBeLessThan(300);
});

it('paces an import evenly over the window instead of in bursts', async () => {
  const budget = budgetOn(pools[0]!);
  const granted: number[] = [];
  for (let i = 0; i < 2 * BULK; i++) {
    await budget.acquire('client-g');
    granted.push(await dbNow(pools[0]!));
  }
  // One every (window + margin) ÷ bulk slots = 500 ms; never several at once. Each time is read after its
  // grant, so a grant read late (a busy machine) shortens the gap after it by as much: grant k comes k − i
  // periods after grant i, less at most such a lag (300 ms) — a burst of two would be 0 ms apart.
  const period = (WINDOW_MS + MARGIN_MS) / BULK;
  const shortest = Math.min(...granted.flatMap((t, i) => granted.slice(i + 1).map((later, j) => later - t - (j + 1) * period)));
  expect(shortest).toBeGreaterThan(-300);
});

/**
 * A sync that keeps `inFlight` requests waiting on `budget` all the time (as an import page's documents do),
 * counting what it was granted, until stopped.
 */
function busySync(budget: SharedRequestBudget, key: string, lane: BudgetLane = 'bulk', inFlight = 4) {
  let running = true;
  const sync = { granted: 0, stop: async () => {
    running = false;
    await loops;
  } };
  const loops = Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (running) {
        await budget.acquire(key, lane);
        if (running) sync.granted++;
      }
    }),
  );
  return sync;
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

it.each([
  ['the same process as the import (npm run dev)', 0],
  ['the API process, beside a worker process', 1],
])('lets a preview in %s through at once while an import has spent its share of the minute', async (_where, pool) => {
  const limit = 50; // 2 slots kept for interactive requests
  const worker = budgetOn(pools[0]!, limit);
  const api = pool === 0 ? worker : budgetOn(pools[pool]!, limit);
  const importing = busySync(worker, `client-e${pool}`);
  await until(() => importing.granted === limit - reservedSlotsOf(limit));

  const asked = Date.now();
  for (let i = 0; i < reservedSlotsOf(limit); i++) await api.acquire(`client-e${pool}`, 'interactive');
  const waitedMs = Date.now() - asked;
  await importing.stop();

  // The import had every slot it may have in flight; the preview's requests went at once.
  expect(waitedMs).toBeLessThan(400);
});

it.each([
  ['on one worker process', 0],
  ['on two worker processes', 1],
])('serves two connections of one client ID %s alike: a big import does not starve the one that starts later', async (_where, pool) => {
  const limit = 20;
  const firstWorker = budgetOn(pools[0]!, limit);
  const first = busySync(firstWorker, `client-f${pool}`);
  await until(() => first.granted === limit - reservedSlotsOf(limit)); // the big import has spent the window
  const firstBefore = first.granted;
  const second = busySync(pool === 0 ? firstWorker : budgetOn(pools[pool]!, limit), `client-f${pool}`);
  // Two more windows, while both keep four requests waiting.
  await new Promise((resolve) => setTimeout(resolve, 2 * (WINDOW_MS + MARGIN_MS) + 300));
  const shares = { first: first.granted - firstBefore, second: second.granted };
  await Promise.all([first.stop(), second.stop()]);

  const total = shares.first + shares.second;
  expect(total).toBeGreaterThanOrEqual(limit); // the windows did roll
  expect(shares.second / total).toBeGreaterThan(0.3);
  expect(shares.first / total).toBeGreaterThan(0.3);
});
