import type { Review, Visibility } from '../../src/ledger';
import { CONTRACT_FIELDS, type ContractField } from '../../src/ledger/contract-fields';
import { formatDate, formatDateTime, type Lang } from './i18n';
import { CsrfField, renderPage } from './layout';
import { FIELD_WORDS, fill, REVIEW_WORDS } from './reviews-words';
import type { RefusalStatus } from './refused';
import type { ConsoleContext } from './session';

/** The views of the review pages; the routes (reviews.tsx) decide what they show. */

export interface ListFilter {
  connectionId?: string | undefined;
  concludedFrom?: string | undefined;
  concludedTo?: string | undefined;
  q?: string | undefined;
}

export interface ConnectionChoice {
  id: string;
  managementId: string;
  name: string;
}

/** A message above a page's content: what just happened (status) or why something was refused (alert). */
export interface Notice {
  status?: string | undefined;
  alert?: string | undefined;
}

/** The filter as query parameters, blanks left out, for links and redirects that keep it. */
export function filterQuery(filter: ListFilter): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value) params.set(key, value);
  return params;
}

export const hasFilter = (filter: ListFilter) => Object.values(filter).some((v) => v !== undefined && v !== '');

const conclusionDates = (review: Review) =>
  [...new Set(review.files.map((f) => f.fields.conclusionDate).filter((d): d is string => typeof d === 'string'))].sort();

function Notices({ notice }: { notice: Notice }) {
  return (
    <>
      {notice.status && <p role="status">{notice.status}</p>}
      {notice.alert && <p role="alert">{notice.alert}</p>}
    </>
  );
}

function FilterHiddenFields({ filter }: { filter: ListFilter }) {
  return <>{[...filterQuery(filter)].map(([name, value]) => <input type="hidden" name={name} value={value} />)}</>;
}

function FilterForm({ lang, filter, connections }: { lang: Lang; filter: ListFilter; connections: ConnectionChoice[] }) {
  const w = REVIEW_WORDS[lang];
  return (
    <form method="get" action="/console/reviews" class="filters">
      <fieldset>
        <legend>{w.filters}</legend>
        <p>
          <label for="filter-connection">{w.connection}</label>
          <select id="filter-connection" name="connectionId">
            <option value="">{w.anyConnection}</option>
            {connections.map((c) => (
              <option value={c.id} selected={filter.connectionId === c.id}>{`${c.managementId} ${c.name}`}</option>
            ))}
          </select>
        </p>
        <p>
          <label for="filter-from">{w.concludedFrom}</label>
          <input type="date" id="filter-from" name="concludedFrom" value={filter.concludedFrom ?? ''} />
        </p>
        <p>
          <label for="filter-to">{w.concludedTo}</label>
          <input type="date" id="filter-to" name="concludedTo" value={filter.concludedTo ?? ''} />
        </p>
        <p>
          <label for="filter-q">{w.words}</label>
          <input type="search" id="filter-q" name="q" value={filter.q ?? ''} maxlength={200} />
        </p>
        <button type="submit">{w.applyFilter}</button> <a href="/console/reviews">{w.clearFilter}</a>
      </fieldset>
    </form>
  );
}

function ReviewRow({ lang, review, managementId }: { lang: Lang; review: Review; managementId: string }) {
  const w = REVIEW_WORDS[lang];
  const title = review.title ?? w.untitled;
  return (
    <tr>
      <td>
        <input type="checkbox" name="ids" value={review.id} id={`select-${review.id}`} aria-label={fill(w.select, { title })} />
      </td>
      <th scope="row">
        <a href={`/console/reviews/${review.id}`}>{title}</a>
      </th>
      <td>{managementId}</td>
      <td>
        <span class="count">{review.files.length}</span>{' '}
        <span class="names">{review.files.map((f) => f.name ?? f.fileId).join(', ')}</span>
      </td>
      <td>{conclusionDates(review).map((d) => formatDate(lang, d)).join(', ') || '—'}</td>
      <td>{formatDateTime(lang, review.createdAt)}</td>
    </tr>
  );
}

