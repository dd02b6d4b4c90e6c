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

/** The bootstrap admin's address until BOOTSTRAP_ADMIN_EMAIL or an admin gives it a real one: mail to it goes nowhere. */
const PLACEHOLDER_EMAIL = 'admin@cloudsign-sync.invalid';

/** Creates a user and its API token; the token is returned here once and only its hash is kept. */
export async function createUser(em: EntityManager, input: CreateUserInput): Promise<{ user: User; apiToken: string }> {
  const name = checkName(input.name);
  const email = checkEmail(input.email);
  if (!USER_ROLES.includes(input.role)) throw new ValidationError('invalid_user', `A role is one of ${USER_ROLES.join(', ')}.`);

  const apiToken = newToken();
  const user = { id: newId(), name, email, role: input.role, disabledAt: null, createdAt: new Date() };
  try {
    await em.transactional(async (tx) => {
      await tx.insert(UserEntity, { ...user, apiTokenHash: hashToken(apiToken), configuredTokenHash: null, bootstrap: false, configuredEmail: null });
      recordAudit(tx, {
        actor: input.actor ?? SYSTEM_ACTOR,
        subject: { kind: 'user', id: user.id },
        action: 'created',
        changes: changesFromNothing({ name, email, role: input.role }),
      });
    });
  } catch (error) {
    throw emailTakenOr(error, email);
  }
  return { user, apiToken };
}

/** Changes a user's name or e-mail address; what is not given stays. */
export async function updateUser(em: EntityManager, input: { userId: string; name?: string; email?: string; actor?: AuditActor }): Promise<User> {
  const user = await getUser(em, input.userId);
  const changes = {
    ...(input.name !== undefined && { name: checkName(input.name) }),
    ...(input.email !== undefined && { email: checkEmail(input.email) }),
  };
  try {
    await em.transactional(async (tx) => {
      await tx.nativeUpdate(UserEntity, { id: user.id }, changes);
      const audited = changesBetween({ name: user.name, email: user.email }, { name: user.name, email: user.email, ...changes });
      if (Object.keys(audited).length) recordAudit(tx, { actor: input.actor ?? SYSTEM_ACTOR, subject: { kind: 'user', id: user.id }, action: 'updated', changes: audited });
    });
  } catch (error) {
    throw emailTakenOr(error, changes.email ?? user.email);
  }
  return getUser(em, user.id);
}

/**
 * Whether mail to this address can reach a person: not one of the domains reserved never to be delivered
 * (RFC 2606 and 6761: the TLDs `.invalid`, `.example`, `.test`, `.localhost`, and example.com/.net/.org).
 */
export function isDeliverable(email: string): boolean {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase().replace(/\.$/, '');
  const labels = domain.split('.');
  if (labels.length < 2 || ['invalid', 'example', 'test', 'localhost'].includes(labels.at(-1)!)) return false;
  return !['example.com', 'example.net', 'example.org'].includes(labels.slice(-2).join('.'));
}

function checkName(text: string): string {
  const name = text.trim();
  if (!name || name.length > 200) throw new ValidationError('invalid_user', 'A user needs a name of 1 to 200 characters.');
  return name;
}

function checkEmail(text: string): string {
  const email = text.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 320) {
    throw new ValidationError('invalid_user', `"${text}" is not an e-mail address: give one such as name@company.co.jp.`);
  }
  return email;
}

function emailTakenOr(error: unknown, email: string): unknown {
  if (!(error instanceof UniqueConstraintViolationException)) return error;
  return new ConflictError('email_taken', `A user with the e-mail address ${email} exists already.`, { email });
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
 * is not applied again: the rotation stands, and the old token stays refused. `email` (BOOTSTRAP_ADMIN_EMAIL)
 * is applied as `applyBootstrapEmail` does.
 */
export async function ensureBootstrapAdmin(em: EntityManager, input: { token: string; email?: string }): Promise<{ user: User; created: boolean }> {
  const hash = hashToken(input.token);
  const email = input.email === undefined ? null : checkEmail(input.email);
  // One statement, so that processes starting together cannot create two admins; `xmax = 0` tells an
  // inserted row from an updated one; no row comes back when the configured token was applied already.
  let row: { id: string; created: boolean } | undefined;
  try {
    row = await em.transactional(async (tx) => {
      const [inserted] = await tx.execute<{ id: string; created: boolean }[]>(
        `insert into users (id, name, email, role, api_token_hash, configured_token_hash, bootstrap, configured_email, created_at)
           values (?, 'Administrator', ?, 'admin', ?, ?, true, ?, ?)
         on conflict (bootstrap) where bootstrap do update set api_token_hash = excluded.api_token_hash, configured_token_hash = excluded.configured_token_hash, disabled_at = null
           where users.configured_token_hash is distinct from excluded.configured_token_hash
         returning id, (xmax = 0) as created`,
        [newId(), email ?? PLACEHOLDER_EMAIL, hash, hash, email, new Date()],
      );
      if (inserted) {
        recordAudit(tx, {
          actor: SYSTEM_ACTOR,
          subject: { kind: 'user', id: inserted.id },
          action: inserted.created ? 'created' : 'token_rotated',
          changes: inserted.created ? changesFromNothing({ name: 'Administrator', email: email ?? PLACEHOLDER_EMAIL, role: 'admin' }) : {},
          details: { by: 'BOOTSTRAP_ADMIN_TOKEN' },
        });
      }
      return inserted;
    });
  } catch (error) {
    throw bootstrapEmailTakenOr(error, email);
  }
  if (email !== null && !row?.created) await applyBootstrapEmail(em, { email });
  const admin = await em.findOneOrFail(UserEntity, { bootstrap: true }, { disableIdentityMap: true });
  return { user: toUser(admin), created: row?.created ?? false };
}

/**
 * Gives the bootstrap admin the address BOOTSTRAP_ADMIN_EMAIL holds, when it changed since it was last applied:
 * an address an admin set since through the API (PATCH /v1/users/:id) stays until the variable changes again.
 * Returns whether it changed the address.
 */
export async function applyBootstrapEmail(em: EntityManager, input: { email: string }): Promise<boolean> {
  const email = checkEmail(input.email);
  try {
    const updated = await em.nativeUpdate(UserEntity, { bootstrap: true, configuredEmail: { $ne: email } }, { email, configuredEmail: email });
    if (updated) return true;
    // configured_email null (never applied) is not matched by `$ne`: apply it once.
    return (await em.nativeUpdate(UserEntity, { bootstrap: true, configuredEmail: null }, { email, configuredEmail: email })) > 0;
  } catch (error) {
    throw bootstrapEmailTakenOr(error, email);
  }
}

function bootstrapEmailTakenOr(error: unknown, email: string | null): unknown {
  if (!(error instanceof UniqueConstraintViolationException) || email === null) return error;
  return new ConflictError(
    'email_taken',
    `BOOTSTRAP_ADMIN_EMAIL is ${email}, the address of another user already: choose another, or change that user's address first (PATCH /v1/users/:id).`,
    { email },
  );
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
       where bootstrap and api_token_hash = configured_token_hash returning id`,
      [hashToken(newToken()), new Date()],
    );
    await tx.nativeUpdate(UserEntity, { bootstrap: true }, { configuredTokenHash: null });
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

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function toUser(entity: UserRow): User {
  return { id: entity.id, name: entity.name, email: entity.email, role: entity.role, disabledAt: entity.disabledAt ?? null, createdAt: entity.createdAt };
}
