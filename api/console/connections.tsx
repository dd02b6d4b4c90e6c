import { publicBaseUrl } from '../../src/config';
import { hookUrlOf } from '../../src/services/hooks';
import { Hono } from 'hono';
import { z } from 'zod';
import { dismissFileErrors, getConnection, listConnections, listFileErrors, listRuns, MAX_PAGE_SIZE, type Connection } from '../../src/ledger';
import { changeSettings, connect, controlConnection, disconnect, retryFileErrors } from '../../src/services/connections';
import { previewConnection } from '../../src/services/preview';
import { silentLogger, type Logger } from '../../src/logging';
import type { ApiDeps } from '../context';
import { describeError, type DescribedError } from '../errors';
import { loadDirectory, NOTHING_CHOSEN, parseSettingsForm, type SettingsInput } from './connection-form';
import { DONE_WORDS, PAGE_CONTROLS, renderConnectionPage, temporalWorkflowUrl, type ConnectionPageData } from './connection-page';
import { renderConnectionList } from './connection-list';
import { PreviewBody, renderWizard, type WizardError, type WizardStep } from './connection-wizard';
import { CONNECTION_WORDS } from './connection-words';
import { many } from './forms';
import { requireAdminPage } from './guards';
import type { Lang } from './i18n';
import type { ConsoleContext, ConsoleEnv } from './session';

/** What the connection pages' handlers share: the API's dependencies and a logger. */
interface Connections {
  deps: ApiDeps;
  logger: Logger;
}

/**
 * The connections section (admins only): the list, the 「アカウントを追加」 wizard with its preview, and a
 * connection's page with its controls, settings, runs and failed files. Every action calls the service the
 * API's routes call (api/connections.ts, api/file-errors.ts) as the signed-in admin; refusals are the API's
 * own sentences (describeError), shown where the person can act on them. The client ID is never rendered
 * back, logged or kept: it goes from the browser's field to the service and nowhere else.
 */
export function connectionPages(deps: ApiDeps) {
  const connections: Connections = { deps, logger: deps.logger ?? silentLogger };
  const pages = new Hono<ConsoleEnv>();
  pages.use('*', requireAdminPage);
  pages.get('/', (c) => showList(c, connections));
  pages.get('/new', (c) => showWizard(c, connections));
  // The Step 4 dialog's content for the client ID in the form, as JSON for static/connections.js.
  pages.post('/preview', (c) => previewDialog(c, connections));
  // 連携開始: the script sends the form and wants JSON; a browser without script gets a page.
  pages.post('/', (c) => startConnection(c, connections));
  pages.get('/:id', (c) => showConnection(c, connections));
  pages.post('/:id/control', (c) => applyControl(c, connections));
  pages.post('/:id/settings', (c) => saveSettings(c, connections));
  pages.post('/:id/file-errors', (c) => actOnFileErrors(c, connections));
  return pages;
}

const ControlForm = z.object({ control: z.enum(PAGE_CONTROLS) });

const FileErrorsForm = z.object({
  action: z.enum(['retry', 'retryAll', 'dismiss']),
  ids: many(z.array(z.string().max(100)).max(MAX_PAGE_SIZE)),
});

async function showList(c: ConsoleContext, { deps }: Connections): Promise<Response> {
  const { items } = await listConnections(deps.orm.em.fork(), { limit: MAX_PAGE_SIZE });
  return renderConnectionList(c, items);
}

async function showWizard(c: ConsoleContext, { deps }: Connections): Promise<Response> {
  return renderWizard(c, { directory: await loadDirectory(deps.orm), chosen: NOTHING_CHOSEN });
}

async function previewDialog(c: ConsoleContext, connections: Connections): Promise<Response> {
  const lang = c.get('lang');
  const body = await c.req.parseBody();
  const clientId = typeof body.clientId === 'string' ? body.clientId.trim() : '';
  if (!clientId) return c.json({ error: { step: 1, message: CONNECTION_WORDS[lang].needClientId } }, 400);
  try {
    const preview = await previewConnection(connections.deps, clientId);
    return c.json({ files: preview.files, html: String(await (<PreviewBody lang={lang} preview={preview} />).toString()) }, 200);
  } catch (error) {
    const refusal = described(c, connections, error);
    return c.json({ error: wizardError(lang, refusal, 3) }, refusal.status);
  }
}

