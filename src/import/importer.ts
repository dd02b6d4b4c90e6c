import { PassThrough, Transform } from 'node:stream';
import { CloudSignForbiddenError, type CloudSignClient, type CloudSignDocument, type CloudSignDocumentAttribute, type CloudSignFile } from '../cloudsign';
import type { MikroORM } from '../db';
import { createReview, importFile, recordFileError, reviewOf, settleKnownFiles, type ContractFieldValues, type ReviewFile, type SaveMode } from '../ledger';
import { noMetrics, type Metrics } from '../metrics';
import type { FileStorage, StoredFile } from '../storage';
import { contractFieldsOf } from './mapping';
import type { ReviewToStart } from '../temporal/messages';
import { forEachConcurrently } from './pool';
import { FileTooLargeError, FORBIDDEN_DOCUMENT, fileProblemOf, type FileProblem } from './problems';

export interface ImportServices {
  orm: MikroORM;
  cloudsign: CloudSignClient;
  storage: FileStorage;
  /** Counts the files saved and the files that failed. */
  metrics?: Pick<Metrics, 'fileImported' | 'fileFailed'>;
  /** Bytes a PDF may have (FILE_SIZE_LIMIT); 0 or absent: no limit. */
  fileSizeLimit?: number;
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
  /** `review`: each new document waits for a reviewer instead of being saved (PRODUCT.md Step 3). Default `direct`. */
  saveMode?: SaveMode;
  /** When the reviews it creates were created (the reminders are timed from it); default now. */
  now?: Date;
}


/**
 * What one call handled, for progress. How each file ended is counted in the ledger's run (imported,
 * duplicate, discarded, sent to review, failed), once per file and run however often a call is retried.
 */
export interface ImportCounts {
  documents: number;
  /** Files handled: imported, sent to review, skipped (in the ledger already, discarded, or waiting in a review) or failed. */
  files: number;
  /** The pending reviews this run created, this call or an earlier attempt of it. */
  reviews: ReviewToStart[];
}


/**
 * Saves every file of `documents` that is not in the ledger yet: its 書類情報 is read once per document,
 * each PDF is streamed into storage, then the ledger saves the contract with its import record and its
 * unit of quota in one transaction. In review mode the document instead becomes one pending review, with
 * its PDFs stored and the contract fields each would get; quota is used only when a reviewer approves.
 * Run again over the same documents, it downloads and saves nothing twice. Refusals, spent quota and
 * transient failures propagate for the caller's retry policy.
 */
export async function importDocuments(services: ImportServices, input: ImportDocumentsInput): Promise<ImportCounts> {
  const page: PageImport = { ...services, input, counts: { documents: 0, files: 0, reviews: [] }, createdAt: input.now ?? new Date() };
  await forEachConcurrently(input.documents, input.concurrency, async (document) => {
    await importDocument(page, document);
    page.counts.documents++;
    input.onProgress?.(page.counts.documents);
  });
  return page.counts;
}

/** One call of importDocuments: its parts, its input, and what it counted so far. */
interface PageImport extends ImportServices {
  input: ImportDocumentsInput;
  counts: ImportCounts;
  createdAt: Date;
  /** Whether the client ID still works, asked once per call when CloudSign first refuses a document. */
  credentialCheck?: Promise<void>;
}

/** The files of a document the ledger has not settled yet (imported, discarded, in a review) go on. */
async function importDocument(page: PageImport, document: CloudSignDocument): Promise<void> {
  const { connectionId, runId, saveMode } = page.input;
  const known = await settleKnownFiles(page.orm.em.fork(), {
    connectionId,
    runId,
    files: document.files.map((file) => ({ documentId: document.id, fileId: file.id })),
  });
  const todo = document.files.filter((file) => !known.has(file.id));
  page.counts.files += document.files.length - todo.length;
  if (todo.length) await (saveMode === 'review' ? sendToReview(page, document, todo) : save(page, document, todo));
}

/** Direct mode: each file becomes a contract at once. */
async function save(page: PageImport, document: CloudSignDocument, files: readonly CloudSignFile[]): Promise<void> {
  const { connectionId, runId } = page.input;
  await eachStored(page, document, files, async (file, stored, fields) => {
    const { outcome } = await importFile(page.orm.em.fork(), { connectionId, runId, documentId: document.id, fileId: file.id, fields: { ...fields }, file: stored });
    if (outcome === 'imported') (page.metrics ?? noMetrics).fileImported();
  });
}

/**
 * Review mode: the document becomes one pending review, once per connection. A review shows the whole
 * document, so one with a file CloudSign cannot serve (or a value the ledger cannot hold) is not sent yet:
 * its files are failed files, as in direct mode, retried by ID at later syncs.
 */