export function renderReviewList(
  c: ConsoleContext,
  input: {
    filter: ListFilter;
    connections: ConnectionChoice[];
    reviews: Review[];
    nextCursor: string | null;
    paged: boolean;
    notice: Notice;
    status?: 200 | 400;
  },
): Response {
  const lang = c.get('lang');
  const w = REVIEW_WORDS[lang];
  const back = `/console/reviews${filterQuery(input.filter).size ? `?${filterQuery(input.filter)}` : ''}`;
  return renderPage(c, { title: w.title, section: 'reviews', scripts: ['reviews.js'], styles: ['reviews.css'], status: input.status ?? 200 }, (
    <>
      <h1>{w.listHeading}</h1>
      <Notices notice={input.notice} />
      <p>{w.intro}</p>
      <FilterForm lang={lang} filter={input.filter} connections={input.connections} />
      {hasFilter(input.filter) && <BulkByFilterForm lang={lang} filter={input.filter} />}
      {input.reviews.length === 0 ? (
        <p>{w.none}</p>
      ) : (
        <SelectionForm c={c} reviews={input.reviews} connections={input.connections} back={back} />
      )}
      {(input.nextCursor || input.paged) && <ListPages lang={lang} filter={input.filter} nextCursor={input.nextCursor} paged={input.paged} back={back} />}
    </>
  ));
}

/** A decision by filter: the filter goes on to the confirmation step (GET /console/reviews/bulk), which counts first. */
function BulkByFilterForm({ lang, filter }: { lang: Lang; filter: ListFilter }) {
  const w = REVIEW_WORDS[lang];
  return (
    <form method="get" action="/console/reviews/bulk" class="bulk-filter">
      <FilterHiddenFields filter={filter} />
      <p class="help">{w.byFilterHelp}</p>
      <button type="submit" name="action" value="approve">{w.approveMatching}</button>{' '}
      <button type="submit" name="action" value="discard" class="danger">{w.discardMatching}</button>
    </form>
  );
}

/** The list's documents with a checkbox each, and the buttons that decide the checked ones; `back` is this page. */
function SelectionForm({ c, reviews, connections, back }: { c: ConsoleContext; reviews: Review[]; connections: ConnectionChoice[]; back: string }) {
  const lang = c.get('lang');
  const w = REVIEW_WORDS[lang];
  return (
    <form method="post" action="/console/reviews/bulk" class="selection">
      <CsrfField c={c} />
      <input type="hidden" name="back" value={back} />
      <p class="select-all" hidden>
        <input type="checkbox" id="select-all" data-select-all />
        <label for="select-all">{w.selectAll}</label>
      </p>
      <ReviewTable lang={lang} reviews={reviews} connections={connections} />
      <p class="actions">
        <button type="submit" name="action" value="approve">{w.approveSelected}</button>{' '}
        <button type="submit" name="action" value="discard" class="danger">{w.discardSelected}</button>
      </p>
    </form>
  );
}

function ReviewTable({ lang, reviews, connections }: { lang: Lang; reviews: Review[]; connections: ConnectionChoice[] }) {
  const w = REVIEW_WORDS[lang];
  const ids = new Map(connections.map((conn) => [conn.id, conn.managementId]));
  return (
    <table>
      <caption class="visually-hidden">{w.listHeading}</caption>
      <thead>
        <tr>
          <th scope="col">{w.colSelect}</th>
          <th scope="col">{w.colTitle}</th>
          <th scope="col">{w.colManagementId}</th>
          <th scope="col">{w.colFiles}</th>
          <th scope="col">{w.colConcluded}</th>
          <th scope="col">{w.colWaiting}</th>
        </tr>
      </thead>
      <tbody>
        {reviews.map((review) => (
          <ReviewRow lang={lang} review={review} managementId={ids.get(review.connectionId) ?? '—'} />
        ))}
      </tbody>
    </table>
  );
}

