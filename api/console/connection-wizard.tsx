import type { Preview } from '../../src/services/preview';
import { adviceIn, CONNECTION_WORDS, fill } from './connection-words';
import { SaveModeFields, VisibilityFields, type Chosen, type Directory } from './connection-form';
import { formatDate, formatNumber, type Lang } from './i18n';
import { CsrfField, renderPage, type PageOptions } from './layout';
import type { ConsoleContext } from './session';

/**
 * 「アカウントを追加」 (CONSOLE.md): Steps 1–3 are parts of one form, shown one at a time by
 * static/connections.js, so that the client ID stays in the browser's field and is never rendered back by
 * the server. Step 3's 次へ asks for the preview (POST /console/connections/preview) and shows it in the
 * Step 4 dialog, whose 連携開始 sends the form. Without script every step shows at once and the form is
 * sent as it is (no preview); a refusal then renders the form again with the client ID field empty.
 */

export type WizardStep = 1 | 2 | 3;

export interface WizardError {
  step: WizardStep;
  message: string;
  fix?: string;
}

interface WizardState {
  directory: Directory;
  chosen: Chosen;
  name?: string;
  error?: WizardError;
  status?: PageOptions['status'];
}

export function renderWizard(c: ConsoleContext, state: WizardState): Response {
  const lang = c.get('lang');
  const w = CONNECTION_WORDS[lang];
  return renderPage(c, { title: w.wizardTitle, section: 'connections', scripts: ['connections.js'], styles: ['connections.css'], status: state.status ?? 200 }, (
    <>
      <h1>{w.wizardTitle}</h1>
      <p class="muted" data-no-script="">{w.scriptNeeded}</p>
      <form id="wizard" method="post" action="/console/connections" data-preview="/console/connections/preview" data-csrf={c.get('csrf')}
        data-need-name={w.needName}
        data-need-client-id={w.needClientId}
        data-failed={w.failedPreview}
        novalidate
      >
        <CsrfField c={c} />
        <Step n={1} lang={lang} title={w.clientId} error={state.error}>
          <label for="connection-name">{w.connectionName}</label>
          <p class="help" id="connection-name-help">{w.connectionNameHelp}</p>
          <input type="text" id="connection-name" name="name" value={state.name ?? ''} maxlength={200} aria-describedby="connection-name-help" />
          <label for="client-id">{w.clientId}</label>
          <p class="help" id="client-id-help">{w.clientIdHelp}</p>
          {/* Never given a value by the server: the client ID is a secret (see above). */}
          <input type="text" id="client-id" name="clientId" autocomplete="off" spellcheck={false} maxlength={200} required aria-describedby="client-id-help" />
        </Step>
        <Step n={2} lang={lang} title={w.scope} error={state.error}>
          <VisibilityFields lang={lang} directory={state.directory} chosen={state.chosen} />
        </Step>
        <Step n={3} lang={lang} title={w.saveMode} error={state.error} last>
          <SaveModeFields lang={lang} directory={state.directory} chosen={state.chosen} />
          {/* For a browser without script (which then gets no preview); the script hides it. */}
          <p class="actions" data-no-script="">
            <button type="submit">{w.start}</button>
          </p>
        </Step>
        <dialog id="preview-dialog" aria-labelledby="preview-title" aria-describedby="preview-body">
          <h2 id="preview-title">{`${fill(w.step, { n: 4 })} ${w.previewTitle}`}</h2>
          <div id="preview-body" data-preview-body=""></div>
          <p class="actions">
            <button type="button" class="secondary" data-close="">{w.back}</button>
            <button type="submit" data-start="">{w.start}</button>
          </p>
        </dialog>
      </form>
    </>
  ));
}

function Step(props: { n: WizardStep; lang: Lang; title: string; error?: WizardError; last?: boolean; children?: unknown }) {
  const w = CONNECTION_WORDS[props.lang];
  const error = props.error?.step === props.n ? props.error : undefined;
  return (
    // No accessible name of its own: a step named "Step 1 クライアントID" would be a second element labelled
    // クライアントID beside the field, and people (and tests) find the field by that label.
    <section class="step" data-step={String(props.n)}>
      <h2 id={`step-${props.n}-title`} tabindex={-1}>{`${fill(w.step, { n: props.n })} ${props.title}`}</h2>
      <div role="alert" data-error="">
        {error && (
          <>
            <p>{error.message}</p>
            {error.fix && <p>{error.fix}</p>}
          </>
        )}
      </div>
      {props.children}
      <p class="actions" data-nav="">
        {props.n > 1 && <button type="button" class="secondary" data-back="">{w.back}</button>}
        <button type="button" data-next="">{w.next}</button>
      </p>
    </section>
  );
}

/** What the Step 4 dialog shows: the files to import (one contract each) and what they mean for the quota. */
export function PreviewBody({ lang, preview }: { lang: Lang; preview: Preview }) {
  const w = CONNECTION_WORDS[lang];
  const { remaining, required } = preview.quota;
  const range =
    preview.earliestConcludedAt || preview.latestConcludedAt ? `${formatDate(lang, preview.earliestConcludedAt)} 〜 ${formatDate(lang, preview.latestConcludedAt)}` : '—';
  return (
    <>
      <dl class="fields preview">
        <dt>{w.files}</dt>
        <dd>
          <strong class="count" data-files={String(preview.files)}>{formatNumber(lang, preview.files)}</strong>
        </dd>
        <dt>{w.documents}</dt>
        <dd>{formatNumber(lang, preview.documents)}</dd>
        <dt>{w.importedDocuments}</dt>
        <dd>{formatNumber(lang, preview.importedDocuments)}</dd>
        <dt>{w.confidential}</dt>
        <dd>{formatNumber(lang, preview.confidentialDocuments)}</dd>
        <dt>{w.dateRange}</dt>
        <dd>{range}</dd>
        <dt>{w.quotaImpact}</dt>
        <dd>
          {fill(w.quotaRemaining, { remaining: formatNumber(lang, remaining), required: formatNumber(lang, required) })}
          {required > remaining && <p class="warning">{fill(w.quotaShort, { short: formatNumber(lang, required - remaining) })}</p>}
        </dd>
        <dt>{w.cloudsignUser}</dt>
        <dd>{[preview.cloudsignUser.name, preview.cloudsignUser.email].filter(Boolean).join(' · ') || '—'}</dd>
      </dl>
      <p class="help">{w.filesWhy}</p>
      <h3>{w.advice}</h3>
      <ul>
        {preview.advice.map((advice) => (
          <li>{adviceIn(lang, advice)}</li>
        ))}
      </ul>
    </>
  );
}
