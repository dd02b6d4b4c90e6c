import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { z } from 'zod';
import { RequestBudget } from './budget';
import { systemClock, type Clock } from './clock';
import {
  CloudSignApiNotInPlanError,
  CloudSignError,
  CloudSignForbiddenError,
  CloudSignInvalidClientError,
  CloudSignNotFoundError,
  CloudSignPlanNotSupportedError,
  CloudSignRateLimitedError,
  CloudSignTransientError,
  CloudSignUnexpectedResponseError,
  isRetryable,
} from './errors';
import {
  accessTokenSchema,
  documentAttributeSchema,
  documentListSchema,
  documentSchema,
  errorBodySchema,
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
   * Requests a minute per client ID. Default: 800, CloudSign's limit, for this client alone — share one
   * budget between clients that run in one process.
   */
  budget?: RequestBudget;
  /** Per request. Default 200 s: CloudSign's gateway answers 504 after 180 s, and that answer is worth waiting for. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
}

export interface ListConcludedDocumentsOptions {
  /** Only documents whose last party agreed at or after this time (`last_processed_at`). */
  from?: Date | string;
  /** … and at or before this time. */
  to?: Date | string;
  /** Resume a listing after the last page a caller finished (pages are 1-based). */
  startPage?: number;
}

export interface ConcludedDocumentsPage {
  page: number;
  /** Concluded documents in the listing as CloudSign counts them, when it says. */
  total: number | null;
  /** With their files. A document already yielded by an earlier page of this listing is left out. */
  documents: CloudSignDocument[];
}

export interface CloudSignAccess {
  user: CloudSignUser;
  /** Concluded documents the user can see, as CloudSign counts them, when it says. */
  concludedDocuments: number | null;
}

export interface DownloadedFile {
  size: number;
  /** Hex SHA-256 of the bytes written. */
  sha256: string;
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
  /** Concluded (締結済) documents with their files, a page (up to 100) at a time. */
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

/** One request as the rest of this file describes it. */
interface Call {
  clientId: string;
  path: string;
  query?: Record<string, string>;
  /** POST this form without an access token: only /token takes one. Otherwise GET with the token. */
  form?: Record<string, string>;
  /** Default JSON. */
  accept?: string;
  /** "listing concluded documents", for messages ("While …, CloudSign …"). */
  doing: string;
  /** What a 404 says is missing; without it a 404 means the base URL is not CloudSign's. */
  resource?: string;
  /** Whom a 403 `forbidden` is about: the account (default), one document, or the plan (only /me). */
  refusal?: 'document' | 'plan';
}

const PDF_MAGIC = Buffer.from('%PDF-');
const RATE_LIMIT_BLOCK_MS = 60_000;
const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, maxElapsedMs: 5 * 60_000, baseDelayMs: 1_000, maxDelayMs: 30_000 };

class HttpCloudSignClient implements CloudSignClient {
  private readonly baseUrl: string;
  private readonly fetch: typeof fetch;
  private readonly clock: Clock;
  private readonly budget: RequestBudget;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly tokens: TokenCache;

