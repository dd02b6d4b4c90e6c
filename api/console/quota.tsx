import { Hono } from 'hono';
import { getQuota, type Quota } from '../../src/ledger';
import { setQuota } from '../../src/services/quota';
import type { ApiDeps } from '../context';
import { SetQuotaBody } from '../quota';
import { requireAdminPage } from './guards';
import { formatNumber, type Messages } from './i18n';
import { CsrfField, renderPage } from './layout';
import { refusalOf, type RefusalStatus } from './refused';
import type { ConsoleContext, ConsoleEnv } from './session';

/** 登録上限 (admins): how many contracts the subscription may hold, and setting it as PUT /v1/quota does. */

const WORDS: Messages<'title' | 'limit' | 'used' | 'remaining' | 'usage' | 'newLimit' | 'newLimitHelp' | 'submit' | 'done' | 'notNumber' | 'unit'> = {
  ja: {
    title: '登録上限',
    limit: '上限',
    used: '登録済み',
    remaining: '残り',
    usage: '使用状況',
    newLimit: '新しい上限',
    newLimitHelp: '登録できる契約書の件数です。登録済みの件数より少なくはできません。上限を上げると、上限で止まっていた連携と保存待ちのレビューは自動で再開します。',
    submit: '上限を変更',
    done: '登録上限を変更しました。',
    notNumber: '上限は 0 以上 2147483647 以下の整数で入力してください。',
    unit: '件',
  },
  en: {
    title: 'Quota',
    limit: 'Limit',
    used: 'Used',
    remaining: 'Remaining',
    usage: 'Usage',
    newLimit: 'New limit',
    newLimitHelp: 'How many contracts the ledger may hold; not fewer than are held already. Raising it resumes the connections and approved reviews that wait for quota.',
    submit: 'Change the limit',
    done: 'The quota limit was changed.',
    notNumber: 'Enter the limit as a whole number from 0 to 2147483647.',
    unit: '',
  },
};

export function quotaPages(deps: ApiDeps) {
  const pages = new Hono<ConsoleEnv>();
  pages.use('*', requireAdminPage);

  pages.get('/', async (c) => renderQuota(c, await getQuota(deps.orm.em.fork()), { ...(c.req.query('done') === 'set' && { notice: WORDS[c.get('lang')].done }) }));

  pages.post('/', async (c) => {
    const form = await c.req.parseBody();
    const raw = typeof form.limit === 'string' ? form.limit.trim() : '';
    const parsed = SetQuotaBody.safeParse({ limit: /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN });
    if (!parsed.success) return renderQuota(c, await getQuota(deps.orm.em.fork()), { error: WORDS[c.get('lang')].notNumber, status: 400, value: raw });
    try {
      await setQuota(deps, parsed.data.limit, c.get('user'));
      return c.redirect('/console/quota?done=set', 303);
    } catch (error) {
      const refusal = refusalOf(c, error);
      return renderQuota(c, await getQuota(deps.orm.em.fork()), { error: refusal.message, status: refusal.status, value: raw });
    }
  });

  return pages;
}

function renderQuota(c: ConsoleContext, quota: Quota, options: { notice?: string; error?: string; status?: RefusalStatus; value?: string }) {
  const lang = c.get('lang');
  const words = WORDS[lang];
  const count = (n: number) => `${formatNumber(lang, n)}${words.unit ? ` ${words.unit}` : ''}`;
  return renderPage(c, { title: words.title, section: 'quota', status: options.status ?? 200 }, (
    <>
      <h1>{words.title}</h1>
      {options.notice && <p role="status">{options.notice}</p>}
      <dl class="fields">
        <dt>{words.used}</dt>
        <dd data-quota="used">{count(quota.used)}</dd>
        <dt>{words.limit}</dt>
        <dd data-quota="limit">{count(quota.limit)}</dd>
        <dt>{words.remaining}</dt>
        <dd data-quota="remaining">{count(quota.remaining)}</dd>
      </dl>
      <p>
        <label for="quota-usage" class="inline">{words.usage}</label>
        <progress id="quota-usage" max={Math.max(quota.limit, 1)} value={Math.min(quota.used, Math.max(quota.limit, 1))}>{`${count(quota.used)} / ${count(quota.limit)}`}</progress>
      </p>
      <form method="post" action="/console/quota" class="panel">
        <CsrfField c={c} />
        <label for="quota-limit">{words.newLimit}</label>
        <input
          id="quota-limit"
          name="limit"
          type="number"
          min={0}
          max={2_147_483_647}
          step={1}
          required
          value={options.value ?? String(quota.limit)}
          aria-describedby={options.error ? 'quota-help quota-error' : 'quota-help'}
          aria-invalid={options.error ? 'true' : undefined}
        />
        <p id="quota-help" class="help">{words.newLimitHelp}</p>
        {options.error && <p role="alert" id="quota-error">{options.error}</p>}
        <button type="submit">{words.submit}</button>
      </form>
    </>
  ));
}
