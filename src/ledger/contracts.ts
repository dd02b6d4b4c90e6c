import { defineEntity, LockMode, p, type FilterQuery, type InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { ConnectionSchema } from './connections';
import { NotFoundError, ValidationError } from './errors';
import { isUuid, newId } from './ids';
import { findPage, type Page, type PageRequest } from './pagination';
import type { User } from './user';
import { canSee, visibilityOf, visibilityProperties, visibleToFilter, type Visibility } from './visibility';

/** Where a field's value came from. CloudSign and a person beat the ledger's own extraction (OCR). */
export const FIELD_SOURCES = ['cloudsign', 'extraction', 'user'] as const;
export type FieldSource = (typeof FIELD_SOURCES)[number];

/** `YYYY-MM-DD` naming a day of the calendar (not 2024-02-30). */
const isoDate = z.string().refine((v) => {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T00:00:00Z`) : null;
  return !!day && !Number.isNaN(day.getTime()) && day.toISOString().startsWith(v);
}, 'must be a date YYYY-MM-DD');

/** The ledger fields of a contract (PRODUCT.md "What is imported"), with the values each accepts. */
const fieldValues = {
  title: z.string().trim().min(1).max(1000),
  conclusionDate: isoDate,
  startDate: isoDate,
  endDate: isoDate,
  /** 取引金額, whole yen. */
  amount: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
  autoRenewal: z.boolean(),
  cancellationNoticeDate: isoDate,
  fileName: z.string().trim().min(1).max(1000),
  /** CloudSign's 管理番号, the ledger's 稟議番号等. */
  approvalNumber: z.string().trim().min(1).max(200),
  counterparty: z.string().trim().min(1).max(500),
};

export type ContractField = keyof typeof fieldValues;
export const CONTRACT_FIELDS = Object.keys(fieldValues) as ContractField[];

/** Values as stored: null where nobody has given one. */
export type ContractFieldValues = { [K in ContractField]: z.infer<(typeof fieldValues)[K]> | null };

/** Fields given by CloudSign or a person: any subset; null clears a field. */
export const contractFieldsSchema = z
  .object(
    Object.fromEntries(Object.entries(fieldValues).map(([field, schema]) => [field, schema.nullable()])) as {
      [K in ContractField]: z.ZodNullable<(typeof fieldValues)[K]>;
    },
  )
  .partial()
  .strict();
/** Fields found by extraction: any subset, each with a value (finding nothing is not a result). */
export const extractedFieldsSchema = z.object(fieldValues).partial().strict();

/** One contract per CloudSign PDF file, with the provenance of each field and of the file. */
export const ContractSchema = defineEntity({
  name: 'Contract',
  tableName: 'contracts',
  properties: {
    id: p.uuid().primary().onCreate(() => newId()),
    title: p.string().length(1000).nullable(),
    conclusionDate: p.date().nullable(),
    startDate: p.date().nullable(),
    endDate: p.date().nullable(),
    amount: p.bigint('number').nullable(),
    autoRenewal: p.boolean().nullable(),
    cancellationNoticeDate: p.date().nullable(),
    fileName: p.string().length(1000).nullable(),
    approvalNumber: p.string().length(200).nullable(),
    counterparty: p.string().length(500).nullable(),
    /** Per field with a value (or cleared by a user), where it came from. */
    fieldSources: p.json<Partial<Record<ContractField, FieldSource>>>(),
    ...visibilityProperties(),
    /** The PDF, content-addressed in the file storage. */
    fileSha256: p.string().length(64),
    fileSize: p.bigint('number'),
    connection: p.manyToOne(ConnectionSchema).mapToPk().joinColumn('connection_id').index(),
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
  ],
});

export type ContractEntity = InferEntity<typeof ContractSchema>;

export interface Contract {
  id: string;
  fields: { [K in ContractField]: { value: ContractFieldValues[K]; source: FieldSource | null } };
  visibility: Visibility;
  owners: string[];
  /** Where it was imported from. */
  source: { connectionId: string; managementId: string; documentId: string; fileId: string };
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
  const conditions: FilterQuery<ContractEntity>[] = [];
  const visible = await visibleToFilter(em, query.user);
  if (visible) conditions.push(visible as FilterQuery<ContractEntity>);
  if (query.connectionId !== undefined) {
    if (!isUuid(query.connectionId)) return { items: [], nextCursor: null };
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
  const page = await findPage<ContractEntity>(em, ContractSchema, { $and: conditions }, 'createdAt', query);
  return { items: page.items.map(toContract), nextCursor: page.nextCursor };
}

/** Loads a contract for reading or changing it on behalf of `user`, locked for update when asked. */
export async function loadVisibleContract(
  em: EntityManager,
  input: { contractId: string; user?: Pick<User, 'id' | 'role'>; lock?: boolean },
): Promise<ContractEntity> {
  const entity = isUuid(input.contractId)
    ? await em.findOne(ContractSchema, { id: input.contractId }, input.lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {})
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

export function toContract(entity: ContractEntity): Contract {
  const fields = Object.fromEntries(
    CONTRACT_FIELDS.map((field) => [field, { value: entity[field] ?? null, source: entity.fieldSources[field] ?? null }]),
  ) as Contract['fields'];
  return {
    id: entity.id,
    fields,
    ...visibilityOf(entity),
    source: { connectionId: entity.connection, managementId: entity.managementId, documentId: entity.documentId, fileId: entity.fileId },
    file: { sha256: entity.fileSha256, size: entity.fileSize },
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
  };
}

function parseDate(value: string, field: string): string {
  if (!isoDate.safeParse(value).success) throw new ValidationError('invalid_date', `${field} must be a date YYYY-MM-DD.`, { field });
  return value;
}
