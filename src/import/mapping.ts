import type { CloudSignDocument, CloudSignDocumentAttribute, CloudSignFile } from '../cloudsign';

/** A contract's fields as CloudSign gives them; null where CloudSign has no value. */
export interface CloudSignContractFields {
  title: string | null;
  conclusionDate: string | null;
  startDate: string | null;
  endDate: string | null;
  amount: number | null;
  autoRenewal: boolean | null;
  cancellationNoticeDate: string | null;
  fileName: string | null;
  approvalNumber: string | null;
  counterparty: string | null;
}

/**
 * The ledger fields of one PDF file of a concluded document (PRODUCT.md, "What is imported"): the
 * document's title, its 書類情報 (document information) and the file's name. Every file of a document
 * carries the document's values; only the file name differs.
 */
export function contractFieldsOf(
  document: CloudSignDocument,
  attribute: CloudSignDocumentAttribute | null,
  file: CloudSignFile,
): CloudSignContractFields {
  return {
    title: document.title ?? attribute?.title ?? null,
    conclusionDate: attribute?.contractAt ?? null,
    startDate: attribute?.validityStartAt ?? null,
    endDate: attribute?.validityEndAt ?? null,
    amount: attribute?.amount ?? null,
    autoRenewal: attribute?.autoUpdate ?? null,
    cancellationNoticeDate: attribute?.validityEndNoticeAt ?? null,
    fileName: file.name ?? null,
    approvalNumber: attribute?.localId ?? null,
    counterparty: attribute?.counterparty ?? null,
  };
}
