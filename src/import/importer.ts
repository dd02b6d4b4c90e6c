import { PassThrough } from 'node:stream';
import { CloudSignError, type CloudSignClient, type CloudSignDocument, type CloudSignFile } from '../cloudsign';
import type { MikroORM } from '../db';
import { importFile, recordFileError, settleKnownFiles } from '../ledger';
import type { FileStorage } from '../storage';
import { contractFieldsOf } from './mapping';
import { forEachConcurrently } from './pool';

export interface ImportServices {
  orm: MikroORM;
  cloudsign: CloudSignClient;
  storage: FileStorage;
}

export interface ImportDocumentsInput {
  connectionId: string;
  runId: string;
  clientId: string;
  documents: readonly CloudSignDocument[];
  /** Documents handled at once. */
  concurrency: number;
  /** Called after each document with how many are done, e.g. to heartbeat. */
  onProgress?: (documentsDone: number) => void;
}

export interface ImportCounts {
  documents: number;
  /** Files handled: imported, skipped (in the ledger already, or discarded) or failed. */
  files: number;
  imported: number;
  failed: number;
}

/** A file CloudSign cannot serve (gone, not a PDF): recorded as a failed file, and the rest goes on. */
const isFileProblem = (error: unknown) =>
  error instanceof CloudSignError && (error.code === 'not_found' || error.code === 'unexpected_response');

/**
 * Saves every file of `documents` that is not in the ledger yet: its 書類情報 is read once per document,
 * each PDF is streamed into storage, then the ledger saves the contract with its import record and its
 * unit of quota in one transaction. Run again over the same documents, it downloads and saves nothing
 * twice. Refusals, spent quota and transient failures propagate for the caller's retry policy.
 */
export async function importDocuments(services: ImportServices, input: ImportDocumentsInput): Promise<ImportCounts> {
  const { orm, cloudsign, storage } = services;
  const { connectionId, runId, clientId } = input;
  const counts: ImportCounts = { documents: 0, files: 0, imported: 0, failed: 0 };

  const download = async (documentId: string, file: CloudSignFile) => {
    const pipe = new PassThrough();
    const stored = storage.put(pipe);
    try {
      await cloudsign.downloadFileTo(clientId, documentId, file.id, pipe);
    } catch (error) {
      pipe.destroy(error as Error);
      await stored.catch(() => undefined);
      throw error;
    }
    return stored;
  };

  await forEachConcurrently(input.documents, input.concurrency, async (document) => {
    const known = await settleKnownFiles(orm.em.fork(), {
      connectionId,
      runId,
      files: document.files.map((file) => ({ documentId: document.id, fileId: file.id })),
    });
    const todo = document.files.filter((file) => !known.has(file.id));
    counts.files += document.files.length - todo.length;
    if (todo.length) {
      const attribute = await cloudsign.getDocumentAttribute(clientId, document.id);
      for (const file of todo) {
        try {
          const stored = await download(document.id, file);
          const result = await importFile(orm.em.fork(), {
            connectionId,
            runId,
            documentId: document.id,
            fileId: file.id,
            fields: { ...contractFieldsOf(document, attribute, file) },
            file: stored,
          });
          if (result.outcome === 'imported') counts.imported++;
        } catch (error) {
          if (!isFileProblem(error)) throw error;
          await recordFileError(orm.em.fork(), { connectionId, runId, documentId: document.id, fileId: file.id, message: (error as Error).message });
          counts.failed++;
        }
        counts.files++;
      }
    }
    counts.documents++;
    input.onProgress?.(counts.documents);
  });
  return counts;
}
