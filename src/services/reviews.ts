import type { MikroORM } from '../db';
import { silentLogger, type Logger } from '../logging';
import { ConflictError, decideReview, type Connection, type DecisionOptions, type Review, type DecisionAction } from '../ledger';
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
