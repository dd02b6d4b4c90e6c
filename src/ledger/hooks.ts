import { defineEntity, p } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConnectionEntity } from './connections';
import { HookEndpointEntity } from './hook-endpoints';
import { newId } from './ids';
import { sqlArray } from './sql';

/**
 * CloudSign's webhook as the ledger keeps it. A hook is a hint, never the truth: each accepted one is recorded
 * (one row per endpoint, document and status, counting repeats), and a hook for status 2 (締結完了) asks every
 * connection of the endpoint's team to import that one document — a `hook_imports` row per connection and
 * document, kept HOOK_HISTORY_DAYS: a repeated or late hook finds the row and asks nothing again. The
 * connection's workflow claims the rows (activities/hooks.ts); the daily sync and the reconciliation stay
 * the source of truth.
 */

/** CloudSign's 締結完了. Other states (1 bounced mail, 3 取り消し・却下) are recorded and ignored. */
export const CONCLUDED_HOOK_STATUS = 2;

/**
 * Documents a connection may have waiting for their hook import at most: a flood beyond it (a forged or a
 * runaway sender) is recorded but asks nothing more of the connection, whose daily sync finds the documents.
 */
export const MAX_PENDING_HOOK_IMPORTS = 1_000;

export const HookEntity = defineEntity({
  name: 'Hook',
  tableName: 'hooks',
  properties: {
    id: p.uuid().primary().onCreate(() => newId()),
    endpoint: p.manyToOne(HookEndpointEntity).mapToPk().joinColumn('endpoint_id'),
    documentId: p.string().length(100),
    status: p.integer(),
    /** How often this hook came (CloudSign's retries, several Hook URLs pointing here). */
    times: p.integer().default(1),
    firstReceivedAt: p.datetime(),
    lastReceivedAt: p.datetime(),
  },
  uniques: [{ name: 'hooks_endpoint_document_status_unique', properties: ['endpoint', 'documentId', 'status'] }],
});

/** What came of a hook's import request: see importHookedDocuments (src/import/hooked.ts). */
export const HOOK_IMPORT_OUTCOMES = ['imported', 'in_ledger', 'not_visible', 'not_concluded', 'disconnected'] as const;
export type HookImportOutcome = (typeof HOOK_IMPORT_OUTCOMES)[number];

export const HookImportEntity = defineEntity({
  name: 'HookImport',
  tableName: 'hook_imports',
  properties: {
    id: p.uuid().primary().onCreate(() => newId()),
    connection: p.manyToOne(ConnectionEntity).mapToPk().joinColumn('connection_id'),
    documentId: p.string().length(100),
    requestedAt: p.datetime(),
    /** When the connection's workflow was told; null while the signal could not be sent (Temporal down). */
    signalledAt: p.datetime().nullable(),
    finishedAt: p.datetime().nullable(),
    outcome: p.string().length(32).nullable(),
  },
  uniques: [{ name: 'hook_imports_connection_document_unique', properties: ['connection', 'documentId'] }],
  indexes: [
    {
      name: 'hook_imports_pending_index',
      expression: `create index "hook_imports_pending_index" on "hook_imports" ("connection_id", "requested_at") where "finished_at" is null`,
    },
  ],
});

export interface RecordedHook {
  /** Connections asked to import the document now (none for a repeat, another state, or a flood). */
  queued: { connectionId: string; managementId: string }[];
}

/**
 * Records a hook the endpoint accepted, and for a concluded document asks each connection of the endpoint
 * that is not disconnected to import it — once per connection and document, whatever the number of hooks.
 */
export async function recordHook(em: EntityManager, input: { endpointId: string; documentId: string; status: number; now?: Date }): Promise<RecordedHook> {
  const now = input.now ?? new Date();
  return em.transactional(async (tx) => {
    // tx.execute, not tx.getConnection().execute: only the former runs in the transaction.
    await tx.execute(
      `insert into hooks (id, endpoint_id, document_id, status, times, first_received_at, last_received_at) values (?, ?, ?, ?, 1, ?, ?)
       on conflict (endpoint_id, document_id, status) do update set times = hooks.times + 1, last_received_at = excluded.last_received_at`,
      [newId(), input.endpointId, input.documentId, input.status, now, now],
    );
    if (input.status !== CONCLUDED_HOOK_STATUS) return { queued: [] };
    const queued = await tx.execute<{ connection_id: string; management_id: string }[]>(
      `with asked as (
         insert into hook_imports (id, connection_id, document_id, requested_at)
         select gen_random_uuid(), c.id, ?, ? from connections c
         where c.hook_endpoint_id = ? and c.status <> 'disconnected'
           and (select count(*) from hook_imports h where h.connection_id = c.id and h.finished_at is null) < ?
         on conflict (connection_id, document_id) do nothing
         returning connection_id)
       select a.connection_id, c.management_id from asked a join connections c on c.id = a.connection_id`,
      [input.documentId, now, input.endpointId, MAX_PENDING_HOOK_IMPORTS],
    );
    return { queued: queued.map((r) => ({ connectionId: r.connection_id, managementId: r.management_id })) };
  });
}

