import { Readable } from 'node:stream';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  CONTRACT_FIELDS,
  FIELD_SOURCES,
  applyExtraction,
  contractFieldsSchema,
  contractsVisibleTo,
  editContract,
  extractedFieldsSchema,
  getContract,
  historyOf,
  ISO_DATE_MESSAGE,
  isIsoDate,
  mapContractFields,
  type Contract,
  type ContractField,
  type ContractFieldKind,
  type CONTRACT_FIELD_DEFINITIONS,
  type User,
} from '../src/ledger';
import type { FileStorage } from '../src/storage';
import type { ApiDeps } from './context';
import { ApiError, ErrorSchema, bodyErrorResponses, errorResponses } from './errors';
import { newRouter } from './router';
import { AuditEventSchema, IdParam, ListQuery, OwnersSchema, VisibilitySchema, pageOf, toAuditEventJson } from './schemas';

/**
 * The ledger's contracts (API.md "Contracts"). Every read goes through the ledger's visibility rule: a
 * contract the caller may not see answers 404, exactly like one that does not exist.
 */

const DateString = z.string().refine(isIsoDate, ISO_DATE_MESSAGE).openapi({ format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$', example: '2025-04-01' });

const Source = z.enum(FIELD_SOURCES).nullable().openapi({
  description: 'Where the value came from; null when nobody has given one. Values from CloudSign or a user are never overwritten by extraction.',
});

/** How the API shows a value of each kind of ledger field (the ledger's own schema also checks lengths). */
const jsonValueOf = {
  text: () => z.string(),
  date: () => z.string().openapi({ format: 'date' }),
  // int64 as decimal digits, as Google's JSON mapping does: JavaScript (the console) reads a JSON number
  // beyond 2^53 rounded, and an amount must come back exactly as CloudSign gave it.
  yen: () => z.string().openapi({ pattern: '^-?\\d{1,19}$', example: '1200000' }),
  flag: () => z.boolean(),
} satisfies Record<ContractFieldKind, () => z.ZodType>;
type JsonValue<K extends ContractField> = ReturnType<(typeof jsonValueOf)[(typeof CONTRACT_FIELD_DEFINITIONS)[K]['kind']]>;

const provenanced = <T extends z.ZodType>(value: T) => z.object({ value: value.nullable(), source: Source });

/** Every ledger field as `{ value, source }`, derived from the ledger's one list of fields. */
const provenancedFields = mapContractFields<{ [K in ContractField]: z.ZodObject<{ value: z.ZodNullable<JsonValue<K>>; source: typeof Source }> }>((_, definition) => {
  const value = jsonValueOf[definition.kind]();
  return provenanced('description' in definition ? value.openapi({ description: definition.description }) : value) as never;
});

const ContractSchema = z
  .object({
    id: z.string(),
    ...provenancedFields,
    visibility: VisibilitySchema,
    owners: OwnersSchema,
    source: z
      .object({ connectionId: z.string(), managementId: z.string(), documentId: z.string(), fileId: z.string() })
      .openapi({ description: 'The connection (and its 管理ID) it was imported by, and its CloudSign document and file.' }),
    file: z.object({ name: z.string(), size: z.number().int(), sha256: z.string() }).openapi({ description: 'The stored PDF.' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Contract', {
    example: {
      id: '0193a5c2-3333-7b8a-9c1d-2e3f4a5b6c7d',
      title: { value: '業務委託契約書（株式会社サンプル）', source: 'cloudsign' },
      conclusionDate: { value: '2025-04-01', source: 'cloudsign' },
      startDate: { value: '2025-04-01', source: 'cloudsign' },
      endDate: { value: '2026-03-31', source: 'cloudsign' },
      amount: { value: 1200000, source: 'cloudsign' },
      autoRenewal: { value: true, source: 'cloudsign' },
      cancellationNoticeDate: { value: '2026-02-28', source: 'extraction' },
      fileName: { value: '業務委託契約書.pdf', source: 'cloudsign' },
      approvalNumber: { value: 'R-2025-0412', source: 'cloudsign' },
      counterparty: { value: '株式会社サンプル', source: 'user' },
      visibility: { scope: 'company' },
      owners: ['0193a5c2-1111-7b8a-9c1d-2e3f4a5b6c7d'],
      source: { connectionId: '0193a5c2-7d4e-7b8a-9c1d-2e3f4a5b6c7d', managementId: 'CS-0001', documentId: 'wf3d9xk2m7q8p1z6r4t5y0u2i3o9a8s7', fileId: 'f7h2k9m3n8p4q1r6s5t0v2w3x9y8z7a6' },
      file: { name: '業務委託契約書.pdf', size: 183422, sha256: '9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a1c3e5b7d9f0a2c4e6b8d1f' },
      createdAt: '2026-10-01T02:31:12.000Z',
      updatedAt: '2026-10-03T07:45:00.000Z',
    },
  });

export const ContractListQuery = ListQuery.extend({
  connectionId: z.string().min(1).max(100).optional().openapi({ description: 'Only contracts imported by this connection.' }),
  q: z.string().max(200).optional().openapi({ description: 'Part of the title, file name, counterparty or approval number.' }),
  concludedFrom: DateString.optional().openapi({ description: 'Conclusion date on or after (YYYY-MM-DD).' }),
  concludedTo: DateString.optional().openapi({ description: 'Conclusion date on or before (YYYY-MM-DD).' }),
});

/** A user's edit: the fields to change (null clears one), at the top level or under `fields`. */
const EditBody = contractFieldsSchema
  .extend({ fields: contractFieldsSchema.optional().openapi({ description: 'The same fields, if you prefer to nest them.' }) })
  .refine((edit) => Object.keys(edit).length > 0, 'give at least one field to change')
  .refine((edit) => edit.fields === undefined || Object.keys(edit).length === 1, {
    message: 'give the fields either at the top level or under `fields`, not both',
    path: ['fields'],
  })
  .openapi('ContractEdit', {
    description: 'The fields to change, at the top level or under `fields` (not both); null clears a field. Each becomes source `user`.',
    minProperties: 1,
    not: { required: ['fields'], minProperties: 2 },
  });

const ExtractionBody = z.object({ fields: extractedFieldsSchema }).strict().openapi('ContractExtraction', {
  description: 'What the ledger\'s data extraction (OCR) found; each field with a value.',
});

const ExtractionResult = z
  .object({
    applied: z.array(z.string()).openapi({ description: 'Fields that took the extracted value (source `extraction`).' }),
    refused: z
      .array(z.object({ field: z.string(), reason: z.enum(['from_cloudsign', 'edited_by_user']), message: z.string() }))
      .openapi({ description: 'Fields kept as they were, and why.' }),
    contract: ContractSchema,
  })
  .openapi('ContractExtractionResult');

const errorContent = { 'application/json': { schema: ErrorSchema } };
const notFound = { 404: { description: 'No contract has this ID that you may see', content: errorContent } };
const refused = { 422: { description: 'A value the ledger cannot take', content: errorContent } };

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Contracts you may see, newest first, filtered by connection, text and conclusion date',
  security: [{ Bearer: [] }],
  request: { query: ContractListQuery },
  responses: {
    200: { description: 'A page of contracts', content: { 'application/json': { schema: pageOf(ContractSchema, 'ContractPage') } } },
    ...errorResponses,
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'One contract: every field with its provenance, visibility, owners, source and file',
  security: [{ Bearer: [] }],
  request: { params: IdParam },
  responses: {
    200: { description: 'The contract', content: { 'application/json': { schema: ContractSchema } } },
    ...notFound,
    ...errorResponses,
  },
});

const editRoute = createRoute({
  method: 'patch',
  path: '/{id}',
  summary: 'Edit fields of a contract (admins and its owners); edited fields get source `user`',
  security: [{ Bearer: [] }],
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: EditBody } } } },
  responses: {
    200: { description: 'The contract as edited', content: { 'application/json': { schema: ContractSchema } } },
    ...notFound,
    ...refused,
    ...errorResponses,
    ...bodyErrorResponses,
  },
});

