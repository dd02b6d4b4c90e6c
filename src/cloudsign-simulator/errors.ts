/** The spec's errorModel `{error, message}` with the spec's error codes. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export type ErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'webapi_option_required'
  | 'not_found'
  | 'method_not_allowed'
  | 'not_implemented'
  | 'too_many_requests'
  | 'internal_server_error';

/**
 * The spec documents the codes but no message text (Uncertain #7); these messages paraphrase the spec's
 * descriptions. Clients must branch on status and `error`, never on `message`.
 */
export function fail(c: Context, status: ContentfulStatusCode, error: ErrorCode, message: string, headers?: Record<string, string>): Response {
  return c.json({ error, message }, status, headers);
}
