import type { ContractField } from '../../src/ledger/contract-fields';

/** A contract's fields by name — one list for the contract and review pages — as CloudSign's screens and the ledger's users call them. */
export const FIELD_NAMES: Record<'ja' | 'en', Record<ContractField, string>> = {
  ja: {
    title: '契約書名',
    conclusionDate: '締結日',
    startDate: '契約開始日',
    endDate: '契約終了日',
    amount: '取引金額',
    autoRenewal: '自動更新',
    cancellationNoticeDate: '解約通知期限',
    fileName: 'ファイル名',
    approvalNumber: '稟議番号等',
    counterparty: '相手方',
  },
  en: {
    title: 'Title',
    conclusionDate: 'Conclusion date',
    startDate: 'Start date',
    endDate: 'End date',
    amount: 'Amount',
    autoRenewal: 'Automatic renewal',
    cancellationNoticeDate: 'Cancellation notice by',
    fileName: 'File name',
    approvalNumber: 'Approval number',
    counterparty: 'Counterparty',
  },
};
