import type { CloudSignClient, CloudSignDocument, CloudSignUser, ListingScope } from '../cloudsign';
import type { SyncWindow } from '../temporal/messages';


/**
 * What a connection imports is what its CloudSign user can see: a user with 書類管理権限 (document
 * management right) sees the whole team's documents, anyone else what they sent or received.
 */
export function listingScopeOf(user: CloudSignUser): ListingScope {
  return user.authorities.teamDocumentAdministrator || user.authorities.teamAdministrator ? 'team' : 'user';
}

export interface WindowCount {
  documents: number;
  files: number;
  confidentialDocuments: number;
  earliestConcludedAt: string | null;
  latestConcludedAt: string | null;
}

const listOptions = (window: Partial<SyncWindow>, startPage?: number) => ({
  ...(window.scope ? { scope: window.scope } : {}),
  ...(window.from ? { from: window.from } : {}),
  ...(window.to ? { to: window.to } : {}),
  ...(startPage ? { startPage } : {}),
});

/**
 * Counts what a window holds, in files (the seed's Step 4: one document with three PDFs is three ledger
 * contracts). Costs one list request per 100 documents: the list carries the files.
 */
export async function countWindow(
  cloudsign: CloudSignClient,
  clientId: string,
  window: Partial<SyncWindow>,
  onPage?: (documentsSoFar: number) => void,
): Promise<WindowCount> {
  const count: WindowCount = { documents: 0, files: 0, confidentialDocuments: 0, earliestConcludedAt: null, latestConcludedAt: null };
  for await (const page of cloudsign.listConcludedDocuments(clientId, listOptions(window))) {
    for (const document of page.documents) {
      count.documents++;
      count.files += document.files.length;
      if (document.private) count.confidentialDocuments++;
      const at = document.lastProcessedAt;
      if (at && (!count.earliestConcludedAt || at < count.earliestConcludedAt)) count.earliestConcludedAt = at;
      if (at && (!count.latestConcludedAt || at > count.latestConcludedAt)) count.latestConcludedAt = at;
    }
    onPage?.(count.documents);
  }
  return count;
}

/** One page (1-based, up to 100 documents) of a window, and whether more pages follow. */
export async function listWindowPage(
  cloudsign: CloudSignClient,
  clientId: string,
  window: SyncWindow,
  page: number,
): Promise<{ documents: CloudSignDocument[]; hasMore: boolean }> {
  const pages = cloudsign.listConcludedDocuments(clientId, listOptions(window, page))[Symbol.asyncIterator]();
  try {
    const first = await pages.next();
    if (first.done) return { documents: [], hasMore: false };
    return { documents: first.value.documents, hasMore: first.value.hasMore };
  } finally {
    await pages.return?.();
  }
}
