import type { CloudSignClient, CloudSignDocument, ContractListing } from '../cloudsign';
import { completenessOf, fileStates, recordCompleteness, type Completeness, type FileKey, type FileState } from '../ledger';
import { importDocuments, type ImportCounts, type ImportDocumentsInput, type ImportServices } from './importer';

/**
 * Reconciliation (issue 9): everything the connection's CloudSign user can see, listed only, compared file by
 * file with the ledger (completeness.ts), and what is missing imported through the same exactly-once path as
 * a sync's page. With nothing missing it costs list requests alone: one per 100 documents, as the listing
 * carries the files.
 */

/** Sweeps of the listing at most, when each shifted under it. */
const MAX_SWEEPS = 3;

/**
 * The listing pages by offset (100 a page) in an order CloudSign does not document, so it can shift between
 * two pages: a document that leaves it (deleted, its access revoked) moves every later one up, and the first
 * of the next page is then never served. A document that joins moves later ones down instead, which repeats
 * one (harmless: the client drops what it served already). So a sweep is trusted only when it saw no
 * shift: every page reported the same `total`, which a leaving document lowers, and — where the listing
 * holds concluded documents only (`user` scope) — the sweep served that many documents, which a leave and a
 * join between the same two pages (same total, one skipped) would not. A sweep that shifted is repeated,
 * adding what it finds to what the earlier ones found, until one is steady: a document visible all along is
 * then in the union. The common case costs one sweep.
 */
export async function sweepListing(
  cloudsign: CloudSignClient,
  clientId: string,
  listings: readonly ContractListing[],
  to: string,
  onPage?: () => void,
): Promise<{ documents: CloudSignDocument[]; sweeps: number }> {
  // Each list the user's contracts are in (src/import/window.ts contractListingsOf), each swept until steady;
  // a document in two lists is one document.
  const found = new Map<string, CloudSignDocument>();
  let sweeps = 0;
  for (const listing of listings) sweeps += await sweepOne(cloudsign, clientId, listing, to, found, onPage);
  return { documents: [...found.values()], sweeps };
}

async function sweepOne(
  cloudsign: CloudSignClient,
  clientId: string,
  listing: ContractListing,
  to: string,
  found: Map<string, CloudSignDocument>,
  onPage?: () => void,
): Promise<number> {
  for (let sweeps = 1; ; sweeps++) {
    const totals = new Set<number | null>();
    const before = found.size;
    let served = 0;
    for await (const page of cloudsign.listConcludedDocuments(clientId, { listing, to })) {
      totals.add(page.total);
      served += page.documents.length;
      for (const document of page.documents) found.set(document.id, document);
      onPage?.();
    }
    const [total] = totals;
    // Only the concluded list holds nothing but what is kept: in the others (the team's, all states) the
    // total counts documents of other states too, so only its constancy tells.
    const whole = listing !== 'concluded' || total === undefined || served === total;
    // A listing that gives no total is trusted when a second sweep finds nothing the first did not.
    const steady = total === null ? sweeps > 1 && found.size === before : totals.size <= 1 && whole;
    if (steady || sweeps >= MAX_SWEEPS) return sweeps;
  }
}

export interface ReconcileInput extends Omit<ImportDocumentsInput, 'documents'> {
  /** The lists that hold the user's contracts (contractListingsOf). */
  listings: readonly ContractListing[];
  /** The end of what is compared: documents whose last party agreed by then (the run's window). */
  to: string;
  onPage?: () => void;
}

export interface ReconcileResult {
  /** Before the repair: what was missing. */
  missingBefore: number;
  /** After it, as recorded on the connection. */
  completeness: Completeness;
  imported: ImportCounts;
  sweeps: number;
}

/** Lists, compares, imports what is missing, and records the connection's completeness after the repair. */
export async function reconcileConnection(services: ImportServices, input: ReconcileInput): Promise<ReconcileResult> {
  const { documents, sweeps } = await sweepListing(services.cloudsign, input.clientId, input.listings, input.to, input.onPage);
  const files: FileKey[] = documents.flatMap((d) => d.files.map((f) => ({ documentId: d.id, fileId: f.id })));
  const states = await fileStates(services.orm.em.fork(), { connectionId: input.connectionId, files });
  const missing = new Set(files.filter((_, i) => states[i] === 'missing').map((f) => f.documentId));
  const imported = await importDocuments(services, { ...input, documents: documents.filter((d) => missing.has(d.id)) });
  const after = await statesAfterRepair(services, input.connectionId, files, states);
  const completeness = completenessOf(after, input.now ?? new Date());
  await recordCompleteness(services.orm.em.fork(), { connectionId: input.connectionId, completeness });
  return { missingBefore: states.filter((s) => s === 'missing').length, completeness, imported, sweeps };
}

/** The states once the missing files were imported: only those are looked at again. */
async function statesAfterRepair(services: ImportServices, connectionId: string, files: FileKey[], states: FileState[]): Promise<FileState[]> {
  const repaired = files.filter((_, i) => states[i] === 'missing');
  if (!repaired.length) return states;
  const now = await fileStates(services.orm.em.fork(), { connectionId, files: repaired });
  let next = 0;
  return states.map((state) => (state === 'missing' ? now[next++]! : state));
}
