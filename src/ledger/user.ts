import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { newId } from './ids';

export const USER_ROLES = ['admin', 'member'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** A person of the ledger. API tokens are stored as SHA-256 hashes: the token itself is shown once. */
export const UserEntity = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.uuid().primary().onCreate(() => newId()),
    name: p.string().length(200),
    email: p.string().length(320).unique(),
    role: p.enum([...USER_ROLES]),
    apiTokenHash: p.string().length(64).unique(),
    /**
     * The bootstrap admin only: the hash of the BOOTSTRAP_ADMIN_TOKEN last applied. A start re-applies the
     * configured token only when it differs from this one, so that a token rotated since stays the admin's.
     */
    configuredTokenHash: p.string().length(64).nullable(),
    /** The bootstrap admin (one at most): BOOTSTRAP_ADMIN_TOKEN and BOOTSTRAP_ADMIN_EMAIL apply to this user. */
    bootstrap: p.boolean().default(false),
    /**
     * The bootstrap admin only: the BOOTSTRAP_ADMIN_EMAIL last applied. A start applies the configured address
     * only when it differs from this one, so that an address changed since through the API stays.
     */
    configuredEmail: p.string().length(320).nullable(),
    /** A disabled user's token is refused at once; null while the user may sign in. */
    disabledAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ name: 'users_bootstrap_unique', expression: `create unique index "users_bootstrap_unique" on "users" ("bootstrap") where "bootstrap"` }],
});

export type UserRow = InferEntity<typeof UserEntity>;

/** A user as the services hand it out: never the token hash. */
export interface User {
  id: string;
  name: string;
  email: string;
  role: UserRole;
  disabledAt: Date | null;
  createdAt: Date;
}
