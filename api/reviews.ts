import { createRoute, z } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Context } from 'hono';
import {
  REVIEW_STATUSES,
  contractFieldsSchema,
  decideReview,
  getConnection,
  getReview,
  mayDecide,
  reviewsFor,
  type Connection,
  type Review,
  type DecisionAction,
  type User,
} from '../src/ledger';
import { decisionSignal, reviewWorkflowId, type Decision } from '../src/temporal/messages';
import { pdfResponse } from './contracts';
import type { ApiDeps, ApiEnv } from './context';
import { ApiError, ErrorSchema, errorResponses } from './errors';
import { newRouter } from './router';
import { IdParam, ListQuery, OwnersSchema, VisibilitySchema, pageOf } from './schemas';

/**
 * Reviews of review-mode connections (API.md "Reviews"). A review is one CloudSign document with its files;
 * its reviewers — the connection's reviewer users, the members of its reviewer groups, and admins, read
 * from the connection at each request — see and decide it; anyone else gets 403. A decision is recorded in
 * the ledger first, atomically (a second one is 409), and then delivered to the review's workflow as a
 * signal: the workflow makes it take effect once, however often the request is retried.
 */

const ReviewFileSchema = z.object({
  id: z.string().openapi({ description: 'CloudSign file ID' }),
  name: z.string().nullable(),
  size: z.number().int().openapi({ description: 'Bytes' }),
  fields: contractFieldsSchema.describe('The contract fields this file would get (from CloudSign).'),
  contractId: z.string().nullable().openapi({ description: 'Once approved: the contract of this file.' }),
});

const DecisionSchema = z.object({
  action: z.enum(['approve', 'discard']),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().openapi({ format: 'date-time' }),
  visibility: VisibilitySchema.optional(),
  owners: OwnersSchema.optional(),
});

const ReviewSchema = z
  .object({
    id: z.string(),
    status: z.enum(REVIEW_STATUSES).openapi({ description: 'pending until the decision has taken effect in the ledger' }),
    pendingReason: z
      .object({ code: z.string(), message: z.string() })
      .nullable()
      .openapi({ description: 'Why it is still pending: awaiting_decision, applying, quota_exhausted, …; null once done.' }),
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

const errorContent = { 'application/json': { schema: ErrorSchema } };
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
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

export function reviewRoutes(deps: ApiDeps) {
  const { orm, temporal } = deps;

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
   * Delivers a recorded decision to the review's workflow. A workflow that does not exist has not been
   * started yet (its connection starts a bounded number at a time) and reads the decision from the ledger
   * when it starts — or has ended, the decision having taken effect.
   */
  async function deliver(connection: Connection, review: Review): Promise<void> {
    const decision = review.decision!;
    const signal: Decision = {
      action: decision.action,
      decidedBy: decision.decidedBy ?? '',
      ...(decision.visibility && { visibility: decision.visibility }),
      ...(decision.owners && { owners: decision.owners }),
    };
    try {
      await temporal.client.workflow.getHandle(reviewWorkflowId(connection.managementId, review.documentId)).signal(decisionSignal, signal);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return;
      console.warn(`review ${review.id}: could not deliver the decision: ${(error as Error).message}`);
      throw new ApiError(
        503,
        'temporal_unavailable',
        'The decision is recorded, but it could not be delivered to its workflow now. Send the same request again: it is delivered then, and takes effect once.',
      );
    }
  }

  async function decide(c: Context<ApiEnv>, action: DecisionAction, reviewId: string, options: z.infer<typeof ApproveBody>) {
    const user = c.get('user');
    const { connection } = await loadForReviewer(user, reviewId);
    if (connection.status === 'disconnected') {
      throw new ApiError(409, 'connection_disconnected', `Connection ${connection.managementId} is disconnected; its reviews can no longer be decided.`);
    }
    const { review } = await decideReview(orm.em.fork(), { reviewId, action, decidedBy: user.id, ...options });
    // A repeated request delivers again: the first delivery may be the one that failed.
    if (review.status === 'pending') await deliver(connection, review);
    return c.json(toReviewJson(review, connection), 202);
  }

  return newRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/',
        summary: 'The reviews you may decide (reviewer or admin), newest first, with proposed fields and connection',
        security,
        request: { query: ReviewListQuery },
        responses: { 200: json(pageOf(ReviewSchema, 'ReviewPage'), 'A page of reviews'), ...errorResponses },
      }),
      async (c) => {
        const em = orm.em.fork();
        const page = await reviewsFor(em, { user: c.get('user'), ...c.req.valid('query') });
        const connections = new Map<string, Connection>();
        for (const id of new Set(page.items.map((r) => r.connectionId))) connections.set(id, await getConnection(em, id));
        return c.json({ items: page.items.map((r) => toReviewJson(r, connections.get(r.connectionId)!)), nextCursor: page.nextCursor }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/{id}',
        summary: 'One review: proposed fields, files, connection, reviewers, state and why it is pending',
        security,
        request: { params: IdParam },
        responses: { 200: json(ReviewSchema, 'The review'), ...errorResponses, ...notFound },
      }),
      async (c) => {
        const { review, connection } = await loadForReviewer(c.get('user'), c.req.valid('param').id);
        return c.json(toReviewJson(review, connection), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/{id}/files/{fileId}',
        summary: 'A PDF of the review’s document',
        security,
        request: { params: FileParams },
        responses: {
          200: { description: 'The PDF', content: { 'application/pdf': { schema: z.string().openapi({ format: 'binary' }) } } },
          ...errorResponses,
          ...notFound,
        },
      }),
      async (c) => {
        const { id, fileId } = c.req.valid('param');
        const { review } = await loadForReviewer(c.get('user'), id);
        const file = review.files.find((f) => f.fileId === fileId);
        if (!file) throw new ApiError(404, 'not_found', `Review ${review.id} has no file ${fileId}.`);
        const name = file.name ?? `${review.documentId}-${file.fileId}.pdf`;
        return pdfResponse(c, deps.storage, { sha256: file.sha256, size: file.size, name, of: { kind: 'review file', id: `${review.id}/${fileId}` } });
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/{id}/approve',
        summary: 'Approve: one contract per file, with the given visibility and owners (else the connection’s)',
        security,
        request: { params: IdParam, body: { required: false, content: { 'application/json': { schema: ApproveBody } } } },
        responses: decisionResponses,
      }),
      async (c) => decide(c, 'approve', c.req.valid('param').id, c.req.valid('json') ?? {}),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/{id}/discard',
        summary: 'Discard: nothing enters the ledger, no quota is used, and the document is never imported again',
        security,
        request: { params: IdParam },
        responses: decisionResponses,
      }),
      async (c) => decide(c, 'discard', c.req.valid('param').id, {}),
    );
}

function toReviewJson(review: Review, connection: Connection): z.infer<typeof ReviewSchema> {
  const { decision } = review;
  return {
    id: review.id,
    status: review.status,
    pendingReason: review.pendingReason,
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
