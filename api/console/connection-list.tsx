import type { Connection } from '../../src/ledger';
import { CONNECTION_WORDS } from './connection-words';
import { LastError, ProgressBar, StatusBadge, Totals } from './connection-views';
import { formatDateTime, type Lang } from './i18n';
import { renderPage } from './layout';
import type { ConsoleContext } from './session';

/**
 * `/console/connections`: every connection with its status and progress. The table body is a live part
 * (`data-live`): static/connections.js fetches the page again every few seconds and swaps in what changed,
 * so an import's progress moves without a reload.
 */
export function renderConnectionList(c: ConsoleContext, connections: Connection[]): Response {
  const lang = c.get('lang');
  const w = CONNECTION_WORDS[lang];
  return renderPage(c, { title: w.title, section: 'connections', scripts: ['connections.js'], styles: ['connections.css'] }, (
    <>
      <h1>{w.title}</h1>
      <p class="actions">
        <a class="button" href="/console/connections/new">{w.add}</a>
      </p>
      {connections.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{w.managementId}</th>
              <th scope="col">{w.name}</th>
              <th scope="col">{w.status}</th>
              <th scope="col">{w.progress}</th>
              <th scope="col">{w.lastSync}</th>
              <th scope="col">{w.nextSync}</th>
              <th scope="col">{w.lastError}</th>
              <th scope="col">{w.totals}</th>
            </tr>
          </thead>
          <tbody id="connections-live" data-live="">
            {connections.map((connection) => (
              <ConnectionRow lang={lang} connection={connection} />
            ))}
          </tbody>
        </table>
      ) : (
        <p>{w.none}</p>
      )}
    </>
  ));
}

function ConnectionRow({ lang, connection }: { lang: Lang; connection: Connection }) {
  return (
    <tr>
      <th scope="row">
        <a href={`/console/connections/${connection.id}`}>{connection.managementId}</a>
      </th>
      <td>{connection.name}</td>
      <td>
        <StatusBadge lang={lang} connection={connection} />
      </td>
      <td>
        <ProgressBar lang={lang} connection={connection} />
      </td>
      <td>{formatDateTime(lang, connection.lastSyncAt)}</td>
      <td>{connection.status === 'disconnected' ? '—' : formatDateTime(lang, connection.nextSyncAt)}</td>
      <td>
        <LastError lang={lang} connection={connection} />
      </td>
      <td>
        <Totals lang={lang} connection={connection} />
      </td>
    </tr>
  );
}
