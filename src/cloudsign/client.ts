import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { z } from 'zod';
import { noMetrics, type CloudSignRoute, type Metrics } from '../metrics';
import { RequestBudget, type Budget } from './budget';
import { systemClock, type Clock } from './clock';
import { streamPdf, type DownloadedFile } from './download';
import {
  CloudSignNotFoundError,
  CloudSignRateLimitedError,
  CloudSignUnexpectedResponseError,
  isRetryable,
  type CloudSignError,
} from './errors';
import { documentPath, errorFrom, networkError, notJson, type Call } from './responses';
import {
  accessTokenSchema,
  documentAttributeSchema,
  documentListSchema,
  documentSchema,
  normaliseTimestamp,
  userSchema,
  type CloudSignDocument,
  type CloudSignDocumentAttribute,
  type CloudSignUser,
} from './schemas';
import { clientIdKey, TokenCache, type IssuedToken } from './token';

export const CLOUDSIGN_PRODUCTION_URL = 'https://api.cloudsign.jp';
export const CLOUDSIGN_SANDBOX_URL = 'https://api-sandbox.cloudsign.jp';

export interface RetryPolicy {
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** Give up rather than wait past this much time since the call started. */
  maxElapsedMs: number;
  /** Backoff before the second attempt; doubles each time, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface CloudSignClientOptions {
  /** {@link CLOUDSIGN_PRODUCTION_URL}, {@link CLOUDSIGN_SANDBOX_URL}, or a compatible server (the simulator). */
  baseUrl: string;
  fetch?: typeof fetch;
  /**
   * Requests a minute per client ID. Default: 800, CloudSign's limit, for this client alone — the service
   * shares one budget between all its processes (SharedRequestBudget).
   */
  budget?: Budget;
  /** Per request. Default 200 s: CloudSign's gateway answers 504 after 180 s, and that answer is worth waiting for. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  /** Records each request's outcome and its wait for the budget. */
  metrics?: Pick<Metrics, 'cloudsignRequest' | 'budgetWaited'>;
}

export interface ListConcludedDocumentsOptions {
  /** Only documents whose last party agreed at or after this time (`last_processed_at`). */
  from?: Date | string;
  /** … and at or before this time. */
  to?: Date | string;
  /** Resume a listing after the last page a caller finished (pages are 1-based). */
  startPage?: number;
  /**
   * `user` (default): what the user sent or received (`/documents`). `team`: every document of the team
   * (`/team_documents`), for a user with 書類管理権限 — the kind of user CloudSign recommends for this.
   */
  scope?: ListingScope;
  /** Which list of the scope; default `concluded`. See {@link ContractListing}. */
  listing?: ContractListing;
}

export type ListingScope = 'user' | 'team';

/**
 * The lists a connection's contracts come from: concluded (締結済, 2) and imported (インポート書類, 13)
 * documents. `team`: `/team_documents`, statuses 2 and 13 of it (it lists 1, 2, 3 and 13). `concluded`:
 * `/documents?status=2`. `imported`: `/documents?status=-1` (全ての状態), its status 13: `status=13` is a
 * 400, and whether 全ての状態 lists imported documents at all is undocumented (cloudsign-api.md Uncertain
 * #4) — when it does not, this list is simply empty.
 */
export type ContractListing = 'team' | 'concluded' | 'imported';

/** documentModel.status of the documents that are contracts: 締結済 and インポート書類. */
export const CONCLUDED_STATUS = 2;
export const IMPORTED_STATUS = 13;

/** Each list's path and query; `keeps`: the statuses kept of a list that has others (status=2 needs no check). */
const LISTINGS: Record<ContractListing, { path: string; query: Record<string, string>; keeps?: ReadonlySet<number> }> = {
  team: { path: '/team_documents', query: {}, keeps: new Set([CONCLUDED_STATUS, IMPORTED_STATUS]) },
  concluded: { path: '/documents', query: { status: String(CONCLUDED_STATUS) } },
  imported: { path: '/documents', query: { status: '-1' }, keeps: new Set([IMPORTED_STATUS]) },
};

export interface ConcludedDocumentsPage {
  page: number;
  /** Concluded documents in the listing as CloudSign counts them, when it says. */
  total: number | null;
  /** With their files. A document already yielded by an earlier page of this listing is left out. */
  documents: CloudSignDocument[];
  /** Whether a later page may hold more (a team page may hold no contract and still not be the last). */
  hasMore: boolean;
}

