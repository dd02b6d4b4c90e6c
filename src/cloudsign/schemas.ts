import { z } from 'zod';

/**
 * Readers of CloudSign's JSON. CloudSign may add response members at any time without notice (its change
 * policy), and what it sends for "no value" is undocumented (null or an absent key), so: unknown keys are
 * dropped, every scalar but an ID may be null or absent (both read as `null`), and the shapes the public
 * material leaves open are all accepted (see ../../../shared/spec/cloudsign-api.md, "Uncertain"). A value
 * that is present but of a shape none of those answers allow is a parse failure, never a silent null.
 */

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/**
 * An RFC 3339 time with any zone (`Z` or `+09:00`: which one CloudSign sends is undocumented) → UTC with
 * microseconds, `YYYY-MM-DDThh:mm:ss.SSSSSSZ`. Microseconds are kept because `last_processed_at` has them
 * and is the incremental-sync watermark; fixed width keeps the strings ordered like the times they name.
 * Returns undefined for anything else.
 */
export function normaliseTimestamp(text: string): string | undefined {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return undefined;
  const [, year, month, day, hour, minute, second, fraction = '', , sign, offsetHours, offsetMinutes] = m;
  const offsetMs = sign ? (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000 : 0;
  const local = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)));
  // Date.UTC rolls 2024-02-30 over into March: such a time is not one.
  if (local.getUTCMonth() !== Number(month) - 1 || local.getUTCDate() !== Number(day) || local.getUTCHours() !== Number(hour)) {
    return undefined;
  }
  const utc = new Date(local.getTime() - offsetMs);
  return `${utc.toISOString().slice(0, 19)}.${fraction.padEnd(6, '0').slice(0, 6)}Z`;
}

/** Null or an absent key read as `null` (which of the two CloudSign sends is undocumented). */
const orNull = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? null);

/** An empty string read as "not set", as forms-backed APIs often send it. */
const empty = z.literal('').transform(() => null);

const id = z.union([z.string().min(1), z.number()]).transform(String);

const text = orNull(z.string());

const integer = orNull(z.union([z.number().int(), z.string().trim().regex(/^-?\d+$/).transform(Number), empty]));

const flag = orNull(
  z.union([
    z.boolean(),
    z.literal(0).transform(() => false),
    z.literal(1).transform(() => true),
    z.enum(['true', 'false', '0', '1']).transform((v) => v === 'true' || v === '1'),
    empty,
  ]),
);

const timestamp = orNull(
  z.string().transform((v, ctx) => {
    if (v === '') return null;
    const normalised = normaliseTimestamp(v);
    if (normalised === undefined) ctx.addIssue({ code: 'custom', message: 'not an RFC 3339 time with a zone' });
    return normalised ?? null;
  }),
);

/** `YYYY-MM-DD` (a time after it, if ever sent, is dropped: these are calendar dates in Japan). */
const date = orNull(
  z.string().transform((v, ctx) => {
    if (v === '') return null;
    const m = /^\d{4}-\d{2}-\d{2}/.exec(v.trim());
    if (!m) ctx.addIssue({ code: 'custom', message: 'not a YYYY-MM-DD date' });
    return m ? m[0] : null;
  }),
);

/**
 * 取引金額: int64 in the spec, a string in a production client (S12) — accept both, with or without 1,000
 * separators, as the whole yen in decimal digits: an int64 beyond 2^53 is no JavaScript number. The client
 * parses `amount` from its source text (readJson), so a number here has lost no digit; a fraction other
 * than zeros is not an amount of yen.
 */
const amount = orNull(
  z.union([
    z.number().int().refine(Number.isSafeInteger, 'an amount beyond 2^53 must be read from its digits').transform(String),
    z
      .string()
      .transform((v) => v.replace(/[,\s]/g, ''))
      .pipe(z.union([empty, z.string().regex(/^-?\d+(\.0+)?$/, 'not a whole number of yen').transform((v) => BigInt(v.replace(/\.0+$/, '')).toString())])),
  ]),
);

