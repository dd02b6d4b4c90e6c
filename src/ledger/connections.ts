import { defineEntity, p, UniqueConstraintViolationException, type EntityData, type InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { changesBetween, changesFromNothing, recordAudit, SYSTEM_ACTOR, type AuditActor, type AuditChanges } from './audit';
import { ConflictError, NotFoundError, ValidationError } from './errors';
import { assertGroupsExist } from './groups';
import { HookEndpointEntity } from './hook-endpoints';
import { isUuid, newId } from './ids';
import { findPage, type Page, type PageRequest } from './pagination';
import { decryptSecret, SecretsKeyMismatchError, encryptSecret, fingerprintSecret } from './secrets';
import { sqlArray } from './sql';
import { CONNECTION_STATUSES, type ConnectionStatus } from './status';
import { assertUsersExist, isDeliverable } from './users';
import { visibilityColumns, visibilityOf, visibilityProperties, type Visibility } from './visibility';

export const SAVE_MODES = ['direct', 'review'] as const;
export type SaveMode = (typeof SAVE_MODES)[number];

export interface Reviewers {
  groupIds: string[];
  userIds: string[];
}

export interface ConnectionError {
  code: string;
  message: string;
  at: Date;
}

/**
 * Something about a connection a person must fix before it bites: `incident_mail_undeliverable` (none of the
 * admins and owners its incident e-mail goes to has a deliverable address), `review_mail_undeliverable` (review
 * mode: none of its reviewers, whom reminders go to, has one).
 */
export interface ConnectionWarning {
  code: 'incident_mail_undeliverable' | 'review_mail_undeliverable';
  message: string;
}

/**
 * One CloudSign client ID linked to the ledger. The client ID is a credential: only its AES-GCM ciphertext,
 * an HMAC fingerprint (for "connected already") and its last 4 characters (for people) are stored.
 */
/** What a connection's last reconciliation found (src/ledger/completeness.ts), kept on the connection. */
export interface Completeness {
  checkedAt: string;
  cloudsignFiles: number;
  ledgerFiles: number;
  inReview: number;
  discarded: number;
  failed: number;
  missing: number;
}

export const ConnectionEntity = defineEntity({
  name: 'Connection',
  tableName: 'connections',
  properties: {
    id: p.uuid().primary().onCreate(() => newId()),
    /** 管理ID, `CS-0001`: numbered by a sequence, so never reused, even after a disconnect. */
    managementId: p.string().length(16).unique(),
    name: p.string().length(200),
    clientIdCiphertext: p.text(),
    clientIdFingerprint: p.string().length(64),
    clientIdLast4: p.string().length(4),
    ...visibilityProperties(),
    saveMode: p.enum([...SAVE_MODES]),
    reviewerGroupIds: p.array().columnType('uuid[]'),
    reviewerUserIds: p.array().columnType('uuid[]'),
    status: p.enum([...CONNECTION_STATUSES]),
    lastSyncAt: p.datetime().nullable(),
    nextSyncAt: p.datetime().nullable(),
    lastError: p.json<{ code: string; message: string; at: string }>().nullable(),
    filesDone: p.integer().default(0),
    filesTotal: p.integer().default(0),
    /** The figures of its last reconciliation (completeness.ts); null until one ran. */
    completeness: p.json<Completeness>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    /** When its workflow was started: null until Temporal took the start, so that a failed one is repaired. */
    workflowStartedAt: p.datetime().nullable(),
    disconnectedAt: p.datetime().nullable(),
    /** Its CloudSign team's Hook URL (hook-endpoints.ts); null until its team is known (connect, a new client ID, a sync). */
    hookEndpoint: p.manyToOne(HookEndpointEntity).mapToPk().joinColumn('hook_endpoint_id').nullable().deleteRule('set null'),
  },
  uniques: [
    {
      // A disconnected connection frees its client ID: connecting it again is a new connection.
      name: 'connections_client_id_fingerprint_unique',
      expression: `create unique index "connections_client_id_fingerprint_unique" on "connections" ("client_id_fingerprint") where "status" <> 'disconnected'`,
    },
  ],
});

type ConnectionRow = InferEntity<typeof ConnectionEntity>;

/** A connection as the API and the activities see it: never the client ID. */
export interface Connection {
  id: string;
  managementId: string;
  name: string;
  clientIdLast4: string;
  visibility: Visibility;
  owners: string[];
  saveMode: SaveMode;
  reviewers: Reviewers;
  status: ConnectionStatus;
  lastSyncAt: Date | null;
  nextSyncAt: Date | null;
  lastError: ConnectionError | null;
  progress: { filesDone: number; filesTotal: number };
  /**
   * Files this connection imported first, documents waiting in its reviews (a review is one document, which
   * may hold several files), documents discarded in its reviews, files still failing.
   */
  totals: { imported: number; pendingReview: number; discarded: number; failed: number };
  /** Empty for a disconnected connection: it sends no mail. */
  warnings: ConnectionWarning[];
  /** What its last reconciliation found; null until one ran. */
  completeness: Completeness | null;
  createdAt: Date;
  disconnectedAt: Date | null;
  /** The Hook URL it answers to (src/ledger/hook-endpoints.ts); null until its CloudSign team is known. */
  hookEndpointId: string | null;
}

export interface ConnectionSettings {
  name: string;
  visibility: Visibility;
  owners: string[];
  saveMode: SaveMode;
  /** Required (non-empty) in review mode. */
  reviewers?: Reviewers;
}

/**
 * Connects a client ID: a new connection in status `importing` (its full import starts next) with a new
 * management ID — or, when the same client ID was connected before and disconnected, that connection back
 * (`restored`): its management ID, its contracts and its runs (where its next sync starts) are kept, and the
 * settings of this request apply. Matched by the client ID's keyed fingerprint, never by the client ID itself.
 */
export async function createConnection(
  em: EntityManager,
  input: ConnectionSettings & { clientId: string; secretsKey: string; actor?: AuditActor },
): Promise<Connection & { restored: boolean }> {
  const settings = await checkSettings(em, input);
  const credential = sealClientId(input.clientId, input.secretsKey);
  await assertClientIdFree(em, credential.clientIdFingerprint);
  const restored = await restoreConnection(em, { ...settings, ...credential }, input.actor ?? SYSTEM_ACTOR);
  if (restored) return { ...(await getConnection(em, restored.id)), restored: true };
  const [row] = await em.execute<{ n: string }[]>(`select nextval('connection_management_number') as n`);
  const id = newId();
  const managementId = `CS-${row!.n.padStart(4, '0')}`;
  try {
    await em.transactional(async (tx) => {
      await tx.insert(ConnectionEntity, {
        id,
        managementId,
        ...settings,
        ...credential,
        status: 'importing',
        filesDone: 0,
        filesTotal: 0,
        createdAt: new Date(),
      });
      recordAudit(tx, {
        actor: input.actor ?? SYSTEM_ACTOR,
        subject: { kind: 'connection', id },
        action: 'created',
        changes: { ...changesFromNothing({ managementId, ...settingsOf(settings) }), ...clientIdChange(null, credential.clientIdLast4) },
      });
    });
  } catch (error) {
    // Another request connected the same client ID between the check and the insert.
    if (error instanceof UniqueConstraintViolationException) await assertClientIdFree(em, credential.clientIdFingerprint);
    throw error;
  }
  return { ...(await getConnection(em, id)), restored: false };
}

/**
 * Brings back the connection this client ID had, the one disconnected last: live again with the new settings,
 * its workflow to be started anew (`workflowStartedAt` null, so that a start Temporal does not take is repaired),
 * and the reviews its disconnect closed pending again (their documents were never saved), for their workflows
 * to be started again with the connection's (src/services/connections.ts). Returns its ID, or null when the
 * client ID was never connected.
 */
async function restoreConnection(
  em: EntityManager,
  changes: EntityData<ConnectionRow>,
  actor: AuditActor,
): Promise<{ id: string } | null> {
  const previous = await em.findOne(
    ConnectionEntity,
    { clientIdFingerprint: changes.clientIdFingerprint as string, status: 'disconnected' },
    { orderBy: { disconnectedAt: 'desc' }, fields: ['id'], disableIdentityMap: true },
  );
  if (!previous) return null;
  const position = await syncPositionOf(em, previous.id);
  try {
    return await em.transactional(async (tx) => {
      const updated = await tx.nativeUpdate(
        ConnectionEntity,
        { id: previous.id, status: 'disconnected' },
        {
          ...changes,
          status: position?.lastSyncWindowEnd ? 'idle' : 'importing',
          disconnectedAt: null,
          workflowStartedAt: null,
          lastError: null,
          nextSyncAt: null,
          filesDone: 0,
          filesTotal: 0,
        },
      );
      if (!updated) return null;
      recordAudit(tx, { actor, subject: { kind: 'connection', id: previous.id }, action: 'reconnected', changes: { status: { from: 'disconnected', to: position?.lastSyncWindowEnd ? 'idle' : 'importing' } } });
      await tx.execute(
        `update reviews set status = 'pending', closed_reason = null, completed_at = null
          where connection_id = ? and status = 'closed' and closed_reason->>'code' = 'disconnected'`,
        [previous.id],
      );
      return { id: previous.id };
    });
  } catch (error) {
    // Another request brought it (or connected the client ID) back meanwhile.
    if (error instanceof UniqueConstraintViolationException) await assertClientIdFree(em, changes.clientIdFingerprint as string);
    throw error;
  }
}

export async function getConnection(em: EntityManager, connectionId: string): Promise<Connection> {
  const [connection] = await toConnections(em, [await loadConnection(em, connectionId)]);
  return connection!;
}

/** Every connection, disconnected ones included, newest first. */
export async function listConnections(em: EntityManager, request: PageRequest = {}): Promise<Page<Connection>> {
  const page = await findPage<ConnectionRow>(em, ConnectionEntity, {}, 'createdAt', request);
  return { items: await toConnections(em, page.items), nextCursor: page.nextCursor };
}

/**
 * Changes settings; what is not given stays. A new client ID applies to documents imported from then on:
 * the sync position is kept.
 */
export async function updateConnection(
  em: EntityManager,
  input: { connectionId: string; actor?: AuditActor } & Partial<ConnectionSettings> & ({ clientId?: undefined } | { clientId: string; secretsKey: string }),
): Promise<Connection> {
  const entity = await loadConnection(em, input.connectionId);
  const before = { settings: settingsOf(entity), fingerprint: entity.clientIdFingerprint, last4: entity.clientIdLast4 };
  if (entity.status === 'disconnected') {
    throw new ConflictError('connection_disconnected', `Connection ${entity.managementId} is disconnected; its settings can no longer change.`);
  }
  const current = toSettings(entity);
  const settings = await checkSettings(em, {
    name: input.name ?? current.name,
    visibility: input.visibility ?? current.visibility,
    owners: input.owners ?? current.owners,
    saveMode: input.saveMode ?? current.saveMode,
    reviewers: input.reviewers ?? current.reviewers,
  });
  em.assign(entity, settings);
  if (input.clientId !== undefined) {
    const credential = sealClientId(input.clientId, input.secretsKey);
    if (credential.clientIdFingerprint !== entity.clientIdFingerprint) await assertClientIdFree(em, credential.clientIdFingerprint);
    em.assign(entity, credential);
  }
  const changes: AuditChanges = {
    ...changesBetween(before.settings, settingsOf(entity)),
    ...(entity.clientIdFingerprint !== before.fingerprint && clientIdChange(before.last4, entity.clientIdLast4)),
  };
  // Written by the same flush (one transaction) as the settings.
  if (Object.keys(changes).length) {
    recordAudit(em, { actor: input.actor ?? SYSTEM_ACTOR, subject: { kind: 'connection', id: entity.id }, action: 'settings_changed', changes });
  }
  await em.flush();
  return getConnection(em, entity.id);
}

/**
 * An admin's control of a connection's workflow (sync now, pause, resume): the workflow does it, the trail
 * records who asked.
 */
export async function recordConnectionControl(em: EntityManager, input: { connectionId: string; control: 'sync' | 'pause' | 'resume' | 'reconcile'; actor: AuditActor }): Promise<void> {
  const entity = await loadConnection(em, input.connectionId);
  recordAudit(em, { actor: input.actor, subject: { kind: 'connection', id: entity.id }, action: `${input.control}_requested`, changes: {} });
  await em.flush();
}

/** The settings as the audit trail shows them: what the API shows, reviewers' IDs in order. */
function settingsOf(columns: Parameters<typeof visibilityOf>[0] & { name: string; saveMode: SaveMode; reviewerGroupIds: string[]; reviewerUserIds: string[] }) {
  return {
    name: columns.name,
    ...visibilityOf(columns),
    saveMode: columns.saveMode,
    reviewers: { groupIds: [...columns.reviewerGroupIds].sort(), userIds: [...columns.reviewerUserIds].sort() },
  };
}

/** A client ID is a credential: the trail shows only that it changed, by the last 4 characters the API shows anyway. */
function clientIdChange(fromLast4: string | null, toLast4: string): AuditChanges {
  return { clientId: { from: fromLast4 && `…${fromLast4}`, to: `…${toLast4}` } };
}

/** The client ID in plain text, for the activities that call CloudSign. Never hand it to the API or a workflow. */
export async function revealClientId(em: EntityManager, input: { connectionId: string; secretsKey: string }): Promise<string> {
  return decryptSecret((await loadConnection(em, input.connectionId)).clientIdCiphertext, input.secretsKey);
}

/**
 * Whether SECRETS_KEY opens the secrets this database holds (a connection's client ID, a Hook URL's token —
 * one of each is tried): false when they were sealed under another key. True for a database without any.
 */
export async function storedSecretsOpen(em: EntityManager, secretsKey: string): Promise<boolean> {
  const sealed = await em.execute<{ sealed: string }[]>(
    `(select client_id_ciphertext as sealed from connections limit 1) union all (select token_ciphertext from hook_endpoints limit 1)`,
  );
  try {
    for (const { sealed: value } of sealed) decryptSecret(value, secretsKey);
    return true;
  } catch (error) {
    if (error instanceof SecretsKeyMismatchError) return false;
    throw error;
  }
}

/**
 * Ends a connection: its sync stops, its client ID may be connected again (which brings this connection back),
 * its contracts stay. Its pending reviews are closed with the reason `disconnected`, in the same transaction:
 * nothing of a disconnected connection waits for a reviewer. Idempotent.
 */
export async function disconnectConnection(em: EntityManager, connectionId: string, actor: AuditActor = SYSTEM_ACTOR): Promise<Connection> {
  const entity = await loadConnection(em, connectionId);
  await em.transactional(async (tx) => {
    const ended = await tx.nativeUpdate(
      ConnectionEntity,
      { id: entity.id, status: { $ne: 'disconnected' } },
      { status: 'disconnected', disconnectedAt: new Date(), nextSyncAt: null },
    );
    if (!ended) return;
    recordAudit(tx, { actor, subject: { kind: 'connection', id: entity.id }, action: 'disconnected', changes: { status: { from: entity.status, to: 'disconnected' } } });
    const reason = {
      code: 'disconnected',
      message: `Connection ${entity.managementId} was disconnected before this document was saved or discarded; nothing was saved from it.`,
    };
    // Raw SQL: reviews.ts builds on this module, so this one cannot import it.
    await tx.execute(
      `update reviews set status = 'closed', closed_reason = ?::jsonb, completed_at = now() where connection_id = ? and status = 'pending'`,
      [JSON.stringify(reason), entity.id],
    );
  });
  return getConnection(em, connectionId);
}

/** The documents whose reviews a disconnect closed: their review workflows are told to end. */
export async function reviewsClosedByDisconnect(em: EntityManager, connectionId: string): Promise<string[]> {
  const rows = await em.execute<{ document_id: string }[]>(
    `select document_id from reviews where connection_id = ? and status = 'closed' and closed_reason->>'code' = 'disconnected' order by created_at`,
    [connectionId],
  );
  return rows.map((r) => r.document_id);
}

/**
 * The reviews of a connection that wait for a decision: what needs a review workflow running. When its
 * workflow starts again (a reconnect, the repair after a Temporal outage), each gets its workflow again.
 */
export async function pendingReviewsOf(em: EntityManager, connectionId: string): Promise<{ reviewId: string; documentId: string }[]> {
  const rows = await em.execute<{ id: string; document_id: string }[]>(
    `select id, document_id from reviews where connection_id = ? and status = 'pending' order by created_at`,
    [connectionId],
  );
  return rows.map((r) => ({ reviewId: r.id, documentId: r.document_id }));
}

/**
 * Where a connection's next sync starts, from its runs in the ledger (the workflow's own state is gone once
 * it ended): the end of the window of its last finished sync, and the number of the next cycle (run keys
 * `<workflowId>/<cycle>` are never reused). Null for a connection that never finished a sync.
 */
export async function syncPositionOf(em: EntityManager, connectionId: string): Promise<{ cycle: number; lastSyncWindowEnd: string | null } | null> {
  const [row] = await em.execute<{ cycles: number | null; window_end: string | null }[]>(
    `select max((substring(run_key from '/([0-9]+)$'))::int) + 1 as cycles,
            (select window_to from sync_runs f where f.connection_id = ? and f.outcome in ('succeeded', 'partial')
              order by f.started_at desc, f.id desc limit 1) as window_end
       from sync_runs where connection_id = ?`,
    [connectionId, connectionId],
  );
  if (!row?.cycles) return null;
  return { cycle: Number(row.cycles), lastSyncWindowEnd: row.window_end };
}

/*
 * What the connection's workflow reports. A disconnected connection stays so: a report from an activity that
 * finishes after the disconnect changes nothing.
 */

/** Times may come as ISO strings, as they cross the workflow boundary. */
export async function setConnectionStatus(
  em: EntityManager,
  input: { connectionId: string; status: Exclude<ConnectionStatus, 'disconnected'>; nextSyncAt?: Date | string | null; lastSyncAt?: Date | string },
): Promise<void> {
  await updateLive(em, input.connectionId, {
    status: input.status,
    ...(input.nextSyncAt !== undefined && { nextSyncAt: input.nextSyncAt === null ? null : new Date(input.nextSyncAt) }),
    ...(input.lastSyncAt !== undefined && { lastSyncAt: new Date(input.lastSyncAt) }),
  });
}

/** Records what went wrong (shown in the API as the last error) and sets the status, `error` unless told. */
export async function recordConnectionError(
  em: EntityManager,
  input: { connectionId: string; code: string; message: string; status?: 'error' | 'quota_exhausted' },
): Promise<void> {
  await updateLive(em, input.connectionId, {
    status: input.status ?? 'error',
    lastError: { code: input.code, message: input.message, at: new Date().toISOString() },
  });
}

/** The problem is over (a sync succeeded): the last error is cleared. */
export async function clearConnectionError(em: EntityManager, connectionId: string): Promise<void> {
  await updateLive(em, connectionId, { lastError: null });
}

export async function recordConnectionProgress(em: EntityManager, input: { connectionId: string; filesDone: number; filesTotal: number }): Promise<void> {
  await updateLive(em, input.connectionId, { filesDone: input.filesDone, filesTotal: input.filesTotal });
}

/**
 * A sync finished: shown in the API as the last sync. Where the next sync starts is the workflow's own state
 * (its window), not the ledger's.
 */
export async function recordLastSync(em: EntityManager, input: { connectionId: string; syncedAt: Date | string }): Promise<void> {
  await updateLive(em, input.connectionId, { lastSyncAt: new Date(input.syncedAt) });
}

/** Temporal took the start of the connection's workflow (or had it already). */
export async function recordWorkflowStarted(em: EntityManager, connectionId: string): Promise<void> {
  await em.nativeUpdate(ConnectionEntity, { id: connectionId, workflowStartedAt: null }, { workflowStartedAt: new Date() });
}

/**
 * Connections whose workflow start did not go through (Temporal was down when they were connected), oldest
 * first: every one of them must get its workflow, or it would never import anything.
 */
export async function connectionsWithoutWorkflow(em: EntityManager, input: { limit: number }): Promise<Connection[]> {
  const rows = await em.find(
    ConnectionEntity,
    { workflowStartedAt: null, status: { $ne: 'disconnected' } },
    { orderBy: { createdAt: 'asc' }, limit: input.limit, disableIdentityMap: true },
  );
  return toConnections(em, rows);
}

export async function loadConnection(em: EntityManager, connectionId: string): Promise<ConnectionRow> {
  const entity = isUuid(connectionId) ? await em.findOne(ConnectionEntity, { id: connectionId }) : null;
  if (!entity) throw new NotFoundError('connection', connectionId);
  return entity;
}

async function updateLive(em: EntityManager, connectionId: string, changes: EntityData<ConnectionRow>): Promise<void> {
  const updated = isUuid(connectionId) ? await em.nativeUpdate(ConnectionEntity, { id: connectionId, status: { $ne: 'disconnected' } }, changes) : 0;
  if (!updated) await loadConnection(em, connectionId);
}

async function checkSettings(em: EntityManager, settings: ConnectionSettings) {
  const name = settings.name.trim();
  if (!name || name.length > 200) throw new ValidationError('invalid_connection', 'A connection needs a name of 1 to 200 characters.');
  if (!SAVE_MODES.includes(settings.saveMode)) {
    throw new ValidationError('invalid_connection', `saveMode is one of ${SAVE_MODES.join(', ')}.`);
  }
  const reviewers = settings.reviewers ?? { groupIds: [], userIds: [] };
  if (settings.saveMode === 'review' && !reviewers.groupIds.length && !reviewers.userIds.length) {
    throw new ValidationError('reviewers_required', 'Review mode needs reviewers: at least one group or user in reviewers.');
  }
  return {
    name,
    saveMode: settings.saveMode,
    ...(await visibilityColumns(em, settings.visibility, settings.owners)),
    reviewerGroupIds: await assertGroupsExist(em, reviewers.groupIds, 'reviewers.groupIds'),
    reviewerUserIds: await assertUsersExist(em, reviewers.userIds, 'reviewers.userIds'),
  };
}

function sealClientId(clientId: string, secretsKey: string) {
  const plain = clientId.trim();
  if (plain.length < 4) throw new ValidationError('invalid_client_id', 'This is not a CloudSign client ID: it is too short.');
  return {
    clientIdCiphertext: encryptSecret(plain, secretsKey),
    clientIdFingerprint: fingerprintSecret(plain, secretsKey),
    clientIdLast4: plain.slice(-4),
  };
}

async function assertClientIdFree(em: EntityManager, fingerprint: string): Promise<void> {
  const holder = await em.findOne(ConnectionEntity, { clientIdFingerprint: fingerprint, status: { $ne: 'disconnected' } }, { fields: ['managementId'] });
  if (holder) {
    throw new ConflictError('client_id_already_connected', `This client ID is already connected as ${holder.managementId}.`, {
      managementId: holder.managementId,
    });
  }
}

function toSettings(entity: ConnectionRow): Required<ConnectionSettings> {
  return {
    name: entity.name,
    ...visibilityOf(entity),
    saveMode: entity.saveMode,
    reviewers: { groupIds: [...entity.reviewerGroupIds], userIds: [...entity.reviewerUserIds] },
  };
}

async function toConnections(em: EntityManager, entities: ConnectionRow[]): Promise<Connection[]> {
  if (!entities.length) return [];
  const rows = await em.execute<{ id: string; imported: string; pending_review: string; discarded: string; failed: string }[]>(
    `select c.id,
       (select count(*) from import_records r where r.connection_id = c.id) as imported,
       (select count(*) from reviews v where v.connection_id = c.id and v.status = 'pending') as pending_review,
       (select count(*) from discarded_documents d where d.connection_id = c.id) as discarded,
       (select count(*) from file_errors f where f.connection_id = c.id and f.resolved_at is null and f.dismissed_at is null) as failed
     from unnest(?::uuid[]) as c(id)`,
    [sqlArray(entities.map((e) => e.id))],
  );
  const totals = new Map(
    rows.map((r) => [r.id, { imported: Number(r.imported), pendingReview: Number(r.pending_review), discarded: Number(r.discarded), failed: Number(r.failed) }]),
  );
  const warnings = await mailWarnings(em, entities);
  return entities.map((entity) => ({
    id: entity.id,
    managementId: entity.managementId,
    clientIdLast4: entity.clientIdLast4,
    ...toSettings(entity),
    status: entity.status,
    lastSyncAt: entity.lastSyncAt ?? null,
    nextSyncAt: entity.nextSyncAt ?? null,
    lastError: entity.lastError ? { ...entity.lastError, at: new Date(entity.lastError.at) } : null,
    progress: { filesDone: entity.filesDone, filesTotal: entity.filesTotal },
    totals: totals.get(entity.id) ?? { imported: 0, pendingReview: 0, discarded: 0, failed: 0 },
    warnings: warnings.get(entity.id) ?? [],
    completeness: entity.completeness ?? null,
    createdAt: entity.createdAt,
    disconnectedAt: entity.disconnectedAt ?? null,
    hookEndpointId: entity.hookEndpoint ?? null,
  }));
}

/** Every live connection's warnings, by management ID, for an admin's GET /health. */
export async function connectionWarnings(em: EntityManager): Promise<(ConnectionWarning & { managementId: string })[]> {
  const live = await em.find(ConnectionEntity, { status: { $ne: 'disconnected' } }, { orderBy: { managementId: 'asc' }, disableIdentityMap: true });
  const warnings = await mailWarnings(em, live);
  return live.flatMap((entity) => (warnings.get(entity.id) ?? []).map((w) => ({ managementId: entity.managementId, ...w })));
}

/**
 * The mail warnings of live connections: whom their incident e-mail (admins, owners) and their reviewers'
 * reminders (reviewer users, members of reviewer groups) go to — none disabled — and whether any of them
 * has an address mail can reach.
 */
async function mailWarnings(em: EntityManager, entities: ConnectionRow[]): Promise<Map<string, ConnectionWarning[]>> {
  const live = entities.filter((e) => e.status !== 'disconnected');
  if (!live.length) return new Map();
  const rows = await em.execute<{ id: string; incident: string[]; review: string[] }[]>(
    `select c.id,
       array(select u.email from users u where u.disabled_at is null and (u.role = 'admin' or u.id = any(c.owner_ids))) as incident,
       array(select u.email from users u where u.disabled_at is null
               and (u.id = any(c.reviewer_user_ids) or u.id in (select m.user_id from group_members m where m.group_id = any(c.reviewer_group_ids)))) as review
     from connections c where c.id = any(?::uuid[])`,
    [sqlArray(live.map((e) => e.id))],
  );
  const byId = new Map(live.map((e) => [e.id, e]));
  return new Map(
    rows.map((row) => {
      const entity = byId.get(row.id)!;
      const found: ConnectionWarning[] = [];
      if (!row.incident.some(isDeliverable)) {
        found.push({
          code: 'incident_mail_undeliverable',
          message: `No admin or owner of ${entity.managementId} has a deliverable e-mail address, so its incident e-mail reaches nobody: give one a real address (PATCH /v1/users/:id; BOOTSTRAP_ADMIN_EMAIL for the bootstrap admin).`,
        });
      }
      if (entity.saveMode === 'review' && !row.review.some(isDeliverable)) {
        found.push({
          code: 'review_mail_undeliverable',
          message: `No reviewer of ${entity.managementId} has a deliverable e-mail address, so reminders of documents waiting for review reach nobody: give one a real address (PATCH /v1/users/:id) or add reviewers.`,
        });
      }
      return [row.id, found];
    }),
  );
}

/** Links a connection to the Hook URL of its CloudSign team (hook-endpoints.ts). */
export async function setHookEndpoint(em: EntityManager, input: { connectionId: string; endpointId: string }): Promise<void> {
  await em.nativeUpdate(ConnectionEntity, { id: input.connectionId }, { hookEndpoint: input.endpointId });
}
