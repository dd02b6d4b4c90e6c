import type { EntityManager } from '@mikro-orm/postgresql';
import { isIsoDate } from './contract-fields';
import { ValidationError } from './errors';
import { groupIdsOf } from './groups';
import { isUuid } from './ids';
import { sqlArray } from './sql';
import type { User } from './user';

/**
 * Which reviews a bulk decision (API.md `POST /v1/reviews/bulk`) would decide, and why the others it names
 * are skipped. It only selects: each selected review is then decided through `decideReview`, like a single
 * decision, so that a race with another reviewer is settled there, once.
 */

/** Reviews named by ID in one request: enough for a page of the console, small enough to answer quickly. */
export const MAX_BULK_IDS = 1_000;
/** Reviews one request decides by filter; what matches beyond it is `remaining`, for the next request. */
export const MAX_BULK_FILTERED = 5_000;

export interface ReviewFilter {
  connectionId?: string;
  /** Conclusion date (of any of the document's files) on or after, YYYY-MM-DD. */
  concludedFrom?: string;
  /** Conclusion date (of any of the document's files) on or before, YYYY-MM-DD. */
  concludedTo?: string;
  /** Words that must all appear in the title or a file name (case-insensitive). */
  q?: string;
}

export type ReviewSelection = { ids: string[]; filter?: never } | { filter: ReviewFilter; ids?: never };

export interface SkippedReviews {
  /** Decided already (by anyone), or done. */
  alreadyDecided: number;
  /** Of a connection the caller does not review. */
  notAllowed: number;
  /** No such review. */
  notFound: number;
  /** Of a disconnected connection: its reviews can no longer be decided. */
  connectionDisconnected: number;
}

export interface BulkSelection {
  /** Pending, undecided reviews the caller may decide, oldest first, with the management ID of their connection. */
  toDecide: { reviewId: string; connectionId: string; managementId: string }[];
  skipped: SkippedReviews;
  /** Undecided reviews the filter matched beyond MAX_BULK_FILTERED: send the same request again. */
  remaining: number;
}

interface Row {
  id: string;
  connection_id: string;
  management_id: string;
  decided: boolean;
  disconnected: boolean;
  allowed: boolean;
}

/**
 * The reviews `user` asked to decide. By IDs, every ID is accounted for (decided or skipped with its reason);
 * by filter, only the reviews of connections the user reviews are looked at, so that the counts tell nothing
 * about the others.
 */
export async function selectReviewsToDecide(
  em: EntityManager,
  input: { user: Pick<User, 'id' | 'role'>; selection: ReviewSelection },
): Promise<BulkSelection> {
  const { user, selection } = input;
  const skipped: SkippedReviews = { alreadyDecided: 0, notAllowed: 0, notFound: 0, connectionDisconnected: 0 };
  const allowed = await allowedExpression(em, user);
  if (selection.ids) {
    const ids = [...new Set(selection.ids)];
    if (ids.length > MAX_BULK_IDS) throw new ValidationError('too_many_ids', `Name at most ${MAX_BULK_IDS} reviews at once, or select them by filter.`);
    const valid = ids.filter(isUuid);
    const rows = await em.execute<Row[]>(
      `select r.id, r.connection_id, c.management_id, (r.decision is not null or r.status <> 'pending') as decided,
              c.status = 'disconnected' as disconnected, ${allowed.sql} as allowed
         from reviews r join connections c on c.id = r.connection_id
        where r.id = any(?::uuid[]) order by r.created_at, r.id`,
      [...allowed.params, sqlArray(valid)],
    );
    skipped.notFound = ids.length - rows.length;
    const toDecide: BulkSelection['toDecide'] = [];
    for (const row of rows) {
      if (!row.allowed) skipped.notAllowed++;
      else if (row.decided) skipped.alreadyDecided++;
      else if (row.disconnected) skipped.connectionDisconnected++;
      else toDecide.push({ reviewId: row.id, connectionId: row.connection_id, managementId: row.management_id });
    }
    return { toDecide, skipped, remaining: 0 };
  }

  const where = reviewFilterSql(selection.filter);
  const from = `from reviews r join connections c on c.id = r.connection_id where ${allowed.sql} and ${where.sql}`;
  const params = [...allowed.params, ...where.params];
  const [counts] = await em.execute<{ decided: string; disconnected: string; undecided: string }[]>(
    `select count(*) filter (where r.decision is not null or r.status <> 'pending') as decided,
            count(*) filter (where r.decision is null and r.status = 'pending' and c.status = 'disconnected') as disconnected,
            count(*) filter (where r.decision is null and r.status = 'pending' and c.status <> 'disconnected') as undecided
       ${from}`,
    params,
  );
  skipped.alreadyDecided = Number(counts!.decided);
  skipped.connectionDisconnected = Number(counts!.disconnected);
  const rows = await em.execute<Row[]>(
    `select r.id, r.connection_id, c.management_id ${from}
        and r.decision is null and r.status = 'pending' and c.status <> 'disconnected'
      order by r.created_at, r.id limit ${MAX_BULK_FILTERED}`,
    params,
  );
  return {
    toDecide: rows.map((row) => ({ reviewId: row.id, connectionId: row.connection_id, managementId: row.management_id })),
    skipped,
    remaining: Number(counts!.undecided) - rows.length,
  };
}

