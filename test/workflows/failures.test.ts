import { ApplicationFailure } from '@temporalio/common';
import { expect, it } from 'vitest';
import {
  CloudSignForbiddenError,
  CloudSignInvalidClientError,
  CloudSignNotFoundError,
  CloudSignRateLimitedError,
  CloudSignTransientError,
  CloudSignUnexpectedResponseError,
} from '../../src/cloudsign';
import { classified, cloudSignSetupRefusal, failureCategory, incidentKindOf, INCIDENT_KINDS, isDocumentProblem } from '../../src/failures';
import { ConflictError, NotFoundError, QuotaExhaustedError } from '../../src/ledger/errors';

/*
 * The one failure taxonomy (src/failures): what leaves an activity for each error it can meet, and what
 * the workflows, the mails and the API read from it.
 */

/** What an activity whose work threw `error` fails with. */
async function leaving(error: Error): Promise<unknown> {
  return classified(async () => {
    throw error;
  }).catch((failure: unknown) => failure);
}

it('keeps the code as the failure type, carries the category, and ends retries only where retrying cannot help', async () => {
  const cases: [Error, string, string, boolean][] = [
    [new CloudSignInvalidClientError(401), 'invalid_client', 'needs_person', true],
    [new CloudSignForbiddenError(403), 'forbidden', 'needs_person', true],
    [new QuotaExhaustedError(10, 10), 'quota_exhausted', 'quota', true],
    [new CloudSignTransientError('CloudSign answered 503.', 503), 'transient', 'transient', false],
    [new CloudSignRateLimitedError(1_000), 'rate_limited', 'transient', false],
    // Outside the importer's per-document isolation, a document gone means a listing that moved on: retried.
    [new CloudSignNotFoundError('document d1'), 'not_found', 'document', false],
    [new CloudSignUnexpectedResponseError('not a PDF'), 'unexpected_response', 'document', true],
    [new NotFoundError('review', 'r1'), 'not_found', 'refused', true],
    [new ConflictError('connection_disconnected', 'disconnected'), 'connection_disconnected', 'refused', true],
  ];
  for (const [error, type, category, nonRetryable] of cases) {
    const failure = await leaving(error);
    expect(failure, error.name).toBeInstanceOf(ApplicationFailure);
    expect(failure, error.name).toMatchObject({ type, nonRetryable, details: [category], message: error.message });
    expect(failureCategory(failure), error.name).toBe(category);
  }
});

it('leaves an unknown error as it is, for Temporal to retry, and reads it as transient', async () => {
  const error = new TypeError('connect ECONNREFUSED 127.0.0.1:5432');
  expect(await leaving(error)).toBe(error);
  expect(failureCategory(ApplicationFailure.create({ type: 'TypeError', message: error.message }))).toBe('transient');
});

it('reads the category of failures recorded before they carried one from their code', () => {
  const old = (type: string) => ApplicationFailure.create({ type, nonRetryable: true });
  expect(failureCategory(old('plan_not_supported'))).toBe('needs_person');
  expect(failureCategory(old('quota_exhausted'))).toBe('quota');
  expect(failureCategory(old('connection_disconnected'))).toBe('refused');
  expect(failureCategory(old('not_found'))).toBe('refused');
  expect(failureCategory(new Error('a timeout, not an application failure'))).toBeUndefined();
});

it('names each incident by the taxonomy: the refusal for a person, spent quota, or a stalled sync', async () => {
  expect(incidentKindOf(await leaving(new CloudSignForbiddenError(403)))).toBe('forbidden');
  expect(incidentKindOf(await leaving(new QuotaExhaustedError(1, 1)))).toBe('quota_exhausted');
  expect(incidentKindOf(await leaving(new CloudSignTransientError('down', 503)))).toBe('stalled');
  expect(incidentKindOf(await leaving(new NotFoundError('run', 'x')))).toBe('stalled');
  expect([...INCIDENT_KINDS].sort()).toEqual(['api_not_in_plan', 'forbidden', 'invalid_client', 'plan_not_supported', 'quota_exhausted', 'stalled']);
});

it('tells the importer which failures concern one document, and the API what a set-up failure means', () => {
  expect(isDocumentProblem(new CloudSignNotFoundError('file f1'))).toBe(true);
  expect(isDocumentProblem(new CloudSignUnexpectedResponseError('not a PDF'))).toBe(true);
  expect(isDocumentProblem(new CloudSignTransientError('down', 503))).toBe(false);
  expect(isDocumentProblem(new NotFoundError('review', 'r1'))).toBe(false);

  expect(cloudSignSetupRefusal(new CloudSignInvalidClientError(401))).toMatchObject({ status: 422, code: 'cloudsign_invalid_client' });
  expect(cloudSignSetupRefusal(new CloudSignRateLimitedError(undefined))).toMatchObject({ status: 503, code: 'cloudsign_unavailable' });
  expect(cloudSignSetupRefusal(new CloudSignTransientError('down', 502))).toMatchObject({ status: 503, code: 'cloudsign_unavailable' });
  expect(cloudSignSetupRefusal(new Error('not CloudSign'))).toBeUndefined();
});
