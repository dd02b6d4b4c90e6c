import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { reviewWorkflowId } from '../../src/temporal/messages';
import { eventually, type Service } from '../support/service';

export interface Person {
  id: string;
  token: string;
}

/**
 * The people of a review test: a reviewer user, a member of the reviewer group, an outsider who reviews
 * nothing, and an owner; the group `Reviewers` and a group `Legal` for visibility.
 */
export async function people(service: Service) {
  const user = async (name: string): Promise<Person> => {
    const { status, body } = await service.api('POST', '/v1/users', { name, email: `${name.toLowerCase()}@example.jp`, role: 'member' });
    expect(status).toBe(201);
    return { id: body.id, token: body.apiToken };
  };
  const reviewer = await user('Reviewer');
  const groupMember = await user('GroupMember');
  const outsider = await user('Outsider');
  const owner = await user('Owner');
  const group = async (name: string, memberIds: string[]) => {
    const { status, body } = await service.api('POST', '/v1/groups', { name, memberIds });
    expect(status).toBe(201);
    return body.id as string;
  };
  const reviewersGroup = await group('Reviewers', [groupMember.id]);
  const legalGroup = await group('Legal', [owner.id]);
  return { reviewer, groupMember, outsider, owner, reviewersGroup, legalGroup };
}

export type People = Awaited<ReturnType<typeof people>>;

/** Connects `clientId` in review mode, reviewed by the reviewer user and the reviewer group. */
export async function connectForReview(service: Service, clientId: string, who: People) {
  const { status, body } = await service.api('POST', '/v1/connections', {
    name: 'Reviewed',
    clientId,
    visibility: { scope: 'company' },
    owners: [],
    saveMode: 'review',
    reviewers: { groupIds: [who.reviewersGroup], userIds: [who.reviewer.id] },
  });
  expect(status).toBe(201);
  return body as { id: string; managementId: string };
}

export function connectionWhen(service: Service, id: string, predicate: (c: any) => boolean, what: string, timeoutMs = 60_000) {
  return eventually(async () => {
    const { body } = await service.api('GET', `/v1/connections/${id}`);
    return predicate(body) ? body : undefined;
  }, timeoutMs, what);
}

/** Every review the token may see, through the API's pages. */
export async function listReviews(service: Service, query: string, token?: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const { status, body } = await service.api('GET', `/v1/reviews?limit=500${query ? `&${query}` : ''}${cursor ? `&cursor=${cursor}` : ''}`, undefined, token);
    expect(status).toBe(200);
    items.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return items;
}

export function reviewWhen(service: Service, id: string, predicate: (r: any) => boolean, what: string, timeoutMs = 30_000) {
  return eventually(async () => {
    const { body } = await service.api('GET', `/v1/reviews/${id}`);
    return predicate(body) ? body : undefined;
  }, timeoutMs, what);
}

/** Contracts in the ledger of a CloudSign document, straight from the database. */
export async function contractsOf(service: Service, documentId: string) {
  return service.orm.em
    .getConnection()
    .execute<{ id: string; file_id: string; visibility_scope: string; visibility_group_ids: string[]; owner_ids: string[] }[]>(
      'select id, file_id, visibility_scope, visibility_group_ids, owner_ids from contracts where document_id = ?',
      [documentId],
    );
}

export async function quotaUsed(service: Service): Promise<number> {
  return (await service.api('GET', '/v1/quota')).body.used;
}

export const sha256 = (bytes: ArrayBuffer) => createHash('sha256').update(Buffer.from(bytes)).digest('hex');

/**
 * Review workflows wait for people: end those of this test's connections, so that they do not linger on a
 * Temporal server that later tests share (`service.close()` ends the connection workflows only).
 */
export async function endReviewWorkflows(service: Service): Promise<void> {
  const rows = await service.orm.em
    .getConnection()
    .execute<{ management_id: string; document_id: string }[]>(
      `select c.management_id, r.document_id from reviews r join connections c on c.id = r.connection_id where r.status = 'pending'`,
    );
  for (let i = 0; i < rows.length; i += 100) {
    await Promise.all(
      rows
        .slice(i, i + 100)
        .map((r) => service.env.client.workflow.getHandle(reviewWorkflowId(r.management_id, r.document_id)).terminate('test over').catch(() => undefined)),
    );
  }
}

const locksGivenBack = new WeakMap<Service, number>();

/**
 * Works around a bug of the time-skipping test server (temporalio/sdk-typescript#1101, sdk-java#2392): each
 * time a child workflow completes after its parent's run has closed, the server keeps one time-skipping lock
 * it never releases, and the next `env.sleep()` hangs. A real server drops such a completion. Review
 * workflows are exactly such children — the connection's run continues as new right after starting them,
 * long before anyone decides — so before a test sleeps, it gives back one lock per review workflow that has
 * completed since the last call. Call it only on a server of the test's own (`ownTemporalServer`).
 */
export async function giveBackTimeSkippingLocks(service: Service): Promise<void> {
  const done = await service.orm.em
    .getConnection()
    .execute<{ management_id: string; document_id: string }[]>(
      `select c.management_id, r.document_id from reviews r join connections c on c.id = r.connection_id where r.status <> 'pending' order by r.completed_at`,
    );
  const given = locksGivenBack.get(service) ?? 0;
  for (const review of done.slice(given)) {
    // The ledger changes first; the lock leaks when the workflow completes just after.
    await eventually(async () => {
      const { status } = await service.env.client.workflow.getHandle(reviewWorkflowId(review.management_id, review.document_id)).describe();
      return status.name === 'COMPLETED';
    });
    await service.env.connection.testService!.unlockTimeSkipping({});
  }
  locksGivenBack.set(service, done.length);
}
