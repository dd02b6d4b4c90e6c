import type { EntityName, FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ValidationError } from './errors';

/** A page of a list (API.md "Lists"): `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  /** Default 50, at most 500. */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string | null;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

interface Position {
  at: Date;
  id: string;
}

/**
 * Keyset pagination, newest first, over (a timestamp, id): a page costs the same however deep it is, and rows
 * written meanwhile neither shift nor repeat items. The timestamps are set by the application (millisecond
 * precision), so the cursor, which carries them as ISO strings, names a row exactly.
 */
export async function findPage<T extends { id: string }>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<T>,
  timeKey: keyof T & string,
  request: PageRequest,
): Promise<Page<T>> {
  const size = pageSize(request.limit);
  const after = request.cursor ? decodeCursor(request.cursor) : null;
  const conditions: FilterQuery<T>[] = [where];
  if (after) {
    conditions.push({
      $or: [{ [timeKey]: { $lt: after.at } }, { [timeKey]: after.at, id: { $lt: after.id } }],
    } as FilterQuery<T>);
  }
  const rows = (await em.find(entity, { $and: conditions } as FilterQuery<T>, {
    orderBy: { [timeKey]: 'desc', id: 'desc' } as never,
    limit: size + 1,
  })) as T[];
  const items = rows.slice(0, size);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > size && last ? encodeCursor({ at: last[timeKey] as Date, id: last.id }) : null,
  };
}

/**
 * The empty page of a list a filter leaves nothing in (a caller who reviews nothing, a malformed connection ID):
 * its limit and cursor are checked all the same, so the same request is refused or answered alike whatever rows exist.
 */
export function emptyPage<T>(request: PageRequest): Page<T> {
  pageSize(request.limit);
  if (request.cursor) decodeCursor(request.cursor);
  return { items: [], nextCursor: null };
}

function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ValidationError('invalid_limit', `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}.`, { limit });
  }
  return limit;
}

/**
 * A cursor is the position of the last item of its page, `<milliseconds since 1970>.<id>`, e.g.
 * `1764582000000.0f8e…`. Every string of this shape names a position the lists can start after (a time within
 * what Postgres stores and a UUID), and no other is taken: the API's OpenAPI document states this pattern, so a
 * client generated from it never sends a cursor the server refuses. A cursor shows nothing the page did not.
 */
export const CURSOR_PATTERN = /^[0-9]{1,14}\.[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function encodeCursor(position: Position): string {
  return `${position.at.getTime()}.${position.id}`;
}

function decodeCursor(cursor: string): Position {
  // 14 digits at most: any such time is after 1970 and before the year 9999 Postgres ends at.
  if (!CURSOR_PATTERN.test(cursor)) {
    throw new ValidationError('invalid_cursor', 'This cursor was not issued by this list; start again without it.');
  }
  const dot = cursor.indexOf('.');
  return { at: new Date(Number(cursor.slice(0, dot))), id: cursor.slice(dot + 1) };
}
