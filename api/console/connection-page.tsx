import type { Connection, FileError, SyncRun } from '../../src/ledger';
import { connectionWorkflowId } from '../../src/temporal/messages';
import { CONNECTION_WORDS, RUN_KIND_WORDS, RUN_OUTCOME_WORDS } from './connection-words';
import { SaveModeFields, VisibilityFields, type Chosen, type Directory } from './connection-form';
import { LastError, ProgressBar, StatusBadge, Totals } from './connection-views';
import { formatDateTime, formatNumber, type Lang } from './i18n';
import { CsrfField, renderPage, type PageOptions } from './layout';
import type { ConsoleContext } from './session';

/**
 * `/console/connections/:id`: the connection's state (a live part, refreshed by static/connections.js),
 * its controls, settings, Hook URL, runs, failed files and the last reconciliation.
 */

/** What each control is called on the page; `disconnect` ends the connection. */
export const PAGE_CONTROLS = ['sync', 'pause', 'resume', 'reconcile', 'disconnect'] as const;
export type PageControl = (typeof PAGE_CONTROLS)[number];

/**
 * The controls that make sense in a status: a paused connection is resumed (or disconnected), one in
 * error is resumed once fixed; one that runs may be synced now, paused or reconciled. The API accepts them
 * in any live status; this only keeps pointless buttons out of the way.
 */
export function controlsFor(status: Connection['status']): PageControl[] {
  switch (status) {
    case 'disconnected':
      return [];
    case 'paused':
      return ['resume', 'disconnect'];
    case 'error':
    case 'quota_exhausted':
      return ['resume', 'pause', 'disconnect'];
    default:
      return ['sync', 'pause', 'reconcile', 'disconnect'];
  }
}

export interface ConnectionPageData {
  connection: Connection;
  runs: SyncRun[];
  fileErrors: FileError[];
  directory: Directory;
  /** The CloudSign Hook URL when the webhook fast path gives the connection one (see `connectionHookUrl`). */
  hookUrl: string | null;
  /** The connection's workflow in the Temporal Web UI, when TEMPORAL_WEB_UI_URL is set. */
  workflowUrl: string | null;
  /** Set after a POST: the `role=status` message, or the refusal with the reason and the fix. */
  done?: string;
  refusal?: string;
  /** The settings form as sent when it was refused, so that nothing typed is lost. */
  chosen?: Chosen & { name: string };
  status?: PageOptions['status'];
}

