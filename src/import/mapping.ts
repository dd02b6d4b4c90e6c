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
    title: titleOf(document, attribute),
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

/**
 * The 書類情報's 管理用タイトル when it has one, else the document's title. The 書類情報 is CloudSign's own
 * contract-management record, the one a person edits in 書類管理 to file the contract; the document's title is
 * what the sender gave it for signing (often a template's name) and cannot change after sending. A ledger
 * follows the record made for managing contracts.
 */
function titleOf(document: CloudSignDocument, attribute: CloudSignDocumentAttribute | null): string | null {
  return attribute?.title?.trim() ? attribute.title : document.title;
}
