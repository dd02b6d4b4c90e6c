import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  DECISION_ACTIONS,
  ISO_DATE_MESSAGE,
  MAX_BULK_FILTERED,
  MAX_BULK_IDS,
  NotFoundError,
  REVIEW_STATUSES,
  contractFieldsSchema,
  getConnection,
  getContract,
  getReview,
  isIsoDate,
  mayDecide,
  nonBlankText,
  reviewReadableBy,
  reviewsAnything,
  reviewsFor,
  type Connection,
  type Review,
  type DecisionAction,
  type User,
} from '../src/ledger';
import type { MikroORM } from '../src/db';
import { decide, decideMany } from '../src/services/reviews';
import { pdfResponse } from './contracts';
import type { ApiDeps, ApiEnv } from './context';
import { ApiError, bodyErrorResponses, errorContent, errorResponses } from './errors';
import { newRouter } from './router';
import { IdParam, ListQuery, OwnersSchema, VisibilitySchema, json, pageOf } from './schemas';

/**
 * Reviews of review-mode connections (API.md "Reviews"). A review is one CloudSign document with its files;
 * its reviewers — the connection's reviewer users, the members of its reviewer groups, and admins, read
 * from the connection at each request — see and decide it; anyone else gets 403. A decision is recorded and
 * delivered by `src/services/reviews.ts` (a second, different one is 409).
 */

const ReviewFileSchema = z.object({
  id: z.string().openapi({ description: 'CloudSign file ID' }),
  name: z.string().nullable(),
  size: z.number().int().openapi({ description: 'Bytes' }),
  fields: contractFieldsSchema.describe('The contract fields this file would get (from CloudSign).'),
  contractId: z.string().nullable().openapi({ description: 'Once approved: the contract of this file.' }),
});

const DecisionSchema = z.object({
  action: z.enum(DECISION_ACTIONS),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().openapi({ format: 'date-time' }),
  visibility: VisibilitySchema.optional(),
  owners: OwnersSchema.optional(),
});

