import { randomBytes } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { newId } from './ids';
import { UserEntity, type User } from './user';
import { hashToken } from './users';

/**
 * A sign-in to the web console: the browser holds a random secret in an HttpOnly cookie, the ledger only its
 * hash. A session is the API token it was opened with, for a while: it ends at sign-out, at `expiresAt`, and
 * at once when the user is disabled or their token rotated (it remembers the token's hash and only stands
 * while the user still has that token) — revoking a token revokes the console sessions it opened.
 */
export const ConsoleSessionEntity = defineEntity({
  name: 'ConsoleSession',
  tableName: 'console_sessions',
  properties: {
    id: p.uuid().primary().onCreate(() => newId()),
    secretHash: p.string().length(64).unique(),
    user: () => p.manyToOne(UserEntity).deleteRule('cascade'),
    /** The user's API token hash when the session was opened. */
    apiTokenHash: p.string().length(64),
    createdAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime().index(),
  },
});

export interface ConsoleSession {
  id: string;
  user: User;
  expiresAt: Date;
}

/** Opens a session for the holder of `token`, or null when no enabled user has it. */
export async function startConsoleSession(em: EntityManager, input: { token: string; ttlMs: number; now?: Date }): Promise<{ secret: string; session: ConsoleSession } | null> {
  const now = input.now ?? new Date();
  const apiTokenHash = hashToken(input.token);
  const user = await em.findOne(UserEntity, { apiTokenHash, disabledAt: null }, { disableIdentityMap: true });
  if (!user) return null;
  const secret = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + input.ttlMs);
  const id = newId();
  await em.transactional(async (tx) => {
    // Sign-ins are rare: they clear the expired sessions of everyone, so that the table stays small.
    await tx.nativeDelete(ConsoleSessionEntity, { expiresAt: { $lte: now } });
    await tx.insert(ConsoleSessionEntity, { id, secretHash: hashToken(secret), user: user.id, apiTokenHash, createdAt: now, expiresAt });
  });
  return { secret, session: { id, user: toUser(user), expiresAt } };
}

/** The session of a cookie's secret while it stands (see above), else null. */
export async function findConsoleSession(em: EntityManager, secret: string, now = new Date()): Promise<ConsoleSession | null> {
  const [row] = await em.getConnection().execute<{ id: string; expires_at: Date; user_id: string; name: string; email: string; role: User['role']; created_at: Date }[]>(
    `select s.id, s.expires_at, u.id as user_id, u.name, u.email, u.role, u.created_at
       from console_sessions s join users u on u.id = s.user_id and u.api_token_hash = s.api_token_hash and u.disabled_at is null
      where s.secret_hash = ? and s.expires_at > ?`,
    [hashToken(secret), now],
  );
  if (!row) return null;
  return {
    id: row.id,
    expiresAt: new Date(row.expires_at),
    user: { id: row.user_id, name: row.name, email: row.email, role: row.role, disabledAt: null, createdAt: new Date(row.created_at) },
  };
}

/** Ends the session of a cookie's secret (sign-out); nothing happens for an unknown one. */
export async function endConsoleSession(em: EntityManager, secret: string): Promise<void> {
  await em.nativeDelete(ConsoleSessionEntity, { secretHash: hashToken(secret) });
}

function toUser(row: { id: string; name: string; email: string; role: User['role']; createdAt: Date }): User {
  return { id: row.id, name: row.name, email: row.email, role: row.role, disabledAt: null, createdAt: row.createdAt };
}
