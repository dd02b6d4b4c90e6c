import { Hono } from 'hono';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createGroup, getGroup, listGroups, listUsers, setGroupMembers, type Group, type User } from '../../src/ledger';
import type { ApiDeps } from '../context';
import { CreateGroupBody, SetMembersBody } from '../groups';
import { asList } from './forms';
import { requireAdminPage } from './guards';
import { formatDateTime, formatNumber, type Lang, type Messages } from './i18n';
import { CsrfField, Pager, renderPage } from './layout';
import { refusalOf, type RefusalStatus } from './refused';
import type { ConsoleContext, ConsoleEnv } from './session';

/** グループ (admins): groups of users for 共有範囲 and as reviewers, with api/groups.ts's ledger functions. */

const WORDS: Messages<
  | 'title' | 'name' | 'members' | 'memberCount' | 'created' | 'none' | 'noMembers' | 'create' | 'submitCreate' | 'save' | 'back'
  | 'doneCreated' | 'doneMembers' | 'disabled' | 'open'
> = {
  ja: {
    title: 'グループ',
    name: 'グループ名',
    members: 'メンバー',
    memberCount: '{n} 人',
    created: '作成日時',
    none: 'グループはありません。',
    noMembers: 'メンバーはいません。',
    create: 'グループを作成',
    submitCreate: 'グループを作成',
    save: 'メンバーを保存',
    back: 'グループの一覧へ',
    doneCreated: 'グループを作成しました。',
    doneMembers: 'メンバーを保存しました。',
    disabled: '（無効）',
    open: 'メンバーを変更',
  },
  en: {
    title: 'Groups',
    name: 'Group name',
    members: 'Members',
    memberCount: '{n}',
    created: 'Created',
    none: 'No groups.',
    noMembers: 'No members.',
    create: 'Create a group',
    submitCreate: 'Create the group',
    save: 'Save the members',
    back: 'All groups',
    doneCreated: 'The group was created.',
    doneMembers: 'The members were saved.',
    disabled: '(disabled)',
    open: 'Change members',
  },
};

const PAGE_SIZE = 100;

