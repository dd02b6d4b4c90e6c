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
  type Contract,
} from '../../src/ledger';
import type { ApiDeps } from '../context';
import { assertMayChange, ContractListQuery, fileNameOf, pdfResponse } from '../contracts';
import { CONTRACT_WORDS, FILTER_KEYS, renderContract, renderContractList, type ContractPageInput, type Filters } from './contract-views';
import { refusalOf, type RefusalStatus } from './refused';
import type { ConsoleContext, ConsoleEnv } from './session';

/**
 * 契約書: the contracts the signed-in user may see (the API's GET /v1/contracts, same visibility rule), each
 * with its fields and where each value came from, its PDF and its 更新履歴.
 */

const PAGE_SIZE = 50;

export function contractPages(deps: ApiDeps) {
  const pages = new Hono<ConsoleEnv>();
  pages.get('/', (c) => showList(c, deps));
  pages.get('/:id', (c) => showContract(c, deps));
  // The PDF, with the same check as the API's download; `inline`, so that the browser's own viewer shows it in the page.
  pages.get('/:id/file', (c) => showFile(c, deps));
  pages.post('/:id', (c) => editFields(c, deps));
  return pages;
}

async function showList(c: ConsoleContext, deps: ApiDeps): Promise<Response> {
  const filters = filtersOf(c.req.query());
  const parsed = ContractListQuery.safeParse({ ...filters, limit: PAGE_SIZE });
  if (!parsed.success) {
    return listPage(c, deps, filters, [], null, { status: 400, message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join(' ') });
  }
  try {
    const page = await contractsVisibleTo(deps.orm.em.fork(), { user: c.get('user'), ...parsed.data });
    return listPage(c, deps, filters, page.items, page.nextCursor);
  } catch (error) {
    return listPage(c, deps, filters, [], null, refusalOf(c, error));
  }
}

async function showContract(c: ConsoleContext<'/:id'>, deps: ApiDeps): Promise<Response> {
  const contract = await getContract(deps.orm.em.fork(), { contractId: c.req.param('id'), user: c.get('user') });
  return contractPage(c, deps, contract, { ...(c.req.query('done') === 'edited' && { notice: CONTRACT_WORDS[c.get('lang')].saved }) });
}

async function showFile(c: ConsoleContext<'/:id/file'>, deps: ApiDeps): Promise<Response> {
  const contract = await getContract(deps.orm.em.fork(), { contractId: c.req.param('id'), user: c.get('user') });
  const response = await pdfResponse(c, deps.storage, { ...contract.file, name: fileNameOf(contract), of: { kind: 'contract', id: contract.id } });
  if (c.req.query('download') === undefined) {
    response.headers.set('content-disposition', (response.headers.get('content-disposition') ?? '').replace(/^attachment/, 'inline'));
  }
  return response;
}

async function editFields(c: ConsoleContext<'/:id'>, deps: ApiDeps): Promise<Response> {
  const { orm } = deps;
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
    return contractPage(c, deps, before, { error: refusal.message, status: refusal.status });
  }
}

/** The list's filters as the address carries them, checked by the API's own query schema; an empty field is no filter. */
function filtersOf(query: Record<string, string>): Filters {
  const filters: Filters = {};
  for (const key of FILTER_KEYS) {
    const value = query[key]?.trim();
    if (value) filters[key] = value;
  }
  return filters;
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

async function listPage(
  c: ConsoleContext,
  deps: ApiDeps,
  filters: Filters,
  contracts: Contract[],
  nextCursor: string | null,
  refusal?: { status: RefusalStatus; message: string },
): Promise<Response> {
  // Admins filter by connection (管理ID and name); members cannot list connections, as in the API.
  const connections = c.get('user').role === 'admin' ? (await listConnections(deps.orm.em.fork(), { limit: 500 })).items : undefined;
  return renderContractList(c, { filters, connections, contracts, nextCursor, refusal });
}

/** Names for IDs (owners, groups); one that is gone since shows as its ID. */
async function namesOf(ids: readonly string[], lookup: (id: string) => Promise<{ name: string }>): Promise<string[]> {
  return Promise.all(ids.map((id) => lookup(id).then((found) => found.name, () => id)));
}

async function contractPage(
  c: ConsoleContext,
  deps: ApiDeps,
  contract: Contract,
  options: Pick<ContractPageInput, 'notice' | 'error' | 'status'>,
): Promise<Response> {
  const em = deps.orm.em.fork();
  const owners = await namesOf(contract.owners, (id) => getUser(em, id));
  const groups = contract.visibility.scope === 'groups' ? await namesOf(contract.visibility.groupIds, (id) => getGroup(em, id)) : [];
  const history = await historyOf(em, { kind: 'contract', id: contract.id, limit: 100 });
  return renderContract(c, { contract, owners, groups, history: history.items, ...options });
}
