import type { Mailer } from '@milepost/engine';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';

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

/**
 * Builds a mailer that sends through the SMTP server at `url`. `options` override what the URL
 * sets, such as `ignoreTLS` for a local server that offers no TLS.
 */
export function smtpMailer(url: string, from: string, options: SMTPTransport.Options = {}): Mailer {
  const transport = nodemailer.createTransport({ url, ...options } as SMTPTransport.Options);
  return {
    async send(message) {
      await transport.sendMail({ from, ...message });
    },
  };
}
