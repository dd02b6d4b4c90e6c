import { Hono } from 'hono';
import { createUser, listUsers, rotateToken, setUserDisabled, USER_ROLES, type User } from '../../src/ledger';
import type { ApiDeps } from '../context';
import { CreateUserBody } from '../users';
import { requireAdminPage } from './guards';
import { formatDateTime, type Lang, type Messages } from './i18n';
import { CsrfField, Pager, renderPage } from './layout';
import { refusalOf, type RefusalStatus } from './refused';
import type { ConsoleContext, ConsoleEnv } from './session';

/** ユーザー (admins): the ledger's users, as api/users.ts manages them, with the same ledger functions. */

const WORDS: Messages<
  | 'title' | 'create' | 'name' | 'email' | 'role' | 'admin' | 'member' | 'submitCreate' | 'status' | 'enabled' | 'disabled' | 'created'
  | 'actions' | 'disable' | 'enable' | 'rotate' | 'confirmDisable' | 'confirmRotate' | 'createdUser' | 'rotatedToken' | 'token'
  | 'tokenWarning' | 'doneDisabled' | 'doneEnabled' | 'none' | 'back' | 'you'
> = {
  ja: {
    title: 'ユーザー',
    create: 'ユーザーを追加',
    name: '名前',
    email: 'メールアドレス',
    role: '役割',
    admin: '管理者',
    member: 'メンバー',
    submitCreate: 'ユーザーを作成',
    status: '状態',
    enabled: '有効',
    disabled: '無効',
    created: '作成日時',
    actions: '操作',
    disable: '無効にする',
    enable: '有効にする',
    rotate: 'トークンを再発行',
    confirmDisable: 'このユーザーを無効にしますか？ API トークンとログイン中のセッションはすぐに使えなくなります。',
    confirmRotate: 'API トークンを再発行しますか？ 今のトークンはすぐに使えなくなります。',
    createdUser: 'ユーザー「{name}」を作成しました。',
    rotatedToken: 'ユーザー「{name}」の API トークンを再発行しました。',
    token: '新しい APIトークン',
    tokenWarning: 'このトークンが表示されるのは今回だけです。今すぐコピーして本人に安全な方法で渡してください。このページを離れると二度と表示できません（保存されているのはハッシュだけです）。',
    doneDisabled: 'ユーザーを無効にしました。API トークンとセッションは使えなくなりました。',
    doneEnabled: 'ユーザーを有効にしました。',
    none: 'ユーザーはいません。',
    back: 'ユーザーの一覧へ',
    you: '（あなた）',
  },
  en: {
    title: 'Users',
    create: 'Add a user',
    name: 'Name',
    email: 'E-mail address',
    role: 'Role',
    admin: 'Admin',
    member: 'Member',
    submitCreate: 'Create the user',
    status: 'Status',
    enabled: 'Enabled',
    disabled: 'Disabled',
    created: 'Created',
    actions: 'Actions',
    disable: 'Disable',
    enable: 'Enable',
    rotate: 'Rotate the token',
    confirmDisable: 'Disable this user? Their API token and console sessions stop working at once.',
    confirmRotate: 'Rotate the API token? The current one stops working at once.',
    createdUser: 'The user "{name}" was created.',
    rotatedToken: 'The API token of "{name}" was rotated.',
    token: 'New API token',
    tokenWarning: 'This token is shown this once. Copy it now and hand it to the user safely: once you leave this page it cannot be shown again (only its hash is kept).',
    doneDisabled: 'The user was disabled: their API token and sessions no longer work.',
    doneEnabled: 'The user was enabled.',
    none: 'No users.',
    back: 'All users',
    you: '(you)',
  },
};


const PAGE_SIZE = 100;