/** The first page (`back`: the filter without a cursor) and the next, which keeps the filter. */
function ListPages({ lang, filter, nextCursor, paged, back }: { lang: Lang; filter: ListFilter; nextCursor: string | null; paged: boolean; back: string }) {
  const w = REVIEW_WORDS[lang];
  const next = filterQuery(filter);
  if (nextCursor) next.set('cursor', nextCursor);
  return (
    <nav aria-label={w.pages} class="pages">
      {paged && <a href={back}>{w.firstPage}</a>} {nextCursor && <a href={`/console/reviews?${next}`}>{w.nextPage}</a>}
    </nav>
  );
}

export function renderBulkConfirmation(
  c: ConsoleContext,
  input: { filter: ListFilter; action: 'approve' | 'discard'; count: number },
): Response {
  const w = REVIEW_WORDS[c.get('lang')];
  const back = `/console/reviews?${filterQuery(input.filter)}`;
  const count = String(input.count);
  return renderPage(c, { title: w.confirmTitle, section: 'reviews', styles: ['reviews.css'] }, (
    <>
      <h1>{w.confirmTitle}</h1>
      {input.count === 0 ? (
        <p>{w.nothingMatches}</p>
      ) : (
        <form method="post" action="/console/reviews/bulk">
          <CsrfField c={c} />
          <FilterHiddenFields filter={input.filter} />
          <input type="hidden" name="mode" value="filter" />
          <input type="hidden" name="back" value={back} />
          <p id="bulk-count">{fill(input.action === 'approve' ? w.confirmApprove : w.confirmDiscard, { count })}</p>
          <button type="submit" name="action" value={input.action} class={input.action === 'discard' ? 'danger' : undefined}>
            {fill(input.action === 'approve' ? w.confirmApproveButton : w.confirmDiscardButton, { count })}
          </button>
        </form>
      )}
      <p>
        <a href={back}>{w.cancel}</a>
      </p>
    </>
  ));
}

export interface Choices {
  groups: { id: string; name: string }[];
  users: { id: string; name: string }[];
}

export interface ReviewPageInput {
  review: Review;
  connection: { managementId: string; name: string; visibility: Visibility; owners: string[] };
  neighbours: { previous: string | null; next: string | null };
  choices: Choices;
  notice: Notice;
  status?: 200 | RefusalStatus;
  /** What the reviewer chose, when the form comes back refused. */
  chosen?: { scope: string; groupIds: string[]; owners: string[] } | undefined;
}