async function startConnection(c: ConsoleContext, connections: Connections): Promise<Response> {
  const lang = c.get('lang');
  const wantsJson = (c.req.header('accept') ?? '').includes('application/json');
  const form = parseSettingsForm(await c.req.parseBody({ all: true }));
  const refuse = (error: WizardError, status: DescribedError['status']) => refusedWizard(c, connections, { wantsJson, form }, error, status);
  if (!form) return refuse({ step: 1, message: CONNECTION_WORDS[lang].needName }, 400);
  if (!form.clientId) return refuse({ step: 1, message: CONNECTION_WORDS[lang].needClientId }, 400);
  try {
    // A name is optional here (CONSOLE.md's Step 1 asks only for the client ID): the 管理ID tells connections apart.
    const name = form.name.trim() || CONNECTION_WORDS[lang].defaultName;
    const connection = await connect(connections.deps, { ...(form as Required<SettingsInput>), name, actor: c.get('user') });
    const location = `/console/connections/${connection.id}?done=created`;
    return wantsJson ? c.json({ location }, 201) : c.redirect(location, 303);
  } catch (error) {
    const refusal = described(c, connections, error);
    return refuse(wizardError(lang, refusal, 3), refusal.status);
  }
}

async function showConnection(c: ConsoleContext<'/:id'>, { deps }: Connections): Promise<Response> {
  const done = c.req.query('done');
  const words = DONE_WORDS[c.get('lang')];
  const data = await pageData(deps, c.req.param('id'));
  return renderConnectionPage(c, { ...data, ...(done && done in words && { done: words[done as keyof typeof words] }) });
}

async function applyControl(c: ConsoleContext<'/:id/control'>, connections: Connections): Promise<Response> {
  const { deps } = connections;
  const id = c.req.param('id');
  const parsed = ControlForm.safeParse(await c.req.parseBody());
  if (!parsed.success) return refusedPage(c, deps, id, { status: 400, message: CONNECTION_WORDS[c.get('lang')].needControl });
  const { control } = parsed.data;
  try {
    if (control === 'disconnect') await disconnect(deps, id, c.get('user'));
    else await controlConnection(deps, id, control, c.get('user'));
  } catch (error) {
    return refusedPage(c, deps, id, described(c, connections, error));
  }
  return c.redirect(`/console/connections/${id}?done=${control}`, 303);
}

async function saveSettings(c: ConsoleContext<'/:id/settings'>, connections: Connections): Promise<Response> {
  const { deps } = connections;
  const id = c.req.param('id');
  const form = parseSettingsForm(await c.req.parseBody({ all: true }));
  if (!form) return refusedPage(c, deps, id, { status: 400, message: CONNECTION_WORDS[c.get('lang')].needName });
  try {
    await changeSettings(deps, { connectionId: id, ...form, actor: c.get('user') });
  } catch (error) {
    // The form comes back as sent (the new client ID aside: it is never rendered).
    const { clientId: _typed, ...chosen } = form;
    return refusedPage(c, deps, id, described(c, connections, error), chosen);
  }
  return c.redirect(`/console/connections/${id}?done=saved`, 303);
}

async function actOnFileErrors(c: ConsoleContext<'/:id/file-errors'>, connections: Connections): Promise<Response> {
  const { deps } = connections;
  const id = c.req.param('id');
  const body = await c.req.parseBody({ all: true });
  const parsed = FileErrorsForm.safeParse(body);
  const lang = c.get('lang');
  const { action, ids } = parsed.success ? parsed.data : { action: undefined, ids: [] };
  if (!action || (action !== 'retryAll' && !ids.length)) return refusedPage(c, deps, id, { status: 400, message: CONNECTION_WORDS[lang].needFiles });
  try {
    if (action === 'dismiss') await dismissFileErrors(deps.orm.em.fork(), { connectionId: id, ids, actor: c.get('user') });
    else await retryFileErrors(deps, { connectionId: id, ...(action === 'retry' && { ids }), actor: c.get('user') });
  } catch (error) {
    return refusedPage(c, deps, id, described(c, connections, error));
  }
  return c.redirect(`/console/connections/${id}?done=${action === 'dismiss' ? 'dismissed' : 'retried'}`, 303);
}

/** A refusal as the person is told it; anything unexpected goes on to the console's error page. */
function described(c: ConsoleContext, { logger }: Connections, error: unknown): DescribedError {
  const result = error instanceof Error ? describeError(error, logger, { method: c.req.method, path: c.req.path }) : undefined;
  if (!result) throw error;
  return result;
}

