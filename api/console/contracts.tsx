import { FIELD_NAMES } from './fields';
import { Hono } from 'hono';
import {
  CONTRACT_FIELD_DEFINITIONS,
  CONTRACT_FIELDS,
  contractsVisibleTo,
  editContract,
  getContract,
  getGroup,
  getUser,
  historyOf,
  listConnections,
  type AuditEvent,
  type Contract,
  type ContractField,
} from '../../src/ledger';
import type { ApiDeps } from '../context';
import { assertMayChange, ContractListQuery, fileNameOf, pdfResponse } from '../contracts';
import { formatDateTime, formatNumber, type Lang, type Messages } from './i18n';
import { CsrfField, renderPage } from './layout';
import { refusalOf } from './refused';
import type { ConsoleContext, ConsoleEnv } from './session';

/**
 * 契約書: the contracts the signed-in user may see (the API's GET /v1/contracts, same visibility rule), each
 * with its fields and where each value came from, its PDF and its 更新履歴.
 */

type Words = Messages<
  | 'title' | 'search' | 'searchHelp' | 'concludedFrom' | 'concludedTo' | 'filter' | 'clear' | 'connectionFilter' | 'none' | 'count'
  | 'connection' | 'allConnections' | 'next' | 'first' | 'colTitle' | 'colCounterparty' | 'colConcluded' | 'colAmount' | 'colManagementId' | 'colCreated' | 'untitled'
  | 'fields' | 'field' | 'value' | 'source' | 'fromCloudsign' | 'fromExtraction' | 'fromUser' | 'noSource' | 'yes' | 'no'
  | 'visibility' | 'company' | 'private' | 'groups' | 'owners' | 'noOwners' | 'origin' | 'managementId' | 'documentId' | 'fileId'
  | 'file' | 'fileName' | 'size' | 'sha256' | 'download' | 'pdf' | 'history' | 'at' | 'action' | 'actor' | 'changes' | 'noHistory'
  | 'edit' | 'editHelp' | 'save' | 'saved' | 'unset' | 'back' | 'yen' | 'bytes'
>;

const WORDS: Words = {
  ja: {
    title: '契約書',
    search: '検索',
    searchHelp: '契約書名・ファイル名・相手方・稟議番号等の一部',
    concludedFrom: '締結日（から）',
    concludedTo: '締結日（まで）',
    filter: '絞り込む',
    clear: '条件をクリア',
    connectionFilter: '連携 {id} の契約書のみ',
    connection: '連携',
    allConnections: 'すべての連携',
    none: '条件に合う契約書はありません。',
    count: '{n} 件を表示',
    next: '次のページ',
    first: '最初のページ',
    colTitle: '契約書名',
    colCounterparty: '相手方',
    colConcluded: '締結日',
    colAmount: '取引金額',
    colManagementId: '管理ID',
    colCreated: '登録日時',
    untitled: '（契約書名なし）',
    fields: '契約書の項目',
    field: '項目',
    value: '値',
    source: '取得元',
    fromCloudsign: 'CloudSign',
    fromExtraction: 'データ抽出',
    fromUser: 'ユーザーが入力',
    noSource: '—',
    yes: 'あり',
    no: 'なし',
    visibility: '共有範囲',
    company: '全社公開',
    private: '非公開',
    groups: 'グループ',
    owners: '社内担当者',
    noOwners: 'なし',
    origin: '取り込み元',
    managementId: '管理ID',
    documentId: 'CloudSign 書類ID',
    fileId: 'CloudSign ファイルID',
    file: 'ファイル',
    fileName: 'ファイル名',
    size: 'サイズ',
    sha256: 'SHA-256',
    download: 'PDF をダウンロード',
    pdf: '契約書の PDF',
    history: '更新履歴',
    at: '日時',
    action: '操作',
    actor: '実行者',
    changes: '変更内容',
    noHistory: '履歴はありません。',
    edit: '項目を編集',
    editHelp: '変更した項目だけが保存され、取得元は「ユーザーが入力」になります。空欄にすると値を消します。',
    save: '変更を保存',
    saved: '変更を保存しました。',
    unset: '未設定',
    back: '契約書の一覧へ',
    yen: '円',
    bytes: 'バイト',
  },
  en: {
    title: 'Contracts',
    search: 'Search',
    searchHelp: 'Part of the title, file name, counterparty or approval number',
    concludedFrom: 'Concluded from',
    concludedTo: 'Concluded until',
    filter: 'Filter',
    clear: 'Clear the filters',
    connectionFilter: 'Only the contracts of connection {id}',
    connection: 'Connection',
    allConnections: 'All connections',
    none: 'No contract matches.',
    count: 'Showing {n}',
    next: 'Next page',
    first: 'First page',
    colTitle: 'Title',
    colCounterparty: 'Counterparty',
    colConcluded: 'Concluded',
    colAmount: 'Amount',
    colManagementId: 'Management ID',
    colCreated: 'Imported',
    untitled: '(no title)',
    fields: 'Fields',
    field: 'Field',
    value: 'Value',
    source: 'Source',
    fromCloudsign: 'CloudSign',
    fromExtraction: 'Data extraction',
    fromUser: 'Entered by a user',
    noSource: '—',
    yes: 'Yes',
    no: 'No',
    visibility: 'Visibility',
    company: 'Everyone',
    private: 'Private',
    groups: 'Groups',
    owners: 'Owners',
    noOwners: 'None',
    origin: 'Imported from',
    managementId: 'Management ID',
    documentId: 'CloudSign document ID',
    fileId: 'CloudSign file ID',
    file: 'File',
    fileName: 'File name',
    size: 'Size',
    sha256: 'SHA-256',
    download: 'Download the PDF',
    pdf: 'The contract\'s PDF',
    history: 'History',
    at: 'When',
    action: 'Action',
    actor: 'By',
    changes: 'Changes',
    noHistory: 'No history.',
    edit: 'Edit the fields',
    editHelp: 'Only the fields you change are saved, with the source "entered by a user". Empty a field to clear it.',
    save: 'Save the changes',
    saved: 'The changes were saved.',
    unset: 'Not set',
    back: 'All contracts',
    yen: 'yen',
    bytes: 'bytes',
  },
};