const ReviewSchema = z
  .object({
    id: z.string(),
    status: z.enum(REVIEW_STATUSES).openapi({
      description: 'pending until the decision has taken effect in the ledger; closed when it can no longer be decided (its connection was disconnected)',
    }),
    pendingReason: z
      .object({ code: z.string(), message: z.string() })
      .nullable()
      .openapi({ description: 'Why it is still pending: awaiting_decision, applying, quota_exhausted, …; null once done.' }),
    closedReason: z
      .object({ code: z.string(), message: z.string() })
      .nullable()
      .openapi({ description: 'Why a closed review was closed (`disconnected`); null unless closed.' }),
    documentId: z.string().openapi({ description: 'CloudSign document ID' }),
    title: z.string().nullable(),
    files: z.array(ReviewFileSchema),
    connection: z.object({ id: z.string(), managementId: z.string(), name: z.string() }),
    reviewers: z.object({ groupIds: z.array(z.string()), userIds: z.array(z.string()) }),
    proposed: z
      .object({ visibility: VisibilitySchema, owners: OwnersSchema })
      .openapi({ description: "The connection's visibility and owners: what approving gives the contracts unless the reviewer chooses others." }),
    decision: DecisionSchema.nullable(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    completedAt: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('Review', {
    example: {
      id: '0193a5c2-4444-7b8a-9c1d-2e3f4a5b6c7d',
      status: 'pending',
      pendingReason: { code: 'awaiting_decision', message: 'Waiting for a reviewer to approve (save) or discard it.' },
      documentId: 'wf3d9xk2m7q8p1z6r4t5y0u2i3o9a8s7',
      title: '秘密保持契約書（株式会社サンプル）',
      files: [
        {
          id: 'f7h2k9m3n8p4q1r6s5t0v2w3x9y8z7a6',
          name: '秘密保持契約書.pdf',
          size: 98304,
          fields: { title: '秘密保持契約書（株式会社サンプル）', conclusionDate: '2019-03-15', counterparty: '株式会社サンプル' },
          contractId: null,
        },
      ],
      connection: { id: '0193a5c2-7d4e-7b8a-9c1d-2e3f4a5b6c7d', managementId: 'CS-0001', name: '本社 法務部' },
      reviewers: { groupIds: ['0193a5c2-2222-7b8a-9c1d-2e3f4a5b6c7d'], userIds: [] },
      proposed: { visibility: { scope: 'company' }, owners: [] },
      decision: null,
      createdAt: '2026-10-01T02:31:12.000Z',
      completedAt: null,
    },
  });

const ReviewListQuery = ListQuery.extend({
  status: z.enum(REVIEW_STATUSES).optional().openapi({ description: 'Only reviews in this state.' }),
  connectionId: z.string().min(1).max(100).optional().openapi({ description: 'Only reviews of this connection.' }),
});

const ApproveBody = z
  .object({ visibility: VisibilitySchema.optional(), owners: OwnersSchema.optional() })
  .strict()
  .openapi('ApproveReview', { description: "Who may see the contracts and who owns them; the connection's settings where absent." });

const DateString = z.string().refine(isIsoDate, ISO_DATE_MESSAGE).openapi({ format: 'date', example: '2019-03-31' });

const ReviewFilterSchema = z
  .object({
    connectionId: z.string().min(1).max(100).optional().openapi({ description: 'Only reviews of this connection.' }),
    concludedFrom: DateString.optional().openapi({ description: 'Conclusion date (of any of its files) on or after (YYYY-MM-DD).' }),
    concludedTo: DateString.optional().openapi({ description: 'Conclusion date (of any of its files) on or before (YYYY-MM-DD).' }),
    q: nonBlankText(200).optional().openapi({ description: 'Words that must all appear in the title or a file name.', example: '業務委託' }),
  })
  .strict()
  .refine((f) => Object.keys(f).length > 0, 'Give at least one of connectionId, concludedFrom, concludedTo or q: a bulk decision never selects everything by accident.')
  .openapi('ReviewFilter', { description: 'Pending reviews you may decide that match every given condition, oldest first.', minProperties: 1 });

const BulkDecisionBody = z
  .object({
    ids: z.array(z.string().min(1).max(100)).min(1).max(MAX_BULK_IDS).optional().openapi({ description: `Reviews by ID, at most ${MAX_BULK_IDS}.` }),
    filter: ReviewFilterSchema.optional(),
    action: z.enum(DECISION_ACTIONS),
    visibility: VisibilitySchema.optional(),
    owners: OwnersSchema.optional(),
  })
  .strict()
  .refine((b) => (b.ids === undefined) !== (b.filter === undefined), 'Give either ids or filter (not both): which reviews to decide.')
  .openapi('BulkDecision', {
    description: `Decides many reviews, each once, exactly as its single approve or discard would. By filter, at most ${MAX_BULK_FILTERED} per request (the rest is \`remaining\`).`,
    example: { filter: { connectionId: '0193a5c2-7d4e-7b8a-9c1d-2e3f4a5b6c7d', concludedTo: '2019-03-31' }, action: 'discard' },
    // What the refinement checks, stated for clients: exactly one of the two.
    oneOf: [
      { required: ['ids'], not: { required: ['filter'] } },
      { required: ['filter'], not: { required: ['ids'] } },
    ],
  });

const BulkOutcomeSchema = z
  .object({
    decided: z.number().int().openapi({ description: 'Reviews this request decided (recorded in the ledger; they take effect shortly).' }),
    skipped: z
      .object({
        alreadyDecided: z.number().int(),
        notAllowed: z.number().int().openapi({ description: 'Named by ID, of a connection you do not review.' }),
        notFound: z.number().int().openapi({ description: 'Named by ID, no such review.' }),
        connectionDisconnected: z.number().int(),
      })
      .openapi({ description: 'Reviews selected but not decided, by reason.' }),
    remaining: z.number().int().openapi({ description: 'Matched by the filter beyond this request: send it again to decide them.' }),
    undelivered: z.number().int().openapi({ description: 'Decided, but their workflows could not be told now; they are told later by themselves.' }),
  })
  .openapi('BulkDecisionOutcome', {
    example: { decided: 2000, skipped: { alreadyDecided: 0, notAllowed: 0, notFound: 0, connectionDisconnected: 0 }, remaining: 0, undelivered: 0 },
  });

const FileParams = IdParam.extend({ fileId: z.string().min(1).max(100).openapi({ param: { name: 'fileId', in: 'path' } }) });

const notFound = { 404: { description: 'No such review (or file)', content: errorContent } };
const security = [{ Bearer: [] }];

const decisionResponses = {
  202: json(ReviewSchema, 'Recorded and delivered to the review workflow; it takes effect shortly'),
  ...errorResponses,
  ...notFound,
  409: { description: 'Decided already (otherwise), or the connection is disconnected', content: errorContent },
  422: { description: 'Unknown groups or users in visibility or owners', content: errorContent },
  503: { description: 'Recorded, but Temporal could not be reached: send the same request again', content: errorContent },
};

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'The reviews you may decide (reviewer or admin), newest first, with proposed fields and connection',
  security,
  request: { query: ReviewListQuery },
  responses: { 200: json(pageOf(ReviewSchema, 'ReviewPage'), 'A page of reviews'), ...errorResponses },
});

const getRoute = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'One review: proposed fields, files, connection, reviewers, state and why it is pending',
  security,
  request: { params: IdParam },
  responses: { 200: json(ReviewSchema, 'The review'), ...errorResponses, ...notFound },
});

