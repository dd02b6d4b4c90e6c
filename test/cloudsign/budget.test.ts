import { describe, expect, it } from 'vitest';
import { RequestBudget } from '../../src/cloudsign';
import { DEFAULT_LATENCY_MARGIN_MS } from '../../src/cloudsign/budget';
import { FakeClock } from './fake-clock';

describe('RequestBudget', () => {
  it('never lets more than the limit through in any 60-second span, and makes the rest wait in order', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(60, { clock, latencyMarginMs: 0 });
    const start = clock.now();
    const granted: { n: number; at: number }[] = [];
    // Three syncs of one client ID asking at once: 180 requests.
    const all = Promise.all(
      Array.from({ length: 180 }, (_, n) => budget.acquire('client-a').then(() => granted.push({ n, at: clock.now() - start }))),
    );
    await clock.advance(0);
    expect(granted).toHaveLength(60);
    await clock.advance(59_999);
    expect(granted).toHaveLength(60);
    await clock.advance(1);
    expect(granted).toHaveLength(120);
    await clock.advance(60_000);
    await all;
    expect(granted).toHaveLength(180);
    expect(granted.map((g) => g.n)).toEqual(granted.map((_, i) => i));
    for (const { at } of granted) {
      expect(granted.filter((g) => g.at > at - 60_000 && g.at <= at).length).toBeLessThanOrEqual(60);
    }
  });

  it('keeps a separate budget per client ID', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(2, { clock, latencyMarginMs: 0 });
    let granted = 0;
    const count = () => granted++;
    const all = Promise.all(['a', 'a', 'a', 'b', 'b'].map((key) => budget.acquire(key).then(count)));
    await clock.advance(0);
    expect(granted).toBe(4);
    await clock.advance(60_000);
    await all;
    expect(granted).toBe(5);
  });

  it('spreads a steady stream: at most the limit in every window', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(10, { clock, latencyMarginMs: 0 });
    const times: number[] = [];
    // A request every second for five minutes, each waiting for its turn.
    const all: Promise<unknown>[] = [];
    for (let s = 0; s < 300; s++) {
      all.push(budget.acquire('k').then(() => times.push(clock.now())));
      await clock.advance(1_000);
    }
    await clock.advance(30 * 60_000);
    await Promise.all(all);
    expect(times).toHaveLength(300);
    for (const t of times) expect(times.filter((u) => u > t - 60_000 && u <= t).length).toBeLessThanOrEqual(10);
  });

  it('keeps each request counted a latency margin past the minute, as CloudSign counts on arrival', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(3, { clock });
    let granted = 0;
    const all = Promise.all(Array.from({ length: 4 }, () => budget.acquire('k').then(() => granted++)));
    await clock.advance(60_000);
    expect(granted).toBe(3);
    await clock.advance(DEFAULT_LATENCY_MARGIN_MS - 1);
    expect(granted).toBe(3);
    await clock.advance(1);
    await all;
    expect(granted).toBe(4);
  });

  it('0 means no limit', async () => {
    const budget = new RequestBudget(0, { clock: new FakeClock() });
    await Promise.all(Array.from({ length: 10_000 }, () => budget.acquire('k')));
  });

  it('refuses a limit that is not a whole number', () => {
    expect(() => new RequestBudget(-1)).toThrow(RangeError);
    expect(() => new RequestBudget(1.5)).toThrow(RangeError);
  });
});
