import { describeError } from '../errors';
import { silentLogger, type Logger } from '../../src/logging';
import type { ConsoleContext } from './session';

/**
 * The statuses a form shows beside itself, keeping what was typed: a bad value, a refusal, a conflict, and a
 * dependency that does not answer (the sentence says what was saved and to send it again). Anything else goes
 * to the console's error page.
 */
const FORM_REFUSALS = [400, 403, 404, 409, 422, 503] as const;
export type RefusalStatus = (typeof FORM_REFUSALS)[number];

/**
 * A refusal of the ledger or the API as a form shows it: the API's own sentence, which says what to do. A
 * dependency found down is logged to `logger`. Anything that is not a refusal is thrown again, for the
 * console's error page (which logs it).
 */
export function refusalOf(c: ConsoleContext, error: unknown, logger: Logger = silentLogger): { status: RefusalStatus; message: string } {
  const described = error instanceof Error ? describeError(error, logger, { method: c.req.method, path: c.req.path }) : undefined;
  if (!described || !(FORM_REFUSALS as readonly number[]).includes(described.status)) throw error;
  return { status: described.status as RefusalStatus, message: described.message };
}
