import type { Connection } from '../../src/ledger';
import { CONNECTION_WORDS, STATUS_WORDS, fill, remedyFor } from './connection-words';
import { formatDateTime, formatNumber, type Lang } from './i18n';

/** The parts of a connection both the list and its page show: status, progress, last error. */

const STATUS_BADGE: Partial<Record<Connection['status'], string>> = { error: 'badge error', quota_exhausted: 'badge error', idle: 'badge ok' };

export function StatusBadge({ lang, connection }: { lang: Lang; connection: Connection }) {
  return <span class={STATUS_BADGE[connection.status] ?? 'badge'}>{STATUS_WORDS[lang][connection.status]}</span>;
}

/**
 * The import's progress as a `<progress>` named after the connection; indeterminate while an import has
 * started but not yet counted its files.
 */
export function ProgressBar({ lang, connection }: { lang: Lang; connection: Connection }) {
  const { filesDone, filesTotal } = connection.progress;
  const label = fill(CONNECTION_WORDS[lang].progressOf, { id: connection.managementId });
  const running = connection.status === 'importing' || connection.status === 'syncing';
  return (
    <span class="progress">
      {filesTotal > 0 ? <progress aria-label={label} max={filesTotal} value={filesDone}></progress> : running ? <progress aria-label={label}></progress> : null}
      <span class="muted">{filesTotal > 0 ? ` ${formatNumber(lang, filesDone)} / ${formatNumber(lang, filesTotal)}` : running ? '' : ' —'}</span>
    </span>
  );
}

/** The last error in the service's own words (they say why), with what to do about it. */
export function LastError({ lang, connection }: { lang: Lang; connection: Connection }) {
  const error = connection.lastError;
  if (!error) return <span class="muted">—</span>;
  const w = CONNECTION_WORDS[lang];
  return (
    <div class="last-error">
      <p class="error">{error.message}</p>
      <p>
        <strong>{`${w.fix}: `}</strong>
        {remedyFor(lang, error.code)}
      </p>
      <p class="muted">{`${error.code} · ${formatDateTime(lang, error.at)}`}</p>
    </div>
  );
}

export function Totals({ lang, connection }: { lang: Lang; connection: Connection }) {
  const w = CONNECTION_WORDS[lang];
  const { imported, pendingReview, discarded, failed } = connection.totals;
  return (
    <dl class="totals">
      <dt>{w.imported}</dt>
      <dd>{formatNumber(lang, imported)}</dd>
      <dt>{w.pendingReview}</dt>
      <dd>{formatNumber(lang, pendingReview)}</dd>
      <dt>{w.discarded}</dt>
      <dd>{formatNumber(lang, discarded)}</dd>
      <dt>{w.failed}</dt>
      <dd>{formatNumber(lang, failed)}</dd>
    </dl>
  );
}