/** 自動更新の有無: 0 指定なし → null, 1 あり → true, 2 なし → false; a value added later reads as "not specified". */
const autoUpdate = orNull(z.union([z.number(), z.string()])).transform((v) => {
  const n = Number(v);
  return n === 1 ? true : n === 2 ? false : null;
});

/** An array that may come as null or be absent (Go's nil slice serialises as null). */
const list = <T extends z.ZodType>(item: T) => z.array(item).nullish().transform((v) => v ?? []);

export const accessTokenSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]),
});

export const errorBodySchema = z.object({ error: text, message: text });

const fileSchema = z
  .object({ id, name: text, order: integer, total_pages: integer })
  .transform((f) => ({ id: f.id, name: f.name, order: f.order, totalPages: f.total_pages }));
export type CloudSignFile = z.output<typeof fileSchema>;

export const documentSchema = z
  .object({
    id,
    user_id: text,
    title: text,
    note: text,
    status: integer,
    private: flag,
    can_transfer: flag,
    sent_at: timestamp,
    last_processed_at: timestamp,
    created_at: timestamp,
    updated_at: timestamp,
    files: list(fileSchema),
  })
  .transform((d) => ({
    id: d.id,
    userId: d.user_id,
    title: d.title,
    note: d.note,
    status: d.status,
    /** 親展: only users with the right may see it; the admin should know how many a connection brings in. */
    private: d.private,
    canTransfer: d.can_transfer,
    sentAt: d.sent_at,
    /** For a concluded document, when the last party agreed: the field the `from`/`to` window filters on. */
    lastProcessedAt: d.last_processed_at,
    createdAt: d.created_at,
    updatedAt: d.updated_at,
    files: d.files,
  }));
export type CloudSignDocument = z.output<typeof documentSchema>;

export const documentListSchema = z.object({
  total: integer,
  page: integer,
  documents: list(documentSchema),
});

const attributeOptionSchema = z.object({ order: integer, content: text });

export const documentAttributeSchema = z
  .object({
    document_id: text,
    title: text,
    counterparty: text,
    contract_at: date,
    validity_start_at: date,
    validity_end_at: date,
    validity_end_notice_at: date,
    auto_update: autoUpdate,
    local_id: text,
    amount,
    created_at: timestamp,
    updated_at: timestamp,
    options: list(attributeOptionSchema),
  })
  .transform((a) => ({
    documentId: a.document_id,
    /** 管理用タイトル */
    title: a.title,
    /** 契約相手の名称 */
    counterparty: a.counterparty,
    /** 契約締結日 */
    contractAt: a.contract_at,
    /** 契約開始日 */
    validityStartAt: a.validity_start_at,
    /** 契約終了日 */
    validityEndAt: a.validity_end_at,
    /** 解約通知期限 */
    validityEndNoticeAt: a.validity_end_notice_at,
    /** 自動更新: true あり, false なし, null 指定なし */
    autoUpdate: a.auto_update,
    /** 管理番号 */
    localId: a.local_id,
    /** 取引金額 */
    amount: a.amount,
    createdAt: a.created_at,
    updatedAt: a.updated_at,
    options: a.options,
  }));
export type CloudSignDocumentAttribute = z.output<typeof documentAttributeSchema>;

export const userSchema = z
  .object({
    id: text,
    email: text,
    name: text,
    organization: text,
    team: orNull(z.object({ id: text, name: text })),
    authorities: z
      .object({
        team_administrator: flag,
        team_document_administrator: flag,
        document_approver: flag,
        private_document_administrator: flag,
      })
      .nullish(),
  })
  .transform((u) => ({
    id: u.id,
    email: u.email,
    name: u.name,
    organization: u.organization,
    team: u.team,
    authorities: {
      teamAdministrator: u.authorities?.team_administrator ?? null,
      /** 書類管理権限: sees every document of the team — the recommended kind of user for a connection. */
      teamDocumentAdministrator: u.authorities?.team_document_administrator ?? null,
      documentApprover: u.authorities?.document_approver ?? null,
      /** 親展書類管理権限: also sees the team's confidential documents. */
      privateDocumentAdministrator: u.authorities?.private_document_administrator ?? null,
    },
  }));
export type CloudSignUser = z.output<typeof userSchema>;
