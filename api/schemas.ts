import { z } from '@hono/zod-openapi';
import { AUDIT_SUBJECT_KINDS, CURSOR_PATTERN, MAX_PAGE_SIZE, type AuditEvent } from '../src/ledger';

/** Schemas several resources share. Each resource's own schemas live beside its routes. */

export const IdParam = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) });

/** An ID given in a body (a user, a group): as long as any the ledger makes, and a list of them bounded. */
export const IdList = z.array(z.string().min(1).max(100)).max(100);

export const VisibilitySchema = z
  .discriminatedUnion('scope', [
    z.object({ scope: z.literal('company') }),
    z.object({ scope: z.literal('private') }),
    z.object({ scope: z.literal('groups'), groupIds: IdList.min(1) }),
  ])
  .openapi('Visibility', {
    description: '公開範囲: everyone (company), owners and admins only (private), or members of groups.',
  });

export const OwnersSchema = IdList.openapi({ description: '社内担当者: user IDs; owners and admins always see a contract.' });

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
  // The ledger checks the pattern itself (400 `invalid_cursor`); stated here so that the document says it.
  cursor: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ pattern: CURSOR_PATTERN.source, description: 'The `nextCursor` of the previous page.' }),
});

/** `{ items, nextCursor }`, the shape of every list. */
export function pageOf<T extends z.ZodType>(item: T, name: string) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() }).openapi(name);
}

/** A response (or body) of `schema` as JSON, for a route's declaration. */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

/** One event of the audit trail (更新履歴): shared by a contract's history and the admins' audit list. */
export const AuditEventSchema = z
  .object({
    id: z.string(),
    at: z.string().openapi({ format: 'date-time' }),
    actor: z
      .object({ id: z.string().nullable(), name: z.string() })
      .openapi({ description: 'Who did it: a user (their name as it was then), or `cloudsign-sync` (id null) for imports and what the service does itself.' }),
    subject: z.object({ kind: z.enum(AUDIT_SUBJECT_KINDS), id: z.string() }),
    action: z.string().openapi({ example: 'edited', description: 'imported, extracted, edited, approved, discarded, applied, created, settings_changed, disconnected, …' }),
    changes: z
      .record(z.string(), z.object({ from: z.unknown(), to: z.unknown() }))
      .openapi({ description: 'Per field, the value before and after. Never a secret: a client ID shows as its last 4 characters, a token rotation as the action alone.' }),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('AuditEvent');

export function toAuditEventJson(event: AuditEvent): z.infer<typeof AuditEventSchema> {
  return { ...event, at: event.at.toISOString() };
}