export function userPages(deps: ApiDeps) {
  const pages = new Hono<ConsoleEnv>();
  pages.use('*', requireAdminPage);
  pages.get('/', (c) => renderUsers(c, deps, { done: c.req.query('done') }));
  pages.post('/', (c) => addUser(c, deps));
  pages.post('/:id/disable', (c) => setDisabled(c, deps, 'disable'));
  pages.post('/:id/enable', (c) => setDisabled(c, deps, 'enable'));
  pages.post('/:id/token', (c) => newToken(c, deps));
  return pages;
}

async function addUser(c: ConsoleContext, deps: ApiDeps): Promise<Response> {
  const form = await c.req.parseBody();
  const values = { name: String(form.name ?? ''), email: String(form.email ?? ''), role: String(form.role ?? 'member') };
  const parsed = CreateUserBody.safeParse({ ...values, email: values.email.trim() });
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${WORDS[c.get('lang')][i.path[0] as 'name' | 'email' | 'role'] ?? i.path.join('.')}: ${i.message}`).join(' ');
    return renderUsers(c, deps, { error: message, status: 400, values });
  }
  try {
    const { user, apiToken } = await createUser(deps.orm.em.fork(), { ...parsed.data, actor: c.get('user') });
    return renderToken(c, WORDS[c.get('lang')].createdUser.replace('{name}', () => user.name), apiToken);
  } catch (error) {
    const refusal = refusalOf(c, error);
    return renderUsers(c, deps, { error: refusal.message, status: refusal.status, values });
  }
}

async function setDisabled(c: ConsoleContext<'/:id/disable' | '/:id/enable'>, deps: ApiDeps, action: 'disable' | 'enable'): Promise<Response> {
  try {
    await setUserDisabled(deps.orm.em.fork(), { userId: c.req.param('id'), disabled: action === 'disable', actor: c.get('user') });
    return c.redirect(`/console/users?done=${action}d`, 303);
  } catch (error) {
    const refusal = refusalOf(c, error);
    return renderUsers(c, deps, { error: refusal.message, status: refusal.status });
  }
}

async function newToken(c: ConsoleContext<'/:id/token'>, deps: ApiDeps): Promise<Response> {
  try {
    const { user, apiToken } = await rotateToken(deps.orm.em.fork(), { userId: c.req.param('id'), actor: c.get('user') });
    return renderToken(c, WORDS[c.get('lang')].rotatedToken.replace('{name}', () => user.name), apiToken);
  } catch (error) {
    const refusal = refusalOf(c, error);
    return renderUsers(c, deps, { error: refusal.message, status: refusal.status });
  }
}

/**
 * A token, shown once: rendered in answer to the POST (never in an address, never cached), with the warning
 * that it cannot be shown again.
 */
function renderToken(c: ConsoleContext, message: string, apiToken: string) {
  const words = WORDS[c.get('lang')];
  return renderPage(c, { title: words.token, section: 'users' }, (
    <>
      <h1>{words.title}</h1>
      <p role="status">{message}</p>
      <div class="panel">
        <label for="new-token">{words.token}</label>
        <input id="new-token" type="text" readonly value={apiToken} aria-describedby="token-warning" class="token" />
        <p id="token-warning" class="warning"><strong>{words.tokenWarning}</strong></p>
      </div>
      <p><a href="/console/users">{words.back}</a></p>
    </>
  ));
}

async function renderUsers(
  c: ConsoleContext,
  deps: ApiDeps,
  options: { done?: string | undefined; error?: string; status?: RefusalStatus; values?: { name: string; email: string; role: string } },
) {
  const lang = c.get('lang');
  const words = WORDS[lang];
  const cursor = c.req.query('cursor') || undefined;
  let page: { items: User[]; nextCursor: string | null } = { items: [], nextCursor: null };
  let error = options.error;
  let status = options.status;
  try {
    page = await listUsers(deps.orm.em.fork(), { limit: PAGE_SIZE, cursor });
  } catch (refused) {
    ({ message: error, status } = refusalOf(c, refused));
  }
  const done = options.done === 'disabled' ? words.doneDisabled : options.done === 'enabled' ? words.doneEnabled : undefined;
  return renderPage(c, { title: words.title, section: 'users', status: status ?? 200 }, (
    <>
      <h1>{words.title}</h1>
      {done && <p role="status">{done}</p>}
      {error && <p role="alert">{error}</p>}
      {page.items.length === 0 ? <p>{words.none}</p> : <UserTable c={c} lang={lang} users={page.items} />}
      <Pager lang={lang} path="/console/users" cursor={cursor} nextCursor={page.nextCursor} />
      <CreateUserForm c={c} values={options.values ?? { name: '', email: '', role: 'member' }} />
    </>
  ));
}

/** ユーザーを追加, with what was typed when it was refused. */
function CreateUserForm({ c, values }: { c: ConsoleContext; values: { name: string; email: string; role: string } }) {
  const words = WORDS[c.get('lang')];
  return (
    <section aria-labelledby="create-heading" class="panel">
      <h2 id="create-heading">{words.create}</h2>
      <form method="post" action="/console/users">
        <CsrfField c={c} />
        <label for="user-name">{words.name}</label>
        <input id="user-name" name="name" type="text" required maxlength={200} value={values.name} autocomplete="off" />
        <label for="user-email">{words.email}</label>
        <input id="user-email" name="email" type="email" required maxlength={320} value={values.email} autocomplete="off" />
        <fieldset>
          <legend>{words.role}</legend>
          {USER_ROLES.map((role) => (
            <label>
              <input type="radio" name="role" value={role} checked={values.role === role} />
              {words[role]}
            </label>
          ))}
        </fieldset>
        <button type="submit">{words.submitCreate}</button>
      </form>
    </section>
  );
}

function UserTable({ c, lang, users }: { c: ConsoleContext; lang: Lang; users: User[] }) {
  const words = WORDS[lang];
  const me = c.get('user').id;
  return (
    <table>
      <caption class="visually-hidden">{words.title}</caption>
      <thead>
        <tr>
          <th scope="col">{words.name}</th>
          <th scope="col">{words.email}</th>
          <th scope="col">{words.role}</th>
          <th scope="col">{words.status}</th>
          <th scope="col">{words.created}</th>
          <th scope="col">{words.actions}</th>
        </tr>
      </thead>
      <tbody>
        {users.map((user) => (
          <tr>
            <th scope="row">{user.id === me ? `${user.name} ${words.you}` : user.name}</th>
            <td>{user.email}</td>
            <td>{words[user.role]}</td>
            <td>{user.disabledAt ? <span class="badge error">{words.disabled}</span> : <span class="badge ok">{words.enabled}</span>}</td>
            <td>{formatDateTime(lang, user.createdAt)}</td>
            <td>
              <UserActions c={c} lang={lang} user={user} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A user's buttons: disable (or enable) and rotate the token, each asking first when it cannot be undone. */
function UserActions({ c, lang, user }: { c: ConsoleContext; lang: Lang; user: User }) {
  const words = WORDS[lang];
  return (
    <div class="actions">
      <form method="post" action={`/console/users/${user.id}/${user.disabledAt ? 'enable' : 'disable'}`}>
        <CsrfField c={c} />
        {user.disabledAt ? (
          <button type="submit" class="secondary" aria-label={`${words.enable}: ${user.name}`}>{words.enable}</button>
        ) : (
          <button type="submit" class="danger" data-confirm={words.confirmDisable} aria-label={`${words.disable}: ${user.name}`}>{words.disable}</button>
        )}
      </form>
      <form method="post" action={`/console/users/${user.id}/token`}>
        <CsrfField c={c} />
        <button type="submit" class="secondary" data-confirm={words.confirmRotate} aria-label={`${words.rotate}: ${user.name}`}>{words.rotate}</button>
      </form>
    </div>
  );
}
