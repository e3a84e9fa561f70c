import type { Mailer } from '@milepost/engine';
import nodemailer from 'nodemailer';

/**
 * Builds the SMTP mailer for daily digests from `MILEPOST_SMTP_URL` (such as
 * `smtp://user:password@mail.example.com:587`) and `MILEPOST_MAIL_FROM`. Without a URL there is
 * no mailer and no digest is sent.
 */
export function mailerFromEnv(env: NodeJS.ProcessEnv = process.env): Mailer | undefined {
  const url = env.MILEPOST_SMTP_URL?.trim();
  if (!url) return undefined;
  return smtpMailer(url, env.MILEPOST_MAIL_FROM ?? 'Milepost <milepost@localhost>');
}

export function smtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    async send(message) {
      await transport.sendMail({ from, ...message });
    },
  };
}
