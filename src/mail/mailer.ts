import nodemailer from 'nodemailer';

export interface Mailer {
  /** `messageId`: the same for every attempt at one mail, so that a mail sent twice is shown once. */
  send(message: { to: string[]; subject: string; text: string; messageId?: string }): Promise<void>;
}

/**
 * Sends mail over SMTP (`smtp://` or `smtps://`, credentials in the URL when the server needs them). A server
 * that does not answer fails a send within seconds: the outbox tries again later.
 */
export function createMailer({ smtpUrl, from }: { smtpUrl: string; from: string }): Mailer {
  const transport = nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
  return {
    async send({ to, subject, text, messageId }) {
      if (!to.length) return;
      await transport.sendMail({ from, to, subject, text, ...(messageId && { messageId }) });
    },
  };
}
