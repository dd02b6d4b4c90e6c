import type { EntityManager } from '@mikro-orm/postgresql';
import { incrementRunCounts } from './runs';
import { sqlArray } from './sql';

export interface FileKey {
  documentId: string;
  fileId: string;
}

/**
 * Before anything is downloaded: which of these files need no import, because they are in the ledger
 * already (from any connection) or their document was discarded in a review. Each is counted in the run
 * (as a duplicate or a discard) exactly once, however often a retried activity asks. Returns their file IDs.
 */
export async function settleKnownFiles(
  em: EntityManager,
  input: { connectionId: string; runId: string; files: readonly FileKey[] },
): Promise<Set<string>> {
  if (!input.files.length) return new Set();
  return em.transactional(async (tx) => {
    const documentIds = input.files.map((f) => f.documentId);
    const fileIds = input.files.map((f) => f.fileId);
    const settled = await tx.execute<{ document_id: string; file_id: string; outcome: 'duplicate' | 'discarded'; contract_id: string | null }[]>(
      `select f.document_id, f.file_id,
              case when r.document_id is not null then 'duplicate' else 'discarded' end as outcome,
              r.contract_id
         from unnest(?::text[], ?::text[]) as f(document_id, file_id)
         left join import_records r on r.document_id = f.document_id and r.file_id = f.file_id
         left join discarded_documents d on d.document_id = f.document_id
        where r.document_id is not null or d.document_id is not null`,
      [sqlArray(documentIds), sqlArray(fileIds)],
    );
    if (!settled.length) return new Set();
    const inserted = await tx.execute<{ outcome: 'duplicate' | 'discarded' }[]>(
      `insert into run_files (run_id, document_id, file_id, outcome, contract_id)
       select ?, * from unnest(?::text[], ?::text[], ?::text[], ?::uuid[])
       on conflict do nothing
       returning outcome`,
      [
        input.runId,
        sqlArray(settled.map((s) => s.document_id)),
        sqlArray(settled.map((s) => s.file_id)),
        sqlArray(settled.map((s) => s.outcome)),
        sqlArray(settled.map((s) => s.contract_id)),
      ],
    );
    await incrementRunCounts(tx, input.runId, {
      skippedDuplicate: inserted.filter((r) => r.outcome === 'duplicate').length,
      skippedDiscarded: inserted.filter((r) => r.outcome === 'discarded').length,
    });
    return new Set(settled.map((s) => s.file_id));
  });
}