const fileRoute = createRoute({
  method: 'get',
  path: '/{id}/files/{fileId}',
  summary: 'A PDF of the review’s document; once approved only for who may see its contract, once discarded gone (404)',
  security,
  request: { params: FileParams },
  responses: {
    200: { description: 'The PDF', content: { 'application/pdf': { schema: z.string().openapi({ format: 'binary' }) } } },
    ...errorResponses,
    ...notFound,
  },
});

const approveRoute = createRoute({
  method: 'post',
  path: '/{id}/approve',
  summary: 'Approve: one contract per file, with the given visibility and owners (else the connection’s)',
  security,
  request: { params: IdParam, body: { required: false, content: { 'application/json': { schema: ApproveBody } } } },
  responses: { ...decisionResponses, ...bodyErrorResponses },
});

const discardRoute = createRoute({
  method: 'post',
  path: '/{id}/discard',
  summary: 'Discard: nothing enters the ledger, no quota is used, and the document is never imported again',
  security,
  request: { params: IdParam },
  responses: decisionResponses,
});

const bulkRoute = createRoute({
  method: 'post',
  path: '/bulk',
  summary: 'Approve or discard many reviews at once, by IDs or by filter; each is decided once, through the same path as a single decision',
  security,
  request: { body: { required: true, content: { 'application/json': { schema: BulkDecisionBody } } } },
  responses: {
    202: json(BulkOutcomeSchema, 'How many reviews were decided and why the others were skipped'),
    ...errorResponses,
    ...bodyErrorResponses,
    404: { description: 'The filter names a connection that does not exist', content: errorContent },
    422: { description: 'Unknown groups or users in visibility or owners, or options given with discard', content: errorContent },
  },
});

/**
 * Who may see and decide a review, read its files and decide in bulk: the API's rules, shared with the
 * console's review pages (api/console/reviews.tsx) so that both refuse alike.
 */
export function reviewAccess(orm: MikroORM) {

  /** A review with its connection, for a user who may decide it: 404 when there is none, 403 when not a reviewer. */
  async function loadForReviewer(user: User, reviewId: string): Promise<{ review: Review; connection: Connection }> {
    const em = orm.em.fork();
    const review = await getReview(em, reviewId);
    const connection = await getConnection(em, review.connectionId);
    if (!(await mayDecide(em, user, connection.reviewers))) {
      throw new ApiError(403, 'forbidden', `Only the reviewers of connection ${connection.managementId} (its reviewer users and the members of its reviewer groups) and admins may see and decide its reviews.`);
    }
    return { review, connection };
  }

  /**
   * A review as its reviewers read it: an approved one only by whoever may see one of its contracts
   * (reviewReadableBy) — 404 otherwise, as for the contract itself. Deciding goes through loadForReviewer
   * alone, so that a retried approval that made the contract private is still answered as a replay.
   */
  async function loadForReader(user: User, reviewId: string): Promise<{ review: Review; connection: Connection }> {
    const loaded = await loadForReviewer(user, reviewId);
    if (!(await reviewReadableBy(orm.em.fork(), user, loaded.review))) throw new NotFoundError('review', reviewId);
    return loaded;
  }

  /**
   * After a decision a review's file is no longer the review's to show: an approved one is a contract, read
   * under the contract's visibility (404 to whoever may not see it, as for the contract itself); a discarded
   * one has been deleted from the storage.
   */
  async function assertFileStillReadable(user: User, review: Review, file: Review['files'][number]): Promise<void> {
    if (review.status === 'pending') return;
    if (review.status === 'discarded' || !file.contractId) {
      throw new ApiError(404, 'not_found', `Review ${review.id} was discarded; its files are not kept.`);
    }
    // Not visible → the ledger's NotFoundError (404), so that the contract's existence does not leak.
    await getContract(orm.em.fork(), { contractId: file.contractId, user });
  }

  /** A bulk decision is for reviewers: 403 for a user who reviews no connection, or not the one the filter names. */
  async function assertMayDecideInBulk(user: User, connectionId: string | undefined): Promise<void> {
    const em = orm.em.fork();
    if (connectionId !== undefined) {
      const connection = await getConnection(em, connectionId);
      if (await mayDecide(em, user, connection.reviewers)) return;
      throw new ApiError(403, 'forbidden', `Only the reviewers of connection ${connection.managementId} and admins may decide its reviews.`);
    }
    if (!(await reviewsAnything(em, user))) {
      throw new ApiError(403, 'forbidden', 'You review no connection: only its reviewers (reviewer users, members of reviewer groups) and admins decide reviews.');
    }
  }

  /** A file of a review as its PDF may be read by `user` now: 404 when there is no such file or it is no longer the review's to show. */
  async function readableFile(user: User, reviewId: string, fileId: string): Promise<{ review: Review; file: Review['files'][number] }> {
    const { review } = await loadForReviewer(user, reviewId);
    const file = review.files.find((f) => f.fileId === fileId);
    if (!file) throw new ApiError(404, 'not_found', `Review ${review.id} has no file ${fileId}.`);
    await assertFileStillReadable(user, review, file);
    return { review, file };
  }

  return { loadForReviewer, loadForReader, readableFile, assertMayDecideInBulk };
}

