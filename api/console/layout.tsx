import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { ConsoleContext } from './session';
import { assetPath } from './assets';
import { CSRF_FIELD } from './session';
import type { Lang, Messages } from './i18n';

const WORDS: Messages<'app' | 'skip' | 'reviews' | 'connections' | 'contracts' | 'users' | 'groups' | 'quota' | 'signOut' | 'docs' | 'nav' | 'language' | 'signedInAs'> = {
  ja: {
    app: 'cloudsign-sync',
    skip: '本文へスキップ',
    reviews: 'レビュー',
    connections: '連携',
    contracts: '契約書',
    users: 'ユーザー',
    groups: 'グループ',
    quota: '登録上限',
    signOut: 'ログアウト',
    docs: 'API リファレンス',
    nav: 'メインメニュー',
    language: 'English',
    signedInAs: 'ログイン中',
  },
  en: {
    app: 'cloudsign-sync',
    skip: 'Skip to content',
    reviews: 'Reviews',
    connections: 'Connections',
    contracts: 'Contracts',
    users: 'Users',
    groups: 'Groups',
    quota: 'Quota',
    signOut: 'Sign out',
    docs: 'API reference',
    nav: 'Main menu',
    language: '日本語',
    signedInAs: 'Signed in as',
  },
};

/** The sections of the navigation; `admin` ones are offered to admins only (their pages refuse members too). */
const SECTIONS = [
  { key: 'reviews', href: '/console/reviews', admin: false },
  { key: 'connections', href: '/console/connections', admin: true },
  { key: 'contracts', href: '/console/contracts', admin: false },
  { key: 'users', href: '/console/users', admin: true },
  { key: 'groups', href: '/console/groups', admin: true },
  { key: 'quota', href: '/console/quota', admin: true },
] as const;

export type Section = (typeof SECTIONS)[number]['key'];

export interface PageOptions {
  /** The page's own title (the `<h1>` is the page's to write); the tab shows it before the service's name. */
  title: string;
  /** The navigation entry to mark as the current one. */
  section?: Section;
  status?: 200 | 400 | 401 | 403 | 404 | 409 | 422 | 429 | 500 | 503;
  /** Scripts of `static/` this page needs, beside console.js. */
  scripts?: string[];
  /** Stylesheets of `static/` this page needs, beside console.css. */
  styles?: string[];
}

/**
 * A whole console page: the navigation for the signed-in user (none before sign-in), the page's content
 * in `<main>`, and the headers every console page has (no caching, no framing by other sites).
 */
export function renderPage(c: ConsoleContext, options: PageOptions, content: Child): Response {
  const lang = c.get('lang');
  const words = WORDS[lang];
  const user = c.get('user') as ConsoleContext['var']['user'] | undefined;
  const here = c.req.path + new URL(c.req.url).search;
  const page = (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${options.title} — ${words.app}`}</title>
        <link rel="stylesheet" href={assetPath('console.css')} />
        {(options.styles ?? []).map((name) => <link rel="stylesheet" href={assetPath(name)} />)}
        <script src={assetPath('console.js')} defer></script>
        {(options.scripts ?? []).map((name) => <script src={assetPath(name)} defer></script>)}
      </head>
      <body>
        <a class="skip" href="#main">{words.skip}</a>
        <header class="top">
          <a class="brand" href="/console">{words.app}</a>
          {user && (
            <nav aria-label={words.nav}>
              <ul>
                {SECTIONS.filter((s) => !s.admin || user.role === 'admin').map((s) => (
                  <li>
                    <a href={s.href} aria-current={options.section === s.key ? 'page' : undefined}>{words[s.key]}</a>
                  </li>
                ))}
                <li>
                  <a href="/console/sign-out">{words.signOut}</a>
                </li>
              </ul>
            </nav>
          )}
          <div class="aside">
            {user && <span class="who">{`${words.signedInAs}: ${user.name}`}</span>}
            <a href="/docs">{words.docs}</a>
            <a href={`/console/language?to=${lang === 'ja' ? 'en' : 'ja'}&next=${encodeURIComponent(here)}`} lang={lang === 'ja' ? 'en' : 'ja'}>{words.language}</a>
          </div>
        </header>
        <main id="main" tabindex={-1}>{content}</main>
      </body>
    </html>
  );
  return c.html(<>{raw('<!doctype html>')}{page}</>, options.status ?? 200) as Response;
}

/** The hidden field every form of a signed-in page carries (api/console/session.ts checks it). */
export function CsrfField({ c }: { c: ConsoleContext }) {
  return <input type="hidden" name={CSRF_FIELD} value={c.get('csrf')} />;
}

/** A page that only says something: refusals, errors, an unknown address. */
export function renderMessagePage(c: ConsoleContext, options: { title: string; message: string; status: PageOptions['status']; section?: Section }): Response {
  return renderPage(c, options, (
    <>
      <h1>{options.title}</h1>
      <p role="alert">{options.message}</p>
    </>
  ));
}

const PAGER_WORDS: Messages<'label' | 'first' | 'next'> = {
  ja: { label: 'ページ', first: '最初のページ', next: '次のページ' },
  en: { label: 'Pages', first: 'First page', next: 'Next page' },
};

/** A list's pages by cursor: back to the first page (when not on it) and on to the next (when there is one). */
export function Pager({ lang, path, cursor, nextCursor }: { lang: Lang; path: string; cursor: string | undefined; nextCursor: string | null }) {
  const words = PAGER_WORDS[lang];
  return (
    <nav class="pager" aria-label={words.label}>
      {cursor && <a href={path}>{words.first}</a>}
      {nextCursor && <a href={`${path}?cursor=${encodeURIComponent(nextCursor)}`}>{words.next}</a>}
    </nav>
  );
}
