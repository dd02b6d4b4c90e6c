import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { SharedRequestBudget, type SqlRunner } from '../../src/cloudsign';
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

const budgetOn = (orm: MikroORM) => new SharedRequestBudget(runner(orm), LIMIT, { windowMs: WINDOW_MS, latencyMarginMs: MARGIN_MS });

/** The largest number of grants within any span of the window. */
const busiestSpan = (times: number[]) => Math.max(...times.map((t) => times.filter((u) => u > t - WINDOW_MS && u <= t).length));

it('holds three processes, each with four requests at a time, to one limit in every span of the window', async () => {
  const granted: number[] = [];
  const budgets = pools.map(budgetOn);
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
  for (let i = 0; i < LIMIT; i++) await dying.acquire('client-b');
  const spentAt = await dbNow(pools[1]!);
  const replacement = budgetOn(pools[1]!);
  await replacement.acquire('client-b');
  expect(await dbNow(pools[1]!)).toBeGreaterThanOrEqual(spentAt + WINDOW_MS - 300);
});

it('keeps a separate budget per client ID', async () => {
  const budget = budgetOn(pools[0]!);
  const started = Date.now();
  for (let i = 0; i < LIMIT; i++) await budget.acquire('client-c');
  for (let i = 0; i < LIMIT; i++) await budget.acquire('client-d');
  expect(Date.now() - started).toBeLessThan(WINDOW_MS);
});