export interface CloudSignAccess {
  user: CloudSignUser;
  /** Concluded documents the user can see, as CloudSign counts them, when it says. */
  concludedDocuments: number | null;
}

/**
 * The CloudSign Web API, as far as importing concluded documents needs it. Every call names the client ID
 * it acts for, so one client serves every connection; tokens and the request budget are kept per client ID.
 * Failures are {@link CloudSignError}s; rate limits and transient failures have been retried already.
 */
export interface CloudSignClient {
  /**
   * Whether a client ID can be used, for setting a connection up: asks for a token (CloudSign checks the
   * user and the IP restriction there), for the user (refused to multi-department accounts), and for the
   * first page of concluded documents (refused to plans without the Web API option).
   */
  checkAccess(clientId: string): Promise<CloudSignAccess>;
  getMe(clientId: string): Promise<CloudSignUser>;
  /** Concluded (締結済) or imported documents of one list (`listing`) with their files, a page (up to 100) at a time. */
  listConcludedDocuments(clientId: string, options?: ListConcludedDocumentsOptions): AsyncIterable<ConcludedDocumentsPage>;
  getDocument(clientId: string, documentId: string): Promise<CloudSignDocument>;
  /** The document's 書類情報, or null when it has none (CloudSign answers 404, e.g. for documents before 2018-09). */
  getDocumentAttribute(clientId: string, documentId: string): Promise<CloudSignDocumentAttribute | null>;
  /**
   * Streams a file to `destination` (and ends it), checking it is a PDF and measuring it on the way. A
   * path is written as `<path>.part` and renamed when complete, and is retried like any call; a stream
   * that fails after bytes were written to it is not (the caller must start it over).
   */
  downloadFileTo(clientId: string, documentId: string, fileId: string, destination: string | Writable): Promise<DownloadedFile>;
}

export function createCloudSignClient(options: CloudSignClientOptions): CloudSignClient {
  return new HttpCloudSignClient(options);
}

const RATE_LIMIT_BLOCK_MS = 60_000;
const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, maxElapsedMs: 5 * 60_000, baseDelayMs: 1_000, maxDelayMs: 30_000 };

class HttpCloudSignClient implements CloudSignClient {
  private readonly baseUrl: string;
  private readonly fetch: typeof fetch;
  private readonly clock: Clock;
  private readonly budget: Budget;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly tokens: TokenCache;
  private readonly metrics: Pick<Metrics, 'cloudsignRequest' | 'budgetWaited'>;

  constructor(options: CloudSignClientOptions) {
    this.baseUrl = new URL(options.baseUrl).href.replace(/\/+$/, '');
    this.fetch = options.fetch ?? fetch;
    this.clock = options.clock ?? systemClock;
    this.budget = options.budget ?? new RequestBudget(800, { clock: this.clock });
    this.timeoutMs = options.timeoutMs ?? 200_000;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.metrics = options.metrics ?? noMetrics;
    // One attempt per token request: the call that needed the token retries, so retries do not multiply.
    this.tokens = new TokenCache((clientId) => this.issueToken(clientId), this.clock);
  }

  async checkAccess(clientId: string): Promise<CloudSignAccess> {
    await this.withRetries(() => this.tokens.refresh(clientId));
    const user = await this.getMe(clientId);
    const first = await this.getJson(this.listCall(clientId, 1, { status: '2', with_files: 'n', with_participants: 'n' }), documentListSchema);
    return { user, concludedDocuments: first.total };
  }

  getMe(clientId: string): Promise<CloudSignUser> {
    return this.getJson(
      { clientId, path: '/me', doing: 'reading the CloudSign user', refusal: 'plan' },
      userSchema,
    );
  }