function FieldTable({ lang, fields }: { lang: Lang; fields: Review['files'][number]['fields'] }) {
  const w = REVIEW_WORDS[lang];
  const shown = (field: ContractField): string => {
    const value = fields[field];
    if (value === null || value === undefined || value === '') return '—';
    if (typeof value === 'boolean') return value ? w.yes : w.no;
    if (field === 'amount') return `${BigInt(String(value)).toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-GB')} ${lang === 'ja' ? '円' : 'yen'}`;
    return String(value);
  };
  return (
    <table class="fields">
      <caption>{w.fields}</caption>
      <tbody>
        {CONTRACT_FIELDS.map((field) => (
          <tr>
            <th scope="row">{FIELD_WORDS[lang][field]}</th>
            <td>{shown(field)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DecisionForm({ c, input }: { c: ConsoleContext; input: ReviewPageInput }) {
  const lang = c.get('lang');
  const w = REVIEW_WORDS[lang];
  const proposed = input.connection.visibility;
  const chosen = input.chosen ?? {
    scope: proposed.scope,
    groupIds: proposed.scope === 'groups' ? proposed.groupIds : [],
    owners: input.connection.owners,
  };
  return (
    <form method="post" action={`/console/reviews/${input.review.id}/decision`} class="decision">
      <CsrfField c={c} />
      <h2>{w.decision}</h2>
      <fieldset role="radiogroup">
        <legend>{w.visibility}</legend>
        {(['company', 'private', 'groups'] as const).map((scope) => (
          <p>
            <input type="radio" name="scope" value={scope} id={`scope-${scope}`} checked={chosen.scope === scope} />
            <label for={`scope-${scope}`}>{w[scope]}</label>
          </p>
        ))}
      </fieldset>
      <fieldset>
        <legend>{w.chooseGroups}</legend>
        {input.choices.groups.length === 0 && <p>{w.noGroups}</p>}
        {input.choices.groups.map((g) => (
          <p>
            <input type="checkbox" name="groupIds" value={g.id} id={`group-${g.id}`} checked={chosen.groupIds.includes(g.id)} />
            <label for={`group-${g.id}`}>{g.name}</label>
          </p>
        ))}
      </fieldset>
      <p>
        <label for="owners">{w.owners}</label>
        <select id="owners" name="owners" multiple aria-describedby="owners-help">
          {input.choices.users.map((u) => (
            <option value={u.id} selected={chosen.owners.includes(u.id)}>{u.name}</option>
          ))}
        </select>
        <span id="owners-help" class="help">{w.ownersHelp}</span>
      </p>
      <p class="actions">
        <button type="submit" name="action" value="approve" data-shortcut="approve">{w.approve}</button>{' '}
        <button type="submit" name="action" value="discard" data-shortcut="discard" class="danger">{w.discard}</button>
      </p>
    </form>
  );
}

function Shortcuts({ lang }: { lang: Lang }) {
  const w = REVIEW_WORDS[lang];
  return (
    <section class="shortcuts" aria-labelledby="shortcuts-heading">
      <h2 id="shortcuts-heading">{w.shortcuts}</h2>
      <ul>
        <li><kbd>j</kbd> / <kbd>n</kbd>: {w.shortcutNext}</li>
        <li><kbd>k</kbd> / <kbd>p</kbd>: {w.shortcutPrevious}</li>
        <li><kbd>a</kbd>: {w.shortcutApprove}</li>
        <li><kbd>d</kbd>: {w.shortcutDiscard}</li>
      </ul>
    </section>
  );
}

export function renderReviewPage(c: ConsoleContext, input: ReviewPageInput): Response {
  const lang = c.get('lang');
  const w = REVIEW_WORDS[lang];
  const { review, neighbours } = input;
  const title = review.title ?? w.untitled;
  const open = review.status === 'pending' && !review.decision;
  return renderPage(c, { title, section: 'reviews', scripts: ['reviews.js'], styles: ['reviews.css'], status: input.status ?? 200 }, (
    <>
      <nav aria-label={w.pages} class="queue">
        <a href="/console/reviews">{w.backToList}</a>
        {neighbours.previous && <a href={`/console/reviews/${neighbours.previous}`} data-shortcut="previous" rel="prev">{w.previous}</a>}
        {neighbours.next && <a href={`/console/reviews/${neighbours.next}`} data-shortcut="next" rel="next">{w.next}</a>}
      </nav>
      <h1>{title}</h1>
      <Notices notice={input.notice} />
      <dl class="meta">
        <dt>{w.connectionOf}</dt>
        <dd>{`${input.connection.managementId} ${input.connection.name}`}</dd>
        <dt>{w.waitingSince}</dt>
        <dd>{formatDateTime(lang, review.createdAt)}</dd>
        {!open && (
          <>
            <dt>{w.state}</dt>
            <dd>{review.pendingReason?.message ?? review.closedReason?.message ?? w.decidedAlready}</dd>
          </>
        )}
      </dl>
      {open && <DecisionForm c={c} input={input} />}
      {open && <Shortcuts lang={lang} />}
      <h2>{w.files}</h2>
      {review.files.map((file, i) => {
        const name = file.name ?? file.fileId;
        return (
          <section class="file" aria-labelledby={`file-${file.fileId}`}>
            <h3 id={`file-${file.fileId}`}>{fill(w.file, { n: i + 1, name })}</h3>
            <FieldTable lang={lang} fields={file.fields} />
            {review.status !== 'discarded' && (
              <iframe class="pdf" src={`/console/reviews/${review.id}/files/${encodeURIComponent(file.fileId)}`} title={fill(w.pdf, { name })}></iframe>
            )}
          </section>
        );
      })}
    </>
  ));
}
