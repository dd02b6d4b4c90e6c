import { createRoute, z } from '@hono/zod-openapi';
import { AUDIT_SUBJECT_KINDS, listAuditEvents } from '../src/ledger';
import { requireAdmin } from './auth';
import type { ApiDeps } from './context';
import { errorContent, errorResponses } from './errors';
import { newRouter } from './router';
import { AuditEventSchema, ListQuery, json, pageOf, toAuditEventJson } from './schemas';

/** The audit trail for admins (API.md "Audit"): who changed what and when, across the ledger. */

/** RFC 3339 with its offset; from year 1, as Postgres has no year 0. */
const Instant = z.iso
  .datetime({ offset: true })
  .refine((value) => new Date(value).getUTCFullYear() >= 1, 'must be a time from year 1 on')
  .openapi({ format: 'date-time', example: '2026-12-01T09:00:00Z' });

const AuditQuery = ListQuery.extend({
  subjectKind: z.enum(AUDIT_SUBJECT_KINDS).optional().openapi({ description: 'Only events about this kind of thing.' }),
  subjectId: z.string().min(1).max(100).optional().openapi({ description: 'Only events about this contract, review, connection, user or group (the quota: `quota`).' }),
  actorId: z.string().min(1).max(100).optional().openapi({ description: 'Only what this user did; `system` for what the service did itself (imports).' }),
  since: Instant.optional().openapi({ description: 'Events at or after this time (RFC 3339).' }),
  until: Instant.optional().openapi({ description: 'Events at or before this time (RFC 3339).' }),
});

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'The audit trail, newest first (admin): imports, extractions and edits of contracts, review decisions, changes of connections, users, groups and the quota',
  security: [{ Bearer: [] }],
  middleware: requireAdmin,
  request: { query: AuditQuery },
  responses: {
    200: json(pageOf(AuditEventSchema, 'AuditEventPage'), 'A page of audit events'),
    422: { description: '`since` is later than `until`', content: errorContent },
    ...errorResponses,
  },
});

export function auditRoutes({ orm }: ApiDeps) {
  return newRouter().openapi(listRoute, async (c) => {
    const { since, until, ...query } = c.req.valid('query');
    const page = await listAuditEvents(orm.em.fork(), {
      ...query,
      ...(since !== undefined && { since: new Date(since) }),
      ...(until !== undefined && { until: new Date(until) }),
    });
    return c.json({ items: page.items.map(toAuditEventJson), nextCursor: page.nextCursor }, 200);
  });
}
