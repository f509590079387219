/**
 * Texts to callers and who opted out of them, in SQLite. Each text is a row of `sms_outbox` from
 * the moment it is asked for until it is sent or given up, with every attempt counted: a down
 * provider delays a text, a restart does not lose it, and nothing is sent twice (see claim()).
 *
 * Statuses: queued (waiting for its first or next try), sent (the provider accepted it), refused
 * (the provider answered a 4xx other than 429: it will never take this text; or the number opted
 * out while it waited), failed (given up
 * after the retries, or a time-out with a provider that has no idempotency key).
 *
 * Opt-outs live here and not in the routing YAML: they are patients' numbers (patient data, which
 * the config must not hold) and come in at run time (a STOP reply, a request at the front desk);
 * they are per site, and the site `*` means every site.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';

export type SmsStatus = 'queued' | 'sent' | 'failed' | 'refused';

/** The opt-out site that covers every site (a STOP sent to a number shared by all sites). */
export const ALL_SITES = '*';

export interface SmsRecord {
  readonly id: number;
  readonly callId: string | null;
  /** E.164. */
  readonly to: string;
  /** The message id of the config (sms.messages). */
  readonly message: string;
  readonly language: string;
  /** The text as sent, placeholders filled in. */
  readonly body: string;
  readonly site: string | null;
  readonly status: SmsStatus;
  readonly attempts: number;
  /** When a queued text is (re)tried; null once it is no longer queued. */
  readonly nextAttempt: number | null;
  /** Set while an attempt is under way: still set when a text is due again, that attempt was cut short (a crash). */
  readonly sendingSince: number | null;
  /** Sent with every attempt of this text, the same each time, so the provider can drop repeats. */
  readonly idempotencyKey: string;
  readonly providerId: string | null;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly sentAt: number | null;
  /** When it became sent, failed or refused. */
  readonly finishedAt: number | null;
}

export type NewSms = Pick<SmsRecord, 'callId' | 'to' | 'message' | 'language' | 'body' | 'site' | 'createdAt'>;

export interface SmsOptOut {
  readonly site: string;
  readonly number: string;
  readonly at: number;
  /** Where it came from, e.g. `stop-reply`, `front-desk`, `admin`. */
  readonly source: string;
}

const COLS = `id, call_id AS callId, to_number AS "to", message, language, body, site, status, attempts, next_attempt AS nextAttempt, sending_since AS sendingSince,
  idempotency_key AS idempotencyKey, provider_id AS providerId, last_error AS lastError, created_at AS createdAt, sent_at AS sentAt,
  finished_at AS finishedAt`;

/** How much of a provider's error is kept: enough to read it, not a whole HTML error page. */
const ERROR_CHARS = 500;

