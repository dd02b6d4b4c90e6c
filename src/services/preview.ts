import type { CloudSignAccess, CloudSignClient } from '../cloudsign';
import type { MikroORM } from '../db';
import { contractListingsOf, countWindow, listingScopeOf } from '../import/window';
import { getQuota } from '../ledger';

/**
 * The preview (Step 4 of connecting): what a client ID's full import would bring, in files, counted on
 * CloudSign and written nowhere. A client ID CloudSign refuses fails with its CloudSignError.
 */

export interface Preview {
  cloudsignUser: { name: string | null; email: string | null };
  /** Concluded and imported documents. */
  documents: number;
  /** Of `documents`, those brought into CloudSign with its 書類インポート (status 13). */
  importedDocuments: number;
  /** One ledger contract each. */
  files: number;
  confidentialDocuments: number;
  earliestConcludedAt: string | null;
  latestConcludedAt: string | null;
  quota: { remaining: number; required: number };
  advice: string[];
}

export async function previewConnection(deps: { orm: MikroORM; cloudsign: CloudSignClient }, clientId: string): Promise<Preview> {
  const access = await deps.cloudsign.checkAccess(clientId);
  const count = await countWindow(deps.cloudsign, clientId, { listings: contractListingsOf(access.user) });
  const quota = await getQuota(deps.orm.em.fork());
  return {
    cloudsignUser: { name: access.user.name ?? null, email: access.user.email ?? null },
    documents: count.documents,
    importedDocuments: count.importedDocuments,
    files: count.files,
    confidentialDocuments: count.confidentialDocuments,
    earliestConcludedAt: count.earliestConcludedAt,
    latestConcludedAt: count.latestConcludedAt,
    quota: { remaining: quota.remaining, required: count.files },
    advice: adviceFor(access, count.confidentialDocuments),
  };
}

/** What the admin should know before connecting (PRODUCT.md: the recommended dedicated user, 親展). */
function adviceFor(access: CloudSignAccess, confidential: number): string[] {
  const advice = [
    'Use a dedicated, non-personal CloudSign user with document-management rights: a personal user brings its ' +
      'confidential (親展) documents into the ledger, and deleting it (a transfer, a resignation) stops the sync.',
  ];
  if (confidential > 0) {
    advice.push(`${confidential} of the documents are confidential (親展); they will be imported with the connection's visibility.`);
  }
  if (listingScopeOf(access.user) === 'user') {
    advice.push('This CloudSign user has no document-management right (書類管理権限): only the documents it sent or received are imported.');
  } else {
    advice.push("This CloudSign user has the document-management right (書類管理権限): every document of the team is imported.");
  }
  return advice;
}
