import { defineEntity, p, UniqueConstraintViolationException, type InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { changesBetween, changesFromNothing, recordAudit, SYSTEM_ACTOR, type AuditActor } from './audit';
import { ConflictError, NotFoundError, ValidationError } from './errors';
import { findUnknownIds, isUuid, newId } from './ids';
import { findPage, type Page, type PageRequest } from './pagination';
import { UserEntity } from './user';
import { assertUsersExist } from './users';

/** A named set of users, used for visibility (公開範囲) and as reviewers. */
export const GroupEntity = defineEntity({
  name: 'Group',
  tableName: 'groups',
  properties: {
    id: p.uuid().primary().onCreate(() => newId()),
    name: p.string().length(200).unique(),
    members: () => p.manyToMany(UserEntity).pivotTable('group_members').joinColumn('group_id').inverseJoinColumn('user_id'),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

type GroupRow = InferEntity<typeof GroupEntity>;

export interface Group {
  id: string;
  name: string;
  memberIds: string[];
  createdAt: Date;
}

/** `actor`: who changes groups, for the audit trail; the service itself when absent. */
export async function createGroup(em: EntityManager, input: { name: string; memberIds: string[]; actor?: AuditActor }): Promise<Group> {
  const name = input.name.trim();
  if (!name || name.length > 200) throw new ValidationError('invalid_group', 'A group needs a name of 1 to 200 characters.');
  const memberIds = await assertUsersExist(em, input.memberIds, 'memberIds');
  const group = em.create(GroupEntity, { id: newId(), name });
  group.members.set(memberIds.map((id) => em.getReference(UserEntity, id)));
  // Written by the same flush (one transaction) as the group.
  recordAudit(em, { actor: input.actor ?? SYSTEM_ACTOR, subject: { kind: 'group', id: group.id }, action: 'created', changes: changesFromNothing({ name, memberIds }) });
  try {
    await em.flush();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      throw new ConflictError('group_name_taken', `A group named "${name}" exists already.`, { name });
    }
    throw error;
  }
  return toGroup(group);
}

/** Replaces the members of a group. */
export async function setGroupMembers(em: EntityManager, input: { groupId: string; memberIds: string[]; actor?: AuditActor }): Promise<Group> {
  const group = await loadGroup(em, input.groupId);
  const memberIds = await assertUsersExist(em, input.memberIds, 'memberIds');
  const before = [...(group.members.getIdentifiers('id') as string[])].sort();
  group.members.set(memberIds.map((id) => em.getReference(UserEntity, id)));
  const changes = changesBetween({ memberIds: before }, { memberIds: [...memberIds].sort() });
  if (Object.keys(changes).length) recordAudit(em, { actor: input.actor ?? SYSTEM_ACTOR, subject: { kind: 'group', id: group.id }, action: 'members_changed', changes });
  await em.flush();
  return toGroup(group);
}

export async function getGroup(em: EntityManager, groupId: string): Promise<Group> {
  return toGroup(await loadGroup(em, groupId));
}

export async function listGroups(em: EntityManager, request: PageRequest = {}): Promise<Page<Group>> {
  const page = await findPage<GroupRow>(em, GroupEntity, {}, 'createdAt', request);
  await em.populate(page.items, ['members']);
  return { items: page.items.map(toGroup), nextCursor: page.nextCursor };
}

/** The groups a user belongs to: what visibility `{ scope: 'groups' }` is checked against. */
export async function groupIdsOf(em: EntityManager, userId: string): Promise<string[]> {
  const groups = await em.find(GroupEntity, { members: userId }, { fields: ['id'] });
  return groups.map((g) => g.id);
}

/** Checks that every ID names a group and returns them without repeats; the error names the unknown ones. */
export async function assertGroupsExist(em: EntityManager, ids: readonly string[], field: string): Promise<string[]> {
  const { ids: unique, unknown } = await findUnknownIds<GroupRow>(em, GroupEntity, ids);
  if (unknown.length) {
    throw new ValidationError('unknown_groups', `No group has the ID ${unknown.join(', ')} (in ${field}).`, { field, groupIds: unknown });
  }
  return unique;
}

async function loadGroup(em: EntityManager, groupId: string): Promise<GroupRow> {
  const group = isUuid(groupId) ? await em.findOne(GroupEntity, { id: groupId }, { populate: ['members'] }) : null;
  if (!group) throw new NotFoundError('group', groupId);
  return group;
}

function toGroup(group: GroupRow): Group {
  return { id: group.id, name: group.name, memberIds: group.members.getIdentifiers('id') as string[], createdAt: group.createdAt };
}
