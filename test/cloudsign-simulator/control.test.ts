import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEMO_CLIENT_ID, listAll, postToken, simulator } from './support';

describe('/_sim control endpoints', () => {
  it('GET /_sim/accounts returns the accounts', async () => {
    const sim = simulator();
    expect((await sim.control('GET', '/_sim/accounts')).body).toEqual(sim.accounts);
  });

  it('GET /_sim/truth is exactly what /documents?status=2 and the imported documents of status=-1 list, with 書類情報 and file digests', async () => {
    const sim = simulator({ documents: 40 });
    const token = await sim.token();
    const concluded = await listAll(sim, token, '/documents?status=2');
    const imported = (await listAll(sim, token, '/documents?status=-1')).filter((d) => d.status === 13);
    expect(imported.length).toBeGreaterThan(0);
    const { body: all } = await sim.control('GET', `/_sim/truth?client_id=${DEMO_CLIENT_ID}`);
    expect(all.documents.map((d: any) => d.id).sort()).toEqual([...concluded, ...imported].map((d) => d.id).sort());
    expect(all.documents.filter((d: any) => d.status === 13)).toHaveLength(imported.length);

    const listed = concluded;
    const { body: truth } = await sim.control('GET', `/_sim/truth?client_id=${DEMO_CLIENT_ID}&include_imported=n`);
    expect(truth.documents.map((d: any) => d.id)).toEqual(listed.map((d) => d.id));
    expect(truth.files).toBe(listed.reduce((n, d) => n + d.files.length, 0));

    const [first] = truth.documents;
    const doc = listed[0];
    expect(first).toMatchObject({ title: doc.title, lastProcessedAt: doc.last_processed_at, private: doc.private });
    const attribute = await sim.get(`/documents/${doc.id}/attribute`, token);
    expect(first.attribute).toEqual(attribute.status === 200 ? attribute.body : null);
    expect(truth.documents.some((d: any) => d.attribute === null)).toBe(true);
    const file = first.files[0];
    const bytes = Buffer.from(await (await sim.request(`/documents/${doc.id}/files/${file.id}`, { token })).arrayBuffer());
    expect(file).toEqual({ id: doc.files[0].id, name: doc.files[0].name, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });

    expect((await sim.control('GET', `/_sim/truth?client_id=${sim.accounts.noWebApi}`)).body.documents).toEqual([]);
    expect((await sim.control('GET', `/_sim/truth?client_id=${sim.accounts.unknown}`)).status).toBe(404);
  });

  it('POST /_sim/documents/conclude adds concluded documents at the end of the list (or at a given time)', async () => {
    const sim = simulator({ documents: 10 });
    const token = await sim.token();
    const before = Date.now();
    const { status, body } = await sim.control('POST', '/_sim/documents/conclude', { count: 3, filesPerDocument: 2 });
    expect(status).toBe(200);
    expect(body.documents).toHaveLength(3);
    const listed = await listAll(sim, token, '/documents?status=2');
    expect(listed).toHaveLength(13);
    expect(listed.slice(-3).map((d) => d.id)).toEqual(body.documents);
    for (const d of listed.slice(-3)) {
      expect(d.files).toHaveLength(2);
      expect(Date.parse(d.last_processed_at)).toBeGreaterThanOrEqual(before - 1);
    }
    // An incremental sync from the newest seen instant finds exactly them.
    const since = listed[9].last_processed_at;
    expect((await sim.get(`/documents?status=2&from=${since}`, token)).body.total).toBe(4);

    const old = await sim.control('POST', '/_sim/documents/conclude', { count: 1, clientId: sim.accounts.members[0], lastProcessedAt: '2020-01-01T00:00:00Z' });
    const member = await listAll(sim, await sim.token(sim.accounts.members[0]), '/documents?status=2');
    expect(member[0]).toMatchObject({ id: old.body.documents[0], last_processed_at: '2020-01-01T00:00:00.000000Z' });

    expect((await sim.control('POST', '/_sim/documents/conclude', { count: 0 })).status).toBe(400);
    expect((await sim.control('POST', '/_sim/documents/conclude', { count: 1, lastProcessedAt: 'soon' })).status).toBe(400);
  });

  it('GET /_sim/requests logs CloudSign requests (never the client ID); DELETE clears it', async () => {
    const sim = simulator({ documents: 5 });
    const token = await sim.token();
    await sim.request(`/token?client_id=${DEMO_CLIENT_ID}`);
    await sim.get('/documents?status=2&page=1', token);
    await sim.get('/documents/nope', token);
    const { body } = await sim.control('GET', '/_sim/requests');
    expect(body.requests.map((r: any) => [r.method, r.path, r.status])).toEqual([
      ['POST', '/token', 200],
      ['GET', '/token?client_id=[redacted]', 200],
      ['GET', '/documents?status=2&page=1', 200],
      ['GET', '/documents/nope', 404],
    ]);
    expect(JSON.stringify(body)).not.toContain(DEMO_CLIENT_ID);
    expect(body.requests[0]).toEqual({ seq: expect.any(Number), method: 'POST', path: '/token', status: 200, at: expect.any(String) });

    const since = body.requests[3].seq;
    await sim.get('/me', token);
    expect((await sim.control('GET', `/_sim/requests?since=${since}`)).body.requests.map((r: any) => r.path)).toEqual(['/me']);
    await sim.control('DELETE', '/_sim/requests');
    expect((await sim.control('GET', '/_sim/requests')).body.requests).toEqual([]);
  });

  it('POST /_sim/reset returns to the seeded state', async () => {
    const sim = simulator({ documents: 5 });
    const token = await sim.token();
    await sim.control('POST', '/_sim/documents/conclude', { count: 2 });
    await sim.control('POST', '/_sim/users/disable', { clientId: sim.accounts.members[0] });
    await sim.control('PUT', '/_sim/behaviour', { emptyListAs: 'null' });
    await sim.control('PUT', '/_sim/faults', { latencyMs: 5 });
    expect((await sim.control('POST', '/_sim/reset')).status).toBe(200);

    expect((await sim.get('/me', token)).status).toBe(401); // tokens are gone too
    const fresh = await sim.token();
    expect((await sim.get('/documents?status=2', fresh)).body.total).toBe(5);
    expect((await sim.get('/documents?status=2&page=2', fresh)).body.documents).toEqual([]);
    expect((await postToken(sim, sim.accounts.members[0]!)).status).toBe(200);
    expect((await sim.control('GET', '/_sim/faults')).body.latencyMs).toBe(0);
    expect((await sim.control('GET', '/_sim/nothing')).status).toBe(404);
  });
});
