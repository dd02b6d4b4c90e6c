import { defineEntity, p } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { newId } from './ids';

/**
 * The mail outbox: an e-mail is written here in the same transaction as what caused it (an incident, a
 * reminder), so that it is sent if and only if that happened, and sent later by its own sender
 * (src/mail/outbox.ts), outside any transaction and never on a workflow's critical path. Each mail has a
 * stable Message-ID: if a sender dies after SMTP took a mail and before it was marked sent, the mail goes out
 * again with the same ID, and mail clients show it once.
 */
export const OutboxMailEntity = defineEntity({
  name: 'OutboxMail',
  tableName: 'mail_outbox',
  properties: {
    id: p.uuid().primary().onCreate(() => newId()),
    messageId: p.string().length(200).unique(),
    recipients: p.array().columnType('text[]'),
    subject: p.string().length(1000),
    body: p.text(),
    createdAt: p.datetime(),
    /** Not before then: a failed attempt waits, a claimed mail is its sender's until then. */
    nextAttemptAt: p.datetime(),
    attempts: p.integer().default(0),
    lastError: p.text().nullable(),
    sentAt: p.datetime().nullable(),
  },
  indexes: [{ name: 'mail_outbox_due_index', properties: ['sentAt', 'nextAttemptAt'] }],
});

export interface OutboxMail {
  id: string;
  messageId: string;
  to: string[];
  subject: string;
  text: string;
  attempts: number;
}

/** Queues a mail in `em`'s transaction; a mail to nobody is not queued. Returns its ID, or null. */
export async function queueMail(em: EntityManager, mail: { to: string[]; subject: string; text: string }): Promise<string | null> {
  if (!mail.to.length) return null;
  const id = newId();
  await em.insert(OutboxMailEntity, {
    id,
    messageId: `<${id}@cloudsign-sync>`,
    recipients: mail.to,
    subject: mail.subject,
    body: mail.text,
    createdAt: new Date(),
    nextAttemptAt: new Date(0),
    attempts: 0,
  });
  return id;
}

/**
 * Claims the oldest mail that is due, for `leaseMs`: another sender skips it meanwhile, and takes it over once
 * the lease has run out (its sender died). One at a time, just before it is sent, so that the lease covers one
 * send. The database's clock decides, for every sender alike. Undefined when nothing is due.
 */
export async function claimDueMail(em: EntityManager, input: { leaseMs: number }): Promise<OutboxMail | undefined> {
  const [row] = await em.execute<{ id: string; message_id: string; recipients: string[]; subject: string; body: string; attempts: number }[]>(
    `update mail_outbox set next_attempt_at = clock_timestamp() + make_interval(secs => ?)
     where id = (select id from mail_outbox where sent_at is null and next_attempt_at <= clock_timestamp()
                 order by created_at limit 1 for update skip locked)
     returning id, message_id, recipients, subject, body, attempts`,
    [input.leaseMs / 1000],
  );
  return row && { id: row.id, messageId: row.message_id, to: row.recipients, subject: row.subject, text: row.body, attempts: row.attempts };
}

export async function markMailSent(em: EntityManager, id: string): Promise<void> {
  await em.nativeUpdate(OutboxMailEntity, { id }, { sentAt: new Date(), lastError: null });
}

/** A failed attempt: tried again after `retryInMs`, the error kept for an operator. */
export async function markMailFailed(em: EntityManager, input: { id: string; error: string; retryInMs: number }): Promise<void> {
  await em.execute(
    `update mail_outbox set attempts = attempts + 1, last_error = ?, next_attempt_at = clock_timestamp() + make_interval(secs => ?) where id = ?`,
    [input.error.slice(0, 2000), input.retryInMs / 1000, input.id],
  );
}
