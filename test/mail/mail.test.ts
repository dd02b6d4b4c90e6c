import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INCIDENT_KINDS, createMailer, incidentMail, reviewReminderMail } from '../../src/mail';
import * as smtp from '../support/smtp';

describe('mail', () => {
  let server: Awaited<ReturnType<typeof smtp.start>>;
  beforeAll(async () => {
    server = await smtp.start();
  });
  afterAll(async () => {
    await server.close();
  });

  it('sends an incident e-mail over SMTP that arrives whole, Japanese included', async () => {
    const mailer = createMailer({ smtpUrl: server.url, from: 'cloudsign-sync <sync@example.jp>' });
    const mail = incidentMail({ kind: 'forbidden', managementId: 'CS-0007', connectionName: '法務部', message: 'CloudSign refused access (403).' });
    await mailer.send({ to: ['admin@example.jp', 'owner@example.jp'], ...mail });

    const received = await server.waitFor((m) => m.subject.includes('CS-0007'), 5_000);
    expect(received.from).toBe('sync@example.jp');
    expect(received.to.sort()).toEqual(['admin@example.jp', 'owner@example.jp']);
    expect(received.subject).toBe(mail.subject);
    expect(received.text.trim()).toBe(mail.text.trim());
  });

  it('gives every incident the management ID, what happened and how to fix it, in Japanese and English', () => {
    for (const kind of [...INCIDENT_KINDS, 'something_new']) {
      const { subject, text } = incidentMail({ kind, managementId: 'CS-0042', connectionName: 'Sales', message: 'detail from the activity' });
      expect(subject, kind).toContain('CS-0042');
      expect(text, kind).toContain('管理ID: CS-0042');
      expect(text, kind).toContain('Management ID: CS-0042');
      expect(text, kind).toMatch(/対処方法: .+/);
      expect(text, kind).toMatch(/How to fix it: .+/);
      expect(text, kind).toContain('detail from the activity');
    }
  });

  it('names both causes of a refusal: a disabled CloudSign user and the IP address restriction', () => {
    const { text } = incidentMail({ kind: 'forbidden', managementId: 'CS-0001', connectionName: 'x', message: '' });
    expect(text).toMatch(/無効化/);
    expect(text).toMatch(/IPアドレス制限/);
    expect(text).toMatch(/disabled or deleted/);
    expect(text).toMatch(/IP address restriction/);
  });

  it('reminds reviewers how many documents wait', () => {
    const { subject, text } = reviewReminderMail({ managementId: 'CS-0003', connectionName: '総務', pending: 12 });
    expect(subject).toContain('CS-0003');
    expect(text).toContain('12件');
    expect(text).toContain('12 document(s)');
  });
});
