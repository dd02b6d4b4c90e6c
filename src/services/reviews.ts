import type { MikroORM } from '../db';
import { silentLogger, type Logger } from '../logging';
import {
  ConflictError,
  decideReview,
  selectReviewsToDecide,
  type Connection,
  type DecisionAction,
  type DecisionOptions,
  type Review,
  type ReviewSelection,
  type SkippedReviews,
  type User,
} from '../ledger';
import { deliverDecision, type TemporalGateway } from '../temporal/gateway';
import { UnavailableError } from './errors';
import { decisionOf } from '../temporal/messages';

/**
 * A reviewer's decision: recorded in the ledger first, atomically (a second, different one is refused),
 * then delivered to the review's workflow as a signal; the workflow makes it take effect once, however
 * often the request is retried. Whether the user may decide is the caller's check.
 */
export async function decide(
  deps: { orm: MikroORM; temporal: TemporalGateway; logger?: Logger },
  input: { connection: Connection; reviewId: string; action: DecisionAction; decidedBy: string } & DecisionOptions,
): Promise<Review> {
  const { connection, ...decision } = input;
  if (connection.status === 'disconnected') {
    throw new ConflictError('connection_disconnected', `Connection ${connection.managementId} is disconnected; its reviews can no longer be decided.`);
  }
  const { review } = await decideReview(deps.orm.em.fork(), decision);
  // A repeated request delivers again: the first delivery may be the one that failed.
  if (review.status === 'pending') await deliver(deps.temporal, connection, review, deps.logger ?? silentLogger);
  return review;
}

/**
 * Delivers a recorded decision to the review's workflow. A workflow that does not exist has not been
 * started yet (its connection starts a bounded number at a time) and reads the decision from the ledger
 * when it starts — or has ended, the decision having taken effect.
 */
async function deliver(temporal: TemporalGateway, connection: Connection, review: Review, logger: Logger): Promise<void> {
  const recorded = review.decision!;
  try {
    await deliverDecision(
      temporal,
      { managementId: connection.managementId, documentId: review.documentId },
      decisionOf(recorded),
    );
  } catch (error) {
    logger.warn('could not deliver the decision to its workflow', { managementId: connection.managementId, reviewId: review.id, error: error as Error });
    throw new UnavailableError(
      'temporal_unavailable',
      'The decision is recorded, but it could not be delivered to its workflow now. Send the same request again: it is delivered then, and takes effect once.',
    );
  }
}

/** Decisions of one bulk request recorded at once: below the ORM's pool of 10, so that other requests still get a connection. */
const BULK_DECISIONS_AT_ONCE = 8;
/** Their signals in flight at once: they need no database connection, and Temporal answers each in its own time. */
const BULK_SIGNALS_AT_ONCE = 32;

export interface BulkOutcome {
  decided: number;
  skipped: SkippedReviews;
  /** Matched by the filter beyond what one request decides: send the same request again. */
  remaining: number;
  /** Decided and recorded, but their workflows could not be told now: the connection's upkeep delivers them later. */
  undelivered: number;
}

/**
 * Many decisions at once (API.md `POST /v1/reviews/bulk`): each selected review is recorded by
 * `decideReview` — the same ledger function and audit event as a single decision, so a review decided
 * meanwhile by someone else is skipped, never decided twice — then delivered to its workflow. A delivery
 * that fails is not an error here: the decision is in the ledger, and the connection's workflow redelivers
 * undelivered decisions (`undeliveredDecisions`). Whether the user reviews anything is the caller's check.
 */
export async function decideMany(
  deps: { orm: MikroORM; temporal: TemporalGateway },
  input: { user: Pick<User, 'id' | 'role'>; selection: ReviewSelection; action: DecisionAction } & DecisionOptions,
): Promise<BulkOutcome> {
  const { user, selection, ...decision } = input;
  const { toDecide, skipped, remaining } = await selectReviewsToDecide(deps.orm.em.fork(), { user, selection });
  let decided = 0;
  const undelivered: string[] = [];
  const signals = new Set<Promise<void>>();
  const signal = async (reviewId: string, managementId: string, review: Review) => {
    while (signals.size >= BULK_SIGNALS_AT_ONCE) await Promise.race(signals);
    const sent = deliverDecision(deps.temporal, { managementId, documentId: review.documentId }, decisionOf(review.decision!)).then(
      () => undefined,
      () => void undelivered.push(reviewId),
    );
    signals.add(sent);
    void sent.finally(() => signals.delete(sent));
  };
  let next = 0;
  const worker = async () => {
    while (next < toDecide.length) {
      const { reviewId, managementId } = toDecide[next++]!;
      let review: Review;
      try {
        ({ review } = await decideReview(deps.orm.em.fork(), { ...decision, reviewId, decidedBy: user.id }));
      } catch (error) {
        // Decided by someone else since it was selected: theirs stands.
        if (error instanceof ConflictError) {
          skipped.alreadyDecided++;
          continue;
        }
        next = toDecide.length; // a refusal of the request itself (unknown owners…): stop deciding.
        throw error;
      }
      decided++;
      // Recorded: the signal may go on while the next one is recorded.
      if (review.status === 'pending') await signal(reviewId, managementId, review);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(BULK_DECISIONS_AT_ONCE, toDecide.length) }, worker));
  } finally {
    // Every decision recorded is signalled (or left to redelivery) before the request answers, even a refused one.
    await Promise.all(signals);
  }
  if (undelivered.length) {
    console.warn(`bulk decision: ${undelivered.length} recorded decisions could not be delivered now (first: review ${undelivered[0]}); their connections' upkeep delivers them.`);
  }
  return { decided, skipped, remaining, undelivered: undelivered.length };
}
