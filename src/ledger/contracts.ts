import { defineEntity, LockMode, p, type FilterQuery, type InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { z } from 'zod';
import { ConnectionEntity } from './connections';
import {
  CONTRACT_FIELDS,
  contractFieldProperties,
  isIsoDate,
  type contractFieldsSchema,
  type ContractField,
  type ContractFieldValues,
  type extractedFieldsSchema,
  type FieldSource,
} from './contract-fields';
import { NotFoundError, ValidationError } from './errors';
import { isUuid, newId } from './ids';
import { emptyPage, findPage, type Page, type PageRequest } from './pagination';
import type { User } from './user';
import { canSee, visibilityOf, visibilityProperties, visibleToFilter, type Visibility } from './visibility';

/** One contract per CloudSign PDF file, with the provenance of each field and of the file. */
export const ContractEntity = defineEntity({
  name: 'Contract',
  tableName: 'contracts',
  properties: {
    id: p.uuid().primary().onCreate(() => newId()),
    ...contractFieldProperties(),
    /** Per field with a value (or cleared by a user), where it came from. */
    fieldSources: p.json<Partial<Record<ContractField, FieldSource>>>(),
    ...visibilityProperties(),
    /** The PDF, content-addressed in the file storage. */
    fileSha256: p.string().length(64),
    fileSize: p.bigint('number'),
    connection: p.manyToOne(ConnectionEntity).mapToPk().joinColumn('connection_id').index(),
    managementId: p.string().length(16),
    documentId: p.string().length(100),
    fileId: p.string().length(100),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
  indexes: [
    { name: 'contracts_created_at_id_index', properties: ['createdAt', 'id'] },
    { name: 'contracts_conclusion_date_index', properties: ['conclusionDate'] },
    { name: 'contracts_owner_ids_index', properties: ['ownerIds'], type: 'gin' },
    { name: 'contracts_visibility_group_ids_index', properties: ['visibilityGroupIds'], type: 'gin' },
    // Whether any contract uses a stored PDF (releaseReviewFiles in reviews.ts).
    { name: 'contracts_file_sha256_index', properties: ['fileSha256'] },
  ],
});

export type ContractRow = InferEntity<typeof ContractEntity>;

export interface Contract {
  id: string;
  fields: { [K in ContractField]: { value: ContractFieldValues[K]; source: FieldSource | null } };
  visibility: Visibility;
  owners: string[];
  /** Where it was imported from: the connection and the CloudSign document and file. */
  origin: { connectionId: string; managementId: string; documentId: string; fileId: string };
  file: { sha256: string; size: number };
  createdAt: Date;
  updatedAt: Date;
}

/** A contract; with `user`, only when that user may see it (otherwise "not found", so that nothing leaks). */
export async function getContract(em: EntityManager, input: { contractId: string; user?: Pick<User, 'id' | 'role'> }): Promise<Contract> {
  return toContract(await loadVisibleContract(em, input));
}

export interface ContractQuery extends PageRequest {
  user: Pick<User, 'id' | 'role'>;
  connectionId?: string;
  /** Part of the title, file name, counterparty or approval number (case-insensitive). */
  q?: string;
  concludedFrom?: string;
  concludedTo?: string;
}

/** The contracts a user may see, newest first, filtered in SQL. */
export async function contractsVisibleTo(em: EntityManager, query: ContractQuery): Promise<Page<Contract>> {
  const conditions: FilterQuery<ContractRow>[] = [];
  const visible = await visibleToFilter(em, query.user);
  if (visible) conditions.push(visible as FilterQuery<ContractRow>);
  if (query.connectionId !== undefined) {
    if (!isUuid(query.connectionId)) return emptyPage(query);
    conditions.push({ connection: query.connectionId });
  }
  const q = query.q?.trim();
  if (q) {
    const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push({
      $or: [{ title: { $ilike: pattern } }, { fileName: { $ilike: pattern } }, { counterparty: { $ilike: pattern } }, { approvalNumber: { $ilike: pattern } }],
    });
  }
  if (query.concludedFrom !== undefined) conditions.push({ conclusionDate: { $gte: parseDate(query.concludedFrom, 'concludedFrom') } });
  if (query.concludedTo !== undefined) conditions.push({ conclusionDate: { $lte: parseDate(query.concludedTo, 'concludedTo') } });
  const page = await findPage<ContractRow>(em, ContractEntity, { $and: conditions }, 'createdAt', query);
  return { items: page.items.map(toContract), nextCursor: page.nextCursor };
}

/** Loads a contract for reading or changing it on behalf of `user`, locked for update when asked. */
export async function loadVisibleContract(
  em: EntityManager,
  input: { contractId: string; user?: Pick<User, 'id' | 'role'>; lock?: boolean },
): Promise<ContractRow> {
  const entity = isUuid(input.contractId)
    ? await em.findOne(ContractEntity, { id: input.contractId }, input.lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {})
    : null;
  if (!entity || (input.user && !(await canSee(em, input.user, visibilityOf(entity))))) throw new NotFoundError('contract', input.contractId);
  return entity;
}

/** Checks field values given to the ledger; the error lists every problem by field. */
export function parseFields<S extends typeof contractFieldsSchema | typeof extractedFieldsSchema>(schema: S, fields: unknown): z.infer<S> {
  const result = schema.safeParse(fields);
  if (!result.success) {
    throw new ValidationError('invalid_fields', 'Some contract fields have values the ledger cannot take.', {
      issues: result.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })),
    });
  }
  return result.data as z.infer<S>;
}

export function toContract(entity: ContractRow): Contract {
  const fields = Object.fromEntries(
    CONTRACT_FIELDS.map((field) => [field, { value: entity[field] ?? null, source: entity.fieldSources[field] ?? null }]),
  ) as Contract['fields'];
  return {
    id: entity.id,
    fields,
    ...visibilityOf(entity),
    origin: { connectionId: entity.connection, managementId: entity.managementId, documentId: entity.documentId, fileId: entity.fileId },
    file: { sha256: entity.fileSha256, size: entity.fileSize },
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
  };
}

function parseDate(value: string, field: string): string {
  if (!isIsoDate(value)) throw new ValidationError('invalid_date', `${field} must be a date YYYY-MM-DD.`, { field });
  return value;
}