/** The wizard's refusal: JSON for the script, or the wizard again with the form as sent. */
async function refusedWizard(
  c: ConsoleContext,
  { deps }: Connections,
  { wantsJson, form }: { wantsJson: boolean; form: SettingsInput | undefined },
  error: WizardError,
  status: DescribedError['status'],
): Promise<Response> {
  if (wantsJson) return c.json({ error }, status);
  const chosen = form ?? { ...NOTHING_CHOSEN, name: '' };
  return renderWizard(c, { directory: await loadDirectory(deps.orm), chosen, name: chosen.name, error, status: status as 400 | 409 | 422 | 503 });
}

/** The connection's page again with the refusal's reason (and the form as sent), in the refusal's status. */
async function refusedPage(c: ConsoleContext, deps: ApiDeps, id: string, refusal: Pick<DescribedError, 'status' | 'message'>, chosen?: ConnectionPageData['chosen']) {
  const data = await pageData(deps, id);
  return renderConnectionPage(c, { ...data, refusal: refusal.message, status: refusal.status as 400 | 404 | 409 | 422 | 503, ...(chosen && { chosen }) });
}

async function pageData(deps: ApiDeps, id: string): Promise<ConnectionPageData> {
  const connection = await getConnection(deps.orm.em.fork(), id);
  const [runs, fileErrors, directory, hookUrl] = await Promise.all([
    listRuns(deps.orm.em.fork(), { connectionId: id, limit: 20 }),
    listFileErrors(deps.orm.em.fork(), { connectionId: id, limit: 100 }),
    loadDirectory(deps.orm),
    connectionHookUrl(deps, connection),
  ]);
  return {
    connection,
    runs: runs.items,
    fileErrors: fileErrors.items,
    directory,
    hookUrl,
    workflowUrl: temporalWorkflowUrl(deps.config, connection.managementId),
  };
}

/** The connection's Hook URL (its CloudSign team's), as GET /v1/connections/:id shows it; null before its team is known. */
function connectionHookUrl(deps: ApiDeps, connection: Connection): Promise<string | null> {
  return hookUrlOf({ orm: deps.orm, secretsKey: deps.secretsKey, publicBaseUrl: publicBaseUrl(deps.config) }, connection);
}

/** Which step a refusal belongs on: a client ID's (CloudSign's, or connected already) on Step 1, where it was typed. */
function wizardError(lang: Lang, refusal: DescribedError, otherwise: WizardStep): WizardError {
  const step: WizardStep = CLIENT_ID_CODES.has(refusal.code) || (refusal.code.startsWith('cloudsign_') && refusal.code !== 'cloudsign_unavailable') ? 1 : otherwise;
  const fix = WIZARD_FIXES[lang][refusal.code];
  return { step, message: refusal.message, ...(fix && { fix }) };
}

const CLIENT_ID_CODES = new Set(['client_id_already_connected', 'invalid_client_id', 'invalid_connection']);

/** What to do about a refused client ID, in the console's words (the API's sentence says why). */
const WIZARD_FIXES: Record<Lang, Record<string, string>> = {
  ja: {
    cloudsign_invalid_client: 'クラウドサインの管理画面からクライアントIDをもう一度すべてコピーし、入力し直してください。本番環境とサンドボックスの取り違えにもご注意ください。',
    cloudsign_forbidden: '有効なクラウドサインユーザーのクライアントIDを使うか、チームのIPアドレス制限にこのサービスのアドレスを追加してください。',
    cloudsign_api_not_in_plan: 'Web API オプションを含むプランでクラウドサインに API 利用を申し込んでから、もう一度お試しください。',
    cloudsign_plan_not_supported: '複数部署管理を使っていないチームのクライアントIDを入力してください。',
    client_id_already_connected: 'このクライアントIDはすでに連携されています。一覧からその連携を開いてください。',
    cloudsign_unavailable: 'しばらく待ってから、もう一度「次へ」を押してください。',
  },
  en: {
    cloudsign_invalid_client: 'Copy the client ID again in full from CloudSign and enter it again (production and sandbox IDs differ).',
    cloudsign_forbidden: "Use a client ID of an active CloudSign user, or allow this service's address in the team's IP restriction.",
    cloudsign_api_not_in_plan: 'Apply for API use on a plan with the Web API option, then try again.',
    cloudsign_plan_not_supported: 'Enter a client ID of a team without multi-department management.',
    client_id_already_connected: 'This client ID is connected already: open that connection from the list.',
    cloudsign_unavailable: 'Wait a moment, then press Next again.',
  },
};
