import type { MikroORM } from '../src/db';
import { classified } from '../src/failures';
import {
  applyDecision,
  getConnection,
  getReview,
  queueMail,
  releaseReviewFiles,
  remindReviewers,
  undeliveredDecisions,
  type Review,
} from '../src/ledger';
import { reviewReminderMail, type OutboxSender } from '../src/mail';
import { silentLogger, type Logger } from '../src/logging';
import { noMetrics, type Metrics } from '../src/metrics';
import type { FileStorage } from '../src/storage';
import { decisionOf, sameDecision, type Decision } from '../src/temporal/messages';
import { temporalNow } from './clock';
import { activityLogger } from './log';

export interface ReviewActivityDeps {
  orm: MikroORM;
  /** Sends the reminders queued in the mail outbox; `kick` asks it to send now. */
  outbox: Pick<OutboxSender, 'kick'>;
  /** REVIEW_REMINDER_AFTER: how long a document waits for a decision before its reviewers are reminded. */
  reviewReminderAfterMs?: number;
  /** REVIEW_DECISION_RECHECK: the longest a review workflow waits before it reads the ledger again. */
  reviewDecisionRecheckMs?: number;
  /** Where a discarded review's PDFs are deleted from. */
  storage: Pick<FileStorage, 'remove'>;
  metrics?: Pick<Metrics, 'mailQueued'>;
  logger?: Logger;
}

const WEEK_MS = 7 * 86_400_000;
const HOUR_MS = 3_600_000;
/** A decision recorded this long ago and still not applied has probably lost its signal. */
const REDELIVER_AFTER_MS = 10 * 60_000;
/** Signals a connection's upkeep sends at most, so that its history stays small. */
const REDELIVER_LIMIT = 100;

export function createReviewActivities({
  orm,
  outbox,
  storage,
  reviewReminderAfterMs = WEEK_MS,
  reviewDecisionRecheckMs = HOUR_MS,
  metrics = noMetrics,
  logger = silentLogger,
}: ReviewActivityDeps) {
  return {
    /**
     * The decision the ledger holds for a review, if any, whether the ledger closed the review (its connection
     * was disconnected: its workflow then ends), and how long its workflow may wait before asking again
     * (REVIEW_DECISION_RECHECK, from the worker's configuration rather than from workflow code).
     */
    async decisionCheck(input: { reviewId: string }): Promise<{ decision: Decision | null; closed: boolean; recheckMaxMs: number }> {
      return classified(async () => {
        const { decision, status } = await getReview(orm.em.fork(), input.reviewId);
        return { decision: decision && decisionOf(decision), closed: status === 'closed', recheckMaxMs: reviewDecisionRecheckMs };
      });
    },

    /** The decision the ledger holds for a review, if any (review workflows started before `decisionCheck`). */
    async recordedDecision(input: { reviewId: string }): Promise<Decision | null> {
      return classified(async () => {
        const { decision } = await getReview(orm.em.fork(), input.reviewId);
        return decision && decisionOf(decision);
      });
    },

    /**
     * Makes the decision recorded in the ledger take effect, once, however often retried, and deletes the
     * PDFs it leaves unused (a discard's; src/ledger `releaseReviewFiles`). `decision` is what the workflow was told; the
     * ledger's wins, and one that differs is logged: only the API, having checked the reviewer, records
     * decisions. With none recorded it fails, retried: a review workflow started before decisions came
     * from the ledger alone keeps asking until a reviewer decides. A ledger refusal (spent quota, a
     * disconnected connection) fails without retries (src/failures: `quota` or `refused`), and leaves the
     * review pending with it.
     */
    async applyReviewDecision(input: { reviewId: string; decision: Decision }): Promise<{ status: Review['status'] }> {
      return classified(async () => {
        const em = orm.em.fork();
        const review = await getReview(em, input.reviewId);
        const recorded = review.decision && decisionOf(review.decision);
        if (!recorded || !sameDecision(recorded, input.decision)) {
          activityLogger(logger, { reviewId: review.id }).warn('a delivered decision that is not the one in the ledger was ignored', {
            action: input.decision.action,
            decidedBy: input.decision.decidedBy || 'nobody',
          });
        }
        if (!recorded && review.status === 'pending') {
          throw new Error(`Review ${review.id} has no decision in the ledger; it waits for a reviewer's (POST /v1/reviews/${review.id}/approve or /discard).`);
        }
        const done = await applyDecision(em, { reviewId: review.id });
        // An approved file is its contract's; only one without a contract (discarded meanwhile) may be unused.
        const unused = done.status === 'discarded' || (done.status === 'approved' && done.files.some((f) => !f.contractId));
        if (unused) await releaseReviewFiles(em, { reviewId: review.id, remove: storage.remove });
        return { status: done.status };
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
        if (reminder.sent) outbox.kick();
        if (reminder.sent && queued) metrics.mailQueued();
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
