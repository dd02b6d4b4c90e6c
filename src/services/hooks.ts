import type { EntityManager } from '@mikro-orm/postgresql';
import type { MikroORM } from '../db';
import {
  connectionsWithUnsignalledHooks,
  ensureHookEndpoint,
  hookEndpointByToken,
  hookTeamKey,
  HOOK_HISTORY_DAYS,
  hookTokenOf,
  pruneHookHistory,
  recordHook,
  recordHooksSignalled,
  setHookEndpoint,
  type Connection,
} from '../ledger';
import { silentLogger, type Logger } from '../logging';
import { signalEach, type TemporalGateway } from '../temporal/gateway';
import { connectionWorkflowId, hookReceivedSignal } from '../temporal/messages';

/**
 * CloudSign's webhook, the fast path beside the daily sync: its Hook URL per CloudSign team, a hook received
 * (recorded in Postgres, then its connections' workflows told), and the repair that tells them again when
 * Temporal was down. Nothing here calls CloudSign: the workflow reads each named document through the API.
 */

export interface HookServiceDeps {
  orm: MikroORM;
  temporal: TemporalGateway;
  logger?: Logger;
}

/** Links a connection to its CloudSign team's Hook URL, made the first time the team is met. */
export async function attachHookEndpoint(em: EntityManager, input: { connectionId: string; teamId: string | null | undefined; secretsKey: string }): Promise<string> {
  const endpointId = await ensureHookEndpoint(em, { teamKey: hookTeamKey(input), secretsKey: input.secretsKey });
  await setHookEndpoint(em, { connectionId: input.connectionId, endpointId });
  return endpointId;
}

/** The Hook URL an admin pastes into CloudSign (チーム設定 → Webhook); null until the connection's team is known. */
export async function hookUrlOf(
  deps: { orm: MikroORM; secretsKey: string; publicBaseUrl: string },
  connection: Pick<Connection, 'hookEndpointId' | 'status'>,
): Promise<string | null> {
  if (!connection.hookEndpointId || connection.status === 'disconnected') return null;
  const token = await hookTokenOf(deps.orm.em.fork(), { endpointId: connection.hookEndpointId, secretsKey: deps.secretsKey });
  return token && `${deps.publicBaseUrl.replace(/\/+$/, '')}/hooks/cloudsign/${token}`;
}

/**
 * The Hook URL of a CloudSign team, made if it is new: for `npm run dev`, which registers it with the simulator
 * before any connection exists (the team's connections then share it).
 */
export async function hookUrlOfTeam(deps: { orm: MikroORM; secretsKey: string; publicBaseUrl: string }, teamId: string): Promise<string> {
  const endpointId = await ensureHookEndpoint(deps.orm.em.fork(), { teamKey: hookTeamKey({ connectionId: '', teamId }), secretsKey: deps.secretsKey });
  return (await hookUrlOf(deps, { hookEndpointId: endpointId, status: 'idle' }))!;
}

/** A hook as its endpoint parsed it: only the ID and the state are used, and only as a hint. */
export interface ReceivedHook {
  documentId: string;
  status: number;
}

/**
 * Records a hook for the endpoint `token` opens (one look-up; null for any other token, which changes
 * nothing). What the connections must import is committed before this returns; telling their workflows is
 * `deliver`, which the caller runs after answering, so that the answer never waits on Temporal.
 */
export async function receiveHook(deps: HookServiceDeps, input: { token: string; hook: ReceivedHook }): Promise<{ deliver: () => Promise<void> } | null> {
  const endpointId = await hookEndpointByToken(deps.orm.em.fork(), input.token);
  if (!endpointId) return null;
  const { queued } = await recordHook(deps.orm.em.fork(), { endpointId, documentId: input.hook.documentId, status: input.hook.status });
  return { deliver: () => signalHookImports(deps, queued) };
}

/**
 * Tells each connection's workflow that hook imports wait, and records which were told. One that cannot be
 * told now (Temporal down, its workflow not started yet) stays unsignalled: deliverUnsignalledHooks retries.
 */
export async function signalHookImports(deps: HookServiceDeps, connections: readonly { connectionId: string; managementId: string }[]): Promise<void> {
  if (!connections.length) return;
  try {
    const signalled = new Set(await signalEach(deps.temporal, connections.map((c) => connectionWorkflowId(c.managementId)), hookReceivedSignal));
    const connectionIds = connections.filter((c) => signalled.has(connectionWorkflowId(c.managementId))).map((c) => c.connectionId);
    await recordHooksSignalled(deps.orm.em.fork(), { connectionIds });
  } catch (error) {
    (deps.logger ?? silentLogger).warn('hook imports not signalled yet; the API tries again shortly', { error: (error as Error).message.split('\n')[0] });
  }
}

/** The repair round's part for hooks (api/server.ts): connections whose hook signal did not go out, told again. */
export async function deliverUnsignalledHooks(deps: HookServiceDeps): Promise<number> {
  const connections = await connectionsWithUnsignalledHooks(deps.orm.em.fork(), { limit: 100 });
  await signalHookImports(deps, connections);
  return connections.length;
}

/**
 * The repair round's upkeep of the hook tables (api/server.ts): what is older than HOOK_HISTORY_DAYS goes.
 * Logged when anything went, so an operator sees the tables kept small.
 */
export async function pruneOldHooks(deps: Pick<HookServiceDeps, 'orm' | 'logger'>, now = new Date()): Promise<{ hooks: number; hookImports: number }> {
  const pruned = await pruneHookHistory(deps.orm.em.fork(), { before: new Date(now.getTime() - HOOK_HISTORY_DAYS * 86_400_000) });
  if (pruned.hooks || pruned.hookImports) (deps.logger ?? silentLogger).info('old hooks pruned', { ...pruned, olderThanDays: HOOK_HISTORY_DAYS });
  return pruned;
}
