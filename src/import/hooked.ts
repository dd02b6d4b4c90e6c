import { CloudSignForbiddenError, CONCLUDED_STATUS, type CloudSignDocument } from '../cloudsign';
import { isDocumentProblem } from '../failures';
import { documentsSeenBy, type HookImportOutcome } from '../ledger';
import { importDocuments, type ImportCounts, type ImportDocumentsInput, type ImportServices } from './importer';
import { forEachConcurrently } from './pool';

export interface ImportHookedInput extends Omit<ImportDocumentsInput, 'documents' | 'runId'> {
  /** The document IDs the webhook named: hints, read again through the API. */
  documentIds: readonly string[];
  /** Opens the run the imports are counted in: only when there is something to import. */
  openRun(): Promise<string>;
}

/**
 * Imports the documents CloudSign's webhook named, trusting nothing of the hook but the ID. A document the
 * ledger has from this connection or any other (or this connection has in review) costs no request at all;
 * any other is read through the API like a listed one — its detail (the connection's user must see it, else
 * CloudSign answers 404, or 403 while the user itself is fine: `not_visible`, and the connection is not in
 * error for it), and only if it is
 * concluded now (`not_concluded` for a late or forged hook of a cancelled or unfinished one) the same
 * exactly-once path as a listing page (importDocuments: 書類情報, each PDF, the ledger or a review). Anything
 * but a document's own refusal propagates, for the activity's retries.
 */
export async function importHookedDocuments(
  services: ImportServices,
  input: ImportHookedInput,
): Promise<ImportCounts & { outcomes: Map<string, HookImportOutcome>; runId: string | null }> {
  const outcomes = new Map<string, HookImportOutcome>();
  const seen = await documentsSeenBy(services.orm.em.fork(), { connectionId: input.connectionId, documentIds: input.documentIds });
  const read: CloudSignDocument[] = [];
  await forEachConcurrently(
    input.documentIds.filter((id) => !seen.has(id)),
    input.concurrency,
    async (documentId) => {
      try {
        const document = await services.cloudsign.getDocument(input.clientId, documentId);
        if (document.status === CONCLUDED_STATUS) read.push(document);
        else outcomes.set(documentId, 'not_concluded');
      } catch (error) {
        if (!isDocumentProblem(error) && !(await refusedOnlyThis(services, input.clientId, error))) throw error;
        outcomes.set(documentId, 'not_visible');
      }
    },
  );
  for (const id of seen) outcomes.set(id, 'in_ledger');
  if (!read.length) return { documents: 0, files: 0, reviews: [], outcomes, runId: null };
  const runId = await input.openRun();
  const counts = await importDocuments(services, { ...input, runId, documents: read });
  for (const document of read) outcomes.set(document.id, 'imported');
  return { ...counts, outcomes, runId };
}

/**
 * Whether CloudSign's 403 for a document means only that the user may not see it: a 403 is also what a
 * disabled user or an IP restriction gets, so the user is asked for (one request). A hook names documents of
 * the whole team, many of which a user without 書類管理権限 cannot see — that must not become an incident;
 * a user who is refused everything is left to the connection's next sync to report.
 */
async function refusedOnlyThis(services: ImportServices, clientId: string, error: unknown): Promise<boolean> {
  if (!(error instanceof CloudSignForbiddenError)) return false;
  try {
    await services.cloudsign.getMe(clientId);
    return true;
  } catch {
    return false;
  }
}