async function sendToReview(page: PageImport, document: CloudSignDocument, files: readonly CloudSignFile[]): Promise<void> {
  const { connectionId, runId } = page.input;
  const existing = await reviewOf(page.orm.em.fork(), { connectionId, documentId: document.id });
  if (existing) {
    page.counts.files += files.length;
    // A retried page finds the reviews its earlier attempt created: their workflows may not have started.
    // A review of an earlier run (incremental windows overlap) has its workflow already.
    if (existing.runId === runId && existing.status === 'pending') page.counts.reviews.push({ reviewId: existing.id, documentId: document.id });
    return;
  }
  const stored: ReviewFile[] = [];
  const complete = await eachStored(page, document, files, async (file, { sha256, size }, fields) => {
    stored.push({ fileId: file.id, name: file.name ?? null, size, sha256, fields: { ...fields } });
  });
  if (!complete) return;
  let review: Awaited<ReturnType<typeof createReview>>['review'];
  try {
    ({ review } = await createReview(page.orm.em.fork(), {
      connectionId,
      runId,
      documentId: document.id,
      title: stored[0]?.fields.title as string | null,
      files: stored,
      createdAt: page.createdAt,
    }));
  } catch (error) {
    // A proposed value the ledger refuses (invalid_value) fails this document's files, not the page.
    const problem = fileProblemOf(error);
    if (!problem) throw error;
    for (const file of files) await recordFailure(page, document, file, problem);
    return;
  }
  if (review.runId === runId && review.status === 'pending') page.counts.reviews.push({ reviewId: review.id, documentId: document.id });
}

/**
 * Reads the 書類情報 once and stores each file; `use` takes the stored file and its contract fields. Whatever
 * is wrong with this document or one of its files alone (FILE_PROBLEMS) is recorded as a failed file with
 * its reason, and the others go on. Returns whether all were stored.
 */
async function eachStored(
  page: PageImport,
  document: CloudSignDocument,
  files: readonly CloudSignFile[],
  use: (file: CloudSignFile, stored: StoredFile, fields: ContractFieldValues) => Promise<void>,
): Promise<boolean> {
  let attribute: CloudSignDocumentAttribute | null;
  try {
    attribute = await page.cloudsign.getDocumentAttribute(page.input.clientId, document.id);
  } catch (error) {
    // Without its 書類情報 no file of the document has its fields: each is a failed file, for the same reason.
    const problem = await problemOf(page, error);
    for (const file of files) await recordFailure(page, document, file, problem);
    page.counts.files += files.length;
    return false;
  }
  let all = true;
  for (const file of files) {
    try {
      await use(file, await download(page, document.id, file), contractFieldsOf(document, attribute, file));
    } catch (error) {
      await recordFailure(page, document, file, await problemOf(page, error));
      all = false;
    }
    page.counts.files++;
  }
  return all;
}

/**
 * What one document's or file's failure is, or the error itself, rethrown, when it concerns more than
 * that: CloudSign's 403 on a document is told apart from a refused credential by asking for the user once.
 */
async function problemOf(page: PageImport, error: unknown): Promise<FileProblem> {
  if (error instanceof CloudSignForbiddenError) {
    // A failing /me is the connection's refusal (disabled user, IP restriction…): it stops the sync.
    page.credentialCheck ??= page.cloudsign.getMe(page.input.clientId).then(() => undefined);
    await page.credentialCheck;
    return FORBIDDEN_DOCUMENT;
  }
  const problem = fileProblemOf(error);
  if (!problem) throw error;
  return problem;
}

/** A failed file, counted once per run, with the document's title so that a person can find it. */
async function recordFailure(page: PageImport, document: CloudSignDocument, file: CloudSignFile, problem: FileProblem): Promise<void> {
  const { connectionId, runId } = page.input;
  await recordFileError(page.orm.em.fork(), {
    connectionId,
    runId,
    documentId: document.id,
    fileId: file.id,
    title: document.title,
    code: problem.code,
    message: problem.message,
    at: page.createdAt,
  });
  (page.metrics ?? noMetrics).fileFailed();
}

/** Streams one PDF from CloudSign into storage; a failed download leaves nothing stored. */
async function download(page: PageImport, documentId: string, file: CloudSignFile): Promise<StoredFile> {
  const pipe = page.fileSizeLimit ? sizeLimited(page.fileSizeLimit) : new PassThrough();
  const stored = page.storage.put(pipe);
  try {
    await page.cloudsign.downloadFileTo(page.input.clientId, documentId, file.id, pipe);
  } catch (error) {
    pipe.destroy(error as Error);
    await stored.catch(() => undefined);
    throw error;
  }
  return stored;
}

/** A pass-through that fails with FileTooLargeError once more than `limit` bytes went through it. */
function sizeLimited(limit: number): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      done(size > limit ? new FileTooLargeError(limit) : null, chunk);
    },
  });
}
