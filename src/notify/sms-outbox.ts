/**
 * Sends queued texts with retries, one flush at a time (smsOutbox runs flushSms through a
 * serialRunner, like the email outbox). What a provider answered decides what happens next:
 *
 * - accepted: sent, with the provider's id;
 * - refused (a 4xx other than 429: a bad number, a number that cannot take texts): refused at
 *   once, it would be refused again;
 * - retry (429, 5xx, no connection, no answer in time): tried again after a growing delay, or
 *   after the provider's Retry-After, until sms.maxAttempts; then failed.
 *
 * A text whose number opted out (for its site or every site) after it was queued is not sent: it
 * ends refused, saying so.
 *
 * Nothing is sent twice. Every attempt of a text carries the same idempotency key, so a provider
 * that honours it drops a repeat of a send whose answer was lost. When the outcome is uncertain
 * (no answer in time, the connection cut after the request went out, a 5xx other than 503, or
 * the engine stopped during the attempt) and the provider has no idempotency key (idempotencyHeader: false), the text is
 * not retried: it is recorded as failed, saying it may have been sent. A missed text is better
 * than a patient texted twice, and the call flow never depends on it.
 */
import type { CompiledSms } from '../routing/types.js';
import type { SmsRecord, SmsStore } from '../store/sms-store.js';
import { type RunOutcome, serialRunner } from './serial-runner.js';

/** One text as the provider gets it. */
export interface SmsOutgoing {
  readonly to: string;
  readonly from: string;
  readonly text: string;
  /** The same on every attempt of this text. */
  readonly idempotencyKey: string;
}

/** What became of one attempt (values, not exceptions). */
export type SmsSendResult =
  | { readonly kind: 'accepted'; readonly providerId: string | null }
  | { readonly kind: 'refused'; readonly error: string }
  /** `uncertain`: the provider may have accepted it (no answer in time, connection cut after sending). */
  | { readonly kind: 'retry'; readonly error: string; readonly retryAfterMs: number | null; readonly uncertain: boolean };

/** The SMS provider port (an HTTP API in production, sms-provider.ts). */
export interface SmsSender {
  /** Sends one text; never rejects: every failure is a result. */
  send(message: SmsOutgoing): Promise<SmsSendResult>;
}

export interface SmsOutboxDeps {
  readonly store: SmsStore;
  /** The running plan's sms section; null: texts stay queued (texting was removed from the config). */
  readonly sms: CompiledSms | null;
  readonly sender: SmsSender;
  readonly now: () => number;
  readonly log?: (m: string) => void;
}

/** Why 15 s doubling to 10 min: a provider's hiccup passes in seconds, and a text about a wait or opening hours is stale after an hour. */
export function smsRetryDelay(attempts: number): number {
  return Math.min(10 * 60_000, 15_000 * 2 ** Math.max(0, attempts - 1));
}

/** A Retry-After longer than this is not waited for in full: the text would be stale. */
const MAX_RETRY_AFTER_MS = 15 * 60_000;

/** How long a claimed text is held before a crashed attempt comes back: past any provider time-out. */
const CLAIM_MS = 2 * 60_000;

export interface SmsFlushResult {
  readonly sent: number;
  readonly retried: number;
  readonly failed: number;
  readonly refused: number;
}

/** Tries every text that is due once; returns what became of them. */
export async function flushSms(d: SmsOutboxDeps): Promise<SmsFlushResult> {
  const out = { sent: 0, retried: 0, failed: 0, refused: 0 };
  if (!d.sms) {
    const waiting = d.store.due(d.now()).length;
    if (waiting > 0) d.log?.(`${waiting} text(s) wait in the SMS outbox, but the config has no sms: section; they are sent once it has one again`);
    return out;
  }
  const idempotent = d.sms.provider.idempotencyHeader !== null;
  for (const sms of d.store.due(d.now())) {
    const label = `text ${sms.id} (${sms.message}${sms.callId ? `, call ${sms.callId}` : ''})`;
    if (sms.sendingSince !== null && !idempotent) {
      d.store.markFinished(sms.id, 'failed', d.now(), 'the engine stopped during a send; not retried: the provider has no idempotency key and may have sent it');
      d.log?.(`${label}: an attempt was cut short and the provider cannot drop a repeat; recorded as failed, not sent again`);
      out.failed++;
      continue;
    }
    // A STOP (or the front desk) may come in while a text waits for a retry: it is then never sent.
    if (d.store.isOptedOut(sms.site, sms.to)) {
      d.store.markFinished(sms.id, 'refused', d.now(), 'not sent: the number opted out of texts before it went out');
      d.log?.(`${label}: the number opted out before it was sent; not sent`);
      out.refused++;
      continue;
    }
    if (!d.store.claim(sms.id, d.now(), d.now() + Math.max(CLAIM_MS, 2 * d.sms.provider.timeoutMs))) continue;
    const attempt = sms.attempts + 1;
    const result = await safeSend(d.sender, { to: sms.to, from: d.sms.from, text: sms.body, idempotencyKey: sms.idempotencyKey });
    const outcome = settle(d, sms, attempt, result, idempotent);
    out[outcome]++;
    if (outcome !== 'sent') d.log?.(`${label}: attempt ${attempt} ${outcome === 'retried' ? 'failed' : outcome}: ${d.store.get(sms.id)?.lastError ?? ''}`);
  }
  return out;
}

function settle(d: SmsOutboxDeps, sms: SmsRecord, attempt: number, r: SmsSendResult, idempotent: boolean): keyof SmsFlushResult {
  const now = d.now();
  if (r.kind === 'accepted') {
    d.store.markSent(sms.id, now, r.providerId);
    return 'sent';
  }
  if (r.kind === 'refused') {
    d.store.markFinished(sms.id, 'refused', now, r.error);
    return 'refused';
  }
  if (r.uncertain && !idempotent) {
    d.store.markFinished(sms.id, 'failed', now, `${r.error}; not retried: the provider has no idempotency key and may have sent it`);
    return 'failed';
  }
  if (attempt >= d.sms!.maxAttempts) {
    d.store.markFinished(sms.id, 'failed', now, `${r.error}; gave up after ${attempt} attempt(s)`);
    return 'failed';
  }
  const wait = Math.max(smsRetryDelay(attempt), Math.min(r.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
  d.store.markRetry(sms.id, r.error, now + wait);
  return 'retried';
}

/** A sender that throws (a bug) is an uncertain failure, never a stopped flush. */
async function safeSend(sender: SmsSender, m: SmsOutgoing): Promise<SmsSendResult> {
  try {
    return await sender.send(m);
  } catch (e) {
    return { kind: 'retry', error: `the SMS sender failed: ${(e as Error).message}`, retryAfterMs: null, uncertain: true };
  }
}

export interface SmsOutbox {
  /** Flushes after the current flush, if any; never rejects. */
  flush(): Promise<RunOutcome<SmsFlushResult>>;
}

/** The outbox as the engine runs it: one flush at a time, each with the deps of that moment (the running plan). */
export function smsOutbox(deps: () => SmsOutboxDeps, onError: (e: Error) => void): SmsOutbox {
  const runner = serialRunner(() => flushSms(deps()), onError);
  return { flush: () => runner.run() };
}
