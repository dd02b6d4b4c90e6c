import { beforeEach, describe, expect, it } from 'vitest';
import { json, listAll, simulator } from './support';
import type { Sim } from './support';

/** Per-document quirks and listings that change: what an importer must survive one document at a time. */
describe('per-document quirks', () => {
  let sim: Sim;
  let token: string;
  let concluded: any[];
  /** A concluded document that has 書類情報. */
  let target: any;
  beforeEach(async () => {
    sim = simulator({ documents: 150 });
    token = await sim.token();
    concluded = await listAll(sim, token, '/documents?status=2');
    for (const document of concluded) {
      if ((await sim.get(`/documents/${document.id}/attribute`, token)).status === 200) {
        target = document;
        break;
      }
    }
  });
  const quirk = (quirks: object, id = target.id) => sim.control('PUT', `/_sim/documents/${id}/quirks`, quirks);
  const file = () => sim.request(`/documents/${target.id}/files/${target.files[0].id}`, { token });

  it('refuses one document\'s 書類情報 or files with 403 while the others answer', async () => {
    expect((await quirk({ attributeForbidden: true })).status).toBe(200);
    expect((await sim.get(`/documents/${target.id}/attribute`, token)).body).toEqual({ error: 'forbidden', message: expect.any(String) });
    expect((await file()).status).toBe(200);
    await quirk({ fileForbidden: true });
    expect((await file()).status).toBe(403);
    const other = concluded.find((d) => d.id !== target.id)!;
    expect((await sim.request(`/documents/${other.id}/files/${other.files[0].id}`, { token })).status).toBe(200);
    await sim.control('DELETE', `/_sim/documents/${target.id}/quirks`);
    expect((await sim.get(`/documents/${target.id}/attribute`, token)).status).toBe(200);
  });

  it('serves a file that is not a PDF, with 200', async () => {
    await quirk({ notPdf: true });
    const res = await file();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect((await res.text()).startsWith('%PDF-')).toBe(false);
  });

  it('gives 書類情報 values at the spec\'s limits, the int64 amount with every digit, in the API and the truth alike', async () => {
    await quirk({ valuesAtLimits: true });
    const res = await sim.request(`/documents/${target.id}/attribute`, { token });
    const text = await res.text();
    expect(text).toContain('"amount":9223372036854775807');
    const attribute = JSON.parse(text);
    for (const field of ['title', 'counterparty', 'local_id']) expect([...attribute[field]]).toHaveLength(500);
    const truth = await json(await sim.request(`/_sim/truth?client_id=${encodeURIComponent(sim.accounts.demo)}`));
    expect(truth.documents.find((d: any) => d.id === target.id).attribute.local_id).toBe(attribute.local_id);
  });

  it('can give the 書類情報 a title other than the document\'s', async () => {
    await quirk({ attributeTitle: '管理用の別タイトル' });
    expect((await sim.get(`/documents/${target.id}/attribute`, token)).body.title).toBe('管理用の別タイトル');
    expect((await sim.get(`/documents/${target.id}`, token)).body.title).toBe(target.title);
  });

  it('hides a document from every listing until it becomes visible, late, with its old last_processed_at', async () => {
    await quirk({ hidden: true });
    expect((await listAll(sim, token, '/documents?status=2')).map((d) => d.id)).not.toContain(target.id);
    expect((await sim.get(`/documents/${target.id}`, token)).status).toBe(403);
    await quirk({ hidden: false });
    const again = (await listAll(sim, token, '/documents?status=2')).find((d) => d.id === target.id);
    expect(again.last_processed_at).toBe(target.last_processed_at);
  });

  it('lets a document leave the list between pages, so every later document moves up a page', async () => {
    const firstPage = (await sim.get('/documents?status=2&page=1', token)).body.documents;
    const leaving = firstPage[10];
    await quirk({ hideAfterListPage: 1 }, leaving.id);
    const page1 = (await sim.get('/documents?status=2&page=1', token)).body.documents.map((d: any) => d.id);
    const page2 = (await sim.get('/documents?status=2&page=2', token)).body.documents.map((d: any) => d.id);
    expect(page1).toContain(leaving.id);
    expect(page2).not.toContain(leaving.id);
    // The document that was first on page 2 moved up to page 1, past the reader: listing by page skips it.
    const skipped = concluded[100]!.id;
    expect([...page1, ...page2]).not.toContain(skipped);
  });

  it('refuses unknown documents and unknown quirks', async () => {
    expect((await quirk({ hidden: true }, 'no-such-document')).status).toBe(404);
    expect((await quirk({ explode: true })).status).toBe(400);
  });
});

describe('imported documents (status 13)', () => {
  it('are in 全ての状態 (status=-1) unless switched off, and in the truth while a listing shows them', async () => {
    const sim = simulator({ documents: 60 });
    const token = await sim.token();
    const truthOf = async (clientId: string, scope = 'user') =>
      (await json(await sim.request(`/_sim/truth?client_id=${encodeURIComponent(clientId)}&scope=${scope}`))).documents.map((d: any) => d.id);
    const imported = (await listAll(sim, token, '/documents?status=-1')).filter((d) => d.status === 13);
    expect(imported.length).toBeGreaterThan(0);
    for (const document of imported) expect(await truthOf(sim.accounts.demo)).toContain(document.id);

    await sim.control('PUT', '/_sim/behaviour', { importedInAllStatuses: false });
    expect((await listAll(sim, token, '/documents?status=-1')).filter((d) => d.status === 13)).toEqual([]);
    // Unlisted, the demo user cannot see them at all; the team's list still shows them.
    const own = await truthOf(sim.accounts.demo);
    const team = await truthOf(sim.accounts.teamAdmin, 'team');
    for (const document of imported) {
      expect(own).not.toContain(document.id);
      expect(team).toContain(document.id);
    }
  });

  it('a document manager without 親展書類管理権限 sees its own 親展 documents only in its own lists', async () => {
    const sim = simulator({ documents: 10 });
    const token = await sim.token(sim.accounts.documentManager);
    const own = (await listAll(sim, token, '/documents?status=-1')).filter((d) => d.private);
    expect(new Set(own.map((d) => d.status))).toEqual(new Set([2, 13]));
    const team = new Set((await listAll(sim, token, '/team_documents')).map((d) => d.id));
    for (const document of own) expect(team.has(document.id)).toBe(false);
    const truth = await json(await sim.request(`/_sim/truth?client_id=${encodeURIComponent(sim.accounts.documentManager)}&scope=team`));
    for (const document of own) expect(truth.documents.map((d: any) => d.id)).toContain(document.id);
  });
});