const ACTIONS: Record<Lang, Record<string, string>> = {
  ja: { imported: '取り込み', extracted: 'データ抽出', edited: '編集', approved: '承認して保存' },
  en: { imported: 'Imported', extracted: 'Extracted', edited: 'Edited', approved: 'Approved' },
};

/** The list's filters as the address carries them, checked by the API's own query schema; an empty field is no filter. */
const FILTER_KEYS = ['q', 'concludedFrom', 'concludedTo', 'connectionId', 'cursor'] as const;
type Filters = Partial<Record<(typeof FILTER_KEYS)[number], string>>;

function filtersOf(query: Record<string, string>): Filters {
  const filters: Filters = {};
  for (const key of FILTER_KEYS) {
    const value = query[key]?.trim();
    if (value) filters[key] = value;
  }
  return filters;
}

const PAGE_SIZE = 50;

export function contractPages(deps: ApiDeps) {
  const { orm } = deps;
  const pages = new Hono<ConsoleEnv>();

  pages.get('/', async (c) => {
    const filters = filtersOf(c.req.query());
    const parsed = ContractListQuery.safeParse({ ...filters, limit: PAGE_SIZE });
    if (!parsed.success) {
      return renderList(c, deps, filters, [], null, { status: 400, message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join(' ') });
    }
    try {
      const page = await contractsVisibleTo(orm.em.fork(), { user: c.get('user'), ...parsed.data });
      return renderList(c, deps, filters, page.items, page.nextCursor);
    } catch (error) {
      return renderList(c, deps, filters, [], null, refusalOf(c, error));
    }
  });

  pages.get('/:id', async (c) => {
    const contract = await getContract(orm.em.fork(), { contractId: c.req.param('id'), user: c.get('user') });
    return renderContract(c, deps, contract, { ...(c.req.query('done') === 'edited' && { notice: WORDS[c.get('lang')].saved }) });
  });

  // The PDF, with the same check as the API's download; `inline`, so that the browser's own viewer shows it in the page.
  pages.get('/:id/file', async (c) => {
    const contract = await getContract(orm.em.fork(), { contractId: c.req.param('id'), user: c.get('user') });
    const response = await pdfResponse(c, deps.storage, { ...contract.file, name: fileNameOf(contract), of: { kind: 'contract', id: contract.id } });
    if (c.req.query('download') === undefined) {
      response.headers.set('content-disposition', (response.headers.get('content-disposition') ?? '').replace(/^attachment/, 'inline'));
    }
    return response;
  });

  pages.post('/:id', async (c) => {
    const contractId = c.req.param('id');
    const user = c.get('user');
    const before = await getContract(orm.em.fork(), { contractId, user });
    const form = await c.req.parseBody({ all: true });
    try {
      await assertMayChange(deps, user, contractId);
      const fields = changedFields(before, form);
      if (Object.keys(fields).length) await editContract(orm.em.fork(), { contractId, user, fields });
      return c.redirect(`/console/contracts/${encodeURIComponent(contractId)}?done=edited`, 303);
    } catch (error) {
      const refusal = refusalOf(c, error);
      return renderContract(c, deps, before, { error: refusal.message, status: refusal.status });
    }
  });

  return pages;
}

