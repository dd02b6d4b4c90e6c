import { describeError } from '../errors';
import { silentLogger } from '../../src/logging';
import type { ConsoleContext } from './session';

/** The statuses a form shows beside itself; anything else goes to the console's error page. */
export type RefusalStatus = 400 | 403 | 404 | 409 | 422;

/**
 * A refusal of the ledger or the API (a bad value, a conflict) as a form shows it: the API's own sentence,
 * which says what to do. Anything that is not a refusal is thrown again, for the console's error page.
 */
export function refusalOf(c: ConsoleContext, error: unknown): { status: RefusalStatus; message: string } {
  const described = error instanceof Error ? describeError(error, silentLogger, { method: c.req.method, path: c.req.path }) : undefined;
  if (!described || ![400, 403, 404, 409, 422].includes(described.status)) throw error;
  return { status: described.status as RefusalStatus, message: described.message };
}
