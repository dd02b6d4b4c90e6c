import type { EntityManager } from '@mikro-orm/postgresql';
import { contractFieldsSchema, extractedFieldsSchema, type ContractField, type FieldSource } from './contract-fields';
import { actorOf, changesBetween, recordAudit, SYSTEM_ACTOR } from './audit';
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

/** The person acting; without their name it is looked up for the audit trail. */
type Editor = Pick<User, 'id' | 'role'> & { name?: string };

/**
 * A person's edit: the given fields take the given values (null clears one) with source `user`. The fields
 * whose value it changes are recorded in the contract's history, with the person.
 */
export async function editContract(em: EntityManager, input: { contractId: string; user: Editor; fields: unknown }): Promise<Contract> {
  const fields = parseFields(contractFieldsSchema, input.fields);
  return em.transactional(async (tx) => {
    const entity = await loadVisibleContract(tx, { contractId: input.contractId, user: input.user, lock: true });
    const changes = write(entity, fields, 'user');
    if (Object.keys(changes).length) {
      recordAudit(tx, { actor: await actorOf(tx, input.user), subject: { kind: 'contract', id: entity.id }, action: 'edited', changes });
    }
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
  input: { contractId: string; fields: unknown; user?: Editor },
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
    const changes = write(entity, accepted, 'extraction');
    if (Object.keys(changes).length) {
      recordAudit(tx, {
        actor: input.user ? await actorOf(tx, input.user) : SYSTEM_ACTOR,
        subject: { kind: 'contract', id: entity.id },
        action: 'extracted',
        changes,
        ...(refused.length && { details: { refused: refused.map((r) => ({ field: r.field, reason: r.reason })) } }),
      });
    }
    await tx.flush();
    return { applied: Object.keys(accepted) as ContractField[], refused, contract: toContract(entity) };
  });
}

/** Writes the fields with their source; returns how their values changed (the audit trail's changes). */
function write(entity: ContractRow, fields: Partial<Record<ContractField, unknown>>, source: FieldSource) {
  const sources = { ...entity.fieldSources };
  const before: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields) as [ContractField, unknown][]) {
    before[field] = entity[field];
    (entity as Record<ContractField, unknown>)[field] = value;
    sources[field] = source;
  }
  // A new object, so that the change of the JSON column is noticed.
  entity.fieldSources = sources;
  return changesBetween(before, fields);
}
