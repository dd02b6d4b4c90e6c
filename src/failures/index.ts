import { ConnectionException } from '@mikro-orm/core';
import { ApplicationFailure } from '@temporalio/common';
import { CloudSignError } from '../cloudsign/errors';
import { LedgerError, QuotaExhaustedError } from '../ledger/errors';
import { categoryOfCode, type FailureCategory } from './categories';

export * from './categories';

/**
 * Every error an activity can meet, sorted once: the origin decides the category (CloudSign's `not_found`
 * is one document's, the ledger's is a refusal), the code stays what it was. Anything unknown (the database
 * or the network down, a bug) is transient: retried, and reported as a stalled sync if it lasts.
 */
interface ClassifiedFailure {
  category: FailureCategory;
  /** Stable and searchable: the `ApplicationFailure` type (`invalid_client`, `quota_exhausted`, `not_found`, …). */
  code: string;
  message: string;
}

function classify(error: unknown): ClassifiedFailure {
  if (error instanceof CloudSignError) {
    const category = error.code === 'not_found' ? 'document' : categoryOfCode(error.code);
    return { category, code: error.code, message: error.message };
  }
  if (error instanceof QuotaExhaustedError) return { category: 'quota', code: error.code, message: error.message };
  if (error instanceof LedgerError) return { category: 'refused', code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { category: 'transient', code: error instanceof Error ? error.name : 'unknown', message };
}

/**
 * The Temporal failure an activity fails with: typed by the code, its category in `details[0]` for the
 * workflow (src/failures/categories.ts `failureCategory`). Needs-a-person, quota and refusals are final at
 * once: retrying cannot change them. So is a CloudSign answer this client cannot use (a changed API, a
 * proxy in the way). A document CloudSign no longer finds is retried: outside the importer's per-document
 * isolation it means a listing that moved on meanwhile, which the next attempt lists anew.
 */
function toActivityFailure(error: unknown): unknown {
  if (error instanceof ApplicationFailure) return error;
  const { category, code, message } = classify(error);
  // Unknown errors keep their own stack and type: Temporal turns them into a retryable failure itself.
  if (category === 'transient' && !(error instanceof CloudSignError)) return error;
  const nonRetryable = category !== 'transient' && !(category === 'document' && code === 'not_found');
  return ApplicationFailure.create({ type: code, message, nonRetryable, details: [category] });
}

/** Runs an activity's work with its failures classified (toActivityFailure): every activity goes through it. */
export async function classified<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toActivityFailure(error);
  }
}

/** True for the failures of one document or file, which the importer records as a failed file and goes on. */
export function isDocumentProblem(error: unknown): boolean {
  return error instanceof CloudSignError && classify(error).category === 'document';
}

/**
 * What a CloudSign error met while setting a connection up (checking a client ID, a preview) means for
 * the person asking: one they must fix (422 `cloudsign_<code>`, the message says how), or CloudSign being
 * unavailable for now (503 `cloudsign_unavailable`). Undefined for anything that is not a CloudSign error.
 */
export function cloudSignSetupRefusal(error: unknown): { status: 422 | 503; code: string; message: string } | undefined {
  if (!(error instanceof CloudSignError)) return undefined;
  if (classify(error).category === 'transient') {
    return { status: 503, code: 'cloudsign_unavailable', message: `CloudSign did not answer properly; try again shortly. ${error.message}` };
  }
  return { status: 422, code: `cloudsign_${error.code}`, message: error.message };
}

/** gRPC UNAVAILABLE and DEADLINE_EXCEEDED, as Temporal's client reports a server that does not answer. */
const TEMPORAL_UNANSWERED = new Set([4, 14]);
/** What node and Postgres say when the database cannot be reached or is going away (SQLSTATE classes 08, 57P). */
const DATABASE_UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);

/**
 * Which dependency an error says is down — `postgres` or `temporal` — or undefined when it says nothing of
 * the kind. The API answers these 503 naming the dependency (never 500): the request may simply be sent again.
 */
export function unavailableDependency(error: unknown): 'postgres' | 'temporal' | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const { name, code, message } = e as { name?: string; code?: unknown; message?: string };
    if (e instanceof ConnectionException || name === 'KnexTimeoutError' || (typeof code === 'string' && DATABASE_UNREACHABLE.has(code))) return 'postgres';
    if (message?.startsWith('Connection terminated')) return 'postgres';
    if (typeof code === 'number' && TEMPORAL_UNANSWERED.has(code)) return 'temporal';
  }
  return undefined;
}