const extractionRoute = createRoute({
  method: 'post',
  path: '/{id}/extractions',
  summary: 'Apply data-extraction (OCR) results (admins and owners); values from CloudSign or a user are kept',
  security: [{ Bearer: [] }],
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: ExtractionBody } } } },
  responses: {
    200: { description: 'Which fields were applied and which refused, and why', content: { 'application/json': { schema: ExtractionResult } } },
    ...notFound,
    ...refused,
    ...errorResponses,
    ...bodyErrorResponses,
  },
});

const fileRoute = createRoute({
  method: 'get',
  path: '/{id}/file',
  summary: 'The PDF of a contract',
  security: [{ Bearer: [] }],
  request: { params: IdParam },
  responses: {
    200: {
      description: 'The PDF, with its file name in Content-Disposition (RFC 5987, UTF-8)',
      content: { 'application/pdf': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    ...notFound,
    ...errorResponses,
  },
});

const historyRoute = createRoute({
  method: 'get',
  path: '/{id}/history',
  summary: "A contract's history (更新履歴), newest first: its import, extractions and edits, with the fields, who and when",
  security: [{ Bearer: [] }],
  request: { params: IdParam, query: ListQuery },
  responses: {
    200: { description: 'A page of the contract\'s events', content: { 'application/json': { schema: pageOf(AuditEventSchema, 'ContractHistoryPage') } } },
    ...notFound,
    ...errorResponses,
  },
});

export function toContractJson(contract: Contract): z.infer<typeof ContractSchema> {
  return {
    id: contract.id,
    ...(Object.fromEntries(CONTRACT_FIELDS.map((field) => [field, contract.fields[field]])) as Contract['fields']),
    visibility: contract.visibility,
    owners: contract.owners,
    source: contract.origin,
    file: { name: fileNameOf(contract), size: contract.file.size, sha256: contract.file.sha256 },
    createdAt: contract.createdAt.toISOString(),
    updatedAt: contract.updatedAt.toISOString(),
  };
}

/** The name a download is offered under: the contract's file name, else one made of its CloudSign IDs. */
export function fileNameOf(contract: Contract): string {
  return contract.fields.fileName.value ?? `${contract.origin.documentId}-${contract.origin.fileId}.pdf`;
}

/**
 * `attachment` with the name twice: `filename*` in UTF-8 (RFC 5987/6266; the names are mostly Japanese) for
 * every current client, and an ASCII `filename` for the others.
 */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** A stored PDF as a download; one missing from the storage is an operator's problem (500 `file_missing`), logged. */
export async function pdfResponse(
  c: Context,
  storage: FileStorage,
  file: { sha256: string; size: number; name: string; of: { kind: string; id: string } },
) {
  if (!(await storage.exists(file.sha256))) {
    console.error(`${file.of.kind} ${file.of.id}: its PDF ${file.sha256} is missing from the file storage`);
    throw new ApiError(500, 'file_missing', `The PDF of this ${file.of.kind} is missing from the file storage; the error has been logged for an operator.`);
  }
  const body = Readable.toWeb(storage.open(file.sha256)) as ReadableStream<Uint8Array>;
  return c.body(body, 200, {
    'content-type': 'application/pdf',
    'content-length': String(file.size),
    'content-disposition': contentDisposition(file.name),
    'cache-control': 'private, no-store',
  });
}

/**
 * Changing a contract's data is for admins and its owners; someone who may only see it gets 403, someone
 * who may not see it 404 (from the ledger, so that its existence does not leak).
 */
export async function assertMayChange(deps: Pick<ApiDeps, 'orm'>, user: User, contractId: string): Promise<void> {
  const contract = await getContract(deps.orm.em.fork(), { contractId, user });
  if (user.role !== 'admin' && !contract.owners.includes(user.id)) {
    throw new ApiError(403, 'forbidden', 'Only an admin or an owner (社内担当者) of this contract may change it.');
  }
}

export function contractRoutes(deps: ApiDeps) {
  const { orm } = deps;
  return newRouter()
    .openapi(listRoute, async (c) => {
      const { limit, cursor, connectionId, q, concludedFrom, concludedTo } = c.req.valid('query');
      const page = await contractsVisibleTo(orm.em.fork(), { user: c.get('user'), limit, cursor, connectionId, q, concludedFrom, concludedTo });
      return c.json({ items: page.items.map(toContractJson), nextCursor: page.nextCursor }, 200);
    })
    .openapi(getRoute, async (c) => {
      const contract = await getContract(orm.em.fork(), { contractId: c.req.valid('param').id, user: c.get('user') });
      return c.json(toContractJson(contract), 200);
    })
    .openapi(fileRoute, async (c) => {
      const contract = await getContract(orm.em.fork(), { contractId: c.req.valid('param').id, user: c.get('user') });
      return pdfResponse(c, deps.storage, { ...contract.file, name: fileNameOf(contract), of: { kind: 'contract', id: contract.id } });
    })
    .openapi(historyRoute, async (c) => {
      // Whoever may see the contract may see its history; anyone else gets the same 404 as for the contract.
      const contract = await getContract(orm.em.fork(), { contractId: c.req.valid('param').id, user: c.get('user') });
      const page = await historyOf(orm.em.fork(), { kind: 'contract', id: contract.id, ...c.req.valid('query') });
      return c.json({ items: page.items.map(toAuditEventJson), nextCursor: page.nextCursor }, 200);
    })
    .openapi(editRoute, async (c) => {
      const { id } = c.req.valid('param');
      const { fields: nested, ...flat } = c.req.valid('json');
      await assertMayChange(deps, c.get('user'), id);
      const contract = await editContract(orm.em.fork(), { contractId: id, user: c.get('user'), fields: nested ?? flat });
      return c.json(toContractJson(contract), 200);
    })
    .openapi(extractionRoute, async (c) => {
      const { id } = c.req.valid('param');
      await assertMayChange(deps, c.get('user'), id);
      const result = await applyExtraction(orm.em.fork(), { contractId: id, user: c.get('user'), fields: c.req.valid('json').fields });
      return c.json({ applied: result.applied, refused: result.refused, contract: toContractJson(result.contract) }, 200);
    });
}
