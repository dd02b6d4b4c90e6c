import { Hono } from 'hono';
import { z } from 'zod';
import {
  countReviewsToDecide,
  getQuota,
  getGroup,
  getUser,
  isIsoDate,
  listGroups,
  listUsers,
  nonBlankText,
  queueNeighbours,
  reviewedConnections,
  reviewsFor,
  type Connection,
  type Review,
  type User,
  type Visibility,
} from '../../src/ledger';
import { groupIdsOf } from '../../src/ledger/groups';
import { silentLogger, type Logger } from '../../src/logging';
import { decide, decideMany, type BulkOutcome } from '../../src/services/reviews';
import type { ApiDeps } from '../context';
import { reviewAccess, reviewFilePdf } from '../reviews';
import {
  hasFilter,
  renderBulkConfirmation,
  renderReviewList,
  renderReviewPage,
  type Choices,
  type ListFilter,
  type Notice,
  type ReviewPageInput,
} from './review-views';
import { many } from './forms';
import { refusalOf } from './refused';
import { fill, REVIEW_WORDS } from './reviews-words';
import type { ConsoleContext, ConsoleEnv } from './session';

/**
 * The console's reviews (../shared/spec/CONSOLE.md): the queue of documents a reviewer may still decide,
 * each document's page with its PDFs and the decision form, and bulk decisions by selection or by filter.
 * Who may see and decide what is the API's rule (`reviewAccess` of api/reviews.ts); every decision goes
 * through `decide` / `decideMany` of src/services/reviews.ts, exactly as the API's.
 */

const blank = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blank, schema.optional());
const DateField = z.string().refine(isIsoDate, 'must be a date YYYY-MM-DD');

const FilterFields = z.object({
  connectionId: optional(z.string().max(100)),
  concludedFrom: optional(DateField),
  concludedTo: optional(DateField),
  q: optional(nonBlankText(200)),
});

const ActionField = z.enum(['approve', 'discard']);
/** The IDs of a form's checkboxes or multiple select. */
const IdsField = many(z.array(z.string().min(1).max(100)).max(1_000));

const BulkForm = FilterFields.extend({
  action: ActionField,
  mode: optional(z.literal('filter')),
  ids: IdsField,
  back: optional(z.string().max(2_000)),
});

const DecisionForm = z.object({
  action: ActionField,
  scope: optional(z.enum(['company', 'private', 'groups'])),
  groupIds: IdsField,
  owners: IdsField,
});


/** The first problem of a form or query that zod refused, as a sentence. */
const firstIssue = (error: z.ZodError) => {
  const issue = error.issues[0]!;
  return `${issue.path.join('.') || 'form'}: ${issue.message}`;
};

/** Where to go back to after a bulk decision: a page of this list only. */
const safeBack = (back: string | undefined) => (back && /^\/console\/reviews(\?|$)/.test(back) ? back : '/console/reviews');

/** What the review pages' handlers share: the API's dependencies, its rule of who may decide what, and a logger. */
interface Reviews {
  deps: ApiDeps;
  access: ReturnType<typeof reviewAccess>;
  logger: Logger;
}

export function reviewPages(deps: ApiDeps) {
  const reviews: Reviews = { deps, access: reviewAccess(deps.orm), logger: deps.logger ?? silentLogger };
  const pages = new Hono<ConsoleEnv>();
  pages.get('/', (c) => showQueue(c, reviews));
  // The confirmation step of a decision by filter: how many match, before anything is decided.
  pages.get('/bulk', (c) => confirmBulkDecision(c, reviews));
  pages.post('/bulk', (c) => decideInBulk(c, reviews));
  pages.get('/:id', (c) => showReview(c, reviews));
  pages.post('/:id/decision', (c) => decideReview(c, reviews));
  // The PDF of a file, for the page's embedded viewer: the API's download, with the same checks, shown inline.
  pages.get('/:id/files/:fileId', (c) => showFile(c, reviews));
  return pages;
}

async function showQueue(c: ConsoleContext, reviews: Reviews): Promise<Response> {
  return listPage(c, reviews, { status: listNotice(c) });
}

async function confirmBulkDecision(c: ConsoleContext, reviews: Reviews): Promise<Response> {
  const w = REVIEW_WORDS[c.get('lang')];
  const parsed = FilterFields.extend({ action: ActionField }).safeParse(c.req.query());
  if (!parsed.success) return listPage(c, reviews, { alert: fill(w.badFilter, { reason: firstIssue(parsed.error) }) }, 400);
  const { action, ...filter } = parsed.data;
  if (!hasFilter(filter)) return listPage(c, reviews, { alert: w.filterNeeded }, 400);
  await reviews.access.assertMayDecideInBulk(c.get('user'), filter.connectionId);
  const count = await countReviewsToDecide(reviews.deps.orm.em.fork(), { user: c.get('user'), filter });
  return renderBulkConfirmation(c, { filter, action, count });
}

