import type { MikroORM } from '../src/db';
import { classified } from '../src/failures';
import {
  applyDecision,
  decideReview,
  getConnection,
  getReview,
  queueMail,
  remindReviewers,
  undeliveredDecisions,
  type Review,
} from '../src/ledger';
import { reviewReminderMail, type OutboxSender } from '../src/mail';
import { noMetrics, type Metrics } from '../src/metrics';
import { decisionOf, type Decision } from '../src/temporal/messages';
import { temporalNow } from './clock';

export interface ReviewActivityDeps {
  orm: MikroORM;
  /** Sends the reminders queued in the mail outbox; `kick` asks it to send now. */
  outbox: Pick<OutboxSender, 'kick'>;
  /** REVIEW_REMINDER_AFTER: how long a document waits for a decision before its reviewers are reminded. */
  reviewReminderAfterMs?: number;
  metrics?: Pick<Metrics, 'mailQueued'>;
}

const WEEK_MS = 7 * 86_400_000;
/** A decision recorded this long ago and still not applied has probably lost its signal. */
const REDELIVER_AFTER_MS = 10 * 60_000;
/** Signals a connection's upkeep sends at most, so that its history stays small. */
const REDELIVER_LIMIT = 100;

export function createReviewActivities({ orm, outbox, reviewReminderAfterMs = WEEK_MS, metrics = noMetrics }: ReviewActivityDeps) {
  return {
    /** The decision the ledger holds for a review, if any: it may have been made before its workflow started. */
    async recordedDecision(input: { reviewId: string }): Promise<Decision | null> {
      return classified(async () => {
        const { decision } = await getReview(orm.em.fork(), input.reviewId);
        return decision && decisionOf(decision);
      });
    },

    /** Whether the ledger closed the review (its connection was disconnected): its workflow then ends. */
    async reviewClosed(input: { reviewId: string }): Promise<boolean> {
      return classified(async () => (await getReview(orm.em.fork(), input.reviewId)).status === 'closed');
    },

    /**
     * Makes the decision take effect in the ledger, once, however often retried. The ledger's recorded
     * decision wins; a signal with no recorded decision behind it (an operator's, sent with the temporal
     * CLI) is recorded first, under the same rule. A ledger refusal (spent quota, a disconnected connection)
     * fails without retries (src/failures: `quota` or `refused`), and leaves the review pending with it.
     */
    async applyReviewDecision(input: { reviewId: string; decision: Decision }): Promise<{ status: Review['status'] }> {
      return classified(async () => {
        const em = orm.em.fork();
        const review = await getReview(em, input.reviewId);
        if (!review.decision && review.status === 'pending') {
          const { action, decidedBy, visibility, owners } = input.decision;
          await decideReview(em, { reviewId: review.id, action, decidedBy, visibility, owners });
        }
        return { status: (await applyDecision(em, { reviewId: review.id })).status };
      });
    },

    /**
     * A review-mode connection's periodic care, run by its workflow while it waits for the next sync: sends
     * the reviewers' reminder when it is due, and finds decisions whose signal seems lost, for the workflow
     * to deliver again. Returns when the next reminder could be due (on Temporal's clock), so that the
     * workflow wakes for it.
     */
    async reviewUpkeep(input: { connectionId: string }): Promise<{ nextReminderAt: string | null; undelivered: { documentId: string; decision: Decision }[] }> {
      return classified(async () => {
        const em = orm.em.fork();
        const connection = await getConnection(em, input.connectionId);
        let queued: string | null = null;
        const reminder = await remindReviewers(em, {
          connectionId: connection.id,
          now: temporalNow(),
          afterMs: reviewReminderAfterMs,
          everyMs: WEEK_MS,
          // Queued in the reminder's own transaction: recorded as sent if and only if its mail is in the outbox.
          queue: async ({ pending, recipients }, tx) => {
            queued = await queueMail(tx, { to: recipients, ...reviewReminderMail({ managementId: connection.managementId, connectionName: connection.name, pending }) });
          },
        });
        if (reminder.sent && queued) metrics.mailQueued();
        if (reminder.sent) outbox.kick();
        // Decisions are recorded by the API on its own clock, so they are aged on the same one.
        const undelivered = await undeliveredDecisions(em, {
          connectionId: connection.id,
          decidedBefore: new Date(Date.now() - REDELIVER_AFTER_MS),
          limit: REDELIVER_LIMIT,
        });
        return {
          nextReminderAt: reminder.nextAt?.toISOString() ?? null,
          undelivered: undelivered.map((u) => ({
            documentId: u.documentId,
            decision: decisionOf({ action: u.action, decidedBy: u.decidedBy, ...u.options }),
          })),
        };
      });
    },
  };
}

export type ReviewActivities = ReturnType<typeof createReviewActivities>;
