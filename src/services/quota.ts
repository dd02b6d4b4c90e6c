import type { MikroORM } from '../db';
import { silentLogger, type Logger } from '../logging';
import { listConnections, reviewsAwaitingQuota, setQuotaLimit, type AuditActor, type Quota } from '../ledger';
import { signalEach, type TemporalGateway } from '../temporal/gateway';
import { connectionWorkflowId, quotaRaisedSignal, reviewWorkflowId } from '../temporal/messages';

/** The ledger's contract quota, and waking what waits for it when it is raised. */

export async function setQuota(deps: { orm: MikroORM; temporal: TemporalGateway; logger?: Logger }, limit: number, actor?: AuditActor): Promise<Quota> {
  const quota = await setQuotaLimit(deps.orm.em.fork(), { limit, ...(actor && { actor }) });
  if (quota.remaining > 0) {
    // The limit is changed already: failing to wake what waits must not turn that into an error.
    await notifyQuotaRaised(deps).catch((error: Error) =>
      (deps.logger ?? silentLogger).warn('quota raised: could not notify the waiting workflows; they recheck the quota by themselves', { error }),
    );
  }
  return quota;
}

/**
 * Tells whatever waits for quota that it was raised, with the `quotaRaised` signal: the workflow of every
 * connection stopped by `quota_exhausted` (`connection/<managementId>`) and of every approved review that
 * could not be saved (`review/<managementId>/<documentId>`); they go on by themselves. A workflow that is
 * missing or cannot be reached is logged and skipped: the quota is changed already, and both kinds of
 * workflow also recheck the quota by themselves from time to time.
 */
async function notifyQuotaRaised(deps: { orm: MikroORM; temporal: TemporalGateway }): Promise<void> {
  const waiting: string[] = [];
  const em = deps.orm.em.fork();
  let cursor: string | null = null;
  do {
    const page = await listConnections(em, { limit: 500, cursor });
    for (const c of page.items) if (c.status === 'quota_exhausted') waiting.push(connectionWorkflowId(c.managementId));
    cursor = page.nextCursor;
  } while (cursor);
  for (const review of await reviewsAwaitingQuota(em)) waiting.push(reviewWorkflowId(review.managementId, review.documentId));
  await signalEach(deps.temporal, waiting, quotaRaisedSignal);
}
