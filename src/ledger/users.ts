import { createHash, randomBytes } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { changesBetween, changesFromNothing, recordAudit, SYSTEM_ACTOR, type AuditActor } from './audit';
import { ConflictError, NotFoundError, ValidationError } from './errors';
import { findUnknownIds, isUuid, newId } from './ids';
import { findPage, type Page, type PageRequest } from './pagination';
import { USER_ROLES, UserEntity, type User, type UserRow, type UserRole } from './user';

export interface CreateUserInput {
  name: string;
  email: string;
  role: UserRole;
  /** Who creates the user, for the audit trail; the service itself when absent. */
  actor?: AuditActor;
}

/** The bootstrap admin is found by this address, so that a changed BOOTSTRAP_ADMIN_TOKEN moves to the same user. */
const BOOTSTRAP_ADMIN_EMAIL = 'admin@cloudsign-sync.invalid';

/** Creates a user and its API token; the token is returned here once and only its hash is kept. */
export async function createUser(em: EntityManager, input: CreateUserInput): Promise<{ user: User; apiToken: string }> {
  const name = input.name.trim();
  const email = input.email.trim().toLowerCase();
  if (!name || name.length > 200) throw new ValidationError('invalid_user', 'A user needs a name of 1 to 200 characters.');
  if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 320) {
    throw new ValidationError('invalid_user', `"${input.email}" is not an e-mail address.`);
  }
  if (!USER_ROLES.includes(input.role)) throw new ValidationError('invalid_user', `A role is one of ${USER_ROLES.join(', ')}.`);

  const apiToken = newToken();
  const user = { id: newId(), name, email, role: input.role, disabledAt: null, createdAt: new Date() };
  try {
    await em.transactional(async (tx) => {
      await tx.insert(UserEntity, { ...user, apiTokenHash: hashToken(apiToken), configuredTokenHash: null });
      recordAudit(tx, {
        actor: input.actor ?? SYSTEM_ACTOR,
        subject: { kind: 'user', id: user.id },
        action: 'created',
        changes: changesFromNothing({ name, email, role: input.role }),
      });
    });
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      throw new ConflictError('email_taken', `A user with the e-mail address ${email} exists already.`, { email });
    }
    throw error;
  }
  return { user, apiToken };
}

/** The user an API token belongs to, or null for an unknown token or a disabled user. */
export async function authenticate(em: EntityManager, token: string): Promise<User | null> {
  const entity = await em.findOne(UserEntity, { apiTokenHash: hashToken(token), disabledAt: null }, { disableIdentityMap: true });
  return entity && toUser(entity);
}

/**
 * Makes the configured bootstrap token an admin's token. Safe to run at every start, from several processes
 * at once: the bootstrap admin is created, or given the token when the configuration changed it (enabled
 * again: the operator set a new token). A configured token applied before and rotated since through the API
 * is not applied again: the rotation stands, and the old token stays refused.
 */
export async function ensureBootstrapAdmin(em: EntityManager, input: { token: string }): Promise<{ user: User; created: boolean }> {
  const hash = hashToken(input.token);
  const applied = await em.transactional(async (tx) => {
    // One statement, so that processes starting together cannot create two admins; `xmax = 0` tells an
    // inserted row from an updated one; no row comes back when the configured token was applied already.
    const [row] = await tx.execute<{ id: string; created: boolean }[]>(
      `insert into users (id, name, email, role, api_token_hash, configured_token_hash, created_at) values (?, 'Administrator', ?, 'admin', ?, ?, ?)
       on conflict (email) do update set api_token_hash = excluded.api_token_hash, configured_token_hash = excluded.configured_token_hash, disabled_at = null
         where users.configured_token_hash is distinct from excluded.configured_token_hash
       returning id, (xmax = 0) as created`,
      [newId(), BOOTSTRAP_ADMIN_EMAIL, hash, hash, new Date()],
    );
    if (!row) return null;
    const user = await getUser(tx, row.id);
    recordAudit(tx, {
      actor: SYSTEM_ACTOR,
      subject: { kind: 'user', id: user.id },
      action: row.created ? 'created' : 'token_rotated',
      changes: row.created ? changesFromNothing({ name: user.name, email: user.email, role: user.role }) : {},
      details: { by: 'BOOTSTRAP_ADMIN_TOKEN' },
    });
    return { user, created: row.created };
  });
  if (applied) return applied;
  const admin = await em.findOneOrFail(UserEntity, { email: BOOTSTRAP_ADMIN_EMAIL }, { disableIdentityMap: true });
  return { user: toUser(admin), created: false };
}

/**
 * BOOTSTRAP_ADMIN_TOKEN is unset: the token it once gave the bootstrap admin stops working. A token the admin
 * was issued since (rotated through the API) is not the configuration's and stays. Returns whether one lapsed.
 */
