import type { Service } from '../support/service';

/** One CloudSign file as the simulator's ground truth describes it, with the contract it must become. */
export interface ExpectedContract {
  documentId: string;
  fileId: string;
  sha256: string;
  size: number;
  fields: Record<string, unknown>;
}

export interface TruthDocument {
  id: string;
  status: number;
  private: boolean;
  title: string | null;
  attribute: Record<string, unknown> | null;
  files: { id: string; name: string; size: number; sha256: string }[];
}

const AUTO_UPDATE: Record<number, boolean | null> = { 0: null, 1: true, 2: false };
const orNull = (value: unknown) => (value === undefined || value === '' ? null : value);

/** What the ledger must hold after importing everything `clientId` sees (its own or its team's): one contract per file. */
export async function expectedContracts(service: Pick<Service, 'sim'>, clientId: string, scope: 'user' | 'team' = 'user'): Promise<ExpectedContract[]> {
  return contractsOf(await truthDocuments(service, clientId, scope));
}

/** The simulator's ground truth: every contract document `clientId` can list, imported ones (status 13) included. */
export async function truthDocuments(service: Pick<Service, 'sim'>, clientId: string, scope: 'user' | 'team' = 'user'): Promise<TruthDocument[]> {
  const truth = (await service.sim('GET', `/truth?client_id=${encodeURIComponent(clientId)}&scope=${scope}`)) as { documents: TruthDocument[] };
  return truth.documents;
}

/** The contracts (one per file) that truth documents must become. */
export function contractsOf(documents: readonly TruthDocument[]): ExpectedContract[] {
  return documents.flatMap((document) =>
    document.files.map((file) => {
      const a = document.attribute;
      return {
        documentId: document.id,
        fileId: file.id,
        sha256: file.sha256,
        size: file.size,
        fields: {
          // The 書類情報 title wins (src/import/mapping.ts says why).
          title: orNull(typeof a?.title === 'string' && a.title.trim() ? a.title : document.title),
          conclusionDate: orNull(a?.contract_at),
          startDate: orNull(a?.validity_start_at),
          endDate: orNull(a?.validity_end_at),
          // Digits, as the ledger holds them (the truth's JSON rounds an int64 past 2^53: see the limits test).
          amount: a?.amount === undefined || a.amount === null ? null : String(a.amount),
          autoRenewal: a ? (AUTO_UPDATE[a.auto_update as number] ?? null) : null,
          cancellationNoticeDate: orNull(a?.validity_end_notice_at),
          fileName: file.name,
          approvalNumber: orNull(a?.local_id),
          counterparty: orNull(a?.counterparty),
        },
      };
    }),
  );
}

/** Every contract in the ledger, straight from the database, keyed `documentId/fileId`. */
export async function ledgerContracts(service: Pick<Service, 'orm'>): Promise<Map<string, ExpectedContract & { connectionId: string }>> {
  const rows = await service.orm.em.getConnection().execute<Record<string, unknown>[]>(
    `select document_id, file_id, file_sha256, file_size, connection_id, title, conclusion_date, start_date, end_date, amount,
            auto_renewal, cancellation_notice_date, file_name, approval_number, counterparty from contracts`,
  );
  const day = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : (v ?? null));
  return new Map(
    rows.map((r) => [
      `${r.document_id}/${r.file_id}`,
      {
        documentId: r.document_id as string,
        fileId: r.file_id as string,
        sha256: r.file_sha256 as string,
        size: Number(r.file_size),
        connectionId: r.connection_id as string,
        fields: {
          title: r.title,
          conclusionDate: day(r.conclusion_date),
          startDate: day(r.start_date),
          endDate: day(r.end_date),
          amount: r.amount === null ? null : String(r.amount),
          autoRenewal: r.auto_renewal,
          cancellationNoticeDate: day(r.cancellation_notice_date),
          fileName: r.file_name,
          approvalNumber: r.approval_number,
          counterparty: r.counterparty,
        },
      },
    ]),
  );
}
