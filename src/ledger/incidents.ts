import { defineEntity, p } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConnectionEntity, loadConnection } from './connections';
import { newId } from './ids';
import { UserEntity } from './user';

/**
 * The incident log: something about a connection that needs a person (a refused client ID, spent quota, a
 * sync that does not finish). At most one incident per (connection, kind) is open, so an e-mail is sent once
 * per incident, however often the activity that reports it is retried; once resolved, the same trouble
 * later is a new incident and mails again.
 */
export const IncidentEntity = defineEntity({
  name: 'Incident',
  tableName: 'incidents',
  properties: {
    id: p.uuid().primary().onCreate(() => newId()),
    connection: p.manyToOne(ConnectionEntity).mapToPk().joinColumn('connection_id'),
    kind: p.string().length(100),
    message: p.text(),
    openedAt: p.datetime(),
    resolvedAt: p.datetime().nullable(),
  },
  uniques: [
    {
      name: 'incidents_open_unique',
      expression: `create unique index "incidents_open_unique" on "incidents" ("connection_id", "kind") where "resolved_at" is null`,
    },
  ],
});

/** Opens an incident; true only when none of its kind was open yet (the caller then sends the one e-mail). */
export async function recordIncident(
  em: EntityManager,
  input: { connectionId: string; kind: string; message: string },
): Promise<boolean> {
  await loadConnection(em, input.connectionId);
  const rows = await em.execute(
    `insert into incidents (id, connection_id, kind, message, opened_at) values (?, ?, ?, ?, ?)
     on conflict (connection_id, kind) where resolved_at is null do nothing
     returning id`,
    [newId(), input.connectionId, input.kind, input.message, new Date()],
  );
  return rows.length === 1;
}

/** Closes every open incident of a connection (its sync succeeded); returns how many were open. */
export async function resolveIncidents(em: EntityManager, input: { connectionId: string }): Promise<number> {
  return em.nativeUpdate(IncidentEntity, { connection: input.connectionId, resolvedAt: null }, { resolvedAt: new Date() });
}

/** Who is told about a connection's incidents: every admin and the connection's owners, none disabled. */
export async function incidentRecipients(em: EntityManager, input: { connectionId: string }): Promise<string[]> {
  const connection = await loadConnection(em, input.connectionId);
  const users = await em.find(
    UserEntity,
    { disabledAt: null, $or: [{ role: 'admin' }, { id: { $in: connection.ownerIds } }] },
    { orderBy: { email: 'asc' } },
  );
  return users.map((u) => u.email);
}
