import { beforeAll, describe, expect, it } from 'vitest';
import { listAll, simulator } from './support';
import type { Sim } from './support';

const byOrder = (a: any, b: any) => (a.last_processed_at < b.last_processed_at ? -1 : a.last_processed_at > b.last_processed_at ? 1 : a.id < b.id ? -1 : 1);

describe('GET /documents', () => {
  let sim: Sim;
  let token: string;
  let all: any[];
  beforeAll(async () => {
    sim = simulator({ documents: 250 });
    token = await sim.token();
    all = await listAll(sim, token, '/documents?status=2');
  });

  it('pages 100 at a time with the total, and an empty page past the end', async () => {
    const pages = await Promise.all([1, 2, 3, 4].map((p) => sim.get(`/documents?status=2&page=${p}`, token)));
    expect(pages.map((p) => p.body.documents.length)).toEqual([100, 100, 50, 0]);
    expect(pages.map((p) => [p.body.total, p.body.page])).toEqual([[250, 1], [250, 2], [250, 3], [250, 4]]);
    expect(all).toHaveLength(250);
    expect(new Set(all.map((d) => d.id)).size).toBe(250);
    expect(all.every((d) => d.status === 2)).toBe(true);
  });

  it('treats a missing or invalid page as page 1', async () => {
    for (const q of ['', '&page=', '&page=0', '&page=-3', '&page=abc']) {
      const { body } = await sim.get(`/documents?status=2${q}`, token);
      expect(body.page, q).toBe(1);
      expect(body.documents[0].id, q).toBe(all[0].id);
    }
  });

  it('orders by last_processed_at, then id (ties exist)', () => {
    expect([...all].sort(byOrder).map((d) => d.id)).toEqual(all.map((d) => d.id));
    const ties = all.filter((d, i) => i > 0 && d.last_processed_at === all[i - 1].last_processed_at);
    expect(ties.length).toBeGreaterThan(0);
  });

  it('formats timestamps with microseconds (sent_at, last_processed_at) and seconds (created_at, updated_at)', () => {
    for (const d of all) {
      expect(d.last_processed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(d.sent_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(d.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(d.id).toMatch(/^[0-9a-z]{32}$/);
      expect(d.files.length).toBeGreaterThan(0);
    }
  });

  it('has confidential documents and documents that came from document import', () => {
    expect(all.filter((d) => d.private).length).toBeGreaterThan(5);
    const imported = all.filter((d) => d.participants.length === 1);
    expect(imported.length).toBeGreaterThan(2);
    expect(imported.every((d) => d.files.every((f: any) => f.widgets.length === 0))).toBe(true);
  });

  it('filters on last_processed_at, inclusive, at second or microsecond precision, with Z or an offset', async () => {
    const from = all[100].last_processed_at as string;
    const to = all[149].last_processed_at as string;
    const expected = all.filter((d) => d.last_processed_at >= from && d.last_processed_at <= to).map((d) => d.id);
    const range = await listAll(sim, token, `/documents?status=2&from=${from}&to=${to}`);
    expect(range.map((d) => d.id)).toEqual(expected);

    // The same instants written in JST with an offset (URL-encoded +).
    const jst = (z: string) => new Date(Date.parse(z) + 9 * 3600_000).toISOString().slice(0, 19) + z.slice(19, 26) + '%2B09:00';
    const viaOffset = await listAll(sim, token, `/documents?status=2&from=${jst(from)}&to=${jst(to)}`);
    expect(viaOffset.map((d) => d.id)).toEqual(expected);

    // Second precision: from rounds down to the whole second, so it may only admit more.
    const second = from.slice(0, 19);
    const { body } = await sim.get(`/documents?status=2&from=${second}Z`, token);
    expect(body.total).toBe(all.filter((d) => d.last_processed_at.slice(0, 19) >= second).length);
    expect(body.total).toBeGreaterThanOrEqual(150);
  });

  it('answers 400 bad_request for an unknown status or a from/to that is not RFC3339', async () => {
    for (const q of ['status=9', 'status=13', 'status=abc', 'from=yesterday', 'to=2024-01-01', 'from=2024-01-01T00:00:00 09:00']) {
      const res = await sim.get(`/documents?${q}`, token);
      expect(res.status, q).toBe(400);
      expect(res.body.error, q).toBe('bad_request');
    }
  });

  it('lists the other states only when asked: status=-1 has everything, 13 only there', async () => {
    const everything = await listAll(sim, token, '/documents');
    const statuses = new Set(everything.map((d) => d.status));
    expect(statuses).toEqual(new Set([0, 1, 2, 3, 13]));
    for (const status of [0, 1, 3]) {
      const only = await listAll(sim, token, `/documents?status=${status}`);
      expect(only.length, `status ${status}`).toBe(everything.filter((d) => d.status === status).length);
    }
    const draft = everything.find((d) => d.status === 0);
    expect(draft.sent_at).toBeNull();
    expect((await sim.get('/documents?status=4', token)).body).toEqual({ total: 0, page: 1, documents: [] });
  });

  it('omits files and participants unless asked, adds reportees and attachment when asked', async () => {
    const bare = (await sim.get('/documents?status=2&with_files=n&with_participants=0', token)).body.documents[0];
    expect(bare.files).toBeUndefined();
    expect(bare.participants).toBeUndefined();
    expect(bare.reportees).toBeUndefined();
    const full = await listAll(sim, token, '/documents?status=2&with_reportees=y&with_attachment=y');
    expect(full.every((d) => Array.isArray(d.reportees))).toBe(true);
    expect(full.some((d) => d.attachment?.attached_files.length)).toBe(true);
  });
});

describe('behaviour switches (the spec\'s open questions)', () => {
  it('emptyListAs null, timezone +09:00, amountAs string', async () => {
    const sim = simulator({ documents: 20 });
    const token = await sim.token();
    const before = (await sim.get('/documents?status=2', token)).body.documents[0];
    expect((await sim.control('PUT', '/_sim/behaviour', { emptyListAs: 'null', timezone: '+09:00', amountAs: 'string' })).status).toBe(200);

    expect((await sim.get('/documents?status=2&page=9', token)).body).toEqual({ total: 20, page: 9, documents: null });
    const after = (await sim.get('/documents?status=2', token)).body.documents[0];
    expect(after.last_processed_at).toMatch(/\+09:00$/);
    expect(Date.parse(after.last_processed_at)).toBe(Date.parse(before.last_processed_at));
    expect(after.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/);

    const docs = await listAll(sim, token, '/documents?status=2');
    const amounts = await Promise.all(docs.map(async (d) => (await sim.get(`/documents/${d.id}/attribute`, token)).body.amount));
    expect(amounts.some((a) => typeof a === 'string')).toBe(true);
    expect(amounts.some((a) => typeof a === 'number')).toBe(false);

    expect((await sim.control('PUT', '/_sim/behaviour', { timezone: 'JST' })).status).toBe(400);
  });
});
