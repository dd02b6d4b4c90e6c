import { defineEntity, p } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, QUOTA_SUBJECT_ID, SYSTEM_ACTOR, type AuditActor } from './audit';
import { QuotaExhaustedError, ValidationError } from './errors';

/**
 * The ledger subscription's contract quota: every imported contract uses one. One row (id 1), created on
 * first use with DEFAULT_QUOTA_LIMIT; admins change the limit with `setQuotaLimit`.
 */
export const DEFAULT_QUOTA_LIMIT = 100_000;

export const QuotaEntity = defineEntity({
  name: 'Quota',
  tableName: 'quota',
  properties: {
    id: p.smallint().primary().autoincrement(false),
    limit: p.integer().fieldName('contract_limit'),
    used: p.integer(),
  },
  checks: [
    { name: 'quota_single_row', expression: 'id = 1' },
    { name: 'quota_used_within_limit', expression: 'used >= 0 and used <= contract_limit' },
  ],
});

export interface Quota {
  limit: number;
  used: number;
  remaining: number;
}

export async function getQuota(em: EntityManager): Promise<Quota> {
  const row = await em.findOne(QuotaEntity, { id: 1 }, { disableIdentityMap: true });
  return toQuota(row?.limit ?? DEFAULT_QUOTA_LIMIT, row?.used ?? 0);
}

/** Sets the limit; one below what is used already is refused. */
export async function setQuotaLimit(em: EntityManager, input: { limit: number; actor?: AuditActor }): Promise<Quota> {
  if (!Number.isSafeInteger(input.limit) || input.limit < 0 || input.limit > 2_147_483_647) {
    throw new ValidationError('invalid_quota', 'The quota limit is a whole number of contracts, 0 or more.', { limit: input.limit });
  }
  const row = await em.transactional(async (tx) => {
    // `before` reads the row as it was when the statement began: the limit this one replaces.
    const [changed] = await tx.execute<{ contract_limit: number; used: number; previous: number | null }[]>(
      `with before as (select contract_limit from quota where id = 1)
       insert into quota (id, contract_limit, used) values (1, ?, 0)
       on conflict (id) do update set contract_limit = excluded.contract_limit where quota.used <= excluded.contract_limit
       returning contract_limit, used, (select contract_limit from before) as previous`,
      [input.limit],
    );
    const from = changed?.previous ?? DEFAULT_QUOTA_LIMIT;
    if (changed && from !== changed.contract_limit) {
      recordAudit(tx, {
        actor: input.actor ?? SYSTEM_ACTOR,
        subject: { kind: 'quota', id: QUOTA_SUBJECT_ID },
        action: 'limit_changed',
        changes: { limit: { from, to: changed.contract_limit } },
      });
    }
    return changed;
  });
  if (row) return toQuota(row.contract_limit, row.used);
  const { used } = await getQuota(em);
  throw new ValidationError('quota_below_usage', `The limit cannot be ${input.limit}: ${used} contracts are imported already.`, {
    limit: input.limit,
    used,
  });
}

/**
 * Uses one contract of the quota, or throws QuotaExhaustedError. One atomic statement: concurrent imports
 * never exceed the limit. Call it inside the import's transaction, last, so that a rollback gives the
 * contract back and the row lock is held briefly.
 */
export async function consumeQuota(em: EntityManager): Promise<void> {
  const [row] = await em.execute<{ used: number }[]>(
    `insert into quota (id, contract_limit, used) values (1, ?, 1)
     on conflict (id) do update set used = quota.used + 1 where quota.used < quota.contract_limit
     returning used`,
    [DEFAULT_QUOTA_LIMIT],
  );
  if (row) return;
  const quota = await getQuota(em);
  throw new QuotaExhaustedError(quota.limit, quota.used);
}

function toQuota(limit: number, used: number): Quota {
  return { limit, used, remaining: Math.max(0, limit - used) };
}
