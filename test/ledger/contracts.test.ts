import { describe, expect, it } from 'vitest';
import {
  NotFoundError,
  ValidationError,
  applyExtraction,
  contractsVisibleTo,
  createGroup,
  editContract,
  getContract,
  importFile,
  type User,
} from '../../src/ledger';
import { canSee } from '../../src/ledger/visibility';
import { aConnection, anImport, aUser, useLedger } from './fixtures';

const ledger = useLedger();

describe('provenance', () => {
  it('refuses extraction over CloudSign and user values, fills the rest, and records each source', async () => {
    const connection = await aConnection(ledger.em());
    const { contractId } = await importFile(ledger.em(), anImport(connection.id, { fields: { title: '売買契約書', amount: 500_000, endDate: null } }));
    const editor = await aUser(ledger.em(), 'admin');

    const edited = await editContract(ledger.em(), { contractId: contractId!, user: editor, fields: { counterparty: '株式会社サンプル' } });
    expect(edited.fields.counterparty).toEqual({ value: '株式会社サンプル', source: 'user' });

    const result = await applyExtraction(ledger.em(), {
      contractId: contractId!,
      fields: { title: 'OCR title', amount: 1, endDate: '2025-03-31', counterparty: 'OCR Inc.', autoRenewal: false },
    });
    expect(result.applied.sort()).toEqual(['autoRenewal', 'endDate']);
    expect(result.refused).toEqual([
      { field: 'title', reason: 'from_cloudsign', message: expect.any(String) },
      { field: 'amount', reason: 'from_cloudsign', message: expect.any(String) },
      { field: 'counterparty', reason: 'edited_by_user', message: expect.any(String) },
    ]);

    const contract = await getContract(ledger.em(), { contractId: contractId! });
    expect(contract.fields).toMatchObject({
      title: { value: '売買契約書', source: 'cloudsign' },
      amount: { value: '500000', source: 'cloudsign' },
      endDate: { value: '2025-03-31', source: 'extraction' },
      autoRenewal: { value: false, source: 'extraction' },
      counterparty: { value: '株式会社サンプル', source: 'user' },
    });

    // A newer extraction may replace an older one; a person may replace anything.
    expect((await applyExtraction(ledger.em(), { contractId: contractId!, fields: { endDate: '2025-04-30' } })).applied).toEqual(['endDate']);
    const final = await editContract(ledger.em(), { contractId: contractId!, user: editor, fields: { title: '売買基本契約書', endDate: null } });
    expect(final.fields.title).toEqual({ value: '売買基本契約書', source: 'user' });
    expect(final.fields.endDate).toEqual({ value: null, source: 'user' });
    expect(final.updatedAt.getTime()).toBeGreaterThan(contract.createdAt.getTime() - 1);
  });

  it('validates the values given and hides contracts from users who may not see them', async () => {
    const connection = await aConnection(ledger.em(), { visibility: { scope: 'private' } });
    const { contractId } = await importFile(ledger.em(), anImport(connection.id));
    const outsider = await aUser(ledger.em());
    await expect(editContract(ledger.em(), { contractId: contractId!, user: outsider, fields: { title: 'x' } })).rejects.toBeInstanceOf(NotFoundError);
    await expect(applyExtraction(ledger.em(), { contractId: contractId!, user: outsider, fields: { title: 'x' } })).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      applyExtraction(ledger.em(), { contractId: contractId!, fields: { amount: 'a lot', colour: 'red' } }),
    ).rejects.toMatchObject({ code: 'invalid_fields', details: { issues: expect.arrayContaining([expect.objectContaining({ field: 'amount' })]) } });
    await expect(getContract(ledger.em(), { contractId: 'nope' })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('visibility', () => {
  async function world() {
    const admin = await aUser(ledger.em(), 'admin');
    const owner = await aUser(ledger.em());
    const member = await aUser(ledger.em());
    const outsider = await aUser(ledger.em());
    const group = await createGroup(ledger.em(), { name: 'Legal', memberIds: [member.id] });
    const connection = await aConnection(ledger.em());
    const other = await aConnection(ledger.em());
    const add = async (title: string, input: Parameters<typeof anImport>[1] = {}) =>
      (await importFile(ledger.em(), anImport(connection.id, { ...input, fields: { title, conclusionDate: '2024-04-01', ...input.fields } }))).contractId!;
    const ids = {
      company: await add('Company-wide lease'),
      private: await add('Owner only NDA', { visibility: { scope: 'private' }, owners: [owner.id] }),
      groups: await add('Legal 100% review', { visibility: { scope: 'groups', groupIds: [group.id] } }),
      adminsOnly: await add('Board minutes', { visibility: { scope: 'private' }, owners: [] }),
      elsewhere: (await importFile(ledger.em(), anImport(other.id, { fields: { title: 'Other team', conclusionDate: '2023-01-15' } }))).contractId!,
    };
    return { admin, owner, member, outsider, connection, ids };
  }

  async function visibleIds(user: User, filters: Omit<Parameters<typeof contractsVisibleTo>[1], 'user'> = {}) {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await contractsVisibleTo(ledger.em(), { user, limit: 2, ...filters, cursor });
      ids.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    return ids.sort();
  }

  it('lets admins and owners see always, everyone see company contracts, and group members see their groups', async () => {
    const { admin, owner, member, outsider, ids } = await world();
    const expected = {
      admin: [ids.company, ids.private, ids.groups, ids.adminsOnly, ids.elsewhere],
      owner: [ids.company, ids.private, ids.elsewhere],
      member: [ids.company, ids.groups, ids.elsewhere],
      outsider: [ids.company, ids.elsewhere],
    };
    for (const [name, user] of Object.entries({ admin, owner, member, outsider })) {
      const wanted = expected[name as keyof typeof expected];
      expect(await visibleIds(user), name).toEqual([...wanted].sort());
      for (const id of Object.values(ids)) {
        expect(await canSee(ledger.em(), user, await getContract(ledger.em(), { contractId: id })), `${name} ${id}`).toBe(wanted.includes(id));
        const read = getContract(ledger.em(), { contractId: id, user });
        if (wanted.includes(id)) await expect(read).resolves.toMatchObject({ id });
        else await expect(read).rejects.toBeInstanceOf(NotFoundError);
      }
    }
  });

  it('filters by connection, text and conclusion date, in SQL, page by page', async () => {
    const { member, admin, connection, ids } = await world();
    expect(await visibleIds(member, { connectionId: connection.id })).toEqual([ids.company, ids.groups].sort());
    expect(await visibleIds(member, { q: 'lease' })).toEqual([ids.company]);
    // `%` is a character to find, not a wildcard.
    expect(await visibleIds(admin, { q: '100%' })).toEqual([ids.groups]);
    expect(await visibleIds(admin, { q: '%' })).toEqual([ids.groups]);
    expect(await visibleIds(admin, { concludedFrom: '2024-01-01' })).toHaveLength(4);
    expect(await visibleIds(admin, { concludedTo: '2023-12-31' })).toEqual([ids.elsewhere]);
    expect(await visibleIds(admin, { connectionId: 'not-a-uuid' })).toEqual([]);

    const first = await contractsVisibleTo(ledger.em(), { user: admin, limit: 3 });
    expect(first.items.map((c) => c.id)).toEqual([ids.elsewhere, ids.adminsOnly, ids.groups]);
    const second = await contractsVisibleTo(ledger.em(), { user: admin, limit: 3, cursor: first.nextCursor });
    expect(second).toMatchObject({ items: [{ id: ids.private }, { id: ids.company }], nextCursor: null });
  });

  it('refuses a foreign cursor, a limit over 500 and a malformed date', async () => {
    const admin = await aUser(ledger.em(), 'admin');
    await expect(contractsVisibleTo(ledger.em(), { user: admin, cursor: 'abc' })).rejects.toMatchObject({ code: 'invalid_cursor' });
    await expect(contractsVisibleTo(ledger.em(), { user: admin, limit: 501 })).rejects.toMatchObject({ code: 'invalid_limit' });
    await expect(contractsVisibleTo(ledger.em(), { user: admin, concludedFrom: '2024/01/01' })).rejects.toBeInstanceOf(ValidationError);
  });
});
