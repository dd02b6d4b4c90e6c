import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConnectionEntity, loadConnection } from './connections';
import { newId } from './ids';
import { findPage, type Page, type PageRequest } from './pagination';
import { incrementRunCounts, SyncRunEntity } from './runs';

/**
 * A CloudSign file a connection could not import (download failed, CloudSign refused it…). The row stays,
 * with its attempts, until the file is in the ledger, so "per-file errors, recorded and retried" is visible.
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
  const now = new Date();
  const [row] = await em.execute<{ attempts: number }[]>(
    `insert into file_errors (id, connection_id, run_id, document_id, file_id, title, code, message, attempts, first_failed_at, last_failed_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
     on conflict (connection_id, document_id, file_id) do update set
       attempts = case when file_errors.resolved_at is null then file_errors.attempts + 1 else 1 end,
       first_failed_at = case when file_errors.resolved_at is null then file_errors.first_failed_at else excluded.first_failed_at end,
       run_id = excluded.run_id, title = excluded.title, code = excluded.code, message = excluded.message,
       last_failed_at = excluded.last_failed_at, resolved_at = null
     returning attempts`,
    [newId(), input.connectionId, input.runId ?? null, input.documentId, input.fileId, input.title ?? null, input.code ?? null, input.message, now, now],
  );
  return row!.attempts;
}

/** The file is in the ledger (or decided otherwise): its errors, from any connection, are over. */
export async function resolveFileErrors(em: EntityManager, input: { documentId: string; fileId: string }): Promise<void> {
  await em.nativeUpdate(FileErrorEntity, { documentId: input.documentId, fileId: input.fileId, resolvedAt: null }, { resolvedAt: new Date() });
}

/** A connection's file errors, most recent first; only those still failing unless `includeResolved`. */
export async function listFileErrors(
  em: EntityManager,
  input: { connectionId: string; includeResolved?: boolean } & PageRequest,
): Promise<Page<FileError>> {
  await loadConnection(em, input.connectionId);
  const where = input.includeResolved ? { connection: input.connectionId } : { connection: input.connectionId, resolvedAt: null };
  const page = await findPage<FileErrorRow>(em, FileErrorEntity, where, 'firstFailedAt', input);
  return {
    items: page.items.map((e) => ({
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
      resolvedAt: e.resolvedAt ?? null,
    })),
    nextCursor: page.nextCursor,
  };
}
