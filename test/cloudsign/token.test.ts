import { describe, expect, it } from 'vitest';
import { clientIdKey, TokenCache, type IssuedToken } from '../../src/cloudsign/token';
import { FakeClock } from './fake-clock';

/** A /token endpoint that, like CloudSign, hands back the same token while it is valid. */
function fakeIssuer(clock: FakeClock, lifetimeSeconds = 3600) {
  let current: { token: string; expiresAt: number } | undefined;
  let issued = 0;
  const calls: string[] = [];
  const issue = async (clientId: string): Promise<IssuedToken> => {
    calls.push(clientId);
    await Promise.resolve();
    if (!current || clock.now() >= current.expiresAt) {
      current = { token: `token-${++issued}`, expiresAt: clock.now() + lifetimeSeconds * 1000 };
    }
    return { accessToken: current.token, expiresIn: Math.floor((current.expiresAt - clock.now()) / 1000) };
  };
  return { issue, calls };
}

describe('TokenCache', () => {
  it('asks once for concurrent callers and reuses the token until a minute before it expires', async () => {
    const clock = new FakeClock();
    const { issue, calls } = fakeIssuer(clock);
    const cache = new TokenCache(issue, clock);
    expect(await Promise.all([cache.get('id'), cache.get('id'), cache.get('id')])).toEqual(['token-1', 'token-1', 'token-1']);
    await clock.advance(3_539_000);
    expect(await cache.get('id')).toBe('token-1');
    expect(calls).toHaveLength(1);
    // 60 s left: asking again brings back the same token, which is then used until it lapses, without asking each time.
    await clock.advance(1_000);
    expect(await cache.get('id')).toBe('token-1');
    await clock.advance(30_000);
    expect(await cache.get('id')).toBe('token-1');
    expect(calls).toHaveLength(2);
    await clock.advance(31_000);
    expect(await cache.get('id')).toBe('token-2');
    expect(calls).toHaveLength(3);
  });

  it('forgets a rejected token, but not a newer one that already replaced it', async () => {
    const clock = new FakeClock();
    const { issue, calls } = fakeIssuer(clock, 10);
    const cache = new TokenCache(issue, clock);
    expect(await cache.get('id')).toBe('token-1');
    await clock.advance(11_000);
    cache.invalidate('id', 'token-1');
    expect(await cache.get('id')).toBe('token-2');
    cache.invalidate('id', 'token-1');
    expect(await cache.get('id')).toBe('token-2');
    expect(calls).toHaveLength(2);
  });

  it('keeps tokens per client ID, keyed by a hash of it', async () => {
    const clock = new FakeClock();
    let n = 0;
    const cache = new TokenCache(async (clientId) => ({ accessToken: `${clientId}-${++n}`, expiresIn: 3600 }), clock);
    expect(await cache.get('a')).toBe('a-1');
    expect(await cache.get('b')).toBe('b-2');
    expect(await cache.get('a')).toBe('a-1');
    expect(clientIdKey('a')).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify([...(cache as unknown as { tokens: Map<string, unknown> }).tokens.keys()])).not.toMatch(/"a"|"b"/);
  });

  it('passes a failure to every waiting caller and asks again next time', async () => {
    const clock = new FakeClock();
    let fail = true;
    const cache = new TokenCache(async () => {
      if (fail) throw new Error('down');
      return { accessToken: 't', expiresIn: 3600 };
    }, clock);
    await expect(Promise.all([cache.get('id'), cache.get('id')])).rejects.toThrow('down');
    fail = false;
    expect(await cache.get('id')).toBe('t');
  });
});
