import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, SYSTEM_ACTOR, type AuditActor } from './audit';
import { ConnectionEntity, loadConnection } from './connections';
import { isUuid, newId } from './ids';
import { findPage, type Page, type PageRequest } from './pagination';
import { incrementRunCounts, SyncRunEntity } from './runs';

/**
 * A CloudSign file a connection could not import (download failed, CloudSign refused it…). The row stays,
 * with its attempts, until the file is in the ledger, so "per-file errors, recorded and retried" is visible.
 * Each sync retries the files that are due by their document's ID (src/import/by-id.ts), whatever window
 * the sync lists, with growing waits between attempts, until one succeeds or an admin dismisses the row.
 */
export const FileErrorEntity = defineEntity({
  name: 'FileError',
  tableName: 'file_errors',
  properties: {
    id: p.uuid().primary().onCreate(() => newId()),
    connection: p.manyToOne(ConnectionEntity).mapToPk().joinColumn('connection_id'),
    /** The last run that tried. */
    run: p.manyToOne(SyncRunEntity).mapToPk().joinColumn('run_id').nullable().deleteRule('set null'),
    documentId: p.string().length(100),
    fileId: p.string().length(100),
    /** The document's title when it failed, so a person can tell which contract it is without CloudSign. */
    title: p.text().nullable(),
    /** What kind of problem (FILE_PROBLEMS in src/import/problems.ts: `forbidden`, `not_pdf`, `too_large`, …). */
    code: p.string().length(100).nullable(),
    message: p.text(),
    attempts: p.integer(),
    firstFailedAt: p.datetime(),
    lastFailedAt: p.datetime(),
    /** The run in which it began failing (again, after a success): the run whose digest mail names it. */
    firstRunId: p.uuid().nullable(),
    /** When a sync tries it again by ID; the wait grows with each failed attempt (retryWaitMs). */
    nextAttemptAt: p.datetime().nullable(),
    /** An admin gave up on it: never retried again (unless asked to), not counted as still failing. */
    dismissedAt: p.datetime().nullable(),
    resolvedAt: p.datetime().nullable(),
  },
  uniques: [{ name: 'file_errors_connection_file_unique', properties: ['connection', 'documentId', 'fileId'] }],
  indexes: [{ name: 'file_errors_file_index', properties: ['documentId', 'fileId'] }],
});

type FileErrorRow = InferEntity<typeof FileErrorEntity>;

export interface FileError {
  id: string;
  connectionId: string;
  runId: string | null;
  documentId: string;
  fileId: string;
  title: string | null;
  code: string | null;
  message: string;
  attempts: number;
  firstFailedAt: Date;
  lastFailedAt: Date;
  nextAttemptAt: Date | null;
  dismissedAt: Date | null;
  resolvedAt: Date | null;
}

export interface FileErrorReport {
  connectionId: string;
  /** The run that tried. */
  runId?: string;
  documentId: string;
  fileId: string;
  title?: string | null;
  code?: string;
  /** Why, in a sentence a person can act on. */
  message: string;
  /** When it failed, on Temporal's clock (which the syncs that retry it run on); default now. */
  at?: Date;
}

/** The wait before the next attempt after `attempts` failed ones: 12 hours, doubling, at most a week (dueFileErrors has it in SQL too). */
export function retryWaitMs(attempts: number): number {
  return Math.min(12 * 3_600_000 * 2 ** Math.max(0, Math.min(attempts, 20) - 1), 7 * 24 * 3_600_000);
}

/**
 * Records a failed attempt at a file; returns how many attempts have failed since it last succeeded. With
 * `runId`, the file counts as failed in that run, once however often the run retries it.
 */
export async function recordFileError(
  em: EntityManager,
  input: FileErrorReport,
): Promise<{ attempts: number }> {
  return em.transactional(async (tx) => {
    // The lock `importFile` takes for this file: the run that tried it last is then read and changed by one
    // caller at a time, so the file is counted once per run.
    await tx.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`import ${input.documentId} ${input.fileId}`]);
    const earlier = await tx.findOne(
      FileErrorEntity,
      { connection: input.connectionId, documentId: input.documentId, fileId: input.fileId },
      { fields: ['run'], disableIdentityMap: true },
    );
    const attempts = await upsertFileError(tx, input);
    if (input.runId && earlier?.run !== input.runId) await incrementRunCounts(tx, input.runId, { failed: 1 });
    return { attempts };
  });
}

