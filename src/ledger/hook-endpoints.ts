import { createHash, randomBytes } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { newId } from './ids';
import { decryptSecret, encryptSecret } from './secrets';

/**
 * The Hook URL of one CloudSign team (CloudSign's webhook, cloudsign-api.md §8). Hook URLs are a team setting
 * in CloudSign, and a hook fires for every document a member of the team sent: so there is one endpoint per
 * team, shared by every connection whose CloudSign user is in it (several client IDs of one team).
 *
 * The team key is `team:<id>`, the team ID CloudSign's GET /me gives for the connection's user (stable, not
 * secret). When /me names no team (the spec lets every field be null), the connection gets an endpoint of its
 * own, `connection:<id>`: its admin then pastes one URL per connection, and a hook reaches only it — never
 * a connection of another team.
 *
 * The URL's token authenticates the hook (CloudSign signs nothing): 32 random bytes. Looked up by its SHA-256
 * (a fast hash is right for a random 256-bit secret: there is nothing to brute-force), and kept encrypted under
 * SECRETS_KEY so that GET /v1/connections/:id can show the admin the URL again. Never logged.
 */
export const HookEndpointEntity = defineEntity({
  name: 'HookEndpoint',
  tableName: 'hook_endpoints',
  properties: {
    id: p.uuid().primary().onCreate(() => newId()),
    teamKey: p.string().length(200).unique(),
    tokenHash: p.string().length(64).unique(),
    tokenCiphertext: p.text(),
    createdAt: p.datetime(),
  },
});

export const hookTokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** The team key of a connection's CloudSign user (see HookEndpointEntity). */
export function hookTeamKey(input: { connectionId: string; teamId: string | null | undefined }): string {
  return input.teamId ? `team:${input.teamId}` : `connection:${input.connectionId}`;
}

/** The endpoint of `teamKey`, created with a new token the first time; its ID. Safe to call concurrently. */
export async function ensureHookEndpoint(em: EntityManager, input: { teamKey: string; secretsKey: string }): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await em.getConnection().execute(
    `insert into hook_endpoints (id, team_key, token_hash, token_ciphertext, created_at) values (?, ?, ?, ?, now()) on conflict (team_key) do nothing`,
    [newId(), input.teamKey, hookTokenHash(token), encryptSecret(token, input.secretsKey)],
  );
  const [row] = await em.getConnection().execute<{ id: string }[]>(`select id from hook_endpoints where team_key = ?`, [input.teamKey]);
  return row!.id;
}

/** The token of an endpoint, for the URL an admin pastes into CloudSign. */
export async function hookTokenOf(em: EntityManager, input: { endpointId: string; secretsKey: string }): Promise<string | null> {
  const [row] = await em.getConnection().execute<{ token_ciphertext: string }[]>(`select token_ciphertext from hook_endpoints where id = ?`, [input.endpointId]);
  return row ? decryptSecret(row.token_ciphertext, input.secretsKey) : null;
}

/** The endpoint a token opens, by one indexed look-up; null for any other token. */
export async function hookEndpointByToken(em: EntityManager, token: string): Promise<string | null> {
  const [row] = await em.getConnection().execute<{ id: string }[]>(`select id from hook_endpoints where token_hash = ?`, [hookTokenHash(token)]);
  return row?.id ?? null;
}
