import { describe, expect, it } from 'vitest';
import { DEMO_CLIENT_ID, json, listAll, postToken, simulator } from './support';

describe('special accounts', () => {
  it('have distinct deterministic 36-character alphanumeric client IDs', () => {
    const { accounts } = simulator();
    const generated = [accounts.teamAdmin, ...accounts.members, accounts.unknown, accounts.disabled, accounts.ipRestricted, accounts.noWebApi, accounts.enterprise];
    for (const id of generated) expect(id).toMatch(/^[0-9A-Za-z]{36}$/);
    expect(new Set([...generated, accounts.demo]).size).toBe(generated.length + 1);
    expect(accounts.demo).toBe(DEMO_CLIENT_ID);
    expect(simulator().accounts).toEqual(accounts);
    expect(simulator({ seed: 2 }).accounts.teamAdmin).not.toBe(accounts.teamAdmin);
  });

  it('disabled user: 403 forbidden on /token', async () => {
    const sim = simulator();
    const res = await postToken(sim, sim.accounts.disabled);
    expect(res.status).toBe(403);
    expect((await json(res)).error).toBe('forbidden');
  });

  it('IP-restricted team: 403 forbidden on /token, with a message about the IP restriction', async () => {
    const sim = simulator();
    const res = await postToken(sim, sim.accounts.ipRestricted);
    expect(res.status).toBe(403);
    const body = await json(res);
    expect(body.error).toBe('forbidden');
    expect(body.message).toMatch(/IP/);
  });

  it('IP restriction switched on later: every endpoint answers 403 forbidden, after 400/401 checks', async () => {
    const sim = simulator();
    const token = await sim.token();
    expect((await sim.control('POST', '/_sim/ip-restriction', { clientId: DEMO_CLIENT_ID, restricted: true })).status).toBe(200);
    const { body: list } = await sim.get('/documents?status=2', ''); // empty token: still 400 first
    expect(list.error).toBe('bad_request');
    expect((await sim.get('/documents', 'nope')).status).toBe(401);
    for (const path of ['/me', '/documents', '/documents?status=2', '/team_documents', '/documents/x', '/documents/x/attribute', '/documents/x/files/y']) {
      const res = await sim.get(path, token);
      expect(res.status, path).toBe(403);
      expect(res.body.message, path).toMatch(/IP/);
    }
    expect((await postToken(sim, DEMO_CLIENT_ID)).status).toBe(403);
    await sim.control('POST', '/_sim/ip-restriction', { clientId: DEMO_CLIENT_ID, restricted: false });
    expect((await sim.get('/me', token)).status).toBe(200);
  });

  it('plan without the Web API option: token issued, /me answers, documents 403 webapi_option_required', async () => {
    const sim = simulator();
    const token = await sim.token(sim.accounts.noWebApi);
    expect((await sim.get('/me', token)).status).toBe(200);
    for (const path of ['/documents', '/documents?status=2', '/team_documents']) {
      const res = await sim.get(path, token);
      expect(res.status, path).toBe(403);
      expect(res.body.error, path).toBe('webapi_option_required');
    }
  });

  it('Enterprise plan (複数部署管理): token issued, then /me and /documents 403 forbidden', async () => {
    const sim = simulator();
    const token = await sim.token(sim.accounts.enterprise);
    for (const path of ['/me', '/documents', '/documents?status=2', '/team_documents']) {
      const res = await sim.get(path, token);
      expect(res.status, path).toBe(403);
      expect(res.body.error, path).toBe('forbidden');
    }
  });

  it('disabling a user refuses new tokens (403) and kills existing ones (401); enabling restores both', async () => {
    const sim = simulator();
    const token = await sim.token();
    expect((await sim.control('POST', '/_sim/users/disable', { clientId: DEMO_CLIENT_ID })).status).toBe(200);
    expect((await sim.get('/documents', token)).status).toBe(401);
    expect((await postToken(sim, DEMO_CLIENT_ID)).status).toBe(403);
    await sim.control('POST', '/_sim/users/enable', { clientId: DEMO_CLIENT_ID });
    expect((await sim.get('/documents', await sim.token())).status).toBe(200);
    expect((await sim.control('POST', '/_sim/users/enable', { clientId: sim.accounts.disabled })).status).toBe(200);
    expect((await postToken(sim, sim.accounts.disabled)).status).toBe(200);
    expect((await sim.control('POST', '/_sim/users/disable', { clientId: sim.accounts.unknown })).status).toBe(404);
  });
});

describe('visibility', () => {
  it('/me describes the user, its team and authorities', async () => {
    const sim = simulator();
    const { body: demo } = await sim.get('/me', await sim.token());
    expect(demo).toMatchObject({ id: expect.stringMatching(/^[0-9a-z]{32}$/), team: { id: expect.any(String), name: expect.any(String) } });
    expect(demo.authorities).toEqual({ team_administrator: false, team_document_administrator: false, document_approver: false, private_document_administrator: false });
    const { body: admin } = await sim.get('/me', await sim.token(sim.accounts.teamAdmin));
    expect(admin.authorities.team_document_administrator).toBe(true);
    expect(admin.team).toEqual(demo.team);
  });

  it('members see what they sent or received; other documents answer 403 forbidden', async () => {
    const sim = simulator();
    const demoDocs = await listAll(sim, await sim.token(), '/documents?status=2');
    const memberToken = await sim.token(sim.accounts.members[0]);
    const memberDocs = await listAll(sim, memberToken, '/documents?status=2');
    const demoIds = new Set(demoDocs.map((d) => d.id));
    const shared = memberDocs.filter((d) => demoIds.has(d.id));
    expect(shared.length).toBeGreaterThan(0); // sent by the member to the demo user
    expect(memberDocs.length).toBeGreaterThan(shared.length);
    const notTheirs = demoDocs.find((d) => !memberDocs.some((m) => m.id === d.id));
    const res = await sim.get(`/documents/${notTheirs.id}`, memberToken);
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('forbidden');
  });

  it('/team_documents: the administrator sees every team document (親展 included, no drafts); members get 403', async () => {
    const sim = simulator();
    const adminToken = await sim.token(sim.accounts.teamAdmin);
    const team = await listAll(sim, adminToken, '/team_documents');
    const demo = await listAll(sim, await sim.token(), '/documents');
    const member = await listAll(sim, await sim.token(sim.accounts.members[1]), '/documents');
    const teamIds = new Set(team.map((d) => d.id));
    for (const d of [...demo, ...member]) expect(teamIds.has(d.id), `status ${d.status}`).toBe(d.status !== 0);
    expect(team.some((d) => d.private)).toBe(true);
    expect(new Set(team.map((d) => d.status))).toEqual(new Set([1, 2, 3, 13]));
    // with_* default to not included here
    expect(team[0].files).toBeUndefined();
    expect((await sim.get('/team_documents?with_files=y', adminToken)).body.documents[0].files).toBeInstanceOf(Array);
    expect((await sim.get(`/documents/${demo[0].id}`, adminToken)).status).toBe(200);
    const refused = await sim.get('/team_documents', await sim.token(sim.accounts.members[0]));
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('forbidden');
  });
});