async function upsertFileError(
  em: EntityManager,
  input: FileErrorReport,
): Promise<number> {
  const now = input.at ?? new Date();
  // A failure after a success starts counting anew; a dismissal holds while the file keeps failing.
  const [row] = await em.execute<{ attempts: number }[]>(
    `insert into file_errors (id, connection_id, run_id, first_run_id, document_id, file_id, title, code, message, attempts, first_failed_at, last_failed_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
     on conflict (connection_id, document_id, file_id) do update set
       attempts = case when file_errors.resolved_at is null then file_errors.attempts + 1 else 1 end,
       first_failed_at = case when file_errors.resolved_at is null then file_errors.first_failed_at else excluded.first_failed_at end,
       first_run_id = case when file_errors.resolved_at is null then file_errors.first_run_id else excluded.first_run_id end,
       dismissed_at = case when file_errors.resolved_at is null then file_errors.dismissed_at end,
       run_id = excluded.run_id, code = excluded.code, message = excluded.message, title = coalesce(excluded.title, file_errors.title),
       last_failed_at = excluded.last_failed_at, resolved_at = null
     returning attempts`,
    [
      newId(),
      input.connectionId,
      input.runId ?? null,
      input.runId ?? null,
      input.documentId,
      input.fileId,
      input.title ?? null,
      input.code ?? null,
      input.message,
      now,
      now,
    ],
  );
  const attempts = row!.attempts;
  await em.execute(`update file_errors set next_attempt_at = ? where connection_id = ? and document_id = ? and file_id = ?`, [
    new Date(now.getTime() + retryWaitMs(attempts)),
    input.connectionId,
    input.documentId,
    input.fileId,
  ]);
  return attempts;
}

/** The file is in the ledger (or decided otherwise): its errors, from any connection, are over. */
export async function resolveFileErrors(em: EntityManager, input: { documentId: string; fileId: string }): Promise<void> {
  await em.nativeUpdate(FileErrorEntity, { documentId: input.documentId, fileId: input.fileId, resolvedAt: null }, { resolvedAt: new Date() });
}

/** A connection's file errors, most recent first; only those still failing (dismissed too) unless `includeResolved`. */
export async function listFileErrors(
  em: EntityManager,
  input: { connectionId: string; includeResolved?: boolean } & PageRequest,
): Promise<Page<FileError>> {
  await loadConnection(em, input.connectionId);
  const where = input.includeResolved ? { connection: input.connectionId } : { connection: input.connectionId, resolvedAt: null };
  const page = await findPage<FileErrorRow>(em, FileErrorEntity, where, 'firstFailedAt', input);
  return { items: page.items.map(toFileError), nextCursor: page.nextCursor };
}

function toFileError(e: FileErrorRow): FileError {
  return {
    id: e.id,
    connectionId: e.connection,
    runId: e.run ?? null,
    documentId: e.documentId,
    fileId: e.fileId,
    title: e.title ?? null,
    code: e.code ?? null,
    message: e.message,
    attempts: e.attempts,
    firstFailedAt: e.firstFailedAt,
    lastFailedAt: e.lastFailedAt,
    nextAttemptAt: e.nextAttemptAt ?? null,
    dismissedAt: e.dismissedAt ?? null,
    resolvedAt: e.resolvedAt ?? null,
  };
}

/** A document whose failed files are due for another attempt, by ID. */
export interface DueDocument {
  documentId: string;
  fileIds: string[];
}

/**
 * Claims the documents of a connection with files due for another attempt at `now` (Temporal's clock),
 * oldest first, at most `limit` documents: their next attempt moves on by the growing wait at once, so a
 * retry that neither imports nor fails them (a review created) is not picked again in the same sync. Files
 * settled meanwhile (imported by another connection, discarded, waiting in a review) are resolved first.
 */
