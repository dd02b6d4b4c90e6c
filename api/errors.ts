import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { cloudSignSetupRefusal, unavailableDependency } from '../src/failures';
import { ConflictError, LedgerError, NotFoundError, QuotaExhaustedError, ValidationError } from '../src/ledger/errors';
import { UnavailableError } from '../src/services/errors';
import type { Logger } from '../src/logging';

/** The one error shape of the API (../shared/spec/API.md "Conventions"). */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'not_found' }),
      message: z.string().openapi({ example: 'No connection has the ID 42.' }),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error', { example: { error: { code: 'review_decided', message: 'This review was already discarded on 2026-11-30T09:12:00.000Z; it cannot be decided again.' } } });

/** The content of every error response, for a route's declaration. */
export const errorContent = { 'application/json': { schema: ErrorSchema } };

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function errorResponse(c: Context, status: ContentfulStatusCode, code: string, message: string, details?: unknown) {
  return c.json({ error: { code, message, ...(details === undefined ? {} : { details }) } }, status);
}

/** An error as a caller is told it: the API answers it as JSON, the console as a page. */
export interface DescribedError {
  status: ContentfulStatusCode;
  code: string;
  message: string;
  details?: unknown;
}

/**
 * What a thrown error means, the one mapping of every refusal (ledger, CloudSign set-up, a dependency down)
 * that the API and the console share; undefined for an unexpected error, which the caller logs and never shows.
 */
export function describeError(error: Error, logger: Logger, request: { method: string; path: string }): DescribedError | undefined {
  if (error instanceof ApiError) return { status: error.status, code: error.code, message: error.message, details: error.details };
  if (error instanceof LedgerError) return { status: ledgerStatus(error), code: error.code, message: error.message, details: ledgerDetails(error) };
  const refusal = cloudSignSetupRefusal(error);
  if (refusal) return refusal;
  if (error instanceof UnavailableError) return { status: 503, code: error.code, message: error.message };
  const down = unavailableDependency(error);
  if (down) {
    logger.warn(`${down} does not answer`, { method: request.method, path: loggedPath(request.path), error: error.message.split('\n')[0] });
    return { status: 503, code: `${down}_unavailable`, message: `${DEPENDENCY_NAMES[down]} does not answer right now; nothing was changed. Try again shortly.` };
  }
  if (error instanceof HTTPException) {
    // Hono throws these for bodies it cannot read, e.g. malformed JSON.
    return { status: error.status, code: error.status === 400 ? 'invalid_request' : 'http_error', message: error.message || 'The request could not be read.' };
  }
  return undefined;
}

/** A request's path as logs may hold it: a Hook URL's token authenticates, so it is never written down. */
export function loggedPath(path: string): string {
  return path.replace(/^(\/hooks\/cloudsign\/)[^/]+/, '$1[token]');
}

/** Maps whatever a handler threw to the error shape; an unexpected error is logged (to `logger`) and never shown. */
export const errorHandler = (logger: Logger) => (error: Error, c: Context) => {
  const described = describeError(error, logger, { method: c.req.method, path: c.req.path });
  if (described) return errorResponse(c, described.status, described.code, described.message, described.details);
  logger.error('request failed unexpectedly', { method: c.req.method, path: loggedPath(c.req.path), error, stack: error.stack });
  return errorResponse(c, 500, 'internal_error', 'The server failed to handle this request; the error has been logged.');
};

const DEPENDENCY_NAMES = { postgres: 'The database (Postgres)', temporal: 'Temporal' } as const;

/** The error responses every authenticated route may give, for the OpenAPI document. */
export const errorResponses = {
  400: { description: 'Malformed path, query or body: it breaks the schema, or holds a NUL character (U+0000) anywhere, keys included', content: errorContent },
  401: { description: 'No or unknown API token', content: errorContent },
  403: { description: 'The token lacks the right', content: errorContent },
  429: {
    description:
      'Too many failed authentications from your address (`too_many_failed_sign_ins`, AUTH_FAILURES_PER_MINUTE a minute): every request from it is refused, before its token is checked, until `Retry-After` seconds have passed',
    headers: { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } } },
    content: errorContent,
  },
  503: { description: 'Postgres or Temporal does not answer (`postgres_unavailable`, `temporal_unavailable`); nothing was changed', content: errorContent },
} as const;

/** What a route that takes a body may answer besides: its size and its media type are checked before its content. */
export const bodyErrorResponses = {
  413: { description: 'The body is over 256 KiB (`payload_too_large`)', content: errorContent },
  415: { description: 'The body is not `application/json`', content: errorContent },
} as const;

/** Ledger refusals that are about the request's form (a list cursor the API handed out), not the domain. */
const MALFORMED = new Set(['invalid_cursor', 'invalid_limit']);

/** The ledger's refusals, as the API's status codes: well-formed requests the domain refuses are 422. */
function ledgerStatus(error: LedgerError): ContentfulStatusCode {
  if (MALFORMED.has(error.code)) return 400;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof ValidationError || error instanceof QuotaExhaustedError) return 422;
  return 500;
}

function ledgerDetails(error: LedgerError): unknown {
  return error instanceof ConflictError || error instanceof ValidationError ? error.details : undefined;
}