async function decideInBulk(c: ConsoleContext, reviews: Reviews): Promise<Response> {
  const w = REVIEW_WORDS[c.get('lang')];
  const parsed = BulkForm.safeParse(await c.req.parseBody({ all: true }));
  if (!parsed.success) return listPage(c, reviews, { alert: fill(w.badFilter, { reason: firstIssue(parsed.error) }) }, 400);
  const { action, mode, ids, back, ...filter } = parsed.data;
  const user = c.get('user');
  if (mode === 'filter' && !hasFilter(filter)) return listPage(c, reviews, { alert: w.filterNeeded }, 400);
  if (mode !== 'filter' && ids.length === 0) return listPage(c, reviews, { alert: w.nothingSelected }, 400);
  await reviews.access.assertMayDecideInBulk(user, mode === 'filter' ? filter.connectionId : undefined);
  const outcome = await decideMany(reviews.deps, { user, selection: mode === 'filter' ? { filter } : { ids }, action });
  return c.redirect(bulkOutcomeLocation(back, action, outcome), 303);
}

async function showReview(c: ConsoleContext<'/:id'>, reviews: Reviews): Promise<Response> {
  const w = REVIEW_WORDS[c.get('lang')];
  const quota = c.req.query('quota') === 'exhausted' ? await getQuota(reviews.deps.orm.em.fork()) : null;
  const alert = quota ? fill(w.quotaExhausted, { used: quota.used, limit: quota.limit }) : undefined;
  return reviewPage(c, reviews, c.req.param('id'), { notice: { status: decisionNotice(c), alert } });
}

async function decideReview(c: ConsoleContext<'/:id/decision'>, reviews: Reviews): Promise<Response> {
  const reviewId = c.req.param('id');
  const user = c.get('user');
  const w = REVIEW_WORDS[c.get('lang')];
  const parsed = DecisionForm.safeParse(await c.req.parseBody({ all: true }));
  if (!parsed.success) return reviewPage(c, reviews, reviewId, { notice: { alert: fill(w.badFilter, { reason: firstIssue(parsed.error) }) }, status: 400 });
  const { action, scope, groupIds, owners } = parsed.data;
  const chosen = { scope: scope ?? 'company', groupIds, owners };
  const { review, connection } = await reviews.access.loadForReviewer(user, reviewId);
  try {
    const options = action === 'approve' ? { ...(scope && { visibility: visibilityOf(scope, groupIds) }), owners } : {};
    await decide(reviews.deps, { connection, reviewId, action, decidedBy: user.id, ...options });
  } catch (error) {
    const refusal = refusalOf(c, error, reviews.logger);
    return reviewPage(c, reviews, reviewId, { notice: { alert: refusal.message }, status: refusal.status, chosen });
  }
  return c.redirect(await afterDecision(reviews, { user, reviewId, review, action }), 303);
}

async function showFile(c: ConsoleContext<'/:id/files/:fileId'>, reviews: Reviews): Promise<Response> {
  const { review, file } = await reviews.access.readableFile(c.get('user'), c.req.param('id'), c.req.param('fileId'));
  const response = await reviewFilePdf(c, reviews.deps.storage, review, file);
  response.headers.set('content-disposition', response.headers.get('content-disposition')!.replace(/^attachment/, 'inline'));
  return response;
}

async function listPage(c: ConsoleContext, reviews: Reviews, notice: Notice, status: 200 | 400 = 200): Promise<Response> {
  const { orm } = reviews.deps;
  const user = c.get('user');
  const w = REVIEW_WORDS[c.get('lang')];
  const connections = await reviewedConnections(orm.em.fork(), user);
  const parsed = FilterFields.safeParse(c.req.query());
  if (!parsed.success) {
    const alert = fill(w.badFilter, { reason: firstIssue(parsed.error) });
    return renderReviewList(c, { filter: {}, connections, reviews: [], nextCursor: null, paged: false, notice: { alert }, status: 400 });
  }
  const { connectionId, ...filter } = parsed.data;
  const cursor = c.req.query('cursor') || undefined;
  const page = await reviewsFor(orm.em.fork(), { user, status: 'pending', undecided: true, connectionId, filter, cursor, limit: 50 });
  return renderReviewList(c, { filter: parsed.data, connections, reviews: page.items, nextCursor: page.nextCursor, paged: !!cursor, notice, status });
}

/** The list page a bulk decision goes back to, without its cursor, with what became of the selection. */
function bulkOutcomeLocation(back: string | undefined, action: z.infer<typeof ActionField>, outcome: BulkOutcome): string {
  const to = new URL(safeBack(back), 'http://console');
  to.searchParams.delete('cursor');
  to.searchParams.set('bulk', action);
  for (const [key, value] of Object.entries(outcomeParams(outcome))) to.searchParams.set(key, String(value));
  return `${to.pathname}${to.search}`;
}

