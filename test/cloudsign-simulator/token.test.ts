import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEMO_CLIENT_ID, json, postToken, simulator } from './support';

afterEach(() => {
  vi.useRealTimers();
});

describe('POST /token', () => {
  it('issues a Bearer token valid for the TTL, and the same token with less time while it is valid', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const sim = simulator();
    const first = await json(await postToken(sim, DEMO_CLIENT_ID));
    expect(first).toEqual({ access_token: expect.any(String), expires_in: 3600, token_type: 'Bearer' });
    expect(first.access_token.length).toBeGreaterThanOrEqual(32);
    expect(first.access_token.length).toBeLessThanOrEqual(36);

    vi.setSystemTime(new Date('2026-01-01T00:10:00Z'));
    const again = await json(await postToken(sim, DEMO_CLIENT_ID));
    expect(again).toEqual({ ...first, expires_in: 3000 });
  });

  it('issues a new token once the old one expired, and the old one is then refused with 401', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const sim = simulator({ tokenTtlSeconds: 60 });
    const old = await sim.token();
    expect((await sim.get('/me', old)).status).toBe(200);

    vi.setSystemTime(new Date('2026-01-01T00:01:00Z'));
    const expired = await sim.get('/me', old);
    expect(expired.status).toBe(401);
    expect(expired.body.error).toBe('unauthorized');
    const fresh = await sim.token();
    expect(fresh).not.toBe(old);
    expect((await sim.get('/me', fresh)).status).toBe(200);
  });

  it('also accepts the deprecated GET /token?client_id= and a POST with the client ID in the query', async () => {
    const sim = simulator();
    const token = await sim.token();
    for (const res of [
      await sim.request(`/token?client_id=${DEMO_CLIENT_ID}`),
      await sim.request(`/token?client_id=${DEMO_CLIENT_ID}`, { method: 'POST' }),
    ]) {
      expect(res.status).toBe(200);
      expect((await json(res)).access_token).toBe(token);
    }
  });

  it('answers 400 invalid_request without a client ID and 400 invalid_client for an unknown one', async () => {
    const sim = simulator();
    const empty = await postToken(sim, '');
    expect(empty.status).toBe(400);
    expect(await json(empty)).toEqual({ error: 'invalid_request', message: expect.any(String) });
    const unknown = await postToken(sim, sim.accounts.unknown);
    expect(unknown.status).toBe(400);
    expect((await json(unknown)).error).toBe('invalid_client');
  });

  it('POST /_sim/tokens/expire expires every token in the middle of a listing', async () => {
    const sim = simulator();
    const token = await sim.token();
    expect((await sim.get('/documents?status=2&page=1', token)).status).toBe(200);
    expect((await sim.control('POST', '/_sim/tokens/expire')).status).toBe(200);
    expect((await sim.get('/documents?status=2&page=2', token)).status).toBe(401);
    const fresh = await sim.token();
    expect(fresh).not.toBe(token);
    expect((await sim.get('/documents?status=2&page=2', fresh)).status).toBe(200);
  });
});

describe('Authorization', () => {
  it('answers 400 bad_request without or with a garbled header, 401 unauthorized for an unknown token', async () => {
    const sim = simulator();
    const none = await sim.request('/documents');
    expect(none.status).toBe(400);
    expect((await json(none)).error).toBe('bad_request');
    const garbled = await sim.request('/documents', { headers: { Authorization: 'garbage' } });
    expect(garbled.status).toBe(400);
    const unknown = await sim.get('/documents', 'ffffffffffffffffffffffffffffffff');
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe('unauthorized');
  });
});