/** Every user, for the members' checkboxes (pages of the ledger's largest size). */
async function allUsers(em: EntityManager): Promise<User[]> {
  const users: User[] = [];
  let cursor: string | null = null;
  do {
    const page = await listUsers(em, { limit: 500, cursor });
    users.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return users;
}

/** The checked member IDs of a form. */
function memberIdsOf(form: Record<string, unknown>): string[] {
  return asList(form['memberIds'] ?? form['memberIds[]']).filter((v): v is string => typeof v === 'string');
}

export function groupPages(deps: ApiDeps) {
  const pages = new Hono<ConsoleEnv>();
  pages.use('*', requireAdminPage);
  pages.get('/', (c) => renderGroups(c, deps, { ...(c.req.query('done') === 'created' && { notice: WORDS[c.get('lang')].doneCreated }) }));
  pages.post('/', (c) => addGroup(c, deps));
  pages.get('/:id', (c) => showGroup(c, deps));
  pages.post('/:id', (c) => saveMembers(c, deps));
  return pages;
}

async function addGroup(c: ConsoleContext, deps: ApiDeps): Promise<Response> {
  const form = await c.req.parseBody({ all: true });
  const values = { name: typeof form.name === 'string' ? form.name : '', memberIds: memberIdsOf(form) };
  const parsed = CreateGroupBody.safeParse(values);
  if (!parsed.success) return renderGroups(c, deps, { error: `${WORDS[c.get('lang')].name}: ${parsed.error.issues.map((i) => i.message).join(' ')}`, status: 400, values });
  try {
    await createGroup(deps.orm.em.fork(), { ...parsed.data, actor: c.get('user') });
    return c.redirect('/console/groups?done=created', 303);
  } catch (error) {
    const refusal = refusalOf(c, error);
    return renderGroups(c, deps, { error: refusal.message, status: refusal.status, values });
  }
}

async function showGroup(c: ConsoleContext<'/:id'>, deps: ApiDeps): Promise<Response> {
  const group = await getGroup(deps.orm.em.fork(), c.req.param('id'));
  return renderGroup(c, deps, group, { ...(c.req.query('done') === 'members' && { notice: WORDS[c.get('lang')].doneMembers }) });
}

async function saveMembers(c: ConsoleContext<'/:id'>, deps: ApiDeps): Promise<Response> {
  const group = await getGroup(deps.orm.em.fork(), c.req.param('id'));
  const form = await c.req.parseBody({ all: true });
  const parsed = SetMembersBody.safeParse({ memberIds: memberIdsOf(form) });
  try {
    if (!parsed.success) throw parsed.error;
    await setGroupMembers(deps.orm.em.fork(), { groupId: group.id, memberIds: parsed.data.memberIds, actor: c.get('user') });
    return c.redirect(`/console/groups/${group.id}?done=members`, 303);
  } catch (error) {
    if (!parsed.success) return renderGroup(c, deps, group, { error: parsed.error.issues.map((i) => i.message).join(' '), status: 400 });
    const refusal = refusalOf(c, error);
    return renderGroup(c, deps, group, { error: refusal.message, status: refusal.status });
  }
}

function MemberPicker({ c, users, checked }: { c: ConsoleContext; users: User[]; checked: readonly string[] }) {
  const words = WORDS[c.get('lang')];
  return (
    <fieldset>
      <legend>{words.members}</legend>
      {users.map((user) => (
        <label>
          <input type="checkbox" name="memberIds" value={user.id} checked={checked.includes(user.id)} />
          {user.disabledAt ? `${user.name} ${words.disabled}` : user.name}
        </label>
      ))}
    </fieldset>
  );
}

async function renderGroups(
  c: ConsoleContext,
  deps: ApiDeps,
  options: { notice?: string; error?: string; status?: RefusalStatus; values?: { name: string; memberIds: string[] } },
) {
  const lang = c.get('lang');
  const words = WORDS[lang];
  const em = deps.orm.em.fork();
  const cursor = c.req.query('cursor') || undefined;
  let error = options.error;
  let status = options.status;
  let page: { items: Group[]; nextCursor: string | null } = { items: [], nextCursor: null };
  try {
    page = await listGroups(em, { limit: PAGE_SIZE, cursor });
  } catch (refused) {
    ({ message: error, status } = refusalOf(c, refused));
  }
  const users = await allUsers(em);
  return renderPage(c, { title: words.title, section: 'groups', status: status ?? 200 }, (
    <>
      <h1>{words.title}</h1>
      {options.notice && <p role="status">{options.notice}</p>}
      {error && <p role="alert">{error}</p>}
      {page.items.length === 0 ? <p>{words.none}</p> : <GroupTable lang={lang} groups={page.items} users={users} />}
      <Pager lang={lang} path="/console/groups" cursor={cursor} nextCursor={page.nextCursor} />
      <CreateGroupForm c={c} users={users} values={options.values ?? { name: '', memberIds: [] }} />
    </>
  ));
}

/** The groups, each with its members by name. */
function GroupTable({ lang, groups, users }: { lang: Lang; groups: Group[]; users: User[] }) {
  const words = WORDS[lang];
  const nameOf = new Map(users.map((u) => [u.id, u.name]));
  return (
    <table>
      <caption class="visually-hidden">{words.title}</caption>
      <thead>
        <tr>
          <th scope="col">{words.name}</th>
          <th scope="col">{words.members}</th>
          <th scope="col">{words.created}</th>
        </tr>
      </thead>
      <tbody>
        {groups.map((group) => (
          <tr>
            <th scope="row"><a href={`/console/groups/${group.id}`}>{group.name}</a></th>
            <td>
              {`${words.memberCount.replace('{n}', formatNumber(lang, group.memberIds.length))}`}
              {group.memberIds.length > 0 && `: ${group.memberIds.map((id) => nameOf.get(id) ?? id).join('、')}`}
            </td>
            <td>{formatDateTime(lang, group.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** グループを作成, with what was typed and checked when it was refused. */
function CreateGroupForm({ c, users, values }: { c: ConsoleContext; users: User[]; values: { name: string; memberIds: string[] } }) {
  const words = WORDS[c.get('lang')];
  return (
    <section aria-labelledby="create-heading" class="panel">
      <h2 id="create-heading">{words.create}</h2>
      <form method="post" action="/console/groups">
        <CsrfField c={c} />
        <label for="group-name">{words.name}</label>
        <input id="group-name" name="name" type="text" required maxlength={200} value={values.name} autocomplete="off" />
        <MemberPicker c={c} users={users} checked={values.memberIds} />
        <button type="submit">{words.submitCreate}</button>
      </form>
    </section>
  );
}

async function renderGroup(c: ConsoleContext, deps: ApiDeps, group: Group, options: { notice?: string; error?: string; status?: RefusalStatus }) {
  const words = WORDS[c.get('lang')];
  const users = await allUsers(deps.orm.em.fork());
  return renderPage(c, { title: group.name, section: 'groups', status: options.status ?? 200 }, (
    <>
      <p><a href="/console/groups">{words.back}</a></p>
      <h1>{`${words.title}: ${group.name}`}</h1>
      {options.notice && <p role="status">{options.notice}</p>}
      {options.error && <p role="alert">{options.error}</p>}
      {group.memberIds.length === 0 && <p>{words.noMembers}</p>}
      <form method="post" action={`/console/groups/${group.id}`}>
        <CsrfField c={c} />
        <MemberPicker c={c} users={users} checked={group.memberIds} />
        <button type="submit">{words.save}</button>
      </form>
    </>
  ));
}
