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
  advice: Advice[];
}

/**
 * What the admin should know before connecting (PRODUCT.md: the recommended dedicated user, 親展), as facts
 * each reader words in its language: the API in English (adviceText), the console in Japanese or English.
 */
export type Advice =
  | { code: 'dedicated_user' }
  | { code: 'confidential'; documents: number }
  | { code: 'own_documents_only' }
  | { code: 'whole_team' };

/** The API's wording of an advice. */
export function adviceText(advice: Advice): string {
  switch (advice.code) {
    case 'dedicated_user':
      return (
        'Use a dedicated, non-personal CloudSign user with document-management rights: a personal user brings its ' +
        'confidential (親展) documents into the ledger, and deleting it (a transfer, a resignation) stops the sync.'
      );
    case 'confidential':
      return `${advice.documents} of the documents are confidential (親展); they will be imported with the connection's visibility.`;
    case 'own_documents_only':
      return 'This CloudSign user has no document-management right (書類管理権限): only the documents it sent or received are imported.';
    case 'whole_team':
      return 'This CloudSign user has the document-management right (書類管理権限): every document of the team is imported.';
  }
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

/** The advice for this CloudSign user and what it can see. */
function adviceFor(access: CloudSignAccess, confidential: number): Advice[] {
  return [
    { code: 'dedicated_user' },
    ...(confidential > 0 ? [{ code: 'confidential' as const, documents: confidential }] : []),
    { code: listingScopeOf(access.user) === 'user' ? 'own_documents_only' : 'whole_team' },
  ];
}
