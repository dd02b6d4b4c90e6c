import nodemailer from 'nodemailer';

export { INCIDENT_KINDS, incidentMail, reviewReminderMail, type IncidentKind, type MailContent } from './messages';

export interface Mailer {
  send(message: { to: string[]; subject: string; text: string }): Promise<void>;
}

/** Sends mail over SMTP (`smtp://` or `smtps://`, credentials in the URL when the server needs them). */
export function createMailer({ smtpUrl, from }: { smtpUrl: string; from: string }): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send({ to, subject, text }) {
      if (!to.length) return;
      await transport.sendMail({ from, to, subject, text });
    },
  };
}
