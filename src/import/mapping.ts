import type { CloudSignDocument, CloudSignDocumentAttribute, CloudSignFile } from '../cloudsign';
import type { ContractFieldValues } from '../ledger';

/**
 * The ledger fields of one PDF file of a concluded document (PRODUCT.md, "What is imported"): the
 * document's title, its 書類情報 (document information) and the file's name. Every file of a document
 * carries the document's values; only the file name differs. Null where CloudSign has no value.
 */
export function contractFieldsOf(
  document: CloudSignDocument,
  attribute: CloudSignDocumentAttribute | null,
  file: CloudSignFile,
): ContractFieldValues {
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
