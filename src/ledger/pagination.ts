import type { EntityName, FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ValidationError } from './errors';
import { isUuid } from './ids';

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

function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ValidationError('invalid_limit', `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}.`, { limit });
  }
  return limit;
}

function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.at.toISOString(), position.id])).toString('base64url');
}

const inStorableRange = (date: Date) => date.getUTCFullYear() >= 1 && date.getUTCFullYear() <= 9999;

function decodeCursor(cursor: string): Position {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const date = typeof at === 'string' ? new Date(at) : null;
    // Every part checked, the time within what Postgres stores: a forged cursor is refused, never an error.
    if (date && !Number.isNaN(date.getTime()) && inStorableRange(date) && typeof id === 'string' && isUuid(id)) return { at: date, id };
  } catch {
    // Not base64url JSON: reported below like any other foreign cursor.
  }
  throw new ValidationError('invalid_cursor', 'This cursor was not issued by this list; start again without it.');
}