export function temporalWorkflowUrl(config: { TEMPORAL_WEB_UI_URL?: string | undefined; TEMPORAL_NAMESPACE: string }, managementId: string): string | null {
  if (!config.TEMPORAL_WEB_UI_URL) return null;
  const base = config.TEMPORAL_WEB_UI_URL.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(connectionWorkflowId(managementId))}`;
}

export function renderConnectionPage(c: ConsoleContext, data: ConnectionPageData): Response {
  const lang = c.get('lang');
  const w = CONNECTION_WORDS[lang];
  const { connection } = data;
  return renderPage(
    c,
    { title: `${connection.managementId} ${connection.name}`, section: 'connections', scripts: ['connections.js'], styles: ['connections.css'], status: data.status ?? 200 },
    <>
      <p>
        <a href="/console/connections">{w.back_to_list}</a>
      </p>
      <h1>{`${connection.managementId} ${connection.name}`}</h1>
      {data.done && <p role="status">{data.done}</p>}
      {data.refusal && <p role="alert">{data.refusal}</p>}
      <div id="connection-live" data-live="">
        <StatePanel c={c} connection={connection} />
      </div>
      {data.workflowUrl && (
        <p>
          <a href={data.workflowUrl} rel="noopener" target="_blank">{w.temporal}</a>
        </p>
      )}
      <HookUrl lang={lang} hookUrl={data.hookUrl} />
      <Completeness lang={lang} connection={connection} />
      <Runs lang={lang} runs={data.runs} />
      <FileErrors c={c} connection={connection} fileErrors={data.fileErrors} />
      {connection.status !== 'disconnected' && <Settings c={c} data={data} />}
    </>,
  );
}

/** Status, progress, dates, last error, totals and the controls valid now: what changes while one looks. */
function StatePanel({ c, connection }: { c: ConsoleContext; connection: Connection }) {
  const lang = c.get('lang');
  const w = CONNECTION_WORDS[lang];
  const controls = controlsFor(connection.status);
  return (
    <>
      <StateFields lang={lang} connection={connection} />
      {connection.warnings.length > 0 && <Warnings lang={lang} connection={connection} />}
      <h2>{w.totals}</h2>
      <Totals lang={lang} connection={connection} />
      {controls.length > 0 && <Controls c={c} connection={connection} controls={controls} />}
    </>
  );
}

function StateFields({ lang, connection }: { lang: Lang; connection: Connection }) {
  const w = CONNECTION_WORDS[lang];
  return (
    <dl class="fields">
      <dt>{w.status}</dt>
      <dd>
        <StatusBadge lang={lang} connection={connection} />
      </dd>
      <dt>{w.progress}</dt>
      <dd>
        <ProgressBar lang={lang} connection={connection} />
      </dd>
      <dt>{w.lastSync}</dt>
      <dd>{formatDateTime(lang, connection.lastSyncAt)}</dd>
      <dt>{w.nextSync}</dt>
      <dd>{connection.status === 'disconnected' ? '—' : formatDateTime(lang, connection.nextSyncAt)}</dd>
      <dt>{w.lastError}</dt>
      <dd>
        <LastError lang={lang} connection={connection} />
      </dd>
      <dt>{w.clientIdLast4}</dt>
      <dd>{`…${connection.clientIdLast4}`}</dd>
    </dl>
  );
}

function Warnings({ lang, connection }: { lang: Lang; connection: Connection }) {
  const w = CONNECTION_WORDS[lang];
  return (
    <div class="panel">
      <h2>{w.warnings}</h2>
      <ul>
        {connection.warnings.map((warning) => (
          <li class="warning">{warning.message}</li>
        ))}
      </ul>
    </div>
  );
}

/** A button for each control valid now (`controlsFor`); disconnecting asks first. */
function Controls({ c, connection, controls }: { c: ConsoleContext; connection: Connection; controls: PageControl[] }) {
  const w = CONNECTION_WORDS[c.get('lang')];
  return (
    <>
      <h2>{w.controls}</h2>
      <form method="post" action={`/console/connections/${connection.id}/control`} class="actions">
        <CsrfField c={c} />
        {controls.map((control) => (
          <button
            type="submit"
            name="control"
            value={control}
            class={control === 'disconnect' ? 'danger' : undefined}
            data-confirm={control === 'disconnect' ? w.disconnectConfirm : undefined}
          >
            {w[control]}
          </button>
        ))}
      </form>
    </>
  );
}

/** The Hook URL to paste into CloudSign, when the webhook fast path gives one; else says it is not set up. */
function HookUrl({ lang, hookUrl }: { lang: Lang; hookUrl: string | null }) {
  const w = CONNECTION_WORDS[lang];
  return (
    <section aria-labelledby="hook-url-title">
      <h2 id="hook-url-title">{w.hookUrl}</h2>
      {hookUrl ? (
        <>
          <p class="help">{w.hookUrlHelp}</p>
          <p>
            <code id="hook-url">{hookUrl}</code>
          </p>
        </>
      ) : (
        <p class="muted">{w.hookUrlNone}</p>
      )}
    </section>
  );
}

function Completeness({ lang, connection }: { lang: Lang; connection: Connection }) {
  const w = CONNECTION_WORDS[lang];
  const figures = connection.completeness;
  return (
    <section aria-labelledby="completeness-title">
      <h2 id="completeness-title">{w.completeness}</h2>
      {figures ? (
        <dl class="fields">
          <dt>{w.checkedAt}</dt>
          <dd>{formatDateTime(lang, figures.checkedAt)}</dd>
          <dt>{w.cloudsignFiles}</dt>
          <dd>{formatNumber(lang, figures.cloudsignFiles)}</dd>
          <dt>{w.ledgerFiles}</dt>
          <dd>{formatNumber(lang, figures.ledgerFiles)}</dd>
          <dt>{w.inReview}</dt>
          <dd>{formatNumber(lang, figures.inReview)}</dd>
          <dt>{w.discarded}</dt>
          <dd>{formatNumber(lang, figures.discarded)}</dd>
          <dt>{w.failed}</dt>
          <dd>{formatNumber(lang, figures.failed)}</dd>
          <dt>{w.missing}</dt>
          <dd>{formatNumber(lang, figures.missing)}</dd>
        </dl>
      ) : (
        <p class="muted">{w.noCompleteness}</p>
      )}
    </section>
  );
}

function Runs({ lang, runs }: { lang: Lang; runs: SyncRun[] }) {
  const w = CONNECTION_WORDS[lang];
  return (
    <section aria-labelledby="runs-title">
      <h2 id="runs-title">{w.runs}</h2>
      {runs.length ? (
        <table aria-labelledby="runs-title">
          <thead>
            <tr>
              <th scope="col">{w.kind}</th>
              <th scope="col">{w.started}</th>
              <th scope="col">{w.finished}</th>
              <th scope="col">{w.outcome}</th>
              <th scope="col" class="number">{w.listed}</th>
              <th scope="col" class="number">{w.imported}</th>
              <th scope="col" class="number">{w.sentToReview}</th>
              <th scope="col" class="number">{w.skipped}</th>
              <th scope="col" class="number">{w.failed}</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr>
                <th scope="row">{RUN_KIND_WORDS[lang][run.kind]}</th>
                <td>{formatDateTime(lang, run.startedAt)}</td>
                <td>{formatDateTime(lang, run.finishedAt)}</td>
                <td>
                  {RUN_OUTCOME_WORDS[lang][run.outcome]}
                  {run.error && <p class="error">{run.error.message}</p>}
                </td>
                <td class="number">{formatNumber(lang, run.counts.listed)}</td>
                <td class="number">{formatNumber(lang, run.counts.imported)}</td>
                <td class="number">{formatNumber(lang, run.counts.sentToReview)}</td>
                <td class="number">{formatNumber(lang, run.counts.skippedDuplicate + run.counts.skippedDiscarded)}</td>
                <td class="number">{formatNumber(lang, run.counts.failed)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">{w.noRuns}</p>
      )}
    </section>
  );
}

function FileErrors({ c, connection, fileErrors }: { c: ConsoleContext; connection: Connection; fileErrors: FileError[] }) {
  const lang = c.get('lang');
  const w = CONNECTION_WORDS[lang];
  const live = connection.status !== 'disconnected';
  return (
    <section aria-labelledby="file-errors-title">
      <h2 id="file-errors-title">{w.fileErrors}</h2>
      {fileErrors.length ? (
        <form method="post" action={`/console/connections/${connection.id}/file-errors`}>
          <CsrfField c={c} />
          <table aria-labelledby="file-errors-title">
            <thead>
              <tr>
                <th scope="col">{w.select}</th>
                <th scope="col">{w.document}</th>
                <th scope="col">{w.reason}</th>
                <th scope="col" class="number">{w.attempts}</th>
                <th scope="col">{w.lastTried}</th>
                <th scope="col">{w.nextAttempt}</th>
              </tr>
            </thead>
            <tbody>
              {fileErrors.map((e) => {
                const title = e.title ?? `${e.documentId} / ${e.fileId}`;
                return (
                  <tr>
                    <td>
                      <input type="checkbox" name="ids" value={e.id} aria-label={`${w.select}: ${title}`} />
                    </td>
                    <th scope="row">
                      {title}
                      <span class="muted">{` (${e.documentId} / ${e.fileId})`}</span>
                    </th>
                    <td>{e.message}</td>
                    <td class="number">{formatNumber(lang, e.attempts)}</td>
                    <td>{formatDateTime(lang, e.lastFailedAt)}</td>
                    <td>{e.dismissedAt ? `${w.dismissedAt}: ${formatDateTime(lang, e.dismissedAt)}` : formatDateTime(lang, e.nextAttemptAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {live && (
            <p class="actions">
              <button type="submit" name="action" value="retry">{w.retrySelected}</button>
              <button type="submit" name="action" value="retryAll" class="secondary">{w.retryAll}</button>
              <button type="submit" name="action" value="dismiss" class="secondary">{w.dismissSelected}</button>
            </p>
          )}
        </form>
      ) : (
        <p class="muted">{w.noFileErrors}</p>
      )}
    </section>
  );
}

/** The settings PATCH /v1/connections/:id changes, as one form; a new client ID is optional and never shown. */
function Settings({ c, data }: { c: ConsoleContext; data: ConnectionPageData }) {
  const lang = c.get('lang');
  const w = CONNECTION_WORDS[lang];
  const { connection } = data;
  const chosen = data.chosen ?? { name: connection.name, visibility: connection.visibility, owners: connection.owners, saveMode: connection.saveMode, reviewers: connection.reviewers };
  return (
    <section aria-labelledby="settings-title">
      <h2 id="settings-title">{w.settings}</h2>
      <form method="post" action={`/console/connections/${connection.id}/settings`}>
        <CsrfField c={c} />
        <label for="settings-name">{w.connectionName}</label>
        <input type="text" id="settings-name" name="name" value={chosen.name} maxlength={200} required />
        <VisibilityFields lang={lang} directory={data.directory} chosen={chosen} />
        <SaveModeFields lang={lang} directory={data.directory} chosen={chosen} />
        <label for="settings-client-id">{w.rotateClientId}</label>
        <p class="help" id="settings-client-id-help">{w.rotateHelp}</p>
        <input type="text" id="settings-client-id" name="clientId" autocomplete="off" spellcheck={false} maxlength={200} aria-describedby="settings-client-id-help" />
        <p class="actions">
          <button type="submit">{w.save}</button>
        </p>
      </form>
    </section>
  );
}

export const DONE_WORDS: Record<Lang, Record<PageControl | 'created' | 'saved' | 'retried' | 'dismissed', string>> = {
  ja: {
    created: '連携を開始しました。全件の取込を始めます。',
    saved: '設定を保存しました。',
    sync: '同期を依頼しました。',
    pause: '一時停止を依頼しました。',
    resume: '再開を依頼しました。',
    reconcile: '照合を依頼しました。',
    disconnect: '連携を解除しました。取り込み済みの契約書は残ります。',
    retried: '再試行を依頼しました。次の同期で取り込みます。',
    dismissed: '選んだファイルを除外しました。',
  },
  en: {
    created: 'Connected: the full import starts.',
    saved: 'Settings saved.',
    sync: 'Sync requested.',
    pause: 'Pause requested.',
    resume: 'Resume requested.',
    reconcile: 'Reconciliation requested.',
    disconnect: 'Disconnected. Imported contracts stay.',
    retried: 'Retry requested: the next sync tries the files again.',
    dismissed: 'The selected files are dismissed.',
  },
};