/** Where a reviewer goes once a document is decided (`reviewId` as the address named it). */
async function afterDecision(
  reviews: Reviews,
  { user, reviewId, review, action }: { user: User; reviewId: string; review: Review; action: z.infer<typeof ActionField> },
): Promise<string> {
  const { orm } = reviews.deps;
  const done = action === 'approve' ? 'approved' : 'discarded';
  // Spent quota does not refuse the approval (it is recorded and waits): the reviewer stays to read why.
  if (action === 'approve' && (await getQuota(orm.em.fork())).remaining < review.files.length) {
    return `/console/reviews/${reviewId}?done=${done}&quota=exhausted`;
  }
  // On to the next document of the queue, which says what became of this one.
  const { next } = await queueNeighbours(orm.em.fork(), { user, review });
  return next ? `/console/reviews/${next}?done=${done}` : `/console/reviews?done=${done}`;
}

async function choicesFor(reviews: Reviews, user: User, connection: Connection): Promise<Choices> {
  const { orm } = reviews.deps;
  const em = orm.em.fork();
  if (user.role === 'admin') {
    const [groups, users] = await Promise.all([listGroups(em, { limit: 500 }), listUsers(orm.em.fork(), { limit: 500 })]);
    return {
      groups: groups.items.map((g) => ({ id: g.id, name: g.name })),
      users: users.items.filter((u) => !u.disabledAt).map((u) => ({ id: u.id, name: u.name })),
    };
  }
  // A member sees no directory of users and groups through the API: only themselves, their own groups and
  // those the connection proposes are offered.
  const proposedGroups = connection.visibility.scope === 'groups' ? connection.visibility.groupIds : [];
  const groupIds = [...new Set([...(await groupIdsOf(em, user.id)), ...proposedGroups])];
  const userIds = [...new Set([user.id, ...connection.owners])];
  const found = <T,>(load: Promise<T>) => load.then((v): T | null => v, () => null);
  const groups = (await Promise.all(groupIds.map((id) => found(getGroup(orm.em.fork(), id))))).filter((g) => g !== null);
  const users = (await Promise.all(userIds.map((id) => found(getUser(orm.em.fork(), id))))).filter((u) => u !== null);
  return { groups: groups.map((g) => ({ id: g.id, name: g.name })), users: users.map((u) => ({ id: u.id, name: u.name })) };
}

async function reviewPage(
  c: ConsoleContext,
  reviews: Reviews,
  reviewId: string,
  extra: { notice: Notice; status?: ReviewPageInput['status']; chosen?: ReviewPageInput['chosen'] },
): Promise<Response> {
  const user = c.get('user');
  // As GET /v1/reviews/:id reads it: an approved review only for whoever may see one of its contracts.
  const { review, connection } = await reviews.access.loadForReader(user, reviewId);
  const neighbours = await queueNeighbours(reviews.deps.orm.em.fork(), { user, review });
  const choices = await choicesFor(reviews, user, connection);
  return renderReviewPage(c, { review, connection, neighbours, choices, ...extra });
}

/** `groups` without any group is refused by the ledger (`visibilityColumns`), with the API's own reason. */
function visibilityOf(scope: 'company' | 'private' | 'groups', groupIds: string[]): Visibility {
  return scope === 'groups' ? { scope, groupIds } : { scope };
}

function outcomeParams(outcome: BulkOutcome): Record<string, number> {
  return { decided: outcome.decided, ...outcome.skipped, remaining: outcome.remaining, undelivered: outcome.undelivered };
}

/** The list's status message after a decision (`done`) or a bulk decision (`bulk` and its counts). */
function listNotice(c: ConsoleContext): string | undefined {
  const w = REVIEW_WORDS[c.get('lang')];
  const single = decisionNotice(c);
  if (single) return single;
  const bulk = c.req.query('bulk');
  if (bulk !== 'approve' && bulk !== 'discard') return undefined;
  const n = (key: string) => Math.max(0, Number.parseInt(c.req.query(key) ?? '0', 10) || 0);
  const parts = [fill(bulk === 'approve' ? w.bulkApproved : w.bulkDiscarded, { decided: n('decided') })];
  const skipped = { alreadyDecided: n('alreadyDecided'), notAllowed: n('notAllowed'), notFound: n('notFound'), connectionDisconnected: n('connectionDisconnected') };
  if (Object.values(skipped).some((v) => v > 0)) parts.push(fill(w.skipped, skipped));
  if (n('remaining') > 0) parts.push(fill(w.remaining, { remaining: n('remaining') }));
  if (n('undelivered') > 0) parts.push(fill(w.undelivered, { undelivered: n('undelivered') }));
  return parts.join(' ');
}

function decisionNotice(c: ConsoleContext): string | undefined {
  const w = REVIEW_WORDS[c.get('lang')];
  const done = c.req.query('done');
  return done === 'approved' ? w.approved : done === 'discarded' ? w.discarded : undefined;
}

