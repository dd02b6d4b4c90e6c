/**
 * What one document does differently from the seeded world, set by tests through
 * `PUT /_sim/documents/{documentID}/quirks`: the per-document trouble an importer must survive without
 * stopping the others (a value at the spec's limits, a refusal on one document, a file that is not a PDF),
 * and listings that change under it (a document that leaves them mid-import, one that appears late).
 */
import { z } from 'zod';
import type { Attribute } from './details';

export const quirksSchema = z.strictObject({
  /** GET …/attribute answers 403 forbidden for this document alone. */
  attributeForbidden: z.boolean().optional(),
  /** GET …/files/{fileID} answers 403 forbidden for this document's files. */
  fileForbidden: z.boolean().optional(),
  /** Its files are served with 200 as an HTML page, not a PDF. */
  notPdf: z.boolean().optional(),
  /** Every 書類情報 value at the vendor spec's limits: 500-character title, counterparty and 管理番号, the largest int64 amount. */
  valuesAtLimits: z.boolean().optional(),
  /** The 書類情報 title (管理用タイトル), different from the document's own title. */
  attributeTitle: z.string().max(500).optional(),
  /** Invisible: in no listing and unreadable (403), as before a transfer or a right granted later. */
  hidden: z.boolean().optional(),
  /** Becomes hidden once any listing has served this page number: a document that leaves the list mid-import. */
  hideAfterListPage: z.number().int().min(1).optional(),
});

export type DocumentQuirks = z.infer<typeof quirksSchema>;

/** The largest amount the spec allows (int64); JSON carries it exactly only as raw digits. */
export const INT64_MAX = 9223372036854775807n;
const LIMIT_TEXT = (stem: string) => (stem + 'あ'.repeat(500)).slice(0, 500);

/** The document's 書類情報 as its quirks change it. */
export function quirkedAttribute(attribute: Attribute, quirks: DocumentQuirks | undefined): Attribute {
  if (!quirks) return attribute;
  let result = attribute;
  if (quirks.attributeTitle !== undefined) result = { ...result, title: quirks.attributeTitle };
  if (quirks.valuesAtLimits) {
    result = {
      ...result,
      title: LIMIT_TEXT('管理用タイトル'),
      counterparty: LIMIT_TEXT('契約相手'),
      localId: LIMIT_TEXT('KS-'),
      amount: INT64_MAX,
    };
  }
  return result;
}

const INT64_MARK = '\u0000int64:';

/** A value that serialises as raw JSON digits (see int64Json): the spec's int64 beyond JavaScript's safe integers. */
export function int64Value(value: bigint): string {
  return `${INT64_MARK}${value}`;
}

/** JSON text in which values made by int64Value are numbers with every digit, as a Go or Java server sends them. */
export function int64Json(body: unknown): string {
  return JSON.stringify(body).replace(/"\\u0000int64:(-?\d+)"/g, '$1');
}