export async function revokeConfiguredToken(em: EntityManager): Promise<boolean> {
  // Still the configuration's token: nobody holds another, so the admin can no longer sign in (disabled, and
  // so not counted as an admin who may). Either way a later configuration is applied anew.
  return em.transactional(async (tx) => {
    const [revoked] = await tx.execute<{ id: string }[]>(
      `update users set api_token_hash = ?, configured_token_hash = null, disabled_at = coalesce(disabled_at, ?)
       where email = ? and api_token_hash = configured_token_hash returning id`,
      [hashToken(newToken()), new Date(), BOOTSTRAP_ADMIN_EMAIL],
    );
    await tx.nativeUpdate(UserEntity, { email: BOOTSTRAP_ADMIN_EMAIL }, { configuredTokenHash: null });
    if (revoked) {
      recordAudit(tx, {
        actor: SYSTEM_ACTOR,
        subject: { kind: 'user', id: revoked.id },
        action: 'token_revoked',
        changes: {},
        details: { by: 'BOOTSTRAP_ADMIN_TOKEN unset' },
      });
    }
    return revoked !== undefined;
  });
}

/** A new API token for the user, shown once; the old one is refused from now on. */
export async function rotateToken(em: EntityManager, input: { userId: string; actor?: AuditActor }): Promise<{ user: User; apiToken: string }> {
  return em.transactional(async (tx) => {
    const user = await getUser(tx, input.userId);
    const apiToken = newToken();
    await tx.nativeUpdate(UserEntity, { id: user.id }, { apiTokenHash: hashToken(apiToken) });
    // The fact alone: neither token is ever recorded.
    recordAudit(tx, { actor: input.actor ?? SYSTEM_ACTOR, subject: { kind: 'user', id: user.id }, action: 'token_rotated', changes: {} });
    return { user, apiToken };
  });
}

/**
 * Disables a user (their token is refused at once) or enables them again. The last admin who may sign in
 * cannot be disabled: nobody could enable anyone again.
 */
export async function setUserDisabled(em: EntityManager, input: { userId: string; disabled: boolean; actor?: AuditActor }): Promise<User> {
  return em.transactional(async (tx) => {
    const user = await getUser(tx, input.userId);
    if (input.disabled && !user.disabledAt && user.role === 'admin') {
      // Serialises concurrent disables of admins: two of them cannot each see the other as the remaining one.
      await tx.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', ['disable admin']);
      const others = await tx.count(UserEntity, { role: 'admin', disabledAt: null, id: { $ne: user.id } });
      if (others === 0) throw new ConflictError('last_admin', 'This is the last admin who may sign in; make another user an admin first.');
    }
    if (input.disabled === !!user.disabledAt) return user;
    await tx.nativeUpdate(UserEntity, { id: user.id }, { disabledAt: input.disabled ? new Date() : null });
    const changed = await getUser(tx, user.id);
    recordAudit(tx, {
      actor: input.actor ?? SYSTEM_ACTOR,
      subject: { kind: 'user', id: user.id },
      action: input.disabled ? 'disabled' : 'enabled',
      changes: changesBetween({ disabledAt: user.disabledAt }, { disabledAt: changed.disabledAt }),
    });
    return changed;
  });
}

export async function getUser(em: EntityManager, id: string): Promise<User> {
  const entity = isUuid(id) ? await em.findOne(UserEntity, { id }, { disableIdentityMap: true }) : null;
  if (!entity) throw new NotFoundError('user', id);
  return toUser(entity);
}

export async function listUsers(em: EntityManager, request: PageRequest = {}): Promise<Page<User>> {
  const page = await findPage<UserRow>(em, UserEntity, {}, 'createdAt', request);
  return { items: page.items.map(toUser), nextCursor: page.nextCursor };
}

/**
 * Checks that every ID names a user and returns them without repeats; the error names the unknown ones, and
 * `field` says where they were given (owners, reviewers, members).
 */
export async function assertUsersExist(em: EntityManager, ids: readonly string[], field: string): Promise<string[]> {
  const { ids: unique, unknown } = await findUnknownIds<UserRow>(em, UserEntity, ids);
  if (unknown.length) {
    throw new ValidationError('unknown_users', `No user has the ID ${unknown.join(', ')} (in ${field}).`, { field, userIds: unknown });
  }
  return unique;
}

const newToken = () => `csk_${randomBytes(32).toString('base64url')}`;

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function toUser(entity: UserRow): User {
  return { id: entity.id, name: entity.name, email: entity.email, role: entity.role, disabledAt: entity.disabledAt ?? null, createdAt: entity.createdAt };
}
