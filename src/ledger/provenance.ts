import type { EntityManager } from '@mikro-orm/postgresql';
import { contractFieldsSchema, extractedFieldsSchema, type ContractField, type FieldSource } from './contract-fields';
import { loadVisibleContract, parseFields, toContract, type Contract, type ContractRow } from './contracts';
import type { User } from './user';

/**
 * Provenance rules: every field records where its value came from, and the ledger's own extraction never
 * overwrites a value that came from CloudSign or from a person.
 */

export interface RefusedField {
  field: ContractField;
  reason: 'from_cloudsign' | 'edited_by_user';
  message: string;
}

const PROTECTED: Partial<Record<FieldSource, Pick<RefusedField, 'reason' | 'message'>>> = {
  cloudsign: { reason: 'from_cloudsign', message: 'The value came from CloudSign; extraction does not overwrite it.' },
  user: { reason: 'edited_by_user', message: 'A person set this value; extraction does not overwrite it.' },
};

/** A person's edit: the given fields take the given values (null clears one) with source `user`. */
export async function editContract(
  em: EntityManager,
  input: { contractId: string; user: Pick<User, 'id' | 'role'>; fields: unknown },
): Promise<Contract> {
  const fields = parseFields(contractFieldsSchema, input.fields);
  return em.transactional(async (tx) => {
    const entity = await loadVisibleContract(tx, { contractId: input.contractId, user: input.user, lock: true });
    write(entity, fields, 'user');
    await tx.flush();
    return toContract(entity);
  });
}

/**
 * Results of the ledger's data extraction (OCR). A field whose value came from CloudSign or a person is
 * refused; the others (empty, or from an earlier extraction) take the new value with source `extraction`.
 * With `user`, the contract must be one that user may see.
 */
export async function applyExtraction(
  em: EntityManager,
  input: { contractId: string; fields: unknown; user?: Pick<User, 'id' | 'role'> },
): Promise<{ applied: ContractField[]; refused: RefusedField[]; contract: Contract }> {
  const fields = parseFields(extractedFieldsSchema, input.fields);
  return em.transactional(async (tx) => {
    const entity = await loadVisibleContract(tx, { contractId: input.contractId, user: input.user, lock: true });
    const accepted: Partial<Record<ContractField, unknown>> = {};
    const refused: RefusedField[] = [];
    for (const [field, value] of Object.entries(fields) as [ContractField, unknown][]) {
      const source = entity.fieldSources[field];
      const protection = source && PROTECTED[source];
      if (protection) refused.push({ field, ...protection });
      else accepted[field] = value;
    }
    write(entity, accepted, 'extraction');
    await tx.flush();
    return { applied: Object.keys(accepted) as ContractField[], refused, contract: toContract(entity) };
  });
}

function write(entity: ContractRow, fields: Partial<Record<ContractField, unknown>>, source: FieldSource): void {
  const sources = { ...entity.fieldSources };
  for (const [field, value] of Object.entries(fields) as [ContractField, unknown][]) {
    (entity as Record<ContractField, unknown>)[field] = value;
    sources[field] = source;
  }
  // A new object, so that the change of the JSON column is noticed.
  entity.fieldSources = sources;
}
