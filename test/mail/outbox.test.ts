import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { freePort } from '../../bench/support';
import type { MikroORM } from '../../src/db';
import { queueMail } from '../../src/ledger';
import { createMailer, createOutboxSender, type OutboxSender } from '../../src/mail';
import { startMailCatcher, type MailCatcher } from '../../src/mail/catcher';
import { eventually } from '../support/service';
import { openTestDatabase, resetDatabase } from '../support/database';

/** The mail outbox on real parts: the test database and a real SMTP server that goes away and comes back. */

let orm: MikroORM;
let port: number;
let sender: OutboxSender;
let catcher: MailCatcher | undefined;

beforeAll(async () => {
  orm = await openTestDatabase();
});
afterAll(async () => {
  await orm?.close();
});
beforeEach(async () => {
  await resetDatabase(orm);
  port = await freePort();
  const mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: 'cloudsign-sync <sync@test.invalid>' });
  sender = createOutboxSender({ orm, mailer, pollMs: 200, firstRetryMs: 200 });
  return async () => {
    await sender.stop();
    await catcher?.close();
    catcher = undefined;
  };
});

const outbox = () => orm.em.fork().execute<{ attempts: number; sent_at: Date | null; last_error: string | null }[]>('select attempts, sent_at, last_error from mail_outbox');

it('sends a queued mail once, with a stable Message-ID', async () => {
  catcher = await startMailCatcher({ port });
  sender.start();
  await queueMail(orm.em.fork(), { to: ['admin@example.jp'], subject: '[cloudsign-sync] CS-0001: 対応が必要です', text: '詳細' });
  sender.kick();
  const mail = await catcher.waitFor((m) => m.subject.includes('CS-0001'), 10_000);
  expect(mail.to).toEqual(['admin@example.jp']);
  expect(mail.messageId).toMatch(/^<[0-9a-f-]+@cloudsign-sync>$/);
  await eventually(async () => (await outbox())[0]?.sent_at, 5_000, 'the mail to be marked sent');
  // Later rounds find nothing to send.
  await new Promise((resolve) => setTimeout(resolve, 600));
  expect(catcher.messages).toHaveLength(1);
});

it('keeps a mail while SMTP is down, retrying, and delivers it exactly once when SMTP is back', async () => {
  sender.start();
  await queueMail(orm.em.fork(), { to: ['admin@example.jp'], subject: 'CS-0002: stalled', text: '詳細' });
  sender.kick();
  await eventually(async () => ((await outbox())[0]?.attempts ?? 0) >= 2, 10_000, 'two failed attempts');
  const [waiting] = await outbox();
  expect(waiting!.sent_at).toBeNull();
  expect(waiting!.last_error).toEqual(expect.any(String));

  catcher = await startMailCatcher({ port });
  await catcher.waitFor((m) => m.subject.includes('CS-0002'), 15_000);
  await eventually(async () => (await outbox())[0]?.sent_at, 5_000, 'the mail to be marked sent');
  await new Promise((resolve) => setTimeout(resolve, 600));
  expect(catcher.messages.filter((m) => m.subject.includes('CS-0002'))).toHaveLength(1);
});

it('queues nothing for a mail to nobody', async () => {
  expect(await queueMail(orm.em.fork(), { to: [], subject: 'x', text: 'y' })).toBeNull();
  expect(await outbox()).toEqual([]);
});
