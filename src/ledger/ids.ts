import type { EntityName } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Every ledger ID is a UUID. Checking the shape first lets a lookup of a malformed ID answer "not found" (or
 * name it as unknown) instead of failing in Postgres with a type error.
 */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

export function newId(): string {
  return crypto.randomUUID();
}

/** The given IDs without repeats, and those of them that name no row of `entity`. */
export async function findUnknownIds<T extends { id: string }>(
  em: EntityManager,
  entity: EntityName<T>,
  ids: readonly string[],
): Promise<{ ids: string[]; unknown: string[] }> {
  const unique = [...new Set(ids)];
  const wellFormed = unique.filter(isUuid);
  const rows = wellFormed.length ? await em.find(entity, { id: { $in: wellFormed } } as never, { fields: ['id'] as never }) : [];
  const found = new Set(rows.map((row) => row.id));
  return { ids: unique, unknown: unique.filter((id) => !found.has(id)) };
}
