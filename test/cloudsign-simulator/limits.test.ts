import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, simulator } from './support';
import type { Sim } from './support';

afterEach(() => {
  vi.useRealTimers();
});

async function statuses(sim: Sim, token: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await sim.request('/me', { token })).status);
  return out;
}

describe('rate limit', () => {
  it('refuses with 429 too_many_requests past the per-token limit until the minute is over', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const sim = simulator({ rateLimitPerMinute: 5 });
    const token = await sim.token();
    const other = await sim.token(sim.accounts.members[0]);
    expect(await statuses(sim, token, 7)).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const refused = await sim.get('/me', token);
    expect(refused.body.error).toBe('too_many_requests');
    expect(await statuses(sim, other, 1)).toEqual([200]); // per token

    vi.setSystemTime(new Date('2026-01-01T00:00:59.900Z'));
    expect(await statuses(sim, token, 1)).toEqual([429]);
    vi.setSystemTime(new Date('2026-01-01T00:01:00Z'));
    expect(await statuses(sim, token, 6)).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('counts strictly when asked: per user over all its tokens, in any 60-second span, blocking a minute once crossed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const sim = simulator({ rateLimitPerMinute: 4, rateLimitWindow: 'sliding' });
    vi.setSystemTime(new Date('2026-01-01T00:00:30Z'));
    expect(await statuses(sim, await sim.token(), 2)).toEqual([200, 200]);
    // A new token (another process's, or a refresh) starts no new count: the user's requests are counted.
    await sim.control('POST', '/_sim/tokens/expire');
    const second = await sim.token();
    vi.setSystemTime(new Date('2026-01-01T00:00:59Z'));
    expect(await statuses(sim, second, 2)).toEqual([200, 200]);
    // 00:01:00.5 — a fixed window opened at 00:00:00 would have restarted; the span since 00:00:00.5 still holds four.
    vi.setSystemTime(new Date('2026-01-01T00:01:00.500Z'));
    expect(await statuses(sim, second, 1)).toEqual([429]);
    // Crossing it blocked the user for a minute, even though two arrivals left the span at 00:01:30.
    vi.setSystemTime(new Date('2026-01-01T00:01:45Z'));
    expect(await statuses(sim, second, 1)).toEqual([429]);
    vi.setSystemTime(new Date('2026-01-01T00:02:01Z'));
    expect(await statuses(sim, second, 1)).toEqual([200]);
  });

  it('reports per user, in the sliding count, the requests let through, those refused and the busiest 60-second span', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const sim = simulator({ rateLimitPerMinute: 4, rateLimitWindow: 'sliding' });
    const token = await sim.token();
    await statuses(sim, token, 3);
    vi.setSystemTime(new Date('2026-01-01T00:00:50Z'));
    await statuses(sim, token, 2); // the fourth is let through, the fifth crosses the limit
    vi.setSystemTime(new Date('2026-01-01T00:03:00Z'));
    await statuses(sim, token, 2);
    const report = await sim.control('GET', '/_sim/rate-limit');
    expect(report.body).toEqual({
      limitPerMinute: 4,
      window: 'sliding',
      users: [{ userId: expect.any(String), allowed: 6, refused: 1, busiestSpan: 4 }],
    });
    await sim.control('POST', '/_sim/reset');
    expect((await sim.control('GET', '/_sim/rate-limit')).body.users).toEqual([]);
  });

  it('defaults to the documented 800 a minute; 0 turns it off; faults can change it at run time', async () => {
    const sim = simulator();
    const token = await sim.token();
    const results = await statuses(sim, token, 801);
    expect(results.slice(0, 800).every((s) => s === 200)).toBe(true);
    expect(results[800]).toBe(429);

    const unlimited = simulator({ rateLimitPerMinute: 0 });
    const t = await unlimited.token();
    expect((await statuses(unlimited, t, 1000)).every((s) => s === 200)).toBe(true);
    await unlimited.control('PUT', '/_sim/faults', { rateLimitPerMinute: 2 });
    expect(await statuses(unlimited, t, 3)).toEqual([200, 200, 429]);
  });
});

describe('faults', () => {
  it('errorRate 1: every CloudSign request fails with 500 (errorModel) or 503 (gateway HTML); control endpoints are spared', async () => {
    const sim = simulator();
    const token = await sim.token();
    await sim.control('PUT', '/_sim/faults', { errorRate: 1 });
    const seen = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const res = await sim.request('/documents', { token });
      seen.add(res.status);
      if (res.status === 500) expect((await json(res)).error).toBe('internal_server_error');
      else expect(res.headers.get('content-type')).toMatch(/text\/html/);
    }
    expect(seen).toEqual(new Set([500, 503]));
    expect((await sim.control('GET', '/_sim/accounts')).status).toBe(200);
    await sim.control('DELETE', '/_sim/faults');
    expect((await sim.request('/documents', { token })).status).toBe(200);
  });

  it('tooManyRequestsRate: 429 with Retry-After', async () => {
    const sim = simulator();
    const token = await sim.token();
    await sim.control('PUT', '/_sim/faults', { tooManyRequestsRate: 1, retryAfterSeconds: 7 });
    const res = await sim.request('/documents', { token });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect((await json(res)).error).toBe('too_many_requests');
  });

  it('latency and gatewayTimeoutRate: a 504 after the latency', async () => {
    const sim = simulator();
    const token = await sim.token();
    await sim.control('PUT', '/_sim/faults', { latencyMs: 50, gatewayTimeoutRate: 1 });
    const start = performance.now();
    const res = await sim.request('/documents', { token });
    expect(res.status).toBe(504);
    expect(performance.now() - start).toBeGreaterThanOrEqual(45);
  });

  it('are seeded: the same settings give the same sequence of failures', async () => {
    const sequence = async () => {
      const sim = simulator();
      const token = await sim.token();
      await sim.control('PUT', '/_sim/faults', { errorRate: 0.3, tooManyRequestsRate: 0.2 });
      return statuses(sim, token, 40);
    };
    const [a, b] = await Promise.all([sequence(), sequence()]);
    expect(a).toEqual(b);
    expect(new Set(a)).toEqual(new Set([200, 429, 500, 503]));
  });

  it('rejects rates outside 0..1', async () => {
    const sim = simulator();
    const res = await sim.control('PUT', '/_sim/faults', { errorRate: 2 });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('bad_request');
  });
});
