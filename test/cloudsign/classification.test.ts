import { describe, expect, it } from 'vitest';
import { createCloudSignClient, systemClock, type CloudSignError, type Clock } from '../../src/cloudsign';

/**
 * Answers the simulator does not give, from a scripted server: older API versions, gateways, proxies.
 * /token always succeeds; `answer` serves everything else.
 */
function scripted(answer: (url: URL, n: number) => Response) {
  const sleeps: number[] = [];
  const clock: Clock = { now: systemClock.now, sleep: async (ms) => void sleeps.push(ms) };
  let n = 0;
  const client = createCloudSignClient({
    baseUrl: 'https://api-sandbox.cloudsign.jp',
    clock,
    fetch: async (input) => {
      const url = new URL(String(input));
      if (url.pathname === '/token') return Response.json({ access_token: `token-${n}`, expires_in: 3600, token_type: 'Bearer' });
      return answer(url, n++);
    },
  });
  return { client, sleeps };
}

const CLIENT_ID = '0123456789abcdef0123456789abcdef0123';
const error = (status: number, code: string, message = '', headers: Record<string, string> = {}) =>
  Response.json({ error: code, message }, { status, headers });
async function failure(promise: Promise<unknown>): Promise<CloudSignError> {
  try {
    await promise;
  } catch (e) {
    return e as CloudSignError;
  }
  throw new Error('expected the call to fail');
}

describe('classifying answers', () => {
  it('reads 402 (API versions before 0.2x) as api_not_in_plan', async () => {
    const { client } = scripted(() => error(402, 'payment_required'));
    expect(await failure(client.getMe(CLIENT_ID))).toMatchObject({ code: 'api_not_in_plan', nonRetryable: true });
  });

  it('waits a minute, the documented block, for a 429 without Retry-After, and honours an HTTP-date', async () => {
    const { client, sleeps } = scripted((_url, n) =>
      n === 0
        ? error(429, 'too_many_requests')
        : n === 1
          ? error(429, 'too_many_requests', '', { 'Retry-After': new Date(Date.now() + 30_000).toUTCString() })
          : Response.json({ id: 'u' }),
    );
    await client.getMe(CLIENT_ID);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(60_000);
    expect(sleeps[1]).toBeGreaterThan(28_000);
    expect(sleeps[1]).toBeLessThanOrEqual(30_000);
  });

  it('gives up on a rate limit that outlasts the retry policy, carrying the wait CloudSign asked for', async () => {
    const { client, sleeps } = scripted(() => error(429, 'too_many_requests', '', { 'Retry-After': '3600' }));
    expect(await failure(client.getMe(CLIENT_ID))).toMatchObject({ code: 'rate_limited', retryAfterMs: 3_600_000, nonRetryable: false });
    expect(sleeps).toEqual([]);
  });

  it('renews the token once on 401, then calls a second 401 transient', async () => {
    const { client } = scripted(() => error(401, 'unauthorized'));
    expect(await failure(client.getMe(CLIENT_ID))).toMatchObject({ code: 'transient', status: 401 });
  });

  it('calls a 200 that is not JSON, or JSON of another shape, an unexpected response', async () => {
    const html = scripted(() => new Response('<html>login</html>', { headers: { 'Content-Type': 'text/html' } }));
    const e1 = await failure(html.client.getMe(CLIENT_ID));
    expect(e1).toMatchObject({ code: 'unexpected_response', nonRetryable: true });
    expect(e1.message).toMatch(/not JSON.*base URL/);
    const shape = scripted(() => Response.json({ documents: [{ title: 'no id' }] }));
    const e2 = await failure(shape.client.getDocument(CLIENT_ID, 'd'));
    expect(e2.message).toMatch(/shape this service does not understand \(id: /);
  });

  it('refuses to page on when CloudSign answers another page than asked for', async () => {
    const { client } = scripted(() => Response.json({ total: 500, page: 1, documents: [{ id: 'a' }] }));
    const pages = client.listConcludedDocuments(CLIENT_ID, { startPage: 2 });
    expect(await failure(pages[Symbol.asyncIterator]().next())).toMatchObject({ code: 'unexpected_response' });
  });

  it('pages on by the page size CloudSign actually uses, and without a total until an empty page', async () => {
    const fifty = (n: number) => Array.from({ length: 50 }, (_, i) => ({ id: `${n}-${i}` }));
    const sized = scripted((url) => {
      const page = Number(url.searchParams.get('page'));
      return Response.json({ total: 120, page, documents: page <= 2 ? fifty(page) : fifty(page).slice(0, 20) });
    });
    const pages: number[] = [];
    for await (const p of sized.client.listConcludedDocuments(CLIENT_ID)) pages.push(p.documents.length);
    expect(pages).toEqual([50, 50, 20]);
    const untotalled = scripted((url) => {
      const page = Number(url.searchParams.get('page'));
      return Response.json({ documents: page <= 2 ? fifty(page) : null });
    });
    const counted: number[] = [];
    for await (const p of untotalled.client.listConcludedDocuments(CLIENT_ID)) counted.push(p.documents.length);
    expect(counted).toEqual([50, 50]);
  });

  it('never repeats CloudSign words that quote the client ID', async () => {
    const { client } = scripted(() => error(500, 'internal_server_error', `failed for ${CLIENT_ID}`));
    const e = await failure(client.getMe(CLIENT_ID));
    expect(e.message).toContain('failed for [client ID]');
    expect(e.message).not.toContain(CLIENT_ID);
  });

  it('sends from/to as UTC microseconds whatever zone they were given in', async () => {
    let query: URLSearchParams | undefined;
    const { client } = scripted((url) => {
      query = url.searchParams;
      return Response.json({ total: 0, page: 1, documents: [] });
    });
    const pages = client.listConcludedDocuments(CLIENT_ID, { from: '2024-04-01T09:00:00+09:00', to: new Date('2024-04-02T00:00:00Z') });
    expect(await pages[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });
    expect(query?.get('from')).toBe('2024-04-01T00:00:00.000000Z');
    expect(query?.get('to')).toBe('2024-04-02T00:00:00.000000Z');
    expect(query?.get('status')).toBe('2');
  });
});
