import { p } from '@mikro-orm/core';
import { z } from 'zod';
import { nonBlankText } from './text';

/**
 * The contract's ledger fields (PRODUCT.md "What is imported"), each written once: the values it accepts,
 * its column and, where the API documents it, its description. The entity's columns, the ledger's
 * validators, the API's schema and serialisation and the import mapping's type are all derived from here,
 * so a new field is one new line.
 */

/** `YYYY-MM-DD` naming a day of the calendar (not 2024-02-30). */
export function isIsoDate(value: string): boolean {
  // From year 1: Postgres has no year 0 (0000-01-01 is a calendar date to JavaScript, an error to the database).
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value) && value >= '0001-01-01' ? new Date(`${value}T00:00:00Z`) : null;
  return !!day && !Number.isNaN(day.getTime()) && day.toISOString().startsWith(value);
}
export const ISO_DATE_MESSAGE = 'must be a date YYYY-MM-DD';
/** The pattern and format go into the API's OpenAPI document: a client generated from it sends calendar dates. */
const isoDate = z.string().refine(isIsoDate, ISO_DATE_MESSAGE).meta({ format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

/** The four kinds of value a field holds; each has one value schema and one column type. */
const text = (maxLength: number) => ({
  kind: 'text' as const,
  value: nonBlankText(maxLength),
  column: () => p.string().length(maxLength).nullable(),
});
const date = () => ({ kind: 'date' as const, value: isoDate, column: () => p.date().nullable() });
/**
 * Decimal digits no greater than `max` (of 19 digits): fewer digits, or at the first digit that differs
 * from max's, a smaller one. A pattern rather than a check in code, so that the OpenAPI document states it.
 */
function digitsAtMost(max: string): string {
  const alternatives = [...max].flatMap((digit, i) => {
    const d = Number(digit);
    if (d === 0) return [];
    const rest = max.length - i - 1;
    return [`${max.slice(0, i)}${d === 1 ? '0' : `[0-${d - 1}]`}${rest ? `\\d{${rest}}` : ''}`];
  });
  return `\\d{1,${max.length - 1}}|${[...alternatives, max].join('|')}`;
}
/** Decimal digits of an int64, CloudSign's type for 取引金額: -9223372036854775808 … 9223372036854775807. */
const INT64_DIGITS = new RegExp(`^(?:${digitsAtMost(String(2n ** 63n - 1n))}|-(?:${digitsAtMost(String(2n ** 63n))}))$`);
export function isInt64Digits(value: string): boolean {
  return INT64_DIGITS.test(value);
}
/**
 * Whole yen, stored as bigint and read as decimal digits, exactly: CloudSign's int64 reaches past 2^53,
 * beyond what a JavaScript number (and many JSON readers) hold. Given as digits, or as an integer a
 * JSON number carries exactly.
 */
const yen = () => ({
  kind: 'yen' as const,
  value: z.union([
    z.string().trim().regex(INT64_DIGITS, 'must be a whole number of yen in decimal digits, within int64'),
    z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).transform(String),
  ]),
  column: () => p.bigint('string').nullable(),
});
const flag = () => ({ kind: 'flag' as const, value: z.boolean(), column: () => p.boolean().nullable() });

export const CONTRACT_FIELD_DEFINITIONS = {
  title: text(1000),
  conclusionDate: date(),
  startDate: date(),
  endDate: date(),
  amount: { ...yen(), description: '取引金額, whole yen, as decimal digits (int64: beyond what a JSON number carries exactly)' },
  autoRenewal: flag(),
  cancellationNoticeDate: date(),
  fileName: text(1000),
  approvalNumber: { ...text(500), description: '稟議番号等 (CloudSign 管理番号)' },
  counterparty: text(500),
};

type Definitions = typeof CONTRACT_FIELD_DEFINITIONS;
export type ContractField = keyof Definitions;
export type ContractFieldKind = Definitions[ContractField]['kind'];
export const CONTRACT_FIELDS = Object.keys(CONTRACT_FIELD_DEFINITIONS) as ContractField[];

/** Where a field's value came from. CloudSign and a person beat the ledger's own extraction (OCR). */
export const FIELD_SOURCES = ['cloudsign', 'extraction', 'user'] as const;
export type FieldSource = (typeof FIELD_SOURCES)[number];

/** Values as stored: null where nobody has given one. */
export type ContractFieldValues = { [K in ContractField]: z.infer<Definitions[K]['value']> | null };

/** Builds one thing per field, in the fields' order, keeping each field's own type. */
export function mapContractFields<R extends { [K in ContractField]: unknown }>(make: <K extends ContractField>(field: K, definition: Definitions[K]) => R[K]): R {
  return Object.fromEntries(CONTRACT_FIELDS.map((field) => [field, make(field, CONTRACT_FIELD_DEFINITIONS[field])])) as R;
}

/** The entity's columns of the fields, all nullable: a field nobody has given a value is null. */
export const contractFieldProperties = () =>
  mapContractFields<{ [K in ContractField]: ReturnType<Definitions[K]['column']> }>((_, definition) => definition.column() as never);

const values = mapContractFields<{ [K in ContractField]: Definitions[K]['value'] }>((_, definition) => definition.value as never);

/** Fields given by CloudSign or a person: any subset; null clears a field. */
export const contractFieldsSchema = z
  .object(mapContractFields<{ [K in ContractField]: z.ZodNullable<Definitions[K]['value']> }>((_, definition) => definition.value.nullable() as never))
  .partial()
  .strict();
/** Fields found by extraction: any subset, each with a value (finding nothing is not a result). */
export const extractedFieldsSchema = z.object(values).partial().strict();
