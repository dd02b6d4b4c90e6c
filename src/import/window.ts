import { IMPORTED_STATUS } from '../cloudsign';
import type { CloudSignClient, CloudSignDocument, CloudSignUser, ContractListing, ListingScope } from '../cloudsign';
import type { SyncWindow, WindowListing } from '../temporal/messages';


/**
 * What a connection imports is what its CloudSign user can see: a user with 書類管理権限 (document
 * management right) sees the whole team's documents, anyone else what they sent or received.
 */
export function listingScopeOf(user: CloudSignUser): ListingScope {
  return user.authorities.teamDocumentAdministrator || user.authorities.teamAdministrator ? 'team' : 'user';
}

/**
 * The lists that together hold every contract the user can see, concluded and imported (status 13).
 * Without 書類管理権限: its concluded documents, then 全ての状態 for the imported ones (listed there or not:
 * Uncertain #4; when not, the user cannot see them through the API at all). With it: the team's list, and
 * — unless the user also has 親展書類管理権限 — the user's own lists too, because the team's list leaves out
 * 親展 documents, the user's own included, which its own lists show. A document in two lists is one
 * document: the import records and the count see it once.
 */
export function contractListingsOf(user: CloudSignUser): ContractListing[] {
  if (listingScopeOf(user) === 'user') return ['concluded', 'imported'];
  return user.authorities.privateDocumentAdministrator ? ['team'] : ['team', 'concluded', 'imported'];
}

export interface WindowCount {
  /** Every contract document, imported ones included. */
  documents: number;
  files: number;
  confidentialDocuments: number;
  /** Of `documents`, those brought in with CloudSign's 書類インポート (status 13). */
  importedDocuments: number;
  earliestConcludedAt: string | null;
  latestConcludedAt: string | null;
  /** The pages each list had, for the window (SyncWindow.listings). */
  listings: WindowListing[];
}

/** A window to count: its bounds (none: everything) and its lists. */
export interface WindowToCount {
  from?: string | null;
  to?: string;
  listings: readonly ContractListing[];
}

const listOptions = (window: { from?: string | null; to?: string }, listing: ContractListing, startPage?: number) => ({
  listing,
  ...(window.from ? { from: window.from } : {}),
  ...(window.to ? { to: window.to } : {}),
  ...(startPage ? { startPage } : {}),
});

/**
 * Counts what a window holds, in files (the seed's Step 4: one document with three PDFs is three ledger
 * contracts), each document once however many of its lists show it. Costs one list request per 100
 * documents of each list: the lists carry the files.
 */
export async function countWindow(
  cloudsign: CloudSignClient,
  clientId: string,
  window: WindowToCount,
  onPage?: (documentsSoFar: number) => void,
): Promise<WindowCount> {
  const count: WindowCount = { documents: 0, files: 0, confidentialDocuments: 0, importedDocuments: 0, earliestConcludedAt: null, latestConcludedAt: null, listings: [] };
  const counted = new Set<string>();
  for (const listing of window.listings) {
    let pages = 0;
    for await (const page of cloudsign.listConcludedDocuments(clientId, listOptions(window, listing))) {
      pages++;
      for (const document of page.documents) {
        if (counted.has(document.id)) continue;
        counted.add(document.id);
        countDocument(count, document);
      }
      onPage?.(count.documents);
    }
    count.listings.push({ listing, pages });
  }
  return count;
}

function countDocument(count: WindowCount, document: CloudSignDocument): void {
  count.documents++;
  count.files += document.files.length;
  if (document.private) count.confidentialDocuments++;
  if (document.status === IMPORTED_STATUS) count.importedDocuments++;
  const at = document.lastProcessedAt;
  if (at && (!count.earliestConcludedAt || at < count.earliestConcludedAt)) count.earliestConcludedAt = at;
  if (at && (!count.latestConcludedAt || at > count.latestConcludedAt)) count.latestConcludedAt = at;
}

/**
 * One page (1-based) of a window, and whether more pages follow. The window's page numbers run through its
 * lists in order, each list for the pages it had when counted; a list's last page also reads whatever
 * pages it gained since (a document that became visible meanwhile), so only the last list's end ends the window.
 */
export async function listWindowPage(
  cloudsign: CloudSignClient,
  clientId: string,
  window: SyncWindow,
  page: number,
): Promise<{ documents: CloudSignDocument[]; hasMore: boolean }> {
  // A list that had nothing in the window when counted is not read again: the window's end is fixed, and a
  // document that becomes visible later is the next window's (the overlap) or a reconciliation's to find.
  const listings = window.listings?.filter((l) => l.pages > 0) ?? [{ listing: window.scope === 'team' ? 'team' : 'concluded', pages: Infinity }];
  let local = page;
  for (const [i, { listing, pages }] of listings.entries()) {
    const last = i === listings.length - 1;
    if (!last && local > pages) {
      local -= pages;
      continue;
    }
    const read = await readPages(cloudsign, clientId, window, listing, local, !last && local === pages);
    return { documents: read.documents, hasMore: !last || read.hasMore };
  }
  return { documents: [], hasMore: false };
}

/** Page `page` of one list, or with `toEnd` that page and every one after it. */
async function readPages(
  cloudsign: CloudSignClient,
  clientId: string,
  window: SyncWindow,
  listing: ContractListing,
  page: number,
  toEnd: boolean,
): Promise<{ documents: CloudSignDocument[]; hasMore: boolean }> {
  const documents: CloudSignDocument[] = [];
  const pages = cloudsign.listConcludedDocuments(clientId, listOptions(window, listing, page))[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await pages.next();
      if (next.done) return { documents, hasMore: false };
      documents.push(...next.value.documents);
      if (!toEnd || !next.value.hasMore) return { documents, hasMore: next.value.hasMore };
    }
  } finally {
    await pages.return?.();
  }
}