/**
 * How many reviews a bulk decision by `filter` would decide now (pending, undecided, of a connection the
 * user reviews and that is not disconnected): what the console's confirmation step shows before it is sent.
 */
export async function countReviewsToDecide(em: EntityManager, input: { user: Pick<User, 'id' | 'role'>; filter: ReviewFilter }): Promise<number> {
  const allowed = await allowedExpression(em, input.user);
  const where = reviewFilterSql(input.filter);
  const [row] = await em.execute<{ n: string }[]>(
    `select count(*) as n from reviews r join connections c on c.id = r.connection_id
      where ${allowed.sql} and ${where.sql} and ${UNDECIDED_SQL}`,
    [...allowed.params, ...where.params],
  );
  return Number(row!.n);
}

/**
 * The undecided reviews just before and after `review` in the order of `reviewsFor` (newest first) that the
 * user may decide: how a reviewer works through the queue one document after another.
 */
export async function queueNeighbours(
  em: EntityManager,
  input: { user: Pick<User, 'id' | 'role'>; review: { id: string; createdAt: Date } },
): Promise<{ previous: string | null; next: string | null }> {
  const allowed = await allowedExpression(em, input.user);
  const one = (op: '<' | '>', order: 'desc' | 'asc') =>
    `(select r.id from reviews r join connections c on c.id = r.connection_id
       where ${allowed.sql} and ${UNDECIDED_SQL} and (r.created_at, r.id) ${op} (?, ?::uuid)
       order by r.created_at ${order}, r.id ${order} limit 1)`;
  const position = [input.review.createdAt, input.review.id];
  const [row] = await em.execute<{ previous: string | null; next: string | null }[]>(
    `select ${one('>', 'asc')} as previous, ${one('<', 'desc')} as next`,
    [...allowed.params, ...position, ...allowed.params, ...position],
  );
  return { previous: row?.previous ?? null, next: row?.next ?? null };
}

/** On `r` (reviews) and `c` (connections): a review someone may still decide. */
const UNDECIDED_SQL = `r.decision is null and r.status = 'pending' and c.status <> 'disconnected'`;

/** Whether the user reviews at least one connection (or is an admin): who else would a bulk decision be for? */
export async function reviewsAnything(em: EntityManager, user: Pick<User, 'id' | 'role'>): Promise<boolean> {
  if (user.role === 'admin') return true;
  const allowed = await allowedExpression(em, user);
  const [row] = await em.execute<{ n: string }[]>(`select count(*) as n from connections c where ${allowed.sql}`, allowed.params);
  return Number(row!.n) > 0;
}

/** SQL on `c` (connections) that is true where `user` may decide the connection's reviews, as `mayDecide` says. */
async function allowedExpression(em: EntityManager, user: Pick<User, 'id' | 'role'>): Promise<{ sql: string; params: unknown[] }> {
  if (user.role === 'admin') return { sql: 'true', params: [] };
  const groupIds = await groupIdsOf(em, user.id);
  return { sql: '(? = any(c.reviewer_user_ids) or c.reviewer_group_ids && ?::uuid[])', params: [user.id, sqlArray(groupIds)] };
}

/** SQL on `r` (reviews) for the conditions of a filter, as the bulk decision and the lists read them. */
export function reviewFilterSql(filter: ReviewFilter): { sql: string; params: unknown[] } {
  const conditions: string[] = ['true'];
  const params: unknown[] = [];
  if (filter.connectionId !== undefined) {
    // An ID the ledger never made matches nothing, as in the lists.
    conditions.push(isUuid(filter.connectionId) ? 'r.connection_id = ?' : 'false');
    if (isUuid(filter.connectionId)) params.push(filter.connectionId);
  }
  for (const [bound, op] of [['concludedFrom', '>='], ['concludedTo', '<=']] as const) {
    const date = filter[bound];
    if (date === undefined) continue;
    if (!isIsoDate(date)) throw new ValidationError('invalid_filter', `${bound} must be a date as YYYY-MM-DD.`);
    conditions.push(`exists (select 1 from jsonb_array_elements(r.files) f where f->'fields'->>'conclusionDate' ${op} ?)`);
    params.push(date);
  }
  for (const word of (filter.q ?? '').trim().split(/\s+/).filter(Boolean)) {
    const pattern = `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(`(r.title ilike ? or exists (select 1 from jsonb_array_elements(r.files) f where f->>'name' ilike ?))`);
    params.push(pattern, pattern);
  }
  return { sql: conditions.join(' and '), params };
}