  async *listConcludedDocuments(
    clientId: string,
    options: ListConcludedDocumentsOptions = {},
  ): AsyncGenerator<ConcludedDocumentsPage> {
    // /team_documents (a 書類管理権限 holder's view of the whole team) has no status filter, nor has
    // status=-1: their other states are dropped here, and only an empty raw page ends the listing.
    const listing = LISTINGS[options.listing ?? (options.scope === 'team' ? 'team' : 'concluded')];
    const query: Record<string, string> = { ...listing.query, with_files: 'y', with_participants: 'n' };
    if (options.from !== undefined) query.from = formatTime(options.from);
    if (options.to !== undefined) query.to = formatTime(options.to);
    const seen = new Set<string>();
    // The longest page seen stands for the page size, should CloudSign ever page by fewer than 100.
    let pageSize = 0;
    for (let page = options.startPage ?? 1; ; page++) {
      const list = await this.getJson(this.listCall(clientId, page, query, listing.path), documentListSchema);
      if (list.page !== null && list.page !== page) {
        // Paging would never end (or skip documents) if CloudSign answered another page than asked for.
        throw new CloudSignUnexpectedResponseError(
          `CloudSign answered page ${list.page} when asked for page ${page} of concluded documents.`,
          200,
        );
      }
      // The end: an empty list, which CloudSign may also send as null (handled by the schema).
      if (list.documents.length === 0) return;
      pageSize = Math.max(pageSize, list.documents.length);
      // The order of the list is undocumented: a document concluded while listing may shift others to the next page.
      const documents = list.documents.filter((d) => !seen.has(d.id) && (!listing.keeps || (d.status !== null && listing.keeps.has(d.status))));
      for (const d of documents) seen.add(d.id);
      const hasMore = list.total === null || page * pageSize < list.total;
      yield { page, total: list.total, documents, hasMore };
      if (!hasMore) return;
    }
  }

  getDocument(clientId: string, documentId: string): Promise<CloudSignDocument> {
    return this.getJson(
      {
        clientId,
        path: documentPath(documentId),
        doing: `reading document ${documentId}`,
        resource: `document ${documentId}`,
        refusal: 'document',
      },
      documentSchema,
    );
  }

  async getDocumentAttribute(clientId: string, documentId: string): Promise<CloudSignDocumentAttribute | null> {
    try {
      return await this.getJson(
        {
          clientId,
          path: documentPath(documentId, 'attribute'),
          doing: `reading the document information of document ${documentId}`,
          resource: `document information (書類情報) for document ${documentId}`,
          refusal: 'document',
        },
        documentAttributeSchema,
      );
    } catch (error) {
      if (error instanceof CloudSignNotFoundError) return null;
      throw error;
    }
  }

