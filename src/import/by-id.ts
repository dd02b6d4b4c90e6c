import type { CloudSignDocument } from '../cloudsign';
import { isDocumentProblem } from '../failures';
import { recordFileError, type DueDocument } from '../ledger';
import { importDocuments, type ImportCounts, type ImportDocumentsInput, type ImportServices } from './importer';
import { forEachConcurrently } from './pool';

export interface ImportByIdInput extends Omit<ImportDocumentsInput, 'documents'> {
  /** The documents by ID, with the files the caller expects of each (recorded as failed if the document cannot be read). */
  documents: readonly DueDocument[];
}

/**
 * Imports documents named by their CloudSign ID, whatever window they fall in: each is read through the API
 * (its detail, with its files), then goes through the same exactly-once path as a listing page
 * (importDocuments: 書類情報, each PDF, the ledger). For a failed file retried at a sync, and for a document
 * a notification names. A document CloudSign cannot serve any more (gone, refused alone) records its files
 * as failed again, with the reason, and the others go on; anything else propagates for the caller's retries.
 */
export async function importDocumentsById(services: ImportServices, input: ImportByIdInput): Promise<ImportCounts> {
  const read: CloudSignDocument[] = [];
  let unreadableFiles = 0;
  await forEachConcurrently(input.documents, input.concurrency, async ({ documentId, fileIds }) => {
    try {
      read.push(await services.cloudsign.getDocument(input.clientId, documentId));
    } catch (error) {
      if (!isDocumentProblem(error)) throw error;
      for (const fileId of fileIds) {
        await recordFileError(services.orm.em.fork(), {
          connectionId: input.connectionId,
          runId: input.runId,
          documentId,
          fileId,
          message: (error as Error).message,
          ...(input.now && { at: input.now }),
        });
      }
      unreadableFiles += fileIds.length;
    }
  });
  const counts = await importDocuments(services, { ...input, documents: read });
  return { ...counts, documents: input.documents.length, files: counts.files + unreadableFiles };
}