/** A review file's PDF, as its download route and the console's embedded viewer stream it. */
export function reviewFilePdf(c: Context, storage: ApiDeps['storage'], review: Review, file: Review['files'][number]) {
  const name = file.name ?? `${review.documentId}-${file.fileId}.pdf`;
  return pdfResponse(c, storage, { sha256: file.sha256, size: file.size, name, of: { kind: 'review file', id: `${review.id}/${file.fileId}` } });
}

export function reviewRoutes(deps: ApiDeps) {
  const { orm } = deps;
  const { loadForReviewer, loadForReader, readableFile, assertMayDecideInBulk } = reviewAccess(orm);

  async function decided(c: Context<ApiEnv>, action: DecisionAction, reviewId: string, options: z.infer<typeof ApproveBody>) {
    const user = c.get('user');
    const { connection } = await loadForReviewer(user, reviewId);
    const review = await decide(deps, { connection, reviewId, action, decidedBy: user.id, ...options });
    return c.json(toReviewJson(review, connection), 202);
  }

  return newRouter()
    .openapi(listRoute, async (c) => {
      const em = orm.em.fork();
      const page = await reviewsFor(em, { user: c.get('user'), ...c.req.valid('query') });
      const connections = new Map<string, Connection>();
      for (const id of new Set(page.items.map((r) => r.connectionId))) connections.set(id, await getConnection(em, id));
      return c.json({ items: page.items.map((r) => toReviewJson(r, connections.get(r.connectionId)!)), nextCursor: page.nextCursor }, 200);
    })
    .openapi(getRoute, async (c) => {
      const { review, connection } = await loadForReader(c.get('user'), c.req.valid('param').id);
      return c.json(toReviewJson(review, connection), 200);
    })
    .openapi(fileRoute, async (c) => {
      const { id, fileId } = c.req.valid('param');
      const { review, file } = await readableFile(c.get('user'), id, fileId);
      return reviewFilePdf(c, deps.storage, review, file);
    })
    .openapi(bulkRoute, async (c) => {
      const user = c.get('user');
      const { ids, filter, ...decision } = c.req.valid('json');
      await assertMayDecideInBulk(user, filter?.connectionId);
      const outcome = await decideMany(deps, { user, selection: ids ? { ids } : { filter: filter! }, ...decision });
      return c.json(outcome, 202);
    })
    .openapi(approveRoute, async (c) => decided(c, 'approve', c.req.valid('param').id, c.req.valid('json') ?? {}))
    .openapi(discardRoute, async (c) => decided(c, 'discard', c.req.valid('param').id, {}));
}

function toReviewJson(review: Review, connection: Connection): z.infer<typeof ReviewSchema> {
  const { decision } = review;
  return {
    id: review.id,
    status: review.status,
    pendingReason: review.pendingReason,
    closedReason: review.closedReason,
    documentId: review.documentId,
    title: review.title,
    files: review.files.map((f) => ({
      id: f.fileId,
      name: f.name,
      size: f.size,
      fields: f.fields as z.infer<typeof contractFieldsSchema>,
      contractId: f.contractId ?? null,
    })),
    connection: { id: connection.id, managementId: connection.managementId, name: connection.name },
    reviewers: connection.reviewers,
    proposed: { visibility: connection.visibility, owners: connection.owners },
    decision: decision && {
      action: decision.action,
      decidedBy: decision.decidedBy,
      decidedAt: decision.decidedAt.toISOString(),
      ...(decision.visibility && { visibility: decision.visibility }),
      ...(decision.owners && { owners: decision.owners }),
    },
    createdAt: review.createdAt.toISOString(),
    completedAt: review.completedAt?.toISOString() ?? null,
  };
}
