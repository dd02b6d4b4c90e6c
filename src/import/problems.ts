import { CloudSignNotFoundError, CloudSignNotPdfError, CloudSignUnexpectedResponseError } from '../cloudsign';
import { ValidationError } from '../ledger';

/**
 * What can be wrong with one document or file alone, as a failed file records it (file_errors.code): the
 * rest of the sync goes on, and the message says what to do.
 */
export const FILE_PROBLEMS = [
  /** CloudSign no longer has it, or the user can no longer see it (404, 410). */
  'not_found',
  /** CloudSign refuses this document to a user whose client ID still works (403 on this document alone). */
  'forbidden',
  /** Served with 200 but not a PDF. */
  'not_pdf',
  /** Larger than FILE_SIZE_LIMIT. */
  'too_large',
  /** A value the ledger cannot hold as it is (it is never cut to fit). */
  'invalid_value',
  /** CloudSign answered about this document in a shape the client does not understand. */
  'unreadable',
] as const;
export type FileProblemCode = (typeof FILE_PROBLEMS)[number];

export interface FileProblem {
  code: FileProblemCode;
  message: string;
}

/** A PDF that grew past FILE_SIZE_LIMIT while it was downloaded; nothing of it is stored. */
export class FileTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(
      `The PDF is larger than FILE_SIZE_LIMIT (${limit.toLocaleString('en-US')} bytes), so it was not stored. ` +
        'Raise FILE_SIZE_LIMIT if such files belong in the ledger, then retry the file.',
    );
    this.name = 'FileTooLargeError';
  }
}

/** The sentence for a document CloudSign refuses while the credential itself still works. */
export const FORBIDDEN_DOCUMENT: FileProblem = {
  code: 'forbidden',
  message:
    'CloudSign refuses this document to the connection\'s CloudSign user (403 forbidden), although the client ID ' +
    'still works: the document was made 親展 (confidential) or moved out of the user\'s sight. Give the user ' +
    'access to it in CloudSign (or 親展書類管理権限), then retry the file.',
};

/** The problem of one file that `error` is, or undefined when it is not one file's (a refusal, an outage). */
export function fileProblemOf(error: unknown): FileProblem | undefined {
  if (error instanceof FileTooLargeError) return { code: 'too_large', message: error.message };
  if (error instanceof ValidationError && error.code === 'invalid_fields') return { code: 'invalid_value', message: invalidValues(error) };
  if (error instanceof CloudSignNotPdfError) return { code: 'not_pdf', message: `${error.message} Check the file in CloudSign, then retry the file.` };
  if (error instanceof CloudSignNotFoundError) return { code: 'not_found', message: error.message };
  if (error instanceof CloudSignUnexpectedResponseError) return { code: 'unreadable', message: error.message };
  return undefined;
}

function invalidValues(error: ValidationError): string {
  const issues = (error.details?.issues ?? []) as { field: string; message: string }[];
  const which = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
  return (
    `CloudSign's values for this file do not fit the ledger (${which}); nothing was cut to fit, and nothing of it ` +
    'was saved. Correct the 書類情報 in CloudSign, then retry the file.'
  );
}
