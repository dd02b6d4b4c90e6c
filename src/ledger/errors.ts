/**
 * The ledger's refusals, typed so that each caller can translate them once: the API maps them to HTTP
 * statuses (NotFound → 404, Conflict → 409, Validation → 400/422, QuotaExhausted → 422), the activities
 * to non-retryable Temporal failures whose type is `code`. Messages are sentences a person can act on and
 * never contain a secret.
 */
export abstract class LedgerError extends Error {
  abstract readonly code: string;
}

export class NotFoundError extends LedgerError {
  readonly code = 'not_found';
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`No ${entity} has the ID ${id}.`);
    this.name = 'NotFoundError';
  }
}

/** The request contradicts what is stored (a duplicate e-mail, a client ID already connected…). */
export class ConflictError extends LedgerError {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** Well-formed input the ledger refuses: unknown users or groups, a quota below what is used… */
export class ValidationError extends LedgerError {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ValidationError';
  }
}

/** Importing one more contract would exceed the subscription's quota; nothing was written. */
export class QuotaExhaustedError extends LedgerError {
  readonly code = 'quota_exhausted';
  constructor(
    readonly limit: number,
    readonly used: number,
  ) {
    super(
      `The contract quota is used up (${used} of ${limit}). Importing stopped cleanly; raise the quota ` +
        '(PUT /v1/quota) and the remaining files are imported.',
    );
    this.name = 'QuotaExhaustedError';
  }
}
