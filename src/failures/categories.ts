import { ActivityFailure, ApplicationFailure } from '@temporalio/common';

/**
 * The one failure taxonomy: what a failure means for whoever meets it, whichever part of the service it came
 * from. This file is pure (the Temporal SDK's failure types alone), so that workflow code reads a failure's
 * category with it; src/failures/index.ts classifies the errors themselves, as every activity's failures
 * leave it. The mails (src/mail), the CloudSign client's own retries and the API derive from the same lists.
 */
const FAILURE_CATEGORIES = [
  /** A refusal only a person can fix: a credential, the CloudSign plan, an IP restriction. */
  'needs_person',
  /** The contract quota is spent: raising it is the fix. */
  'quota',
  /** Goes away by itself, so retry later: CloudSign's 5xx and 429, the network, the database; anything unknown. */
  'transient',
  /** Concerns one document or file only (CloudSign 404, not a PDF): the rest goes on. */
  'document',
  /** The ledger refuses the request as made (not found, conflict, validation, a disconnected connection): final. */
  'refused',
] as const;
export type FailureCategory = (typeof FAILURE_CATEGORIES)[number];

/** CloudSign's refusals that need a person: the connection shows `error` and waits for resume or new settings. */
export const NEEDS_PERSON_CODES = ['invalid_client', 'forbidden', 'api_not_in_plan', 'plan_not_supported'] as const;
type NeedsPersonCode = (typeof NEEDS_PERSON_CODES)[number];

/** The ledger's code for spent quota (QuotaExhaustedError). */
export const QUOTA_CODE = 'quota_exhausted';

/** CloudSign's codes that retrying later fixes. */
export const TRANSIENT_CODES = ['rate_limited', 'transient'] as const;

/** CloudSign's codes about one document or file: it is gone (`not_found`), or it is not what it should be. */
export const DOCUMENT_CODES = ['not_found', 'unexpected_response'] as const;

/**
 * What a connection's incident is about, one e-mail each: a refusal for a person, spent quota, or a sync
 * that could not finish for a long time (`stalled`, whatever kept failing).
 */
export const INCIDENT_KINDS = [...NEEDS_PERSON_CODES, QUOTA_CODE, 'stalled'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

const includes = (codes: readonly string[], code: string) => codes.includes(code);

/**
 * The category of a failure by its code alone, for failures that do not carry theirs: those recorded in
 * histories before categories travelled with them. `not_found` is both CloudSign's (one document) and the
 * ledger's (a refusal); a CloudSign `not_found` of a document stays inside the importer's per-document
 * isolation, so the code alone reads as the ledger's. The other ledger refusals are not known by code here:
 * they read as transient, which is what the workflows did with them before (wait, then try again).
 */
export function categoryOfCode(code: string): FailureCategory {
  if (includes(NEEDS_PERSON_CODES, code)) return 'needs_person';
  if (code === QUOTA_CODE) return 'quota';
  if (code === 'not_found' || code === 'connection_disconnected') return 'refused';
  if (includes(DOCUMENT_CODES, code)) return 'document';
  return 'transient';
}

/**
 * The category of what an activity call threw, as a workflow sees it: the one src/failures put in the
 * failure's details, else read from its code. Undefined when the failure is not an activity's
 * application failure (a timeout, a cancellation), which the caller treats as its own case.
 */
export function failureCategory(error: unknown): FailureCategory | undefined {
  const failure = applicationFailureOf(error);
  if (!failure) return undefined;
  const carried = failure.details?.[0];
  if (typeof carried === 'string' && (FAILURE_CATEGORIES as readonly string[]).includes(carried)) return carried as FailureCategory;
  return categoryOfCode(failure.type ?? 'unknown');
}

/** What an activity's failure makes a connection report: the refusal's own kind, spent quota, or a stalled sync. */
export function incidentKindOf(error: unknown): IncidentKind {
  const category = failureCategory(error);
  const code = applicationFailureOf(error)?.type ?? 'unknown';
  if (category === 'needs_person' && includes(NEEDS_PERSON_CODES, code)) return code as NeedsPersonCode;
  if (category === 'quota') return QUOTA_CODE;
  return 'stalled';
}

const applicationFailureOf = (error: unknown) => {
  const failure = error instanceof ActivityFailure ? error.cause : error;
  return failure instanceof ApplicationFailure ? failure : undefined;
};
