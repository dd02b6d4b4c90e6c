import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CloudSignDocument, ConcludedDocumentsPage } from '../../src/cloudsign';
import { collect, Sim } from './simulator';

let sim: Sim;
beforeAll(async () => {
  sim = await Sim.start({ documents: 250 });
});
afterAll(() => sim.close());
beforeEach(() => sim.control('POST', '/reset'));

const ids = (documents: { id: string }[]) => documents.map((d) => d.id).sort();
const countOf = (requests: { path: string }[], prefix: string) => requests.filter((r) => r.path.startsWith(prefix)).length;

describe('listing concluded documents', () => {
  it('lists exactly what the user can see, with files, page by page, and stops without asking past the end', async () => {
    const truth = await sim.truth();
    const pages: ConcludedDocumentsPage[] = [];
    for await (const page of sim.client().listConcludedDocuments(sim.accounts.demo)) pages.push(page);

    expect(pages.map((p) => p.page)).toEqual([1, 2, 3]);
    expect(pages.map((p) => p.documents.length)).toEqual([100, 100, truth.length - 200]);
    expect(pages.every((p) => p.total === truth.length)).toBe(true);
    const listed = pages.flatMap((p) => p.documents);
    expect(ids(listed)).toEqual(ids(truth));
    for (const t of truth) {
      const d = listed.find((l) => l.id === t.id) as CloudSignDocument;
      expect({ title: d.title, lastProcessedAt: d.lastProcessedAt, private: d.private, status: d.status }).toEqual({
        title: t.title,
        lastProcessedAt: t.lastProcessedAt,
        private: t.private,
        status: 2,
      });
      expect(d.files.map((f) => ({ id: f.id, name: f.name }))).toEqual(t.files.map((f) => ({ id: f.id, name: f.name })));
    }
    const lists = (await sim.requests()).filter((r) => r.path.startsWith('/documents?'));
    // page * 100 >= total ends the listing: no request for an empty page 4.
    expect(lists).toHaveLength(3);
    expect(lists[0]?.path).toMatch(/status=2/);
    expect(lists[0]?.path).toMatch(/with_files=y/);
  });

  it('reuses one token for every request and for concurrent listings', async () => {
    const client = sim.client();
    await Promise.all([collect(client.listConcludedDocuments(sim.accounts.demo)), collect(client.listConcludedDocuments(sim.accounts.demo))]);
    await collect(client.listConcludedDocuments(sim.accounts.demo));
    const requests = await sim.requests();
    expect(countOf(requests, '/token')).toBe(1);
    expect(countOf(requests, '/documents')).toBe(9);
    // The request log never sees the client ID (sent in the form body, not the URL).
    expect(JSON.stringify(requests)).not.toContain(sim.accounts.demo);
  });

  it('survives the token expiring between pages: one refresh, nothing missing, nothing twice', async () => {
    const client = sim.client();
    const listed: CloudSignDocument[] = [];
    for await (const page of client.listConcludedDocuments(sim.accounts.demo)) {
      listed.push(...page.documents);
      if (page.page === 1) await sim.control('POST', '/tokens/expire');
    }
    expect(listed.map((d) => d.id)).toEqual([...new Set(listed.map((d) => d.id))]);
    expect(ids(listed)).toEqual(ids(await sim.truth()));
    const requests = await sim.requests();
    expect(countOf(requests, '/token')).toBe(2);
    expect(requests.filter((r) => r.status === 401)).toHaveLength(1);
  });

  it('ends on an empty page sent as null', async () => {
    await sim.control('PUT', '/behaviour', { emptyListAs: 'null' });
    const client = sim.client();
    // Resuming past the last page meets the empty page at once.
    expect(await collect(client.listConcludedDocuments(sim.accounts.demo, { startPage: 4 }))).toEqual([]);
    expect(await collect(client.listConcludedDocuments(sim.accounts.teamAdmin, { from: '2099-01-01T00:00:00Z' }))).toEqual([]);
  });

  it('resumes at a page, for a caller that checkpointed the pages before it', async () => {
    const resumed = await collect(sim.client().listConcludedDocuments(sim.accounts.demo, { startPage: 2 }));
    const all = await collect(sim.client().listConcludedDocuments(sim.accounts.demo));
    expect(resumed.map((d) => d.id)).toEqual(all.slice(100).map((d) => d.id));
  });

  it('lists only what was concluded inside a from/to window', async () => {
    const client = sim.client();
    const before = new Date();
    const { documents: concluded } = await sim.control<{ documents: string[] }>('POST', '/documents/conclude', { count: 3 });
    const incremental = await collect(client.listConcludedDocuments(sim.accounts.demo, { from: before }));
    expect(ids(incremental)).toEqual([...concluded].sort());

    const truth = await sim.truth();
    const old = truth.filter((t) => !concluded.includes(t.id)).sort((a, b) => a.lastProcessedAt.localeCompare(b.lastProcessedAt));
    const [first, last] = [old[10], old[19]] as [(typeof old)[number], (typeof old)[number]];
    const window = await collect(client.listConcludedDocuments(sim.accounts.demo, { from: first.lastProcessedAt, to: last.lastProcessedAt }));
    expect(ids(window)).toEqual(ids(old.filter((t) => t.lastProcessedAt >= first.lastProcessedAt && t.lastProcessedAt <= last.lastProcessedAt)));
    expect(window.length).toBeGreaterThanOrEqual(10);
  });

  it('reads +09:00 timestamps as the same instants in UTC', async () => {
    const inUtc = await collect(sim.client().listConcludedDocuments(sim.accounts.demo));
    await sim.control('PUT', '/behaviour', { timezone: '+09:00' });
    const inJst = await collect(sim.client().listConcludedDocuments(sim.accounts.demo));
    expect(inJst.map((d) => [d.id, d.lastProcessedAt, d.createdAt])).toEqual(inUtc.map((d) => [d.id, d.lastProcessedAt, d.createdAt]));
    expect(inJst[0]?.lastProcessedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  });
});