/** The form's values that differ from the contract's: only those become a user's edit (and change their source). */
function changedFields(contract: Contract, form: Record<string, unknown>): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const field of CONTRACT_FIELDS) {
    const raw = form[field];
    if (typeof raw !== 'string') continue;
    const kind = CONTRACT_FIELD_DEFINITIONS[field].kind;
    const text = raw.trim();
    const value = text === '' ? null : kind === 'flag' ? text === 'true' : text;
    const current = contract.fields[field].value;
    if ((current ?? null) !== value) changed[field] = value;
  }
  return changed;
}

function listHref(filters: Filters, cursor?: string): string {
  const params = new URLSearchParams();
  for (const key of ['q', 'concludedFrom', 'concludedTo', 'connectionId'] as const) if (filters[key]) params.set(key, filters[key]);
  if (cursor) params.set('cursor', cursor);
  const query = params.toString();
  return `/console/contracts${query ? `?${query}` : ''}`;
}

async function renderList(
  c: ConsoleContext,
  deps: ApiDeps,
  filters: Filters,
  contracts: Contract[],
  nextCursor: string | null,
  refusal?: { status: 400 | 403 | 404 | 409 | 422; message: string },
) {
  const lang = c.get('lang');
  // Admins filter by connection (管理ID and name); members cannot list connections, as in the API.
  const connections = c.get('user').role === 'admin' ? (await listConnections(deps.orm.em.fork(), { limit: 500 })).items : undefined;
  const words = WORDS[lang];
  return renderPage(c, { title: words.title, section: 'contracts', status: refusal?.status ?? 200 }, (
    <>
      <h1>{words.title}</h1>
      <form method="get" action="/console/contracts" class="filters" role="search">
        <div>
          <label for="q">{words.search}</label>
          <input id="q" name="q" type="search" value={filters.q ?? ''} maxlength={200} aria-describedby="q-help" />
          <p id="q-help" class="help">{words.searchHelp}</p>
        </div>
        <div>
          <label for="concludedFrom">{words.concludedFrom}</label>
          <input id="concludedFrom" name="concludedFrom" type="date" value={filters.concludedFrom ?? ''} />
        </div>
        <div>
          <label for="concludedTo">{words.concludedTo}</label>
          <input id="concludedTo" name="concludedTo" type="date" value={filters.concludedTo ?? ''} />
        </div>
        {connections ? (
          <div>
            <label for="connectionId">{words.connection}</label>
            <select id="connectionId" name="connectionId">
              <option value="">{words.allConnections}</option>
              {connections.map((connection) => (
                <option value={connection.id} selected={filters.connectionId === connection.id}>{`${connection.managementId} ${connection.name}`}</option>
              ))}
            </select>
          </div>
        ) : (
          filters.connectionId && (
            <label class="inline">
              <input type="checkbox" name="connectionId" value={filters.connectionId} checked />
              {words.connectionFilter.replace('{id}', () => filters.connectionId!)}
            </label>
          )
        )}
        <div class="actions">
          <button type="submit">{words.filter}</button>
          <a href="/console/contracts">{words.clear}</a>
        </div>
      </form>
      {refusal && <p role="alert">{refusal.message}</p>}
      {!refusal && contracts.length === 0 && <p>{words.none}</p>}
      {contracts.length > 0 && (
        <>
          <p class="muted">{words.count.replace('{n}', formatNumber(lang, contracts.length))}</p>
          <table>
            <caption class="visually-hidden">{words.title}</caption>
            <thead>
              <tr>
                <th scope="col">{words.colTitle}</th>
                <th scope="col">{words.colCounterparty}</th>
                <th scope="col">{words.colConcluded}</th>
                <th scope="col" class="number">{words.colAmount}</th>
                <th scope="col">{words.colManagementId}</th>
                <th scope="col">{words.colCreated}</th>
              </tr>
            </thead>
            <tbody>
              {contracts.map((contract) => (
                <tr>
                  <td>
                    <a href={`/console/contracts/${contract.id}`}>{contract.fields.title.value ?? contract.fields.fileName.value ?? words.untitled}</a>
                    {/* A document's files share its title: the file name tells them apart. */}
                    {contract.fields.title.value && contract.fields.fileName.value && <div class="muted">{contract.fields.fileName.value}</div>}
                  </td>
                  <td>{contract.fields.counterparty.value ?? '—'}</td>
                  <td>{contract.fields.conclusionDate.value ?? '—'}</td>
                  <td class="number">{formatYen(lang, contract.fields.amount.value)}</td>
                  <td>{contract.origin.managementId}</td>
                  <td>{formatDateTime(lang, contract.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <nav class="pager" aria-label={lang === 'ja' ? 'ページ' : 'Pages'}>
        {filters.cursor && <a href={listHref(filters)}>{words.first}</a>}
        {nextCursor && <a href={listHref(filters, nextCursor)}>{words.next}</a>}
      </nav>
    </>
  ));
}

function formatYen(lang: Lang, value: string | null): string {
  if (value === null) return '—';
  // BigInt: an amount may be beyond what a JavaScript number holds exactly.
  return `${BigInt(value).toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-GB')} ${WORDS[lang].yen}`;
}

function formatValue(lang: Lang, field: ContractField, value: unknown): string {
  if (value === null || value === undefined) return '—';
  const kind = CONTRACT_FIELD_DEFINITIONS[field].kind;
  if (kind === 'yen') return formatYen(lang, String(value));
  if (kind === 'flag') return value ? WORDS[lang].yes : WORDS[lang].no;
  return String(value);
}

function sourceName(lang: Lang, source: string | null): string {
  const words = WORDS[lang];
  return source === 'cloudsign' ? words.fromCloudsign : source === 'extraction' ? words.fromExtraction : source === 'user' ? words.fromUser : words.noSource;
}

/** Names for IDs (owners, groups); one that is gone since shows as its ID. */
async function namesOf(ids: readonly string[], lookup: (id: string) => Promise<{ name: string }>): Promise<string[]> {
  return Promise.all(ids.map((id) => lookup(id).then((found) => found.name, () => id)));
}

async function renderContract(
  c: ConsoleContext,
  deps: ApiDeps,
  contract: Contract,
  options: { notice?: string; error?: string; status?: 400 | 403 | 404 | 409 | 422 },
) {
  const lang = c.get('lang');
  const words = WORDS[lang];
  const user = c.get('user');
  const em = deps.orm.em.fork();
  const owners = await namesOf(contract.owners, (id) => getUser(em, id));
  const groups = contract.visibility.scope === 'groups' ? await namesOf(contract.visibility.groupIds, (id) => getGroup(em, id)) : [];
  const history = await historyOf(em, { kind: 'contract', id: contract.id, limit: 100 });
  const mayEdit = user.role === 'admin' || contract.owners.includes(user.id);
  const title = contract.fields.title.value ?? contract.fields.fileName.value ?? words.untitled;
  const fileUrl = `/console/contracts/${contract.id}/file`;
  return renderPage(c, { title, section: 'contracts', status: options.status ?? 200, styles: ['contracts.css'] }, (
    <>
      <p><a href="/console/contracts">{words.back}</a></p>
      <h1>{title}</h1>
      {options.notice && <p role="status">{options.notice}</p>}
      {options.error && <p role="alert">{options.error}</p>}
      <div class="contract">
        <section aria-labelledby="fields-heading">
          <h2 id="fields-heading">{words.fields}</h2>
          <table aria-labelledby="fields-heading">
            <thead>
              <tr>
                <th scope="col">{words.field}</th>
                <th scope="col">{words.value}</th>
                <th scope="col">{words.source}</th>
              </tr>
            </thead>
            <tbody>
              {CONTRACT_FIELDS.map((field) => (
                <tr>
                  <th scope="row">{FIELD_NAMES[lang][field]}</th>
                  <td>{formatValue(lang, field, contract.fields[field].value)}</td>
                  <td>{sourceName(lang, contract.fields[field].source)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <dl class="fields">
            <dt>{words.visibility}</dt>
            <dd>{contract.visibility.scope === 'groups' ? `${words.groups}: ${groups.join('、')}` : words[contract.visibility.scope]}</dd>
            <dt>{words.owners}</dt>
            <dd>{owners.length ? owners.join('、') : words.noOwners}</dd>
            <dt>{words.managementId}</dt>
            <dd>
              {/* Members cannot open connection pages: they get the 管理ID as text. */}
              {user.role === 'admin' ? <a href={`/console/connections/${contract.origin.connectionId}`}>{contract.origin.managementId}</a> : contract.origin.managementId}
            </dd>
            <dt>{words.documentId}</dt>
            <dd><code>{contract.origin.documentId}</code></dd>
            <dt>{words.fileId}</dt>
            <dd><code>{contract.origin.fileId}</code></dd>
            <dt>{words.fileName}</dt>
            <dd>{fileNameOf(contract)}</dd>
            <dt>{words.size}</dt>
            <dd>{`${formatNumber(lang, contract.file.size)} ${words.bytes}`}</dd>
            <dt>{words.sha256}</dt>
            <dd><code>{contract.file.sha256}</code></dd>
          </dl>
        </section>
        <section aria-labelledby="file-heading">
          <h2 id="file-heading">{words.file}</h2>
          <p><a href={`${fileUrl}?download`}>{words.download}</a></p>
          <iframe class="pdf" src={fileUrl} title={`${words.pdf}: ${fileNameOf(contract)}`}></iframe>
        </section>
      </div>
      {mayEdit && <EditForm c={c} contract={contract} />}
      <h2 id="history-heading">{words.history}</h2>
      {history.items.length === 0 ? <p>{words.noHistory}</p> : <HistoryTable lang={lang} events={history.items} />}
    </>
  ));
}

function HistoryTable({ lang, events }: { lang: Lang; events: AuditEvent[] }) {
  const words = WORDS[lang];
  const fieldName = (key: string) => (FIELD_NAMES[lang] as Record<string, string>)[key] ?? key;
  return (
    <table aria-labelledby="history-heading">
      <thead>
        <tr>
          <th scope="col">{words.at}</th>
          <th scope="col">{words.action}</th>
          <th scope="col">{words.actor}</th>
          <th scope="col">{words.changes}</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event) => (
          <tr>
            <td>{formatDateTime(lang, event.at)}</td>
            <td>{ACTIONS[lang][event.action] ?? event.action}</td>
            <td>{event.actor.name}</td>
            <td>
              {Object.keys(event.changes).length === 0 ? '—' : (
                <ul>
                  {Object.entries(event.changes).map(([key, change]) => (
                    <li>{`${fieldName(key)}: ${display(change.from)} → ${display(change.to)}`}</li>
                  ))}
                </ul>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function display(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The fields as a form for an admin or an owner: the same edit as PATCH /v1/contracts/:id. */
function EditForm({ c, contract }: { c: ConsoleContext; contract: Contract }) {
  const lang = c.get('lang');
  const words = WORDS[lang];
  return (
    <section aria-labelledby="edit-heading">
      <h2 id="edit-heading">{words.edit}</h2>
      <p class="help">{words.editHelp}</p>
      <form method="post" action={`/console/contracts/${contract.id}`}>
        <CsrfField c={c} />
        {CONTRACT_FIELDS.map((field) => {
          const kind = CONTRACT_FIELD_DEFINITIONS[field].kind;
          const value = contract.fields[field].value;
          const id = `edit-${field}`;
          return (
            <div>
              <label for={id}>{FIELD_NAMES[lang][field]}</label>
              {kind === 'flag' ? (
                <select id={id} name={field}>
                  <option value="" selected={value === null}>{words.unset}</option>
                  <option value="true" selected={value === true}>{words.yes}</option>
                  <option value="false" selected={value === false}>{words.no}</option>
                </select>
              ) : (
                <input
                  id={id}
                  name={field}
                  type={kind === 'date' ? 'date' : 'text'}
                  value={value === null ? '' : String(value)}
                  {...(kind === 'yen' && { inputmode: 'numeric' })}
                />
              )}
            </div>
          );
        })}
        <div class="actions">
          <button type="submit">{words.save}</button>
        </div>
      </form>
    </section>
  );
}
