/** Compiling the `sms:` section: defaults filled in, each message keyed by language. */
import type { SmsConfig } from './schema.js';
import type { CompiledSms } from '../routing/types.js';

/** Seconds to wait for the provider by default: long enough for a slow API, short enough for a flush. */
export const DEFAULT_SMS_TIMEOUT_S = 10;

/** The compiled section; `language` keys a single-text message, `outboundCountry` is the fallback home country. */
export function compileSms(sms: SmsConfig, language: string, outboundCountry: string): CompiledSms {
  const p = sms.provider;
  return Object.freeze({
    from: sms.from,
    country: sms.country ?? outboundCountry,
    maxPerNumberPerHour: sms.maxPerNumberPerHour ?? 2,
    maxAttempts: sms.maxAttempts ?? 5,
    provider: Object.freeze({
      url: p.url,
      auth: p.auth,
      body: p.body,
      fields: Object.freeze({ ...p.fields }),
      idField: p.idField ?? 'id',
      idempotencyHeader: p.idempotencyHeader === false ? null : (p.idempotencyHeader ?? 'Idempotency-Key'),
      timeoutMs: (p.timeout ?? DEFAULT_SMS_TIMEOUT_S) * 1000,
    }),
    messages: new Map(Object.entries(sms.messages).map(([id, t]) => [id, Object.freeze(typeof t === 'string' ? { [language]: t } : { ...t })])),
  });
}
