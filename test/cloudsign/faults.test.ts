import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudSignTransientError, RequestBudget, isRetryable, needsPerson, systemClock, type Clock } from '../../src/cloudsign';
import { FakeClock } from './fake-clock';
import { collect, Sim } from './simulator';

let sim: Sim;
beforeAll(async () => {
  sim = await Sim.start({ documents: 250 });
});
afterAll(() => sim.close());
beforeEach(() => sim.control('POST', '/reset'));

const ids = (documents: { id: string }[]) => documents.map((d) => d.id).sort();

/** The system clock, but sleeping is only recorded: the waits a client asks for, without waiting. */
function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { now: systemClock.now, sleep: async (ms) => void sleeps.push(ms), sleeps };
}

describe('rate limits and failures', () => {
  it('completes a listing exactly through a storm of 429s', async () => {
    await sim.control('PUT', '/faults', { tooManyRequestsRate: 0.5, retryAfterSeconds: 0 });
    const listed = await collect(sim.client().listConcludedDocuments(sim.accounts.demo));
    expect(listed.map((d) => d.id)).toEqual([...new Set(listed.map((d) => d.id))]);
    expect(ids(listed)).toEqual(ids(await sim.truth()));
    expect((await sim.requests()).filter((r) => r.status === 429).length).toBeGreaterThan(2);
  });

  it('waits as long as Retry-After says', async () => {
    await sim.control('PUT', '/faults', { tooManyRequestsRate: 0.5, retryAfterSeconds: 7 });
    const clock = recordingClock();
    await collect(sim.client({ clock }).listConcludedDocuments(sim.accounts.demo));
    const limited = (await sim.requests()).filter((r) => r.status === 429).length;
    expect(limited).toBeGreaterThan(0);
    expect(clock.sleeps).toEqual(Array.from({ length: limited }, () => 7_000));
  });

  it('really waits out Retry-After before sending again', async () => {
    await sim.control('PUT', '/faults', { tooManyRequestsRate: 1, retryAfterSeconds: 1 });
    const started = Date.now();
    const access = sim.client().checkAccess(sim.accounts.demo);
    setTimeout(() => void sim.control('DELETE', '/faults'), 300);
    await access;
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    const requests = await sim.requests();
    expect(requests.map((r) => r.status)).toEqual([429, 200, 200, 200]);
  });

  it('retries 500s, 503 pages and gateway 504s until the listing and downloads are complete and correct', async () => {
    await sim.control('PUT', '/faults', { errorRate: 0.4, gatewayTimeoutRate: 0.1 });
    const client = sim.client();
    const listed = await collect(client.listConcludedDocuments(sim.accounts.demo));
    const truth = await sim.truth();
    expect(ids(listed)).toEqual(ids(truth));
    for (const t of truth.slice(0, 5)) {
      const f = t.files[0] as (typeof t.files)[number];
      const sink = new PassThrough().resume();
      expect(await client.downloadFileTo(sim.accounts.demo, t.id, f.id, sink)).toEqual({ size: f.size, sha256: f.sha256 });
    }
    const statuses = new Set((await sim.requests()).map((r) => r.status));
    expect([...statuses].sort()).toEqual([200, 500, 503, 504]);
  });

  it('gives up after the attempts allowed with a transient error the workflow can retry', async () => {
    await sim.control('PUT', '/faults', { gatewayTimeoutRate: 1 });
    const error = await sim
      .client({ retry: { maxAttempts: 3, baseDelayMs: 1 } })
      .getMe(sim.accounts.demo)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudSignTransientError);
    expect(error).toMatchObject({ code: 'transient', nonRetryable: false, status: 504 });
    expect((error as Error).message).toMatch(/obtaining an access token.*180 s \(504\)/);
    expect(isRetryable(error)).toBe(true);
    expect(needsPerson(error)).toBe(false);
    expect(await sim.requests()).toHaveLength(3);
  });

  it('times a request out', async () => {
    await sim.control('PUT', '/faults', { latencyMs: 400 });
    const error = await sim
      .client({ timeoutMs: 100, retry: { maxAttempts: 2, baseDelayMs: 1 } })
      .getMe(sim.accounts.demo)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudSignTransientError);
    expect((error as Error).message).toMatch(/did not answer in time/);
  });
});

describe('the request budget', () => {
  it('holds several concurrent listings of one client ID to the budget together', async () => {
    const clock = new FakeClock();
    const sent: number[] = [];
    const client = sim.client({
      budget: new RequestBudget(4, { clock }),
      fetch: (input, init) => {
        sent.push(clock.now());
        return fetch(input, init);
      },
    });
    let done = false;
    const listings = Promise.all([1, 2, 3].map(() => collect(client.listConcludedDocuments(sim.accounts.demo)))).finally(() => {
      done = true;
    });
    while (!done) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await clock.advance(60_000);
    }
    const truth = ids(await sim.truth());
    for (const listed of await listings) expect(ids(listed)).toEqual(truth);
    // One token and three pages for each of three listings.
    expect(sent).toHaveLength(10);
    for (const at of sent) expect(sent.filter((t) => t > at - 60_000 && t <= at).length).toBeLessThanOrEqual(4);
    expect(Math.max(...sent) - Math.min(...sent)).toBeGreaterThanOrEqual(2 * 60_000);
  });
});
