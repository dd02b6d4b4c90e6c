import { defineEntity, p, type FilterQuery, type InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ValidationError } from './errors';
import { isUuid, newId } from './ids';
import { findPage, type Page, type PageRequest } from './pagination';
import { UserEntity, type User } from './user';

/**
 * The audit trail (更新履歴): who changed what, and when. Every ledger function that changes a contract, a
 * review's decision, a connection, a user, a group or the quota writes its event with `recordAudit` in the
 * transaction of the change, so that there is no change without its event and no event without its change.
 * Events are never changed or deleted. A secret is never recorded: a new client ID is recorded by its last
 * 4 characters (what the API shows anyway), a token rotation by the fact alone.
 */

export const AUDIT_SUBJECT_KINDS = ['contract', 'review', 'connection', 'user', 'group', 'quota'] as const;
export type AuditSubjectKind = (typeof AUDIT_SUBJECT_KINDS)[number];

/** The quota is one row: its events all have this subject ID. */
export const QUOTA_SUBJECT_ID = 'quota';

/** A field's value before and after; null where there was none (a creation) or is none (a cleared field). */
export type AuditChanges = Record<string, { from: unknown; to: unknown }>;

/** Who did it: a user (their name copied, so that the trail still reads when they are renamed), or the service itself. */
export interface AuditActor {
  id: string | null;
  name: string;
}

/** The service's own changes: imports, the workflow applying a decision, the bootstrap admin at start. */
export const SYSTEM_ACTOR: AuditActor = { id: null, name: 'cloudsign-sync' };

export const AuditEventEntity = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_events',
  properties: {
    id: p.uuid().primary().onCreate(() => newId()),
    at: p.datetime(),
    /** Null for the service itself. No foreign key: the trail outlives whoever is named in it. */
    actorId: p.uuid().nullable(),
    actorName: p.string().length(200),
    subjectKind: p.enum([...AUDIT_SUBJECT_KINDS]),
    subjectId: p.string().length(100),
    action: p.string().length(50),
    changes: p.json<AuditChanges>(),
    /** What else explains the event (the review an import came from, the fields an extraction was refused…). */
    details: p.json<Record<string, unknown>>().nullable(),
  },
  indexes: [
    { name: 'audit_events_at_id_index', properties: ['at', 'id'] },
    { name: 'audit_events_subject_index', properties: ['subjectKind', 'subjectId', 'at'] },
    { name: 'audit_events_actor_id_index', properties: ['actorId', 'at'] },
  ],
});

type AuditEventRow = InferEntity<typeof AuditEventEntity>;

export interface AuditEvent {
  id: string;
  at: Date;
  actor: AuditActor;
  subject: { kind: AuditSubjectKind; id: string };
  action: string;
  changes: AuditChanges;
  details: Record<string, unknown> | null;
}

export interface AuditEntry {
  actor: AuditActor;
  subject: { kind: AuditSubjectKind; id: string };
  action: string;
  changes?: AuditChanges;
  details?: Record<string, unknown>;
}

/**
 * Adds an event to the unit of work of `em`: it is written by the transaction's next flush, with the change.
 * Call it inside the transaction that makes the change; an import adds one per contract to its own flush.
 */
export function recordAudit(em: EntityManager, entry: AuditEntry): void {
  em.create(AuditEventEntity, {
    id: newId(),
    at: new Date(),
    actorId: entry.actor.id,
    actorName: entry.actor.name,
    subjectKind: entry.subject.kind,
    subjectId: entry.subject.id,
    action: entry.action,
    changes: entry.changes ?? {},
    details: entry.details ?? null,
  });
}

/** The actor for a user; one given without a name (an ID from a decision, a caller that had only ID and role) is looked up. */
export async function actorOf(em: EntityManager, user: Pick<User, 'id'> & { name?: string }): Promise<AuditActor> {
  if (user.name !== undefined) return { id: user.id, name: user.name };
  const row = isUuid(user.id) ? await em.findOne(UserEntity, { id: user.id }, { fields: ['name'], disableIdentityMap: true }) : null;
  return { id: user.id, name: row?.name ?? 'unknown user' };
}

/** The fields whose value differs between `before` and `after`, as audit changes (by JSON value: arrays and objects compare by content). */
export function changesBetween(before: Record<string, unknown>, after: Record<string, unknown>): AuditChanges {
  const changes: AuditChanges = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const from = before[key] ?? null;
    const to = after[key] ?? null;
    if (JSON.stringify(from) !== JSON.stringify(to)) changes[key] = { from, to };
  }
  return changes;
}

/** What a whole record was set to, as changes from nothing. */
export function changesFromNothing(values: Record<string, unknown>): AuditChanges {
  return changesBetween({}, values);
}

export interface AuditQuery extends PageRequest {
  subjectKind?: AuditSubjectKind;
  subjectId?: string;
  /** A user ID, or `system` for the service's own changes. */
  actorId?: string;
  since?: Date;
  until?: Date;
}

/** Audit events, newest first, filtered in SQL. */
export async function listAuditEvents(em: EntityManager, query: AuditQuery): Promise<Page<AuditEvent>> {
  const conditions: FilterQuery<AuditEventRow>[] = [];
  if (query.subjectKind !== undefined) conditions.push({ subjectKind: query.subjectKind });
  if (query.subjectId !== undefined) conditions.push({ subjectId: query.subjectId });
  if (query.actorId !== undefined) {
    if (query.actorId === 'system') conditions.push({ actorId: null });
    else if (isUuid(query.actorId)) conditions.push({ actorId: query.actorId });
    else return { items: [], nextCursor: null };
  }
  if (query.since && query.until && query.since > query.until) {
    throw new ValidationError('invalid_period', 'since must not be later than until.', { since: query.since.toISOString(), until: query.until.toISOString() });
  }
  if (query.since) conditions.push({ at: { $gte: query.since } });
  if (query.until) conditions.push({ at: { $lte: query.until } });
  const page = await findPage<AuditEventRow>(em, AuditEventEntity, { $and: conditions }, 'at', query);
  return { items: page.items.map(toAuditEvent), nextCursor: page.nextCursor };
}

/** One subject's events, newest first (a contract's 更新履歴). Whether the caller may see the subject is the caller's check. */
export async function historyOf(em: EntityManager, input: { kind: AuditSubjectKind; id: string } & PageRequest): Promise<Page<AuditEvent>> {
  const { kind, id, ...page } = input;
  return listAuditEvents(em, { ...page, subjectKind: kind, subjectId: id });
}

function toAuditEvent(row: AuditEventRow): AuditEvent {
  return {
    id: row.id,
    at: row.at,
    actor: { id: row.actorId ?? null, name: row.actorName },
    subject: { kind: row.subjectKind, id: row.subjectId },
    action: row.action,
    changes: row.changes,
    details: row.details ?? null,
  };
}
