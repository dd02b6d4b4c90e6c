import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  authenticate,
  createGroup,
  createUser,
  ensureBootstrapAdmin,
  getGroup,
  getUser,
  listGroups,
  listUsers,
  setGroupMembers,
} from '../../src/ledger';
import { aUser, useLedger } from './fixtures';

const ledger = useLedger();

describe('users', () => {
  it('creates a user with a token shown once, stored only as a hash, and authenticates with it', async () => {
    const { user, apiToken } = await createUser(ledger.em(), { name: ' 山田 花子 ', email: 'Hanako@Example.jp', role: 'member' });
    expect(user).toEqual({ id: expect.any(String), name: '山田 花子', email: 'hanako@example.jp', role: 'member', disabledAt: null, createdAt: expect.any(Date) });
    expect(apiToken.length).toBeGreaterThanOrEqual(40);

    const [row] = await ledger.em().execute(`select * from users where id = ?`, [user.id]);
    expect(JSON.stringify(row)).not.toContain(apiToken);
    expect(await authenticate(ledger.em(), apiToken)).toEqual(user);
    expect(await authenticate(ledger.em(), `${apiToken}x`)).toBeNull();
    expect(await getUser(ledger.em(), user.id)).toEqual(user);
    await expect(getUser(ledger.em(), 'nope')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses a second user with the same e-mail address', async () => {
    await createUser(ledger.em(), { name: 'A', email: 'same@example.jp', role: 'member' });
    const again = createUser(ledger.em(), { name: 'B', email: 'SAME@example.jp', role: 'admin' });
    await expect(again).rejects.toBeInstanceOf(ConflictError);
    await expect(again).rejects.toMatchObject({ code: 'email_taken' });
    await expect(createUser(ledger.em(), { name: 'C', email: 'not an address', role: 'member' })).rejects.toMatchObject({ code: 'invalid_user' });
  });

  it('makes the bootstrap token an admin token, once, and follows a changed token', async () => {
    const token = 'bootstrap-token-0123456789abcdef';
    const results = await Promise.all([ensureBootstrapAdmin(ledger.em(), { token }), ensureBootstrapAdmin(ledger.em(), { token })]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await authenticate(ledger.em(), token)).toMatchObject({ name: 'Administrator', role: 'admin' });
    expect(await ensureBootstrapAdmin(ledger.em(), { token })).toMatchObject({ created: false });

    const changed = await ensureBootstrapAdmin(ledger.em(), { token: 'another-bootstrap-token-0123456789' });
    expect(changed).toMatchObject({ created: false, user: { id: results[0]!.user.id } });
    expect(await authenticate(ledger.em(), token)).toBeNull();
    expect((await listUsers(ledger.em())).items).toHaveLength(1);
  });

  it('lists users page by page', async () => {
    for (let i = 0; i < 3; i++) await aUser(ledger.em());
    const first = await listUsers(ledger.em(), { limit: 2 });
    const second = await listUsers(ledger.em(), { limit: 2, cursor: first.nextCursor });
    expect(new Set([...first.items, ...second.items].map((u) => u.id)).size).toBe(3);
    expect(second.nextCursor).toBeNull();
  });
});

describe('groups', () => {
  it('creates groups, replaces members and names unknown users', async () => {
    const [a, b] = [await aUser(ledger.em()), await aUser(ledger.em())];
    const group = await createGroup(ledger.em(), { name: '法務部', memberIds: [a.id, a.id] });
    expect(group).toMatchObject({ name: '法務部', memberIds: [a.id] });

    expect((await setGroupMembers(ledger.em(), { groupId: group.id, memberIds: [b.id] })).memberIds).toEqual([b.id]);
    expect((await getGroup(ledger.em(), group.id)).memberIds).toEqual([b.id]);

    const ghost = crypto.randomUUID();
    await expect(setGroupMembers(ledger.em(), { groupId: group.id, memberIds: [a.id, ghost, 'x'] })).rejects.toMatchObject({
      code: 'unknown_users',
      details: { field: 'memberIds', userIds: [ghost, 'x'] },
    });
    await expect(createGroup(ledger.em(), { name: '法務部', memberIds: [] })).rejects.toMatchObject({ code: 'group_name_taken' });
    await createGroup(ledger.em(), { name: 'Sales', memberIds: [a.id, b.id] });
    expect((await listGroups(ledger.em())).items.map((g) => [g.name, g.memberIds.length]).sort()).toEqual([
      ['Sales', 2],
      ['法務部', 1],
    ]);
  });
});
