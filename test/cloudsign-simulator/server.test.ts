import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/cloudsign-simulator';
import { checkPdf, DEMO_CLIENT_ID, json } from './support';

describe('startSimulator', () => {
  it('serves over HTTP on a free port, with Content-Length on PDF downloads, and closes', async () => {
    const sim = await startSimulator({ documents: 3, clientId: DEMO_CLIENT_ID, port: 0 });
    try {
      expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const token = await fetch(`${sim.url}/token`, { method: 'POST', body: new URLSearchParams({ client_id: DEMO_CLIENT_ID }) });
      const headers = { Authorization: `Bearer ${(await json(token)).access_token}` };
      const [doc] = (await json(await fetch(`${sim.url}/documents?status=2`, { headers }))).documents;
      const res = await fetch(`${sim.url}/documents/${doc.id}/files/${doc.files[0].id}`, { headers });
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(res.headers.get('content-length')).toBe(String(bytes.length));
      expect(checkPdf(bytes)).toBe(doc.files[0].total_pages);
      expect((await json(await fetch(`${sim.url}/_sim/accounts`))).demo).toBe(DEMO_CLIENT_ID);
    } finally {
      await sim.close();
    }
    await expect(fetch(`${sim.url}/me`)).rejects.toThrow();
  });

  it('rejects invalid options, naming the option but not echoing values', async () => {
    const attempt = startSimulator({ documents: -1, clientId: '' });
    await expect(attempt).rejects.toThrow(/documents/);
    await expect(attempt).rejects.toThrow(/clientId/);
  });
});