export class SmsStore {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = {
      insert: db.prepare(`INSERT INTO sms_outbox (call_id, to_number, message, language, body, site, status, next_attempt, idempotency_key, created_at)
        VALUES (@callId, @to, @message, @language, @body, @site, 'queued', @createdAt, @key, @createdAt)`),
      get: db.prepare(`SELECT ${COLS} FROM sms_outbox WHERE id = ?`),
      forCall: db.prepare(`SELECT ${COLS} FROM sms_outbox WHERE call_id = ? ORDER BY id`),
      due: db.prepare(`SELECT ${COLS} FROM sms_outbox WHERE status = 'queued' AND next_attempt <= ? ORDER BY next_attempt, id LIMIT ?`),
      queued: db.prepare(`SELECT ${COLS} FROM sms_outbox WHERE status = 'queued' ORDER BY id`),
      claim: db.prepare(`UPDATE sms_outbox SET attempts = attempts + 1, sending_since = ?, next_attempt = ? WHERE id = ? AND status = 'queued' AND next_attempt <= ?`),
      sent: db.prepare(`UPDATE sms_outbox SET status = 'sent', provider_id = ?, sent_at = ?, finished_at = ?, next_attempt = NULL, sending_since = NULL, last_error = NULL WHERE id = ? AND status = 'queued'`),
      retry: db.prepare(`UPDATE sms_outbox SET last_error = ?, next_attempt = ?, sending_since = NULL WHERE id = ? AND status = 'queued'`),
      finish: db.prepare(`UPDATE sms_outbox SET status = ?, last_error = ?, finished_at = ?, next_attempt = NULL, sending_since = NULL WHERE id = ? AND status = 'queued'`),
      toNumber: db.prepare(`SELECT COUNT(*) AS n FROM sms_outbox WHERE to_number = ? AND created_at >= ? AND status <> 'refused'`),
      sentBetween: db.prepare(`SELECT COUNT(*) AS n FROM sms_outbox WHERE status = 'sent' AND sent_at >= ? AND sent_at < ?`),
      byStatus: db.prepare(`SELECT status, COUNT(*) AS n FROM sms_outbox WHERE created_at >= ? AND created_at < ? GROUP BY status`),
      optOut: db.prepare(`INSERT INTO sms_opt_outs (site, number, at, source) VALUES (?, ?, ?, ?) ON CONFLICT (site, number) DO NOTHING`),
      optIn: db.prepare(`DELETE FROM sms_opt_outs WHERE site = ? AND number = ?`),
      optedOut: db.prepare(`SELECT 1 FROM sms_opt_outs WHERE number = ? AND site IN (?, '${ALL_SITES}') LIMIT 1`),
      optOuts: db.prepare(`SELECT site, number, at, source FROM sms_opt_outs ORDER BY site, number`),
      optInEverywhere: db.prepare(`DELETE FROM sms_opt_outs WHERE number = ?`),
      list: db.prepare(`SELECT ${COLS} FROM sms_outbox WHERE created_at >= @since AND (@status IS NULL OR status = @status) ORDER BY created_at DESC, id DESC LIMIT @limit`),
    };
  }

  /** Queues a text (status queued, due now); returns its id. Its idempotency key is made here, once. */
  queue(s: NewSms): number {
    return Number(this.stmt.insert.run({ ...s, key: randomUUID() }).lastInsertRowid);
  }

  /** One text. */
  get(id: number): SmsRecord | undefined {
    return this.stmt.get.get(id) as SmsRecord | undefined;
  }

  /** The texts of one call, in order. */
  forCall(callId: string): SmsRecord[] {
    return this.stmt.forCall.all(callId) as SmsRecord[];
  }

  /** Queued texts due to be tried now, oldest due first, at most `limit`. */
  due(now: number, limit = 100): SmsRecord[] {
    return this.stmt.due.all(now, limit) as SmsRecord[];
  }

  /** Every text still queued. */
  queued(): SmsRecord[] {
    return this.stmt.queued.all() as SmsRecord[];
  }

  /**
   * Takes a due text for one attempt before it is sent: counts the attempt, marks it sending and
   * moves its next try to `retryAt`, so a send cut short by a crash comes back then, still marked
   * (see sendingSince). False when it is no longer queued and due (another run took it, or it finished).
   */
  claim(id: number, now: number, retryAt: number): boolean {
    return this.stmt.claim.run(now, retryAt, id, now).changes === 1;
  }

  /** The provider accepted it. */
  markSent(id: number, at: number, providerId: string | null): void {
    this.stmt.sent.run(providerId, at, at, id);
  }

  /** This attempt failed in a way worth retrying; it is tried again at `nextAttempt`. */
  markRetry(id: number, error: string, nextAttempt: number): void {
    this.stmt.retry.run(error.slice(0, ERROR_CHARS), nextAttempt, id);
  }

  /** It will not be tried again: refused by the provider, or failed after the retries. */
  markFinished(id: number, status: 'failed' | 'refused', at: number, error: string): void {
    this.stmt.finish.run(status, error.slice(0, ERROR_CHARS), at, id);
  }

  /** Texts to this number asked for since `since` (all but those the provider refused): the hourly limit. */
  countToNumberSince(number: string, since: number): number {
    return (this.stmt.toNumber.get(number, since) as { n: number }).n;
  }

  /** Texts the provider accepted in [from, to): the metrics counter and the report. */
  countSent(from: number, to: number): number {
    return (this.stmt.sentBetween.get(from, to) as { n: number }).n;
  }

  /** Texts asked for in [from, to) by their status now: the report. */
  countByStatus(from: number, to: number): Record<SmsStatus, number> {
    const out: Record<SmsStatus, number> = { queued: 0, sent: 0, failed: 0, refused: 0 };
    for (const r of this.stmt.byStatus.all(from, to) as { status: SmsStatus; n: number }[]) out[r.status] = r.n;
    return out;
  }

  /** The number gets no more texts for this site (`*`: any site); a repeat keeps the first record. */
  optOut(site: string, number: string, at: number, source: string): void {
    this.stmt.optOut.run(site, number, at, source);
  }

  /** Undoes an opt-out for exactly this site (or `*`); true when there was one. */
  optIn(site: string, number: string): boolean {
    return this.stmt.optIn.run(site, number).changes === 1;
  }

  /** Whether the number opted out of texts from this site or from every site. */
  isOptedOut(site: string | null, number: string): boolean {
    return this.stmt.optedOut.get(number, site ?? ALL_SITES) !== undefined;
  }

  /** Undoes every opt-out of the number (each site's and `*`); how many there were. */
  optInEverywhere(number: string): number {
    return this.stmt.optInEverywhere.run(number).changes;
  }

  /** Texts asked for since `since`, newest first, only those with this status when one is given; at most `limit`. */
  list(since: number, status: SmsStatus | null = null, limit = 1000): SmsRecord[] {
    return this.stmt.list.all({ since, status, limit }) as SmsRecord[];
  }

  /** Every opt-out, by site then number. */
  optOuts(): SmsOptOut[] {
    return this.stmt.optOuts.all() as SmsOptOut[];
  }
}
