import { defineEntity, p, raw, type InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConnectionEntity, loadConnection } from './connections';
import { NotFoundError } from './errors';
import { isUuid, newId } from './ids';
import { findPage, type Page, type PageRequest } from './pagination';

/**
 * `reconcile`: a list-only sweep of everything the CloudSign user sees, importing what the ledger misses.
 * `hook`: the documents CloudSign's webhook named, imported by ID (src/import/hooked.ts).
 */
export const RUN_KINDS = ['full', 'incremental', 'manual', 'reconcile', 'hook'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

/**
 * How a run ended (API.md "Runs"): `partial` is a run that finished with failed files (each is retried by ID
 * at later syncs, GET /v1/connections/:id/file-errors); `failed` one that was ended while an error held it
 * (its `error` says which); `stopped` one that was ended, without an error, before its window was done.
 */
export const RUN_OUTCOMES = ['running', 'succeeded', 'partial', 'failed', 'stopped'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

export interface RunCounts {
  /** Files in the run's window. */
  listed: number;
  imported: number;
  sentToReview: number;
  /** Files already in the ledger (imported earlier, or by another connection). */
  skippedDuplicate: number;
  /** Files of documents a reviewer discarded. */
  skippedDiscarded: number;
  /** Files that failed in this run (`recordFileError`), each counted once however often it was retried. */
  failed: number;
}

const COUNT_COLUMNS: Record<keyof RunCounts, string> = {
  listed: 'listed',
  imported: 'imported',
  sentToReview: 'sent_to_review',
  skippedDuplicate: 'skipped_duplicate',
  skippedDiscarded: 'skipped_discarded',
  failed: 'failed',
};

/** One sync of a connection: its window of CloudSign `last_processed_at`, its counts and how it ended. */
export const SyncRunEntity = defineEntity({
  name: 'SyncRun',
  tableName: 'sync_runs',
  properties: {
    id: p.uuid().primary().onCreate(() => newId()),
    connection: p.manyToOne(ConnectionEntity).mapToPk().joinColumn('connection_id'),
    /** Chosen by the caller (the workflow), so that a retried start finds the run it created. */
    runKey: p.string().length(200).unique(),
    kind: p.enum([...RUN_KINDS]),
    windowFrom: p.string().length(32).nullable(),
    windowTo: p.string().length(32),
    startedAt: p.datetime(),
    finishedAt: p.datetime().nullable(),
    listed: p.integer().default(0),
    imported: p.integer().default(0),
    sentToReview: p.integer().default(0),
    skippedDuplicate: p.integer().default(0),
    skippedDiscarded: p.integer().default(0),
    failed: p.integer().default(0),
    outcome: p.enum([...RUN_OUTCOMES]),
    error: p.json<{ code: string; message: string }>().nullable(),
  },
  indexes: [{ name: 'sync_runs_connection_started_index', properties: ['connection', 'startedAt', 'id'] }],
});

type SyncRunRow = InferEntity<typeof SyncRunEntity>;

export interface SyncRun {
  id: string;
  connectionId: string;
  runKey: string;
  kind: RunKind;
  window: { from: string | null; to: string };
  startedAt: Date;
  finishedAt: Date | null;
  counts: RunCounts;
  outcome: RunOutcome;
  error: { code: string; message: string } | null;
}

/** Starts a run, or returns the one started with this run key (an activity may be retried). */
export async function startRun(
  em: EntityManager,
  input: { connectionId: string; runKey: string; kind: RunKind; window: { from: string | null; to: string }; listed?: number },
): Promise<SyncRun> {
  await loadConnection(em, input.connectionId);
  await em
    .createQueryBuilder(SyncRunEntity)
    .insert({
      id: newId(),
      connection: input.connectionId,
      runKey: input.runKey,
      kind: input.kind,
      windowFrom: input.window.from,
      windowTo: input.window.to,
      startedAt: new Date(),
      listed: input.listed ?? 0,
      outcome: 'running',
    })
    .onConflict('runKey')
    .ignore()
    .execute();
  return toRun(await em.findOneOrFail(SyncRunEntity, { runKey: input.runKey }, { disableIdentityMap: true }));
}

export interface RunError {
  code: string;
  message: string;
}

/**
 * Ends a run. One that `succeeded` with failed files is recorded as `partial`, with an error that counts them
 * and says where to look, so that its outcome never hides a file that is not in the ledger; a run that
 * succeeded has no error. A `failed` or `stopped` run keeps the error it was waiting on (recordRunError),
 * unless one is given. A run that has ended already keeps its outcome, so a retried call changes nothing;
 * `ended` says whether this call ended it.
 */
export async function finishRun(
  em: EntityManager,
  input: { runId: string; outcome: 'succeeded' | 'failed' | 'stopped'; error?: RunError },
): Promise<SyncRun & { ended: boolean }> {
  if (!isUuid(input.runId)) throw new NotFoundError('run', input.runId);
  // Decided in the statement itself: a file error recorded concurrently cannot slip between check and write.
  const [outcome, error, values] =
    input.outcome === 'succeeded'
      ? [`case when failed > 0 then 'partial' else 'succeeded' end`, `case when failed > 0 then jsonb_build_object('code', 'files_failed', 'message', failed::text || ?::text) end`, [PARTIAL_MESSAGE]]
      : ['?', input.error ? '?::jsonb' : 'error', input.error ? [input.outcome, JSON.stringify(input.error)] : [input.outcome]];
  const ended = await em.execute<{ id: string }[]>(
    `update sync_runs set outcome = ${outcome}, error = ${error}, finished_at = ? where id = ? and outcome = 'running' returning id`,
    [...values, new Date(), input.runId],
  );
  return { ...(await getRun(em, input.runId)), ended: ended.length > 0 };
}

const PARTIAL_MESSAGE =
  ' file(s) of this run could not be imported; they are retried at the next syncs. See GET /v1/connections/:id/file-errors for each reason.';

/** How many files a run looked at, once it knows (a reconciliation, after its listing); a retry writes the same. */
export async function recordRunListed(em: EntityManager, input: { runId: string; listed: number }): Promise<void> {
  if (isUuid(input.runId)) await em.nativeUpdate(SyncRunEntity, { id: input.runId }, { listed: input.listed });
}

/** What a running run waits on (an incident), shown in its `error` until it goes on (`null`) or ends. */
export async function recordRunError(em: EntityManager, input: { runId: string; error: RunError | null }): Promise<void> {
  if (!isUuid(input.runId)) return;
  await em.nativeUpdate(SyncRunEntity, { id: input.runId, outcome: 'running' }, { error: input.error });
}

async function getRun(em: EntityManager, runId: string): Promise<SyncRun> {
  const entity = isUuid(runId) ? await em.findOne(SyncRunEntity, { id: runId }, { disableIdentityMap: true }) : null;
  if (!entity) throw new NotFoundError('run', runId);
  return toRun(entity);
}

/** The runs of a connection, newest first. */
export async function listRuns(em: EntityManager, input: { connectionId: string } & PageRequest): Promise<Page<SyncRun>> {
  await loadConnection(em, input.connectionId);
  const page = await findPage<SyncRunRow>(em, SyncRunEntity, { connection: input.connectionId }, 'startedAt', input);
  return { items: page.items.map(toRun), nextCursor: page.nextCursor };
}

/**
 * Adds to a run's counts, atomically. For the ledger's own rules only: each count is written where its
 * files are decided (`importFile`, `settleKnownFiles`, `createReview`, `recordFileError`), once per file and run.
 */
export async function incrementRunCounts(em: EntityManager, runId: string, counts: Partial<RunCounts>): Promise<void> {
  const changes = Object.fromEntries(
    Object.entries(counts)
      .filter(([, n]) => n)
      .map(([key, n]) => [key, raw(`${COUNT_COLUMNS[key as keyof RunCounts]} + ?`, [n])]),
  );
  if (!Object.keys(changes).length) return;
  const updated = isUuid(runId) ? await em.nativeUpdate(SyncRunEntity, { id: runId }, changes) : 0;
  if (!updated) throw new NotFoundError('run', runId);
}

function toRun(entity: SyncRunRow): SyncRun {
  return {
    id: entity.id,
    connectionId: entity.connection,
    runKey: entity.runKey,
    kind: entity.kind,
    window: { from: entity.windowFrom ?? null, to: entity.windowTo },
    startedAt: entity.startedAt,
    finishedAt: entity.finishedAt ?? null,
    counts: {
      listed: entity.listed,
      imported: entity.imported,
      sentToReview: entity.sentToReview,
      skippedDuplicate: entity.skippedDuplicate,
      skippedDiscarded: entity.skippedDiscarded,
      failed: entity.failed,
    },
    outcome: entity.outcome,
    error: entity.error ?? null,
  };
}
