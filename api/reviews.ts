import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  DECISION_ACTIONS,
  REVIEW_STATUSES,
  contractFieldsSchema,
  getConnection,
  getContract,
  getReview,
  mayDecide,
  reviewsFor,
  type Connection,
  type Review,
  type DecisionAction,
  type User,
} from '../src/ledger';
import { decide } from '../src/services/reviews';
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
  .openapi('Review');

const ReviewListQuery = ListQuery.extend({
  status: z.enum(REVIEW_STATUSES).optional().openapi({ description: 'Only reviews in this state.' }),
  connectionId: z.string().min(1).max(100).optional().openapi({ description: 'Only reviews of this connection.' }),
});

const ApproveBody = z
  .object({ visibility: VisibilitySchema.optional(), owners: OwnersSchema.optional() })
  .strict()
  .openapi('ApproveReview', { description: "Who may see the contracts and who owns them; the connection's settings where absent." });

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

export function reviewRoutes(deps: ApiDeps) {
  const { orm } = deps;

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
      const { review, connection } = await loadForReviewer(c.get('user'), c.req.valid('param').id);
      return c.json(toReviewJson(review, connection), 200);
    })
    .openapi(fileRoute, async (c) => {
      const { id, fileId } = c.req.valid('param');
      const user = c.get('user');
      const { review } = await loadForReviewer(user, id);
      const file = review.files.find((f) => f.fileId === fileId);
      if (!file) throw new ApiError(404, 'not_found', `Review ${review.id} has no file ${fileId}.`);
      await assertFileStillReadable(user, review, file);
      const name = file.name ?? `${review.documentId}-${file.fileId}.pdf`;
      return pdfResponse(c, deps.storage, { sha256: file.sha256, size: file.size, name, of: { kind: 'review file', id: `${review.id}/${fileId}` } });
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
