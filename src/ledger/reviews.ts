import { defineEntity, p, raw, type FilterQuery, type InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { actorOf, recordAudit, SYSTEM_ACTOR } from './audit';
import { reviewFilterSql, type ReviewFilter } from './bulk-reviews';
import { ConnectionEntity, loadConnection, type Reviewers } from './connections';
import { contractFieldsSchema, type ContractField } from './contract-fields';
import { parseFields } from './contracts';
import { discardDocument } from './discards';
import { ConflictError, LedgerError, NotFoundError, QuotaExhaustedError, ValidationError } from './errors';
import { groupIdsOf } from './groups';
import { isUuid, newId } from './ids';
import { blankToNull, importFile } from './imports';
import { emptyPage, findPage, type Page, type PageRequest } from './pagination';
import { incrementRunCounts, SyncRunEntity } from './runs';
import { sqlArray } from './sql';
import { UserEntity, type User } from './user';
import { visibilityColumns, visibleToSql, type Visibility } from './visibility';

/**
 * Review mode (PRODUCT.md Step 3): a CloudSign document of a review-mode connection waits here, with its
 * PDFs already in the file storage and the contract fields it would get, until a reviewer approves it (one
 * contract per file, with the reviewer's visibility and owners or the connection's) or discards it (never
 * imported, by any connection). One review per (connection, document).
 *
 * `status` is what has *happened*: a review stays `pending` until its decision has taken effect in the
 * ledger. `decision` is what a reviewer *asked*: recorded once, atomically, before the review's workflow is
 * told, so that a retried or repeated request can never decide twice. Between the two a review may wait —
 * for its workflow, or for quota — and `pendingReason` says why. A review that can no longer be decided (its
 * connection was disconnected) is `closed`, with `closedReason` saying why; its workflow ends.
 */
export const REVIEW_STATUSES = ['pending', 'approved', 'discarded', 'closed'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export const DECISION_ACTIONS = ['approve', 'discard'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

/** One PDF of the document: where it is stored, and the contract it would become. */
export interface ReviewFile {
  fileId: string;
  name: string | null;
  size: number;
  sha256: string;
  /** The mapped CloudSign values, as `importFile` takes them. */
  fields: Partial<Record<ContractField, unknown>>;
  /** Once approved: the contract of this file (null when the document was discarded elsewhere meanwhile). */
  contractId?: string | null;
}

/** A reviewer's choice for the contracts of an approved document; the connection's settings where absent. */
export interface DecisionOptions {
  visibility?: Visibility;
  owners?: string[];
}

export interface PendingReason {
  code: string;
  message: string;
}

export const ReviewEntity = defineEntity({
  name: 'Review',
  tableName: 'reviews',
  properties: {
    id: p.uuid().primary().onCreate(() => newId()),
    connection: p.manyToOne(ConnectionEntity).mapToPk().joinColumn('connection_id'),
    documentId: p.string().length(100),
    title: p.string().length(1000).nullable(),
    files: p.json<ReviewFile[]>(),
    status: p.enum([...REVIEW_STATUSES]),
    /** The sync run that found the document: a retried page finds the reviews it created. */
    run: p.manyToOne(SyncRunEntity).mapToPk().joinColumn('run_id').nullable().deleteRule('set null'),
    /** On Temporal's clock (`temporalNow` in activities/clock.ts), which the reminders are timed by. */
    createdAt: p.datetime(),
    decision: p.enum([...DECISION_ACTIONS]).nullable(),
    decidedBy: p.manyToOne(UserEntity).mapToPk().joinColumn('decided_by').nullable().deleteRule('set null'),
    decidedAt: p.datetime().nullable(),
    decisionOptions: p.json<DecisionOptions>().nullable(),
    /** Why an approved review could not be saved yet (spent quota…), shown as its `pendingReason`; null otherwise. */
    pendingReason: p.json<PendingReason>().nullable(),
    completedAt: p.datetime().nullable(),
    /** Why a `closed` review was closed without a decision taking effect (`disconnected`); null otherwise. */
    closedReason: p.json<PendingReason>().nullable(),
  },
  uniques: [{ name: 'reviews_connection_document_unique', properties: ['connection', 'documentId'] }],
  indexes: [
    { name: 'reviews_created_at_id_index', properties: ['createdAt', 'id'] },
    { name: 'reviews_connection_status_index', properties: ['connection', 'status'] },
  ],
});

/** The last reminder e-mail of a connection's pending reviews: at most one a week, however many workers ask. */
export const ReviewReminderEntity = defineEntity({
  name: 'ReviewReminder',
  tableName: 'review_reminders',
  properties: {
    connection: p.manyToOne(ConnectionEntity).mapToPk().joinColumn('connection_id').primary().deleteRule('cascade'),
    sentAt: p.datetime(),
    /** How many documents it said were waiting. */
    pending: p.integer(),
  },
});

type ReviewRow = InferEntity<typeof ReviewEntity>;

export interface Review {
  id: string;
  connectionId: string;
  documentId: string;
  title: string | null;
  files: ReviewFile[];
  status: ReviewStatus;
  /** The sync run that sent it to review. */
  runId: string | null;
  decision: ({ action: DecisionAction; decidedBy: string | null; decidedAt: Date } & DecisionOptions) | null;
  /** Why a pending review is still pending; null once decided and done. */
  pendingReason: PendingReason | null;
  /** Why a closed review was closed; null for any other. */
  closedReason: PendingReason | null;
  createdAt: Date;
  completedAt: Date | null;
}

/** The review of a document by a connection, if there is one. */
export async function reviewOf(
  em: EntityManager,
  input: { connectionId: string; documentId: string },
): Promise<{ id: string; runId: string | null; status: ReviewStatus } | null> {
  const entity = await em.findOne(
    ReviewEntity,
    { connection: input.connectionId, documentId: input.documentId },
    { fields: ['id', 'run', 'status'], disableIdentityMap: true },
  );
  return entity && { id: entity.id, runId: entity.run ?? null, status: entity.status };
}

/**
 * Sends a document to review: a pending review with its stored files and proposed fields. Once per
 * (connection, document): a second call returns the first review. The files of a review it creates are
 * counted as `sentToReview` in `runId`, in the same transaction, so a retried page counts them once.
 */
export async function createReview(
  em: EntityManager,
  input: { connectionId: string; runId?: string; documentId: string; title: string | null; files: ReviewFile[]; createdAt: Date },
): Promise<{ review: Review; created: boolean }> {
  // The proposal is what the contract would get, checked as `importFile` will check it.
  const files = input.files.map((file) => ({ ...file, fields: parseFields(contractFieldsSchema, blankToNull(file.fields)) }));
  return em.transactional(async (tx) => {
    const result = await tx
      .createQueryBuilder(ReviewEntity)
      .insert({
        id: newId(),
        connection: input.connectionId,
        documentId: input.documentId,
        title: input.title,
        files,
        status: 'pending',
        run: input.runId ?? null,
        createdAt: input.createdAt,
      })
      .onConflict(['connection', 'documentId'])
      .ignore()
      .execute('run');
    const created = result.affectedRows === 1;
    if (created && input.runId) await incrementRunCounts(tx, input.runId, { sentToReview: files.length });
    const entity = await tx.findOneOrFail(ReviewEntity, { connection: input.connectionId, documentId: input.documentId }, { disableIdentityMap: true });
    return { review: toReview(entity), created };
  });
}

export async function getReview(em: EntityManager, reviewId: string): Promise<Review> {
  return toReview(await loadReview(em, reviewId));
}

/** Reviewers decide: admins, the connection's reviewer users and the members of its reviewer groups. */
export async function mayDecide(em: EntityManager, user: Pick<User, 'id' | 'role'>, reviewers: Reviewers): Promise<boolean> {
  if (user.role === 'admin' || reviewers.userIds.includes(user.id)) return true;
  if (!reviewers.groupIds.length) return false;
  const memberOf = new Set(await groupIdsOf(em, user.id));
  return reviewers.groupIds.some((id) => memberOf.has(id));
}

/** The connections whose reviews `user` may decide (every one for an admin), by management ID. */
export async function reviewedConnections(
  em: EntityManager,
  user: Pick<User, 'id' | 'role'>,
): Promise<{ id: string; managementId: string; name: string; status: string }[]> {
  let where: FilterQuery<InferEntity<typeof ConnectionEntity>> = {};
  if (user.role !== 'admin') {
    const groupIds = await groupIdsOf(em, user.id);
    where = { $or: [{ reviewerUserIds: { $contains: [user.id] } }, ...(groupIds.length ? [{ reviewerGroupIds: { $overlap: groupIds } }] : [])] };
  }
  const rows = await em.find(ConnectionEntity, where, { fields: ['id', 'managementId', 'name', 'status'], orderBy: { managementId: 'asc' }, disableIdentityMap: true });
  return rows.map((r) => ({ id: r.id, managementId: r.managementId, name: r.name, status: r.status }));
}

export interface ReviewQuery extends PageRequest {
  user: Pick<User, 'id' | 'role'>;
  status?: ReviewStatus;
  connectionId?: string;
  /** Only the reviews that still wait for a decision (pending, undecided, connection not disconnected). */
  undecided?: boolean;
  /** The conditions of a bulk decision's filter (conclusion dates, words), read as it reads them. */
  filter?: Omit<ReviewFilter, 'connectionId'>;
}

/**
 * The reviews a user may decide, newest first. The connection's reviewers are read now, so that a change of
 * reviewers applies to the reviews already waiting.
 */
export async function reviewsFor(em: EntityManager, query: ReviewQuery): Promise<Page<Review>> {
  const conditions: FilterQuery<ReviewRow>[] = [];
  if (query.user.role !== 'admin') {
    const connections = await reviewedConnections(em, query.user);
    if (!connections.length) return emptyPage(query);
    conditions.push({ connection: { $in: connections.map((c) => c.id) } });
  }
  if (query.connectionId !== undefined) {
    if (!isUuid(query.connectionId)) return emptyPage(query);
    conditions.push({ connection: query.connectionId });
  }
  if (query.status) conditions.push({ status: query.status });
  const approvedVisible = await approvedVisibleSql(em, query.user);
  if (approvedVisible) conditions.push({ [raw((alias) => approvedVisible.sql(alias), approvedVisible.params)]: [] });
  if (query.undecided) conditions.push({ status: 'pending', decision: null, [raw((alias) => `exists (select 1 from connections c where c.id = ${alias}.connection_id and c.status <> 'disconnected')`)]: [] });
  if (query.filter && Object.values(query.filter).some((v) => v !== undefined)) {
    const where = reviewFilterSql(query.filter);
    conditions.push({ [raw((alias) => `${alias}.id in (select r.id from reviews r where ${where.sql})`, where.params)]: [] });
  }
  const page = await findPage<ReviewRow>(em, ReviewEntity, { $and: conditions }, 'createdAt', query);
  return { items: page.items.map(toReview), nextCursor: page.nextCursor };
}

/**
 * What approving made private stays private: an approved review is shown only to whoever may see one of the
 * contracts it became (a reviewer who chose 私のみ for another's contract no longer sees its title, amount or
 * counterparty in the review either). Pending and discarded reviews are their reviewers' to see.
 */
export async function reviewReadableBy(em: EntityManager, user: Pick<User, 'id' | 'role'>, review: Review): Promise<boolean> {
  const visible = await approvedVisibleSql(em, user);
  if (!visible) return true;
  const rows = await em.execute<{ id: string }[]>(`select v.id from reviews v where v.id = ? and ${visible.sql('v')}`, [review.id, ...visible.params]);
  return rows.length > 0;
}

/** reviewReadableBy as a condition on the reviews `alias` names; undefined for an admin, who sees every one. */
async function approvedVisibleSql(em: EntityManager, user: Pick<User, 'id' | 'role'>) {
  const contract = await visibleToSql(em, user, 'k');
  if (!contract) return undefined;
  return {
    sql: (alias: string) =>
      `(${alias}.status <> 'approved' or exists (select 1 from contracts k where k.id in (select (f->>'contractId')::uuid from jsonb_array_elements(${alias}.files) f where f->>'contractId' is not null) and ${contract.sql}))`,
    params: contract.params,
  };
}

/**
 * Records a reviewer's decision: one statement that changes a review only while it is pending and
 * undecided, so that of two concurrent decisions exactly one wins. Repeating the decision that won (the
 * same reviewer, action and options: a retried request) is not a conflict; it answers `replayed` so that
 * the caller can deliver it again. Any other second decision is a ConflictError.
 */
export async function decideReview(
  em: EntityManager,
  input: { reviewId: string; action: DecisionAction; decidedBy: string } & DecisionOptions,
): Promise<{ review: Review; replayed: boolean }> {
  const options = decisionOptionsOf(input);
  if (options && input.action === 'discard') {
    throw new ValidationError('invalid_decision', 'A discarded document gets no contracts: visibility and owners go with approve only.');
  }
  // The reviewer's groups and users must exist; what is missing takes the connection's settings when applied.
  if (options) await visibilityColumns(em, options.visibility ?? { scope: 'company' }, options.owners ?? []);
  const updated = await em.transactional(async (tx) => {
    const won = isUuid(input.reviewId)
      ? await tx.nativeUpdate(
          ReviewEntity,
          { id: input.reviewId, status: 'pending', decision: null },
          { decision: input.action, decidedBy: input.decidedBy, decidedAt: new Date(), decisionOptions: options },
        )
      : 0;
    // Only the decision that won is an event: a replayed or refused one changed nothing.
    if (won) {
      recordAudit(tx, {
        actor: await actorOf(tx, { id: input.decidedBy }),
        subject: { kind: 'review', id: input.reviewId },
        action: input.action === 'approve' ? 'approved' : 'discarded',
        changes: { decision: { from: null, to: input.action }, ...(options && { options: { from: null, to: options } }) },
      });
    }
    return won;
  });
  const review = await getReview(em, input.reviewId);
  if (updated) return { review, replayed: false };
  if (review.status === 'closed') {
    throw new ConflictError('review_closed', `${review.closedReason?.message ?? 'This review is closed.'} It cannot be decided any more.`);
  }
  const earlier = review.decision;
  if (earlier && earlier.action === input.action && earlier.decidedBy === input.decidedBy && sameOptions(earlier, options ?? {})) {
    return { review, replayed: true };
  }
  const done = earlier?.action === 'discard' ? 'discarded' : 'approved';
  throw new ConflictError('review_decided', `This review was already ${done}${earlier ? ` on ${earlier.decidedAt.toISOString()}` : ''}; it cannot be decided again.`, {
    decision: earlier && { action: earlier.action, decidedBy: earlier.decidedBy, decidedAt: earlier.decidedAt.toISOString() },
  });
}

/**
 * Makes a recorded decision take effect, once: approve saves one contract per file — all of the document's
 * files in one transaction, each with its unit of quota, so that spent quota leaves nothing half-saved —
 * and discard records the document as discarded. A review that is done already is returned as it is.
 * When the ledger refuses (spent quota, a disconnected connection), the review stays pending with the
 * refusal as its reason, and the error is thrown for the caller to wait and try again.
 */
export async function applyDecision(em: EntityManager, input: { reviewId: string }): Promise<Review> {
  const review = await getReview(em, input.reviewId);
  if (review.status !== 'pending') return review;
  const { decision } = review;
  if (!decision) throw new ConflictError('review_undecided', 'This review has no decision to apply yet.');
  try {
    await em.transactional(async (tx) => {
      let done: { status: ReviewStatus; files: ReviewFile[] };
      if (decision.action === 'discard') {
        // Discarded documents never enter the ledger, from any connection (`settleKnownFiles`, `importFile`).
        await discardDocument(tx, { documentId: review.documentId, connectionId: review.connectionId, decidedBy: decision.decidedBy! });
        done = { status: 'discarded', files: review.files };
      } else {
        const files: ReviewFile[] = [];
        for (const file of review.files) {
          const result = await importFile(tx, {
            connectionId: review.connectionId,
            documentId: review.documentId,
            fileId: file.fileId,
            fields: file.fields,
            file: { sha256: file.sha256, size: file.size },
            ...(decision.visibility && { visibility: decision.visibility }),
            ...(decision.owners && { owners: decision.owners }),
            auditDetails: { reviewId: review.id, approvedBy: decision.decidedBy },
          });
          files.push({ ...file, contractId: result.contractId });
        }
        done = { status: 'approved', files };
      }
      const completed = await tx.nativeUpdate(ReviewEntity, { id: review.id, status: 'pending' }, { ...done, pendingReason: null, completedAt: new Date() });
      // Closed meanwhile (a disconnect): nothing of it is saved.
      if (!completed) throw new ConflictError('review_closed', 'This review was closed (its connection was disconnected); nothing was saved from it.');
      recordAudit(tx, { actor: SYSTEM_ACTOR, subject: { kind: 'review', id: review.id }, action: 'applied', changes: { status: { from: 'pending', to: done.status } } });
    });
  } catch (error) {
    if (error instanceof LedgerError) {
      const message =
        error instanceof QuotaExhaustedError
          ? `Approved, but the contract quota is used up (${error.used} of ${error.limit}). The review waits and is saved by itself when the quota is raised (PUT /v1/quota).`
          : error.message;
      await em.nativeUpdate(ReviewEntity, { id: review.id, status: 'pending' }, { pendingReason: { code: error.code, message } });
    }
    throw error;
  }
  return getReview(em, review.id);
}

/**
 * The stored PDFs of a decided review that nothing uses any more — no contract (an approved file is its
 * contract's), no pending review (of another connection, or another document with the same bytes) —
 * handed to `remove` (the file storage's delete): a discarded document's files, or an approved one's
 * whose document was discarded elsewhere meanwhile. Each is checked and removed holding a lock on its
 * hash, so that of two decisions on the same bytes the later sees the earlier's and the last one
 * deletes. Safe to run again (a retried activity). Returns the hashes removed.
 */
export async function releaseReviewFiles(
  em: EntityManager,
  input: { reviewId: string; remove: (sha256: string) => Promise<void> },
): Promise<string[]> {
  const review = await getReview(em, input.reviewId);
  if (review.status === 'pending') return [];
  const removed: string[] = [];
  // Sorted: two discards sharing several files take their locks in the same order.
  for (const sha256 of [...new Set(review.files.map((f) => f.sha256))].sort()) {
    const released = await em.transactional(async (tx) => {
      await tx.execute(`select pg_advisory_xact_lock(hashtextextended(?, 0))`, [`stored-file:${sha256}`]);
      // Read after the lock: a decision on the same bytes committed before it is seen. A review leaves
      // `pending` in the transaction that saves its contracts, so its files are always held by one or the other.
      const [used] = await tx.execute<{ used: boolean }[]>(
        `select exists (select 1 from contracts where file_sha256 = ?)
             or exists (select 1 from reviews where status = 'pending' and files @> jsonb_build_array(jsonb_build_object('sha256', ?::text))) as used`,
        [sha256, sha256],
      );
      if (used?.used) return false;
      await input.remove(sha256);
      return true;
    });
    if (released) removed.push(sha256);
  }
  return removed;
}

/** Approved reviews waiting for quota, for the API to wake their workflows when the quota is raised. */
export async function reviewsAwaitingQuota(em: EntityManager): Promise<{ managementId: string; documentId: string }[]> {
  const rows = await em.execute<{ management_id: string; document_id: string }[]>(
    `select c.management_id, r.document_id from reviews r join connections c on c.id = r.connection_id
      where r.status = 'pending' and r.pending_reason->>'code' = 'quota_exhausted'`,
  );
  return rows.map((r) => ({ managementId: r.management_id, documentId: r.document_id }));
}

/**
 * Decisions recorded at least a while ago that have not taken effect and are not waiting for quota: their
 * signal may have been lost (the API recorded the decision, then could not reach Temporal). Oldest first.
 */
export async function undeliveredDecisions(
  em: EntityManager,
  input: { connectionId: string; decidedBefore: Date; limit: number },
): Promise<{ documentId: string; action: DecisionAction; decidedBy: string | null; options: DecisionOptions }[]> {
  const entities = await em.find(
    ReviewEntity,
    { connection: input.connectionId, status: 'pending', decision: { $ne: null }, pendingReason: null, decidedAt: { $lt: input.decidedBefore } },
    { orderBy: { decidedAt: 'asc' }, limit: input.limit, disableIdentityMap: true },
  );
  return entities.map((e) => ({ documentId: e.documentId, action: e.decision!, decidedBy: e.decidedBy ?? null, options: e.decisionOptions ?? {} }));
}

/**
 * Reminds a connection's reviewers of documents waiting for a decision: when the oldest undecided review has
 * waited `afterMs`, and at most once every `everyMs` per connection. `queue` puts its mail in the outbox inside
 * the transaction that records the reminder: both happen or neither (no SMTP inside it, no row lock held on SMTP). Returns when the next
 * reminder could be due (null: nothing waits). All times are on the clock the reviews were created by.
 */
export async function remindReviewers(
  em: EntityManager,
  input: {
    connectionId: string;
    now: Date;
    afterMs: number;
    everyMs: number;
    /** Queues the reminder's mail in the transaction that records it (the mail outbox). */
    queue: (reminder: { pending: number; recipients: string[] }, tx: EntityManager) => Promise<void>;
  },
): Promise<{ sent: boolean; nextAt: Date | null }> {
  const { connectionId, now, afterMs, everyMs } = input;
  return em.transactional(async (tx) => {
    const [waiting] = await tx.execute<{ pending: string; oldest: Date | null }[]>(
      `select count(*) as pending, min(created_at) as oldest from reviews where connection_id = ? and status = 'pending' and decision is null`,
      [connectionId],
    );
    if (!waiting?.oldest) return { sent: false, nextAt: null };
    const pending = Number(waiting.pending);
    const last = await tx.findOne(ReviewReminderEntity, { connection: connectionId }, { disableIdentityMap: true });
    const dueAt = Math.max(new Date(waiting.oldest).getTime() + afterMs, last ? last.sentAt.getTime() + everyMs : 0);
    if (dueAt > now.getTime()) return { sent: false, nextAt: new Date(dueAt) };
    // Claims this week's reminder; a concurrent claim waits for this transaction and then finds it taken.
    const claimed = await tx.execute(
      `insert into review_reminders (connection_id, sent_at, pending) values (?, ?, ?)
       on conflict (connection_id) do update set sent_at = excluded.sent_at, pending = excluded.pending
       where review_reminders.sent_at <= ?
       returning connection_id`,
      [connectionId, now, pending, new Date(now.getTime() - everyMs)],
    );
    if (claimed.length) await input.queue({ pending, recipients: await reviewerEmails(tx, connectionId) }, tx);
    return { sent: claimed.length > 0, nextAt: new Date(Math.max(new Date(waiting.oldest).getTime() + afterMs, now.getTime() + everyMs)) };
  });
}

/** The e-mail addresses of a connection's reviewers: its reviewer users and the members of its reviewer groups, none disabled. */
async function reviewerEmails(em: EntityManager, connectionId: string): Promise<string[]> {
  const connection = await loadConnection(em, connectionId);
  const rows = await em.execute<{ email: string }[]>(
    `select distinct u.email from users u
      where u.disabled_at is null
        and (u.id = any(?::uuid[]) or u.id in (select m.user_id from group_members m where m.group_id = any(?::uuid[])))
      order by u.email`,
    [sqlArray(connection.reviewerUserIds), sqlArray(connection.reviewerGroupIds)],
  );
  return rows.map((r) => r.email);
}

async function loadReview(em: EntityManager, reviewId: string): Promise<ReviewRow> {
  const entity = isUuid(reviewId) ? await em.findOne(ReviewEntity, { id: reviewId }, { disableIdentityMap: true }) : null;
  if (!entity) throw new NotFoundError('review', reviewId);
  return entity;
}

function decisionOptionsOf(input: DecisionOptions): DecisionOptions | null {
  const options: DecisionOptions = {
    ...(input.visibility && { visibility: input.visibility }),
    ...(input.owners && { owners: input.owners }),
  };
  return Object.keys(options).length ? options : null;
}

/** Equal choices, whatever the order of keys (jsonb reorders them) or of IDs. */
function sameOptions(a: DecisionOptions, b: DecisionOptions): boolean {
  const key = (o: DecisionOptions) =>
    JSON.stringify([
      o.visibility?.scope ?? null,
      o.visibility?.scope === 'groups' ? [...o.visibility.groupIds].sort() : null,
      o.owners ? [...o.owners].sort() : null,
    ]);
  return key(a) === key(b);
}

function pendingReasonOf(entity: ReviewRow): PendingReason | null {
  if (entity.status !== 'pending') return null;
  if (!entity.decision) return { code: 'awaiting_decision', message: 'Waiting for a reviewer to approve (save) or discard it.' };
  if (entity.pendingReason) return entity.pendingReason;
  const decided = entity.decision === 'approve' ? 'Approved' : 'Discarded';
  return { code: 'applying', message: `${decided}; the decision is being applied to the ledger.` };
}

function toReview(entity: ReviewRow): Review {
  return {
    id: entity.id,
    connectionId: entity.connection,
    documentId: entity.documentId,
    title: entity.title ?? null,
    files: entity.files,
    status: entity.status,
    runId: entity.run ?? null,
    decision: entity.decision
      ? { action: entity.decision, decidedBy: entity.decidedBy ?? null, decidedAt: entity.decidedAt!, ...entity.decisionOptions }
      : null,
    pendingReason: pendingReasonOf(entity),
    closedReason: entity.closedReason ?? null,
    createdAt: entity.createdAt,
    completedAt: entity.completedAt ?? null,
  };
}
