import type { MikroORM } from '../db';
import { claimDueMail, markMailFailed, markMailSent } from '../ledger';
import { silentLogger, type Logger } from '../logging';
import { noMetrics, type Metrics } from '../metrics';
import type { Mailer } from './mailer';

/**
 * Sends what the mail outbox holds (src/ledger/outbox.ts), outside any transaction: every process that runs
 * activities runs one. It wakes when its own process queued a mail (`kick`) and every `pollMs` besides (mail
 * another process queued, retries). A failed attempt is tried again later, waiting longer each time up to
 * MAX_RETRY_MS, so SMTP being down delays mail and blocks nothing else.
 */
export interface OutboxSender {
  /** A mail was queued: send it now rather than at the next poll. */
  kick(): void;
  start(): void;
  /** Waits for a round under way, then stops. */
  stop(): Promise<void>;
}

/**
 * A mail is claimed just before it is sent, one at a time, for longer than one send may take (the SMTP
 * timeouts of createMailer add up to 50 s): another sender never takes it meanwhile.
 */
const LEASE_MS = 2 * 60_000;
const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 10 * 60_000;

export function createOutboxSender({
  orm,
  mailer,
  pollMs = 5_000,
  firstRetryMs = FIRST_RETRY_MS,
  metrics = noMetrics,
  logger = silentLogger,
}: {
  orm: MikroORM;
  mailer: Mailer;
  metrics?: Pick<Metrics, 'mailSent' | 'mailFailed'>;
  logger?: Logger;
  pollMs?: number;
  /** The wait after a first failed attempt, doubling with each one up to MAX_RETRY_MS (tests shorten it). */
  firstRetryMs?: number;
}): OutboxSender {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;

  /** Sends every due mail, one claim at a time; a round asked for while one runs follows it. */
  const round = async (): Promise<void> => {
    for (;;) {
      const mail = await claimDueMail(orm.em.fork(), { leaseMs: LEASE_MS });
      if (!mail) return;
      try {
        await mailer.send(mail);
        await markMailSent(orm.em.fork(), mail.id);
        metrics.mailSent();
        logger.info('mail sent', { mailId: mail.id, subject: mail.subject, recipients: mail.to.length });
      } catch (error) {
        const retryInMs = Math.min(firstRetryMs * 2 ** mail.attempts, MAX_RETRY_MS);
        metrics.mailFailed();
        logger.warn(`mail not sent (attempt ${mail.attempts + 1}), trying again in ${retryInMs / 1000} s`, { mailId: mail.id, error: error as Error });
        await markMailFailed(orm.em.fork(), { id: mail.id, error: (error as Error).message, retryInMs });
      }
    }
  };

  const run = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = round()
      .catch((error: Error) => logger.warn('mail outbox round failed; the next poll tries again', { error }))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          run();
        }
      });
  };

  return {
    kick: run,
    start() {
      if (!stopped) return;
      stopped = false;
      timer = setInterval(run, pollMs);
      run();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
