import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPdf, json, listAll, simulator } from './support';
import type { Sim } from './support';

describe('a document, its 書類情報 and its files', () => {
  let sim: Sim;
  let token: string;
  let all: any[];
  beforeAll(async () => {
    sim = simulator({ documents: 60 });
    token = await sim.token();
    all = await listAll(sim, token, '/documents?status=2');
  });

  it('GET /documents/{id} returns the full documentModel, 404 not_found for an unknown id', async () => {
    const { status, body } = await sim.get(`/documents/${all[0].id}`, token);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: all[0].id, status: 2, title: all[0].title, files: all[0].files, participants: all[0].participants });
    expect(body.reportees).toBeInstanceOf(Array);
    expect(body.participants[0].order).toBe(0);
    expect(body.participants.at(-1).processed_at).toBe(body.last_processed_at);
    const missing = await sim.get('/documents/00000000000000000000000000000000', token);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'not_found', message: expect.any(String) });
  });

  it('書類情報: every field, dates as YYYY-MM-DD or null, some amounts null, some documents without (404)', async () => {
    const answers = await Promise.all(all.map((d) => sim.get(`/documents/${d.id}/attribute`, token)));
    const found = answers.filter((a) => a.status === 200).map((a) => a.body);
    const missing = answers.filter((a) => a.status === 404);
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.every((m) => m.body.error === 'not_found')).toBe(true);
    const date = /^\d{4}-\d\d-\d\d$/;
    for (const a of found) {
      expect(Object.keys(a)).toEqual(['document_id', 'title', 'counterparty', 'contract_at', 'validity_start_at', 'validity_end_at', 'validity_end_notice_at', 'auto_update', 'local_id', 'amount', 'created_at', 'updated_at', 'options']);
      for (const key of ['contract_at', 'validity_start_at', 'validity_end_at', 'validity_end_notice_at']) {
        if (a[key] !== null) expect(a[key]).toMatch(date);
      }
      expect([0, 1, 2]).toContain(a.auto_update);
      if (a.validity_start_at && a.validity_end_at) expect(a.validity_end_at > a.validity_start_at).toBe(true);
    }
    expect(found.some((a) => a.amount === null)).toBe(true);
    expect(found.some((a) => Number.isInteger(a.amount))).toBe(true);
    expect(new Set(found.map((a) => a.auto_update))).toEqual(new Set([0, 1, 2]));
    expect(found.some((a) => a.contract_at && a.validity_end_notice_at && a.local_id)).toBe(true);
  });

  it('serves each file as a valid PDF with Content-Length, its page count matching total_pages', async () => {
    const sizes: number[] = [];
    const hashes = new Set<string>();
    for (const d of all.slice(0, 15)) {
      for (const f of d.files) {
        const res = await sim.request(`/documents/${d.id}/files/${f.id}`, { token });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/pdf');
        const bytes = new Uint8Array(await res.arrayBuffer());
        expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
        expect(checkPdf(bytes)).toBe(f.total_pages);
        sizes.push(bytes.length);
        hashes.add(createHash('sha256').update(bytes).digest('hex'));
      }
    }
    expect(hashes.size).toBe(sizes.length);
    expect(Math.min(...sizes)).toBeGreaterThan(18 * 1024);
    expect(Math.max(...sizes)).toBeLessThan(420 * 1024);
  });

  it('answers 404 not_found for a file the document does not have, 405 for a method the endpoint lacks', async () => {
    const res = await sim.get(`/documents/${all[0].id}/files/${all[1].files[0].id}`, token);
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('not_found');
    const patch = await sim.request('/documents', { method: 'PATCH', token });
    expect(patch.status).toBe(405);
    expect((await json(patch)).error).toBe('method_not_allowed');
  });
});

describe('determinism', () => {
  it('the same seed gives the same documents, IDs and PDF bytes; another seed does not', async () => {
    const walk = async (seed: number) => {
      const sim = simulator({ documents: 120, seed });
      const token = await sim.token();
      const docs = await listAll(sim, token, '/documents?status=2');
      const file = await sim.request(`/documents/${docs[7].id}/files/${docs[7].files[0].id}`, { token });
      return { docs, pdf: Buffer.from(await file.arrayBuffer()).toString('base64') };
    };
    const [a, b, c] = await Promise.all([walk(1), walk(1), walk(2)]);
    expect(b.docs).toEqual(a.docs);
    expect(b.pdf).toBe(a.pdf);
    expect(c.docs[0].id).not.toBe(a.docs[0].id);
  });

  it('a larger world keeps the documents of a smaller one', async () => {
    const small = simulator({ documents: 30 });
    const large = simulator({ documents: 300 });
    const smallIds = (await listAll(small, await small.token(), '/documents?status=2')).map((d) => d.id);
    const largeIds = new Set((await listAll(large, await large.token(), '/documents?status=2')).map((d) => d.id));
    expect(smallIds.every((id) => largeIds.has(id))).toBe(true);
  });
});
