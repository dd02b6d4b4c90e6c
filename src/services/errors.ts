/**
 * A part the service depends on could not be reached after what the request asked for was recorded: the
 * request may be sent again and does no harm then. The API answers 503 with `code`; `message` says what to do.
 */
export class UnavailableError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'UnavailableError';
  }
}
