import type { Messages } from './i18n';
import { renderPage } from './layout';
import type { ConsoleContext } from './session';

export const SIGN_IN_WORDS: Messages<'title' | 'intro' | 'token' | 'tokenHelp' | 'submit' | 'unknown' | 'missing' | 'tooMany' | 'signedOut'> = {
  ja: {
    title: 'ログイン',
    intro: 'CloudSign の締結済み書類を契約書台帳へ取り込むサービスです。管理者から受け取った API トークンでログインしてください。',
    token: 'APIトークン',
    tokenHelp: 'csk_ で始まる文字列です。トークンがない場合や失効した場合は、管理者に新しいトークンを発行してもらってください。',
    submit: 'ログイン',
    unknown: 'この API トークンは登録されていないか、無効になっています。管理者に新しいトークンを発行してもらってください。',
    missing: 'API トークンを入力してください。',
    tooMany: 'ログインの失敗が続いたため、しばらくお待ちください。{seconds} 秒後にもう一度お試しください。',
    signedOut: 'ログアウトしました。',
  },
  en: {
    title: 'Sign in',
    intro: 'Imports the documents concluded on CloudSign into the contract ledger. Sign in with the API token an admin gave you.',
    token: 'API token',
    tokenHelp: 'It starts with csk_. If you have none, or yours was revoked, ask an admin for a new one.',
    submit: 'Sign in',
    unknown: 'This API token is not known or has been disabled. Ask an admin for a new one.',
    missing: 'Enter your API token.',
    tooMany: 'Too many failed sign-ins: wait {seconds} seconds, then try again.',
    signedOut: 'You have signed out.',
  },
};

/** The sign-in form (`/console` before sign-in), with the reason of a refused attempt when there was one. */
export function renderSignIn(c: ConsoleContext, options: { next: string; error?: string; notice?: string; status?: 200 | 401 | 400 | 429 }): Response {
  const words = SIGN_IN_WORDS[c.get('lang')];
  return renderPage(c, { title: words.title, status: options.status ?? 200 }, (
    <section class="sign-in">
      <h1>{words.title}</h1>
      <p>{words.intro}</p>
      {options.notice && <p role="status">{options.notice}</p>}
      {options.error && <p role="alert" class="error" id="sign-in-error">{options.error}</p>}
      <form method="post" action="/console/sign-in">
        <input type="hidden" name="next" value={options.next} />
        <label for="token">{words.token}</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required aria-describedby={options.error ? 'token-help sign-in-error' : 'token-help'} autofocus />
        <p id="token-help" class="help">{words.tokenHelp}</p>
        <button type="submit">{words.submit}</button>
      </form>
    </section>
  ));
}
