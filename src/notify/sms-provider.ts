/**
 * The SmsSender over a generic HTTP API: one POST per text to the configured URL, with basic or
 * bearer credentials from the secrets file (never the routing YAML), a form or JSON body built
 * from the config's field templates, and the text's idempotency key in a header. The answer is
 * turned into a result: 2xx accepted, 429 and 5xx retry (Retry-After kept), other 4xx refused; a
 * retry is `uncertain` when the provider may have taken the text anyway.
 */
import type { SmsProvider } from '../routing/types.js';
import type { SmsOutgoing, SmsSendResult, SmsSender } from './sms-outbox.js';

/** Secrets of the provider, from the secrets file or the environment. */
export interface SmsCredentials {
  readonly user?: string;
  readonly password?: string;
  readonly token?: string;
}

/** The secret names each auth scheme reads. */
export const SMS_SECRET_KEYS = { basic: ['SMS_PROVIDER_USER', 'SMS_PROVIDER_PASSWORD'], bearer: ['SMS_PROVIDER_TOKEN'], none: [] } as const;

/** The credentials the provider's auth needs, or what is missing (names only, never values). */
export function smsCredentialsFromEnv(auth: SmsProvider['auth'], env: NodeJS.ProcessEnv): { ok: true; credentials: SmsCredentials } | { ok: false; message: string } {
  const missing = SMS_SECRET_KEYS[auth].filter((k) => !env[k]);
  if (missing.length > 0) {
    return { ok: false, message: `sms.provider.auth is ${auth}, but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set; add ${missing.length > 1 ? 'them' : 'it'} to the secrets file (or the environment); texts wait in the outbox until then` };
  }
  if (auth === 'basic') return { ok: true, credentials: { user: env.SMS_PROVIDER_USER!, password: env.SMS_PROVIDER_PASSWORD! } };
  if (auth === 'bearer') return { ok: true, credentials: { token: env.SMS_PROVIDER_TOKEN! } };
  return { ok: true, credentials: {} };
}

/** Network failures where the request certainly never reached the provider (safe to retry without a key). */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** How much of an error answer is kept. */
const ERROR_CHARS = 200;

export interface HttpSmsOptions {
  /** For Retry-After given as a date. */
  readonly now?: () => number;
}

/** A sender for this provider and these credentials. */
export function httpSmsSender(p: SmsProvider, credentials: SmsCredentials, o: HttpSmsOptions = {}): SmsSender {
  const now = o.now ?? Date.now;
  const url = p.url.replaceAll('{user}', encodeURIComponent(credentials.user ?? ''));
  return {
    async send(m) {
      const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'pbx-router' };
      if (p.auth === 'basic') headers.authorization = `Basic ${Buffer.from(`${credentials.user ?? ''}:${credentials.password ?? ''}`).toString('base64')}`;
      if (p.auth === 'bearer') headers.authorization = `Bearer ${credentials.token ?? ''}`;
      if (p.idempotencyHeader !== null) headers[p.idempotencyHeader] = m.idempotencyKey;
      const fields = Object.fromEntries(Object.entries(p.fields).map(([k, t]) => [k, fill(t, m)]));
      headers['content-type'] = p.body === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
      const body = p.body === 'json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
      const signal = AbortSignal.timeout(p.timeoutMs);
      let res: Response;
      let text: string;
      try {
        // redirect: manual: a redirected POST would silently become a GET (and lose the text).
        res = await fetch(url, { method: 'POST', headers, body, signal, redirect: 'manual' });
        text = await res.text();
      } catch (e) {
        return networkFailure(e, p.timeoutMs);
      }
      return answer(res, text, p.idField, now());
    },
  };
}

function fill(template: string, m: SmsOutgoing): string {
  const values: Record<string, string> = { to: m.to, from: m.from, text: m.text, key: m.idempotencyKey };
  return template.replace(/\{([^{}]*)\}/g, (all, name: string) => values[name] ?? all);
}

function answer(res: Response, text: string, idField: string, now: number): SmsSendResult {
  const status = res.status;
  if (status >= 200 && status < 300) return { kind: 'accepted', providerId: idOf(text, idField) };
  const error = `HTTP ${status}${reasonOf(text) ? `: ${reasonOf(text)}` : ''}`;
  if (status === 429) return { kind: 'retry', error, retryAfterMs: retryAfter(res.headers.get('retry-after'), now), uncertain: false };
  // Only a 503 says the request was not taken; a 500, 502 or 504 can come after the provider (or
  // the service behind its gateway) already accepted the text.
  if (status >= 500) return { kind: 'retry', error, retryAfterMs: retryAfter(res.headers.get('retry-after'), now), uncertain: status !== 503 };
  if (status >= 300 && status < 400) return { kind: 'refused', error: `${error}; the provider URL redirects (to ${res.headers.get('location') ?? '?'}): put the final URL in sms.provider.url` };
  return { kind: 'refused', error };
}

function networkFailure(e: unknown, timeoutMs: number): SmsSendResult {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') {
    return { kind: 'retry', error: `no answer within ${timeoutMs / 1000} s`, retryAfterMs: null, uncertain: true };
  }
  const code = err.cause?.code ?? '';
  const why = code || err.cause?.message || err.message;
  return { kind: 'retry', error: `cannot reach the SMS provider: ${why}`, retryAfterMs: null, uncertain: !NOT_SENT.has(code) };
}

/** The provider's message id at a dotted path of its JSON answer, or null. */
function idOf(text: string, path: string): string | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  for (const key of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
}

/** What an error answer says: a JSON message (Twilio: message; others: error, detail), else the text. */
function reasonOf(text: string): string {
  let reason = text;
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const e = j.error;
    const nested = e !== null && typeof e === 'object' ? (e as Record<string, unknown>).message : undefined;
    const first = [j.message, nested, e, j.detail, j.error_description].find((x) => typeof x === 'string');
    if (typeof first === 'string') reason = first;
  } catch {
    // Not JSON: the text itself.
  }
  return reason.replace(/\s+/g, ' ').trim().slice(0, ERROR_CHARS);
}

/** Retry-After in seconds or as an HTTP date, in milliseconds from now; null when absent or unreadable. */
export function retryAfter(header: string | null, now: number): number | null {
  if (header === null || header.trim() === '') return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
