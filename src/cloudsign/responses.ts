/** What CloudSign's answers mean, request by request: which failure an HTTP status and `error` code are. */
import type { Clock } from './clock';
import {
  CloudSignApiNotInPlanError,
  CloudSignForbiddenError,
  CloudSignInvalidClientError,
  CloudSignNotFoundError,
  CloudSignPlanNotSupportedError,
  CloudSignRateLimitedError,
  CloudSignTransientError,
  CloudSignUnexpectedResponseError,
  type CloudSignError,
} from './errors';
import { errorBodySchema } from './schemas';

/** One request to CloudSign, described both for sending it and for explaining what its failure means. */
export interface Call {
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

export async function errorFrom(response: Response, call: Call, clock: Clock): Promise<CloudSignError> {
  const text = await response.text().catch(() => '');
  const body = parseErrorBody(text);
  const status = response.status;
  const code = body?.error ?? '';
  // `webapi_option_require` is a spelling in the spec; 402 is what spec 0.19 documented for it.
  if (status === 402 || code.startsWith('webapi_option_require')) return new CloudSignApiNotInPlanError(status);
  if (status === 429) return new CloudSignRateLimitedError(parseRetryAfter(response.headers.get('retry-after'), clock));
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
  // 410 Gone: undocumented, but what a server says of a document deleted for good.
  if ((status === 404 || status === 410) && call.resource !== undefined) return new CloudSignNotFoundError(call.resource);
  return new CloudSignUnexpectedResponseError(
    `While ${call.doing}, CloudSign answered ${status}${said(body, call)}.` +
      (status === 404 ? ' Check that the base URL points at the CloudSign Web API.' : ''),
    status,
  );
}

/** `/documents/{documentID}/…` with each part encoded: IDs are opaque and come from CloudSign. */
export function documentPath(documentId: string, ...rest: string[]): string {
  return ['/documents', documentId, ...rest].map((part, i) => (i === 0 ? part : encodeURIComponent(part))).join('/');
}

export function networkError(cause: unknown, call: Call): CloudSignTransientError {
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

/** A 200 whose body is not JSON: a proxy's or a login page, most likely from a wrong base URL. */
export function notJson(response: Response, text: string, call: Call): CloudSignUnexpectedResponseError {
  const type = response.headers.get('content-type') ?? 'no Content-Type';
  return new CloudSignUnexpectedResponseError(
    `While ${call.doing}, CloudSign answered with something that is not JSON (${type}, ` +
      `${JSON.stringify(redact(text, call).slice(0, 40))}). Check that the base URL points at the CloudSign Web API.`,
    response.status,
  );
}

/** `Retry-After` is seconds or an HTTP date. */
function parseRetryAfter(value: string | null, clock: Clock): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - clock.now());
}