  constructor(options: CloudSignClientOptions) {
    this.baseUrl = new URL(options.baseUrl).href.replace(/\/+$/, '');
    this.fetch = options.fetch ?? fetch;
    this.clock = options.clock ?? systemClock;
    this.budget = options.budget ?? new RequestBudget(800, this.clock);
    this.timeoutMs = options.timeoutMs ?? 200_000;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
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
    const query: Record<string, string> = { status: '2', with_files: 'y', with_participants: 'n' };
    if (options.from !== undefined) query.from = formatTime(options.from);
    if (options.to !== undefined) query.to = formatTime(options.to);
    const seen = new Set<string>();
    // The longest page seen stands for the page size, should CloudSign ever page by fewer than 100.
    let pageSize = 0;
    for (let page = options.startPage ?? 1; ; page++) {
      const list = await this.getJson(this.listCall(clientId, page, query), documentListSchema);
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
      const documents = list.documents.filter((d) => !seen.has(d.id));
      for (const d of documents) seen.add(d.id);
      yield { page, total: list.total, documents };
      if (list.total !== null && page * pageSize >= list.total) return;
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
      const file = await this.withRetries(async () => streamPdf(await this.exchange(call), createWriteStream(partial), call));
      await rename(partial, destination);
      return file;
    } catch (error) {
      await rm(partial, { force: true });
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

  private listCall(clientId: string, page: number, query: Record<string, string>): Call {
    return { clientId, path: '/documents', query: { ...query, page: String(page) }, doing: `listing concluded documents (page ${page})` };
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
      json = JSON.parse(text);
    } catch {
      throw new CloudSignUnexpectedResponseError(
        `While ${call.doing}, CloudSign answered with something that is not JSON (${redact(describeBody(response, text), call)}). ` +
          'Check that the base URL points at the CloudSign Web API.',
        response.status,
      );
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
      await this.budget.acquire(clientIdKey(call.clientId));
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
        throw networkError(cause, call);
      }
      if (response.ok) return response;
      if (response.status === 401 && token !== undefined && !renewed) {
        await response.body?.cancel();
        this.tokens.invalidate(call.clientId, token);
        continue;
      }
      throw await this.errorFrom(response, call);
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

  private async errorFrom(response: Response, call: Call): Promise<CloudSignError> {
    const text = await response.text().catch(() => '');
    const body = parseErrorBody(text);
    const status = response.status;
    const code = body?.error ?? '';
    // `webapi_option_require` is a spelling in the spec; 402 is what spec 0.19 documented for it.
    if (status === 402 || code.startsWith('webapi_option_require')) return new CloudSignApiNotInPlanError(status);
    if (status === 429) return new CloudSignRateLimitedError(parseRetryAfter(response.headers.get('retry-after'), this.clock));
    if (status === 504) {
      return new CloudSignTransientError(
        `While ${call.doing}, CloudSign's gateway gave up after 180 s (504); CloudSign may still finish the work.`,
        status,
      );
    }
    if (status >= 500) {
      return new CloudSignTransientError(`While ${call.doing}, CloudSign failed (${status}${said(body, call)}).`, status);
    }
    if (status === 401) {
      return new CloudSignTransientError(`While ${call.doing}, CloudSign rejected a freshly issued access token (401).`, status);
    }
    if (call.path === '/token' && status === 400 && (code === 'invalid_client' || code === 'invalid_request')) {
      return new CloudSignInvalidClientError(status);
    }
    if (status === 403 && (code === 'forbidden' || code === '')) {
      if (call.refusal === 'plan') return new CloudSignPlanNotSupportedError(status);
      return new CloudSignForbiddenError(status, call.refusal === 'document');
    }
    if (status === 404 && call.resource !== undefined) return new CloudSignNotFoundError(call.resource);
    return new CloudSignUnexpectedResponseError(
      `While ${call.doing}, CloudSign answered ${status}${said(body, call)}.` +
        (status === 404 ? ' Check that the base URL points at the CloudSign Web API.' : ''),
      status,
    );
  }

  private url(call: Call): string {
    const query = call.query ? `?${new URLSearchParams(call.query).toString()}` : '';
    return `${this.baseUrl}${call.path}${query}`;
  }
}

/**
 * Writes a response body to `destination`, hashing and counting it, and fails as soon as it is plainly
 * not a PDF (an error page or JSON served with 200 must not be stored as a contract).
 */
async function streamPdf(response: Response, destination: Writable, call: Call): Promise<DownloadedFile> {
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  const notPdf = () =>
    new CloudSignUnexpectedResponseError(
      `While ${call.doing}, CloudSign sent something that is not a PDF (it starts with ` +
        `${JSON.stringify(head.toString('latin1'))}; Content-Type ${response.headers.get('content-type') ?? 'none'}).`,
      response.status,
    );
  async function* verified(body: AsyncIterable<Uint8Array>) {
    try {
      for await (const chunk of body) {
        if (head.length < PDF_MAGIC.length) {
          head = Buffer.concat([head, chunk]).subarray(0, PDF_MAGIC.length);
          if (!PDF_MAGIC.subarray(0, head.length).equals(head)) throw notPdf();
        }
        size += chunk.length;
        hash.update(chunk);
        yield chunk;
      }
    } catch (error) {
      // Only errors of reading the body (and our own) land here; the destination's pass through as they are.
      throw error instanceof CloudSignError ? error : networkError(error, call);
    }
    if (head.length < PDF_MAGIC.length) throw notPdf();
  }
  await pipeline(verified(response.body ?? emptyBody()), destination);
  return { size, sha256: hash.digest('hex') };
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}

/** `/documents/{documentID}/…` with each part encoded: IDs are opaque and come from CloudSign. */
function documentPath(documentId: string, ...rest: string[]): string {
  return ['/documents', documentId, ...rest].map((part, i) => (i === 0 ? part : encodeURIComponent(part))).join('/');
}

function networkError(cause: unknown, call: Call): CloudSignTransientError {
  const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
  const detail = cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause);
  return new CloudSignTransientError(
    timedOut
      ? `While ${call.doing}, CloudSign did not answer in time.`
      : `While ${call.doing}, could not reach CloudSign (${redact(detail, call)}).`,
  );
}

function parseErrorBody(text: string): { error: string | null; message: string | null } | undefined {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** CloudSign's own words, for errors this client cannot explain better itself. */
function said(body: { error: string | null; message: string | null } | undefined, call: Call): string {
  const words = [body?.error, body?.message].filter((w): w is string => !!w).join(': ');
  return words ? `; CloudSign said "${redact(words, call)}"` : '';
}

/** Messages are logged and mailed: CloudSign's text (or a network error) could quote the client ID. */
function redact(text: string, call: Call): string {
  return call.clientId === '' ? text : text.split(call.clientId).join('[client ID]');
}

function describeBody(response: Response, text: string): string {
  const type = response.headers.get('content-type') ?? 'no Content-Type';
  return `${type}, ${JSON.stringify(text.slice(0, 40))}`;
}

/** `Retry-After` is seconds or an HTTP date. */
function parseRetryAfter(value: string | null, clock: Clock): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - clock.now());
}

/** `from`/`to` in the form the spec gives, `YYYY-MM-DDThh:mm:ss.SSSSSSZ`. */
function formatTime(time: Date | string): string {
  const text = typeof time === 'string' ? normaliseTimestamp(time) : normaliseTimestamp(time.toISOString());
  if (text === undefined) throw new TypeError(`${String(time)} is not an RFC 3339 time with a zone`);
  return text;
}
