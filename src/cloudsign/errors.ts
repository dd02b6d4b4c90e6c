import { DOCUMENT_CODES, NEEDS_PERSON_CODES, TRANSIENT_CODES } from '../failures/categories';

/**
 * What can go wrong when talking to CloudSign, sorted by what the caller can do about it.
 *
 * Every error has a stable `code` (usable as a Temporal `ApplicationFailure` type), a `nonRetryable` flag,
 * and a message a person can act on. Messages never contain the client ID: they end up in logs, workflow
 * history and e-mails, and the client ID is a credential.
 */

/** Sorted by category in the one failure taxonomy (src/failures/categories.ts), which says what each means. */
const CLOUDSIGN_ERROR_CODES = [...NEEDS_PERSON_CODES, ...DOCUMENT_CODES, ...TRANSIENT_CODES] as const;
export type CloudSignErrorCode = (typeof CLOUDSIGN_ERROR_CODES)[number];

export class CloudSignError extends Error {
  readonly nonRetryable: boolean;

  constructor(
    readonly code: CloudSignErrorCode,
    message: string,
    /** HTTP status CloudSign answered with, when there was an answer. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'CloudSignError';
    this.nonRetryable = !isRetryable(code);
  }
}

export class CloudSignInvalidClientError extends CloudSignError {
  constructor(status?: number) {
    super(
      'invalid_client',
      'CloudSign does not know this client ID (invalid_client). Copy it again in full from CloudSign ' +
        '(管理画面 > アカウント > クライアントID, https://www.cloudsign.jp/api/clients) and check that it was issued ' +
        'for the environment this service talks to (production or sandbox).',
      status,
    );
    this.name = 'CloudSignInvalidClientError';
  }
}

export class CloudSignForbiddenError extends CloudSignError {
  /** @param aboutDocument the refusal concerned one document, which the user may simply not be allowed to see */
  constructor(status: number, aboutDocument = false) {
    super(
      'forbidden',
      'CloudSign refused access (403 forbidden). Either the CloudSign user this client ID belongs to has been ' +
        'disabled or deleted (issue a client ID for an active user, ideally a dedicated non-personal user with ' +
        "document-management rights), or the team's IP address restriction (IPアドレス制限) does not allow this " +
        "service's address (add it in CloudSign's team settings)" +
        (aboutDocument ? ', or the user is not allowed to see this document.' : '.'),
      status,
    );
    this.name = 'CloudSignForbiddenError';
  }
}

export class CloudSignApiNotInPlanError extends CloudSignError {
  constructor(status: number) {
    super(
      'api_not_in_plan',
      "CloudSign refused the request because the account's plan does not include the Web API option " +
        '(webapi_option_required). The Web API needs a Standard, Corporate, Business or Enterprise plan and an ' +
        'application for API use with CloudSign.',
      status,
    );
    this.name = 'CloudSignApiNotInPlanError';
  }
}

export class CloudSignPlanNotSupportedError extends CloudSignError {
  constructor(status: number) {
    super(
      'plan_not_supported',
      'CloudSign accepted the client ID but refuses this service the user information (/me): the account uses ' +
        'multi-department management (複数部署管理, Enterprise plan), which the Web API does not serve for ' +
        'importing. Use a client ID of a team without multi-department management.',
      status,
    );
    this.name = 'CloudSignPlanNotSupportedError';
  }
}

export class CloudSignNotFoundError extends CloudSignError {
  constructor(what: string) {
    super(
      'not_found',
      `CloudSign has no ${what} (404 not_found): it was deleted, or the CloudSign user can no longer see it.`,
      404,
    );
    this.name = 'CloudSignNotFoundError';
  }
}

export class CloudSignRateLimitedError extends CloudSignError {
  constructor(
    /** How long CloudSign asked us to wait (its `Retry-After`), when it said so. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(
      'rate_limited',
      'CloudSign rate-limited the requests (429 too_many_requests; it allows 800 requests a minute per access ' +
        'token)' +
        (retryAfterMs === undefined ? '. Retry later.' : `. Retry after ${Math.ceil(retryAfterMs / 1000)} s.`),
      429,
    );
    this.name = 'CloudSignRateLimitedError';
  }
}

export class CloudSignTransientError extends CloudSignError {
  constructor(message: string, status?: number) {
    super('transient', `${message} This is usually temporary (an outage or maintenance at CloudSign); retry later.`, status);
    this.name = 'CloudSignTransientError';
  }
}

/** CloudSign answered something this client cannot use: a changed API, a proxy in the way, a corrupt file. */
export class CloudSignUnexpectedResponseError extends CloudSignError {
  constructor(message: string, status?: number) {
    super('unexpected_response', message, status);
    this.name = 'CloudSignUnexpectedResponseError';
  }
}

/** A file CloudSign served with 200 that is not a PDF (an HTML page, JSON): one file's trouble. */
export class CloudSignNotPdfError extends CloudSignUnexpectedResponseError {
  constructor(message: string, status?: number) {
    super(message, status);
    this.name = 'CloudSignNotPdfError';
  }
}

/**
 * The code of a CloudSign error, or the code itself: after a trip through Temporal an error is only its
 * `ApplicationFailure` type, so the helpers below accept either.
 */
function codeOf(error: unknown): string | undefined {
  if (typeof error === 'string') return error;
  return error instanceof CloudSignError ? error.code : undefined;
}

/** True for errors a person must resolve before syncing can go on (notify the admin, stop retrying). */
export function needsPerson(error: unknown): boolean {
  return (NEEDS_PERSON_CODES as readonly (string | undefined)[]).includes(codeOf(error));
}

/** True for errors that retrying later can fix. */
export function isRetryable(error: unknown): boolean {
  return (TRANSIENT_CODES as readonly (string | undefined)[]).includes(codeOf(error));
}
