/** The Mailer port (defined here, where it is used) and the SMTP implementation with nodemailer. */
import nodemailer from 'nodemailer';

export interface MailAttachment {
  readonly filename: string;
  readonly content: Buffer;
  readonly contentType: string;
}

export interface MailMessage {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly attachments?: readonly MailAttachment[];
}

export interface Mailer {
  /** Sends one message; rejects when the server does not accept it. */
  send(message: MailMessage): Promise<{ messageId: string }>;
}

export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  readonly user?: string;
  readonly password?: string;
  readonly from: string;
  /** 'required' (default): implicit TLS on 465, STARTTLS required elsewhere; 'off' only when explicitly set. */
  readonly tls: 'required' | 'off';
  /** Accept a self-signed server certificate (a lab or test server); never the default. */
  readonly allowSelfSigned?: boolean;
  readonly timeoutMs?: number;
}

/** SMTP settings from the environment (SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_FROM, SMTP_TLS). */
export function smtpSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): SmtpSettings | null {
  if (!env.SMTP_HOST) return null;
  const port = Number(env.SMTP_PORT ?? 587);
  return {
    host: env.SMTP_HOST,
    port,
    ...(env.SMTP_USER ? { user: env.SMTP_USER } : {}),
    ...(env.SMTP_PASSWORD ? { password: env.SMTP_PASSWORD } : {}),
    from: env.SMTP_FROM ?? `pbx-router <pbx-router@${env.SMTP_HOST}>`,
    tls: env.SMTP_TLS === 'off' ? 'off' : 'required',
    allowSelfSigned: env.SMTP_TLS_SELF_SIGNED === '1',
  };
}

/** A Mailer over SMTP. */
export function smtpMailer(s: SmtpSettings): Mailer {
  const transport = nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.tls === 'required' && s.port === 465,
    requireTLS: s.tls === 'required' && s.port !== 465,
    ignoreTLS: s.tls === 'off',
    ...(s.user ? { auth: { user: s.user, pass: s.password ?? '' } } : {}),
    tls: { rejectUnauthorized: !s.allowSelfSigned },
    connectionTimeout: s.timeoutMs ?? 10_000,
    greetingTimeout: s.timeoutMs ?? 10_000,
    socketTimeout: s.timeoutMs ?? 20_000,
  });
  return {
    async send(m) {
      const info = await transport.sendMail({
        from: s.from,
        to: [...m.to],
        subject: m.subject,
        text: m.text,
        attachments: (m.attachments ?? []).map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })),
      });
      return { messageId: String(info.messageId) };
    },
  };
}
