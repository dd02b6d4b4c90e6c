import { defineEntity, p } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { changesFromNothing, recordAudit, SYSTEM_ACTOR } from './audit';
import { ConnectionEntity, loadConnection } from './connections';
import { contractFieldsSchema, type ContractField, type FieldSource } from './contract-fields';
import { ContractEntity, parseFields } from './contracts';
import { isDiscarded } from './discards';
import { ConflictError, ValidationError } from './errors';
import { resolveFileErrors } from './file-errors';
import { newId } from './ids';
import { consumeQuota } from './quota';
import { incrementRunCounts, SyncRunEntity, type RunCounts } from './runs';
import { visibilityColumns, visibilityOf, type Visibility } from './visibility';

export const IMPORT_OUTCOMES = ['imported', 'duplicate', 'discarded'] as const;
export type ImportOutcome = (typeof IMPORT_OUTCOMES)[number];

/**
 * Import once per CloudSign file, across all connections: the record outlives its contract (a contract
 * deleted later must not come back with the next sync).
 */
export const ImportRecordEntity = defineEntity({
  name: 'ImportRecord',
  tableName: 'import_records',
  properties: {
    documentId: p.string().length(100).primary(),
    fileId: p.string().length(100).primary(),
    contract: p.manyToOne(ContractEntity).mapToPk().joinColumn('contract_id').nullable().unique().deleteRule('set null'),
    /** The connection that imported it first. */
    connection: p.manyToOne(ConnectionEntity).mapToPk().joinColumn('connection_id').index(),
    importedAt: p.datetime(),
  },
});

/**
 * What each run decided for each file it handled: a retried activity gets the same answer and the run's
 * counts stay exact.
 */
export const RunFileEntity = defineEntity({
  name: 'RunFile',
  tableName: 'run_files',
  properties: {
    run: p.manyToOne(SyncRunEntity).mapToPk().joinColumn('run_id').primary().deleteRule('cascade'),
    documentId: p.string().length(100).primary(),
    fileId: p.string().length(100).primary(),
    outcome: p.enum([...IMPORT_OUTCOMES]),
    contract: p.manyToOne(ContractEntity).mapToPk().joinColumn('contract_id').nullable().deleteRule('set null'),
  },
});

const COUNTED_AS: Record<ImportOutcome, keyof RunCounts> = {
  imported: 'imported',
  duplicate: 'skippedDuplicate',
  discarded: 'skippedDiscarded',
};

export interface ImportFileInput {
  connectionId: string;
  documentId: string;
  fileId: string;
  /** The mapped CloudSign values; null, absent or blank where CloudSign has none. */
  fields: Partial<Record<ContractField, unknown>>;
  /** The PDF, already in the file storage. */
  file: { sha256: string; size: number };
  /** A reviewer's choice; the connection's settings otherwise. */
  visibility?: Visibility;
  owners?: string[];
  /** The run importing it: the outcome is then counted in that run, once. */
  runId?: string;
  /** What the contract's import event says besides (e.g. the review that approved it). */
  auditDetails?: Record<string, unknown>;
}

export interface ImportResult {
  outcome: ImportOutcome;
  /** The contract of this file (made now or earlier); null when discarded, or when that contract was deleted. */
  contractId: string | null;
}

/**
 * Saves one CloudSign file as a contract, in one transaction with its import record and one unit of quota.
 * A file in the ledger already (from any connection) is a `duplicate` and uses no quota; a discarded
 * document's file is `discarded`. Spent quota throws QuotaExhaustedError and writes nothing.
 */
export async function importFile(em: EntityManager, input: ImportFileInput): Promise<ImportResult> {
  const fields = parseFields(contractFieldsSchema, blankToNull(input.fields));
  if (!/^[0-9a-f]{64}$/.test(input.file.sha256) || !Number.isSafeInteger(input.file.size) || input.file.size < 0) {
    throw new ValidationError('invalid_file', 'file needs the lower-case hex SHA-256 of the stored PDF and its size in bytes.');
  }
  const { documentId, fileId, runId } = input;
  return em.transactional(async (tx) => {
    // Imports of the same file wait for each other here, from whichever connection: the check for an existing
    // record and the insert of a new one can then not interleave.
    await tx.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`import ${documentId} ${fileId}`]);
    const connection = await loadConnection(tx, input.connectionId);
    if (connection.status === 'disconnected') {
      throw new ConflictError('connection_disconnected', `Connection ${connection.managementId} is disconnected; it imports nothing more.`);
    }
    if (runId) {
      const earlier = await tx.findOne(RunFileEntity, { run: runId, documentId, fileId });
      if (earlier) return { outcome: earlier.outcome, contractId: earlier.contract ?? null };
    }

    const record = await tx.findOne(ImportRecordEntity, { documentId, fileId });
    let result: ImportResult;
    if (record) {
      result = { outcome: 'duplicate', contractId: record.contract ?? null };
    } else if (await isDiscarded(tx, documentId)) {
      result = { outcome: 'discarded', contractId: null };
    } else {
      const current = visibilityOf(connection);
      // The connection's settings were checked when they were set; a reviewer's choice is checked now.
      const access =
        input.visibility || input.owners
          ? await visibilityColumns(tx, input.visibility ?? current.visibility, input.owners ?? current.owners)
          : { visibilityScope: connection.visibilityScope, visibilityGroupIds: connection.visibilityGroupIds, ownerIds: connection.ownerIds };
      const fieldSources: Partial<Record<ContractField, FieldSource>> = {};
      for (const [field, value] of Object.entries(fields)) if (value !== null) fieldSources[field as ContractField] = 'cloudsign';
      const contract = tx.create(ContractEntity, {
        id: newId(),
        ...fields,
        fieldSources,
        ...access,
        fileSha256: input.file.sha256,
        fileSize: input.file.size,
        connection: connection.id,
        managementId: connection.managementId,
        documentId,
        fileId,
      });
      tx.create(ImportRecordEntity, { documentId, fileId, contract: contract.id, connection: connection.id, importedAt: new Date() });
      // In the same flush as the contract: one more row of the import's batch, no round trip of its own.
      recordAudit(tx, {
        actor: SYSTEM_ACTOR,
        subject: { kind: 'contract', id: contract.id },
        action: 'imported',
        changes: changesFromNothing({ ...fields, ...visibilityOf(access) }),
        details: { connectionId: connection.id, managementId: connection.managementId, documentId, fileId, ...input.auditDetails },
      });
      result = { outcome: 'imported', contractId: contract.id };
    }

    if (runId) {
      tx.create(RunFileEntity, { run: runId, documentId, fileId, outcome: result.outcome, contract: result.contractId });
      await incrementRunCounts(tx, runId, { [COUNTED_AS[result.outcome]]: 1 });
    }
    await resolveFileErrors(tx, { documentId, fileId });
    await tx.flush();
    // Last, so that the quota row (every import's bottleneck) stays locked as briefly as possible.
    if (result.outcome === 'imported') await consumeQuota(tx);
    return result;
  });
}

/** CloudSign sends "no value" as null, an absent key or an empty string; the ledger stores null for all. */
export function blankToNull(fields: Partial<Record<ContractField, unknown>>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).map(([field, value]) => {
      const text = typeof value === 'string' ? value.trim() : value;
      return [field, text === '' || text === undefined ? null : text];
    }),
  );
}