/** Notes that these connections' workflows were told of their hook imports. */
export async function recordHooksSignalled(em: EntityManager, input: { connectionIds: string[]; now?: Date }): Promise<void> {
  if (!input.connectionIds.length) return;
  await em
    .getConnection()
    .execute(`update hook_imports set signalled_at = ? where connection_id = any(?::uuid[]) and finished_at is null and signalled_at is null`, [
      input.now ?? new Date(),
      sqlArray(input.connectionIds),
    ]);
}

/**
 * Connections with hook imports whose signal did not go out (Temporal was down when the hook came): the API's
 * repair round tells their workflows again, so that a hook accepted is never lost.
 */
export async function connectionsWithUnsignalledHooks(em: EntityManager, input: { limit: number }): Promise<{ connectionId: string; managementId: string }[]> {
  const rows = await em.getConnection().execute<{ connection_id: string; management_id: string }[]>(
    `select distinct h.connection_id, c.management_id from hook_imports h join connections c on c.id = h.connection_id
     where h.finished_at is null and h.signalled_at is null and c.status <> 'disconnected' limit ?`,
    [input.limit],
  );
  return rows.map((r) => ({ connectionId: r.connection_id, managementId: r.management_id }));
}

/** The documents waiting for a connection's hook import, oldest first. */
export async function pendingHookImports(em: EntityManager, input: { connectionId: string; limit: number }): Promise<string[]> {
  const rows = await em
    .getConnection()
    .execute<{ document_id: string }[]>(
      `select document_id from hook_imports where connection_id = ? and finished_at is null order by requested_at, document_id limit ?`,
      [input.connectionId, input.limit],
    );
  return rows.map((r) => r.document_id);
}

/** Closes a connection's hook imports of these documents with what came of them. */
export async function finishHookImports(
  em: EntityManager,
  input: { connectionId: string; outcomes: ReadonlyMap<string, HookImportOutcome>; now?: Date },
): Promise<void> {
  const byOutcome = new Map<HookImportOutcome, string[]>();
  for (const [documentId, outcome] of input.outcomes) byOutcome.set(outcome, [...(byOutcome.get(outcome) ?? []), documentId]);
  for (const [outcome, documentIds] of byOutcome) {
    await em
      .getConnection()
      .execute(`update hook_imports set finished_at = ?, outcome = ? where connection_id = ? and document_id = any(?::text[]) and finished_at is null`, [
        input.now ?? new Date(),
        outcome,
        input.connectionId,
        sqlArray(documentIds),
      ]);
  }
}

/**
 * Closes as `in_ledger` the connection's hook imports still waiting whose document the ledger has now (or the
 * connection's review): a hook batch that failed leaves its rows waiting, and the sync that imported the
 * documents meanwhile settles them at its end, so that nothing waits for a next hook. Returns how many.
 */
export async function settleHookImports(em: EntityManager, input: { connectionId: string; now?: Date }): Promise<number> {
  // em.execute: in the caller's transaction, when it has one (the run's end).
  const settled = await em.execute<{ id: string }[]>(
    `update hook_imports h set finished_at = ?, outcome = 'in_ledger'
     where h.connection_id = ? and h.finished_at is null
       and (exists (select 1 from import_records r where r.document_id = h.document_id)
            or exists (select 1 from reviews v where v.connection_id = h.connection_id and v.document_id = h.document_id))
     returning h.id`,
    [input.now ?? new Date(), input.connectionId],
  );
  return settled.length;
}

/** Of these documents, those with a file of this connection's in the ledger already, or in its review. */
export async function documentsSeenBy(em: EntityManager, input: { connectionId: string; documentIds: readonly string[] }): Promise<Set<string>> {
  if (!input.documentIds.length) return new Set();
  const rows = await em.getConnection().execute<{ document_id: string }[]>(
    `select distinct document_id from import_records where document_id = any(?::text[])
     union select document_id from reviews where connection_id = ? and document_id = any(?::text[])`,
    [sqlArray(input.documentIds), input.connectionId, sqlArray(input.documentIds)],
  );
  return new Set(rows.map((r) => r.document_id));
}

/**
 * Days a hook and a finished hook import are kept: long enough to read what happened to a hook in the last
 * quarter, short enough that the tables stay small for years. A document's contract does not depend on them
 * (the import records are the ledger's memory); a repeat of a hook older than this asks its connections once
 * more, and the import finds the document in the ledger without asking CloudSign.
 */
export const HOOK_HISTORY_DAYS = 90;

/**
 * Deletes hooks last received, and hook imports finished, before `before`; imports still waiting stay,
 * however old. Returns how many rows of each went. Several API processes pruning at once delete each row once.
 */
export async function pruneHookHistory(em: EntityManager, input: { before: Date }): Promise<{ hooks: number; hookImports: number }> {
  const db = em.getConnection();
  const hooks = await db.execute<{ id: string }[]>(`delete from hooks where last_received_at < ? returning id`, [input.before]);
  const hookImports = await db.execute<{ id: string }[]>(`delete from hook_imports where finished_at < ? returning id`, [input.before]);
  return { hooks: hooks.length, hookImports: hookImports.length };
}
