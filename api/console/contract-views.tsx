import { FIELD_NAMES } from './fields';
import { CONTRACT_FIELD_DEFINITIONS, CONTRACT_FIELDS, type AuditEvent, type Connection, type Contract, type ContractField, type User } from '../../src/ledger';
import { fileNameOf } from '../contracts';
import { formatDateTime, formatNumber, type Lang, type Messages } from './i18n';
import { CsrfField, renderPage } from './layout';
import type { RefusalStatus } from './refused';
import type { ConsoleContext } from './session';

/** The views of the contract pages; the routes (contracts.tsx) load what they show. */

type Words = Messages<
  | 'title' | 'search' | 'searchHelp' | 'concludedFrom' | 'concludedTo' | 'filter' | 'clear' | 'connectionFilter' | 'none' | 'count'
  | 'connection' | 'allConnections' | 'next' | 'first' | 'colTitle' | 'colCounterparty' | 'colConcluded' | 'colAmount' | 'colManagementId' | 'colCreated' | 'untitled'
  | 'fields' | 'field' | 'value' | 'source' | 'fromCloudsign' | 'fromExtraction' | 'fromUser' | 'noSource' | 'yes' | 'no'
  | 'visibility' | 'company' | 'private' | 'groups' | 'owners' | 'noOwners' | 'origin' | 'managementId' | 'documentId' | 'fileId'
  | 'file' | 'fileName' | 'size' | 'sha256' | 'download' | 'pdf' | 'history' | 'at' | 'action' | 'actor' | 'changes' | 'noHistory'
  | 'edit' | 'editHelp' | 'save' | 'saved' | 'unset' | 'back' | 'yen' | 'bytes'
>;

export const CONTRACT_WORDS: Words = {
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

/** The list's filters as the address carries them; an empty field is no filter. */
export const FILTER_KEYS = ['q', 'concludedFrom', 'concludedTo', 'connectionId', 'cursor'] as const;
export type Filters = Partial<Record<(typeof FILTER_KEYS)[number], string>>;

function listHref(filters: Filters, cursor?: string): string {
  const params = new URLSearchParams();
  for (const key of ['q', 'concludedFrom', 'concludedTo', 'connectionId'] as const) if (filters[key]) params.set(key, filters[key]);
  if (cursor) params.set('cursor', cursor);
  const query = params.toString();
  return `/console/contracts${query ? `?${query}` : ''}`;
}

export interface ContractListInput {
  filters: Filters;
  /** For an admin, the connections to filter by; a member has none (they cannot list connections, as in the API). */
  connections: Connection[] | undefined;
  contracts: Contract[];
  nextCursor: string | null;
  refusal?: { status: RefusalStatus; message: string } | undefined;
}

export function renderContractList(c: ConsoleContext, { filters, connections, contracts, nextCursor, refusal }: ContractListInput): Response {
  const lang = c.get('lang');
  const words = CONTRACT_WORDS[lang];
  return renderPage(c, { title: words.title, section: 'contracts', status: refusal?.status ?? 200 }, (
    <>
      <h1>{words.title}</h1>
      <ListFilters lang={lang} filters={filters} connections={connections} />
      {refusal && <p role="alert">{refusal.message}</p>}
      {!refusal && contracts.length === 0 && <p>{words.none}</p>}
      {contracts.length > 0 && <ContractTable lang={lang} contracts={contracts} />}
      <nav class="pager" aria-label={lang === 'ja' ? 'ページ' : 'Pages'}>
        {filters.cursor && <a href={listHref(filters)}>{words.first}</a>}
        {nextCursor && <a href={listHref(filters, nextCursor)}>{words.next}</a>}
      </nav>
    </>
  ));
}

function ListFilters({ lang, filters, connections }: { lang: Lang; filters: Filters; connections: Connection[] | undefined }) {
  const words = CONTRACT_WORDS[lang];
  return (
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
  );
}

function ContractTable({ lang, contracts }: { lang: Lang; contracts: Contract[] }) {
  const words = CONTRACT_WORDS[lang];
  return (
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
  );
}

function formatYen(lang: Lang, value: string | null): string {
  if (value === null) return '—';
  // BigInt: an amount may be beyond what a JavaScript number holds exactly.
  return `${BigInt(value).toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-GB')} ${CONTRACT_WORDS[lang].yen}`;
}

function formatValue(lang: Lang, field: ContractField, value: unknown): string {
  if (value === null || value === undefined) return '—';
  const kind = CONTRACT_FIELD_DEFINITIONS[field].kind;
  if (kind === 'yen') return formatYen(lang, String(value));
  if (kind === 'flag') return value ? CONTRACT_WORDS[lang].yes : CONTRACT_WORDS[lang].no;
  return String(value);
}

function sourceName(lang: Lang, source: string | null): string {
  const words = CONTRACT_WORDS[lang];
  return source === 'cloudsign' ? words.fromCloudsign : source === 'extraction' ? words.fromExtraction : source === 'user' ? words.fromUser : words.noSource;
}

export interface ContractPageInput {
  contract: Contract;
  /** The names of the contract's owners and (when shared with groups) groups, as namesOf gives them. */
  owners: string[];
  groups: string[];
  history: AuditEvent[];
  notice?: string | undefined;
  error?: string | undefined;
  status?: RefusalStatus | undefined;
}

export function renderContract(c: ConsoleContext, { contract, owners, groups, history, ...options }: ContractPageInput): Response {
  const lang = c.get('lang');
  const words = CONTRACT_WORDS[lang];
  const user = c.get('user');
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
        <FieldsSection lang={lang} contract={contract} owners={owners} groups={groups} user={user} />
        <section aria-labelledby="file-heading">
          <h2 id="file-heading">{words.file}</h2>
          <p><a href={`${fileUrl}?download`}>{words.download}</a></p>
          <iframe class="pdf" src={fileUrl} title={`${words.pdf}: ${fileNameOf(contract)}`}></iframe>
        </section>
      </div>
      {mayEdit && <EditForm c={c} contract={contract} />}
      <h2 id="history-heading">{words.history}</h2>
      {history.length === 0 ? <p>{words.noHistory}</p> : <HistoryTable lang={lang} events={history} />}
    </>
  ));
}

/** The contract's fields with their sources, and where it came from. */
function FieldsSection({ lang, contract, owners, groups, user }: { lang: Lang; contract: Contract; owners: string[]; groups: string[]; user: User }) {
  const words = CONTRACT_WORDS[lang];
  return (
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
  );
}

function HistoryTable({ lang, events }: { lang: Lang; events: AuditEvent[] }) {
  const words = CONTRACT_WORDS[lang];
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
  const words = CONTRACT_WORDS[lang];
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