  async downloadFileTo(
    clientId: string,
    documentId: string,
    fileId: string,
    destination: string | Writable,
  ): Promise<DownloadedFile> {
    const call: Call = {
      clientId,
      path: documentPath(documentId, 'files', fileId),
      accept: 'application/pdf, application/json',
      doing: `downloading file ${fileId} of document ${documentId}`,
      resource: `file ${fileId} of document ${documentId}`,
      refusal: 'document',
    };
    if (typeof destination !== 'string') {
      const response = await this.withRetries(() => this.exchange(call));
      return streamPdf(response, destination, call);
    }
    const partial = `${destination}.part`;
    try {
      const file = await this.withRetries(() => this.streamPdfTo(partial, call));
      await rename(partial, destination);
      return file;
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  /**
   * One attempt at writing the PDF to `path`. A failed one closes its file before it fails: the file opens
   * asynchronously, and an attempt refused at once (not a PDF) would otherwise create it after the caller
   * removed it, leaving an empty `.part` behind.
   */
  private async streamPdfTo(path: string, call: Call): Promise<DownloadedFile> {
    const out = createWriteStream(path);
    try {
      return await streamPdf(await this.exchange(call), out, call);
    } catch (error) {
      if (!out.closed) {
        const closed = new Promise<void>((resolve) => out.once('close', () => resolve()));
        out.destroy();
        await closed;
      }
      throw error;
    }
  }

  private async issueToken(clientId: string): Promise<IssuedToken> {
    const token = await this.readJson(
      { clientId, path: '/token', form: { client_id: clientId }, doing: 'obtaining an access token' },
      accessTokenSchema,
    );
    return { accessToken: token.access_token, expiresIn: token.expires_in };
  }

  private listCall(clientId: string, page: number, query: Record<string, string>, path = '/documents'): Call {
    return { clientId, path, query: { ...query, page: String(page) }, doing: `listing concluded documents (page ${page})` };
  }

  private getJson<S extends z.ZodType>(call: Call, schema: S): Promise<z.output<S>> {
    return this.withRetries(() => this.readJson(call, schema));
  }

  /** One exchange (two if the token had to be renewed) and its body read as `schema`. */
  private async readJson<S extends z.ZodType>(call: Call, schema: S): Promise<z.output<S>> {
    const response = await this.exchange(call);
    let text: string;
    try {
      text = await response.text();
    } catch (cause) {
      throw networkError(cause, call);
    }
    let json: unknown;
    try {
      json = JSON.parse(REVIVER_SEES_SOURCE ? text : quoteLongAmounts(text), keepAmountDigits);
    } catch {
      throw notJson(response, text, call);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      // Paths only: values could be personal data.
      const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
      throw new CloudSignUnexpectedResponseError(
        `While ${call.doing}, CloudSign answered in a shape this service does not understand (${where}). ` +
          'The Web API may have changed; this needs a fix in cloudsign-sync.',
        response.status,
      );
    }
    return parsed.data;
  }

  /**
   * Sends a request within the client ID's budget and returns a successful response. A 401 means the
   * token lapsed (or CloudSign dropped it early): renew it once and send again.
   */
  private async exchange(call: Call): Promise<Response> {
    for (let renewed = false; ; renewed = true) {
      const token = call.form ? undefined : await this.tokens.get(call.clientId);
      const waitFrom = this.clock.now();
      await this.budget.acquire(clientIdKey(call.clientId));
      this.metrics.budgetWaited((this.clock.now() - waitFrom) / 1000);
      const route = routeOf(call.path);
      let response: Response;
      try {
        response = await this.fetch(this.url(call), {
          method: call.form ? 'POST' : 'GET',
          headers: {
            Accept: call.accept ?? 'application/json',
            ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
          },
          body: call.form ? new URLSearchParams(call.form) : undefined,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (cause) {
        this.metrics.cloudsignRequest(route, 'network_error');
        throw networkError(cause, call);
      }
      this.metrics.cloudsignRequest(route, response.status);
      if (response.ok) return response;
      if (response.status === 401 && token !== undefined && !renewed) {
        await response.body?.cancel();
        this.tokens.invalidate(call.clientId, token);
        continue;
      }
      throw await errorFrom(response, call, this.clock);
    }
  }

  /** Runs `attempt` until it succeeds, fails for good, or the retry policy is spent. */
  private async withRetries<T>(attempt: () => Promise<T>): Promise<T> {
    const started = this.clock.now();
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        if (!isRetryable(error) || n >= this.retry.maxAttempts) throw error;
        const delay = this.retryDelay(error as CloudSignError, n);
        if (this.clock.now() + delay - started > this.retry.maxElapsedMs) throw error;
        await this.clock.sleep(delay);
      }
    }
  }

  private retryDelay(error: CloudSignError, attempt: number): number {
    if (error instanceof CloudSignRateLimitedError) {
      // Without a Retry-After, wait out the block CloudSign documents: a minute from the request that crossed the limit.
      return error.retryAfterMs ?? RATE_LIMIT_BLOCK_MS + Math.random() * 5_000;
    }
    // Exponential backoff with jitter, so that syncs failing together do not come back together.
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private url(call: Call): string {
    const query = call.query ? `?${new URLSearchParams(call.query).toString()}` : '';
    return `${this.baseUrl}${call.path}${query}`;
  }
}

/** The kind of route a path is, for the request metric: paths hold document and file IDs, labels must not. */
function routeOf(path: string): CloudSignRoute {
  if (path === '/token' || path === '/me' || path === '/documents' || path === '/team_documents') return path.slice(1) as CloudSignRoute;
  if (path.includes('/files/')) return 'file';
  return path.endsWith('/attribute') ? 'attribute' : 'document';
}

/** `from`/`to` in the form the spec gives, `YYYY-MM-DDThh:mm:ss.SSSSSSZ`. */
function formatTime(time: Date | string): string {
  const text = typeof time === 'string' ? normaliseTimestamp(time) : normaliseTimestamp(time.toISOString());
  if (text === undefined) throw new TypeError(`${String(time)} is not an RFC 3339 time with a zone`);
  return text;
}

/**
 * JSON.parse's reviver that reads 書類情報 `amount` (int64) as the digits CloudSign sent: a JavaScript
 * number rounds anything beyond 2^53. Node ≥ 21 gives a reviver the source text of each value.
 */
function keepAmountDigits(this: unknown, key: string, value: unknown, context?: { source?: string }): unknown {
  return key === 'amount' && typeof value === 'number' && context?.source !== undefined ? context.source : value;
}

/** Whether this Node gives a reviver the source text (Node ≥ 21; Node 20 does not). */
const REVIVER_SEES_SOURCE = (JSON.parse as (text: string, reviver: typeof keepAmountDigits) => unknown)('1', keepAmountDigitsOf) === '1';
function keepAmountDigitsOf(this: unknown, _key: string, value: unknown, context?: { source?: string }): unknown {
  return context?.source ?? value;
}

/** For a Node without source text: an `amount` of 16 digits or more becomes a string of its digits before parsing. */
function quoteLongAmounts(text: string): string {
  return text.replace(/("amount"\s*:\s*)(-?\d{16,})(?=\s*[,}])/g, '$1"$2"');
}