export async function dueFileErrors(em: EntityManager, input: { connectionId: string; now: Date; limit: number }): Promise<DueDocument[]> {
  const { connectionId, now } = input;
  await em.execute(
    `update file_errors e set resolved_at = ? where e.connection_id = ? and e.resolved_at is null and (
       exists (select 1 from import_records r where r.document_id = e.document_id and r.file_id = e.file_id)
       or exists (select 1 from discarded_documents d where d.document_id = e.document_id)
       or exists (select 1 from reviews v where v.connection_id = e.connection_id and v.document_id = e.document_id and v.status = 'pending'))`,
    [now, connectionId],
  );
  const rows = await em.execute<{ document_id: string; file_id: string }[]>(
    `update file_errors set next_attempt_at = ?::timestamptz + least(interval '12 hours' * power(2, least(attempts, 20) - 1), interval '7 days')
      where connection_id = ? and resolved_at is null and dismissed_at is null and next_attempt_at <= ? and document_id in (
        select document_id from file_errors
         where connection_id = ? and resolved_at is null and dismissed_at is null and next_attempt_at <= ?
         group by document_id order by min(next_attempt_at), document_id limit ?)
      returning document_id, file_id`,
    [now, connectionId, now, connectionId, now, input.limit],
  );
  const byDocument = new Map<string, string[]>();
  for (const row of rows) byDocument.set(row.document_id, [...(byDocument.get(row.document_id) ?? []), row.file_id]);
  return [...byDocument].map(([documentId, fileIds]) => ({ documentId, fileIds }));
}

/** Which of a connection's unresolved file errors `ids` names, all of them when absent. */
function chosen(input: { connectionId: string; ids?: readonly string[] }) {
  const ids = input.ids?.filter(isUuid);
  return { connection: input.connectionId, resolvedAt: null, ...(input.ids && { id: { $in: ids ?? [] } }) };
}

/**
 * An admin asks for another attempt now: the files (all, or those of `ids`) are due at the next sync,
 * dismissed ones too. Returns how many will be retried.
 */
export async function requestFileRetry(em: EntityManager, input: { connectionId: string; ids?: readonly string[]; actor?: AuditActor }): Promise<number> {
  await loadConnection(em, input.connectionId);
  return em.transactional(async (tx) => {
    const retrying = await tx.nativeUpdate(FileErrorEntity, chosen(input), { nextAttemptAt: new Date(0), dismissedAt: null });
    if (retrying) auditFileErrors(tx, input, 'file_retry_requested', retrying);
    return retrying;
  });
}

/** An admin gives up on files (those of `ids`): never retried, not counted as failing. Returns how many. */
export async function dismissFileErrors(em: EntityManager, input: { connectionId: string; ids: readonly string[]; actor?: AuditActor }): Promise<number> {
  await loadConnection(em, input.connectionId);
  return em.transactional(async (tx) => {
    const dismissed = await tx.nativeUpdate(FileErrorEntity, { ...chosen(input), dismissedAt: null }, { dismissedAt: new Date() });
    if (dismissed) auditFileErrors(tx, input, 'files_dismissed', dismissed);
    return dismissed;
  });
}

/** An admin's retry or dismissal is a change of the connection: the trail names the file errors. */
function auditFileErrors(em: EntityManager, input: { connectionId: string; ids?: readonly string[]; actor?: AuditActor }, action: string, count: number): void {
  recordAudit(em, {
    actor: input.actor ?? SYSTEM_ACTOR,
    subject: { kind: 'connection', id: input.connectionId },
    action,
    changes: {},
    details: { fileErrors: input.ids ?? 'all', count },
  });
}

/** The files that first failed in this run (not those that failed before and again): the run's digest mail. */
export async function newFailuresOfRun(em: EntityManager, input: { runId: string }): Promise<FileError[]> {
  if (!isUuid(input.runId)) return [];
  const rows = await em.find(
    FileErrorEntity,
    { firstRunId: input.runId, resolvedAt: null, dismissedAt: null },
    { orderBy: { documentId: 'asc', fileId: 'asc' }, disableIdentityMap: true },
  );
  return rows.map(toFileError);
}
