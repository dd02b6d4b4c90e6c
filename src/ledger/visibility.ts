import { p } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ValidationError } from './errors';
import { assertGroupsExist, groupIdsOf } from './groups';
import { sqlArray } from './sql';
import type { User } from './user';
import { assertUsersExist } from './users';

/**
 * Who may see a contract (公開範囲) and who its internal owners (社内担当者) are. The rule, everywhere:
 * admins and owners always; `company` → every user; `private` → owners and admins only; `groups` → also the
 * members of those groups.
 */
export type Visibility = { scope: 'company' } | { scope: 'private' } | { scope: 'groups'; groupIds: string[] };

export const VISIBILITY_SCOPES = ['company', 'private', 'groups'] as const;
type VisibilityScope = (typeof VISIBILITY_SCOPES)[number];

/** How a row stores visibility and owners: plain columns, so that "visible to" is one indexed SQL condition. */
interface VisibilityColumns {
  visibilityScope: VisibilityScope;
  visibilityGroupIds: string[];
  ownerIds: string[];
}

/** The columns of `VisibilityColumns`, for the entities that carry visibility (connections and contracts). */
export const visibilityProperties = () => ({
  visibilityScope: p.enum([...VISIBILITY_SCOPES]),
  visibilityGroupIds: p.array().columnType('uuid[]'),
  ownerIds: p.array().columnType('uuid[]'),
});

export function visibilityOf(row: VisibilityColumns): { visibility: Visibility; owners: string[] } {
  const visibility: Visibility =
    row.visibilityScope === 'groups' ? { scope: 'groups', groupIds: [...row.visibilityGroupIds] } : { scope: row.visibilityScope };
  return { visibility, owners: [...row.ownerIds] };
}

/** Checks a visibility and owners given by a person (the groups and users must exist) and returns the columns. */
export async function visibilityColumns(em: EntityManager, visibility: Visibility, owners: readonly string[]): Promise<VisibilityColumns> {
  if (!VISIBILITY_SCOPES.includes(visibility.scope)) {
    throw new ValidationError('invalid_visibility', `visibility.scope is one of ${VISIBILITY_SCOPES.join(', ')}.`);
  }
  let groupIds: string[] = [];
  if (visibility.scope === 'groups') {
    if (!visibility.groupIds.length) {
      throw new ValidationError('invalid_visibility', 'Visibility "groups" needs at least one group in visibility.groupIds.');
    }
    groupIds = await assertGroupsExist(em, visibility.groupIds, 'visibility.groupIds');
  }
  return { visibilityScope: visibility.scope, visibilityGroupIds: groupIds, ownerIds: await assertUsersExist(em, owners, 'owners') };
}

export async function canSee(em: EntityManager, user: Pick<User, 'id' | 'role'>, item: { visibility: Visibility; owners: readonly string[] }): Promise<boolean> {
  if (user.role === 'admin' || item.owners.includes(user.id) || item.visibility.scope === 'company') return true;
  if (item.visibility.scope !== 'groups') return false;
  const memberOf = new Set(await groupIdsOf(em, user.id));
  return item.visibility.groupIds.some((id) => memberOf.has(id));
}

/** `canSee` as a query condition on `VisibilityColumns`; undefined when the user sees everything. */
export async function visibleToFilter(em: EntityManager, user: Pick<User, 'id' | 'role'>) {
  if (user.role === 'admin') return undefined;
  return {
    $or: [
      { visibilityScope: 'company' as const },
      { ownerIds: { $contains: [user.id] } },
      { visibilityScope: 'groups' as const, visibilityGroupIds: { $overlap: await groupIdsOf(em, user.id) } },
    ],
  };
}

/**
 * `canSee` as SQL on the visibility columns of the table `alias` names, for a condition inside a raw query;
 * undefined when the user sees everything.
 */
export async function visibleToSql(em: EntityManager, user: Pick<User, 'id' | 'role'>, alias: string): Promise<{ sql: string; params: unknown[] } | undefined> {
  if (user.role === 'admin') return undefined;
  return {
    sql: `(${alias}.visibility_scope = 'company' or ? = any(${alias}.owner_ids) or (${alias}.visibility_scope = 'groups' and ${alias}.visibility_group_ids && ?::uuid[]))`,
    params: [user.id, sqlArray(await groupIdsOf(em, user.id))],
  };
}
