import type { EntityManager } from '@mikro-orm/postgresql';
import { ConnectionEntity, loadConnection, type Completeness } from './connections';
import type { FileKey } from './known-files';
import { sqlArray } from './sql';

/**
 * Completeness as a figure (API.md `completeness`): what the last reconciliation found, file by file, of
 * everything the connection's CloudSign user can see. Each file is in exactly one state, the first that
 * holds: in the ledger (from any connection), its document discarded, waiting in one of this connection's
 * reviews, failing (dismissed or not: the file errors list shows it), or else missing. After a
 * reconciliation's repair `missing` counts only the files its repair could not import (they are failing then).
 */
export type FileState = 'ledger' | 'discarded' | 'review' | 'failed' | 'missing';

/** Files per statement: a 10,000-file listing is compared in two. */
const CHUNK = 5_000;

/** The state of each of `files` for this connection, in the order given. */
export async function fileStates(em: EntityManager, input: { connectionId: string; files: readonly FileKey[] }): Promise<FileState[]> {
  const states: FileState[] = [];
  for (let i = 0; i < input.files.length; i += CHUNK) {
    const chunk = input.files.slice(i, i + CHUNK);
    const rows = await em.execute<{ state: FileState }[]>(
      `select case
                when exists (select 1 from import_records r where r.document_id = f.document_id and r.file_id = f.file_id) then 'ledger'
                when exists (select 1 from discarded_documents d where d.document_id = f.document_id) then 'discarded'
                when exists (select 1 from reviews v where v.connection_id = ? and v.document_id = f.document_id and v.status = 'pending') then 'review'
                when exists (select 1 from file_errors e where e.connection_id = ? and e.document_id = f.document_id and e.file_id = f.file_id
                             and e.resolved_at is null) then 'failed'
                else 'missing' end as state
         from unnest(?::text[], ?::text[]) with ordinality as f(document_id, file_id, n)
        order by f.n`,
      [input.connectionId, input.connectionId, sqlArray(chunk.map((f) => f.documentId)), sqlArray(chunk.map((f) => f.fileId))],
    );
    states.push(...rows.map((r) => r.state));
  }
  return states;
}

/** The figures of a set of file states. */
export function completenessOf(states: readonly FileState[], checkedAt: Date): Completeness {
  const count = (state: FileState) => states.filter((s) => s === state).length;
  return {
    checkedAt: checkedAt.toISOString(),
    cloudsignFiles: states.length,
    ledgerFiles: count('ledger'),
    inReview: count('review'),
    discarded: count('discarded'),
    failed: count('failed'),
    missing: count('missing'),
  };
}

/** Keeps the last reconciliation's figures on the connection, where GET /v1/connections/:id shows them. */
export async function recordCompleteness(em: EntityManager, input: { connectionId: string; completeness: Completeness }): Promise<void> {
  const updated = await em.nativeUpdate(ConnectionEntity, { id: input.connectionId }, { completeness: input.completeness });
  if (!updated) await loadConnection(em, input.connectionId);
}
