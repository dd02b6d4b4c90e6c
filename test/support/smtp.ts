import { startMailCatcher, type CaughtMail, type MailCatcher } from '../../src/mail/catcher';

export type { CaughtMail };

/**
 * A real SMTP server in the test process, on a free port, collecting every message parsed
 * (`{ url, messages, waitFor(predicate, timeoutMs), close() }`). The same server `npm run dev` uses as its
 * mail catcher, so the tests read mail exactly as a developer would.
 */
export function start(): Promise<MailCatcher> {
  return startMailCatcher();
}
