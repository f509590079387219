/**
 * Voicemails and the email outbox in SQLite. A message and its pending email stay until the email
 * is delivered: a down SMTP server delays the email, it never loses the voicemail.
 */
import type { Db } from './db.js';

export interface VoicemailRecord {
  readonly id: number;
  readonly callId: string | null;
  readonly mailbox: string;
  readonly caller: string;
  readonly did: string;
  readonly site: string | null;
  readonly reason: string | null;
  readonly urgent: boolean;
  readonly recording: string;
  readonly duration: number;
  readonly createdAt: number;
  readonly purgedAt: number | null;
}

export interface OutboxRecord {
  readonly id: number;
  readonly voicemailId: number | null;
  readonly recipients: readonly string[];
  readonly subject: string;
  readonly body: string;
  /** The recording to attach, or null for a notification only. */
  readonly attach: string | null;
  readonly createdAt: number;
  readonly attempts: number;
  readonly nextAttempt: number;
  readonly lastError: string | null;
  readonly sentAt: number | null;
  readonly messageId: string | null;
}

const VM = `id, call_id AS callId, mailbox, caller, did, site, reason, urgent, recording, duration, created_at AS createdAt, purged_at AS purgedAt`;
const OB = `id, voicemail_id AS voicemailId, recipients, subject, body, attach, created_at AS createdAt, attempts, next_attempt AS nextAttempt,
  last_error AS lastError, sent_at AS sentAt, message_id AS messageId`;

type Row<T> = Omit<T, 'urgent' | 'recipients'> & { urgent?: number; recipients?: string };
const vm = (r: Row<VoicemailRecord> | undefined): VoicemailRecord | undefined => (r ? ({ ...r, urgent: r.urgent === 1 } as VoicemailRecord) : undefined);
const ob = (r: Row<OutboxRecord>): OutboxRecord => ({ ...r, recipients: JSON.parse(r.recipients ?? '[]') as string[] }) as OutboxRecord;

export class VoicemailStore {
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      insert: db.prepare(`INSERT INTO voicemails (call_id, mailbox, caller, did, site, reason, urgent, recording, duration, created_at)
        VALUES (@callId, @mailbox, @caller, @did, @site, @reason, @urgent, @recording, @duration, @createdAt)`),
      get: db.prepare(`SELECT ${VM} FROM voicemails WHERE id = ?`),
      list: db.prepare(`SELECT ${VM} FROM voicemails WHERE purged_at IS NULL ORDER BY created_at DESC, id DESC`),
      older: db.prepare(`SELECT ${VM} FROM voicemails WHERE purged_at IS NULL AND created_at < ? ORDER BY id`),
      purge: db.prepare(`UPDATE voicemails SET purged_at = ? WHERE id = ?`),
      queueMail: db.prepare(`INSERT INTO outbox (voicemail_id, recipients, subject, body, attach, created_at, next_attempt) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      due: db.prepare(`SELECT ${OB} FROM outbox WHERE sent_at IS NULL AND next_attempt <= ? ORDER BY next_attempt, id`),
      pending: db.prepare(`SELECT ${OB} FROM outbox WHERE sent_at IS NULL ORDER BY id`),
      outboxFor: db.prepare(`SELECT ${OB} FROM outbox WHERE voicemail_id = ? ORDER BY id`),
      sent: db.prepare(`UPDATE outbox SET sent_at = ?, message_id = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?`),
      failed: db.prepare(`UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt = ? WHERE id = ?`),
      noticed: db.prepare(`SELECT 1 FROM failsafe_messages WHERE msg_id = ?`),
      notice: db.prepare(`INSERT INTO failsafe_messages (msg_id, box, voicemail_id, noticed_at) VALUES (?, ?, ?, ?)`),
    };
  }

  /** Stores a voicemail and its email in one transaction (the email may name the new id); returns the id. */
  add(
    v: Omit<VoicemailRecord, 'id' | 'purgedAt'>,
    mail: { recipients: readonly string[]; attach: boolean; compose: (id: number) => { subject: string; body: string } },
  ): number {
    return this.db.transaction(() => {
      const id = Number(this.stmt.insert.run({ ...v, urgent: v.urgent ? 1 : 0 }).lastInsertRowid);
      const { subject, body } = mail.compose(id);
      this.stmt.queueMail.run(id, JSON.stringify(mail.recipients), subject, body, mail.attach ? v.recording : null, v.createdAt, v.createdAt);
      return id;
    })();
  }

  /** Whether this message of the Asterisk failsafe box (its msg_id) was already stored and emailed. */
  failsafeNoticed(msgId: string): boolean {
    return this.stmt.noticed.get(msgId) !== undefined;
  }

  /**
   * Stores a message found in the Asterisk failsafe box as a voicemail with its email, and
   * remembers its msg_id, in one transaction: it is emailed once, across restarts.
   */
  addFailsafe(
    msgId: string,
    box: string,
    v: Omit<VoicemailRecord, 'id' | 'purgedAt'>,
    mail: { recipients: readonly string[]; compose: (id: number) => { subject: string; body: string } },
  ): number {
    return this.db.transaction(() => {
      const id = this.add(v, { ...mail, attach: false });
      this.stmt.notice.run(msgId, box, id, v.createdAt);
      return id;
    })();
  }

  /** One voicemail. */
  get(id: number): VoicemailRecord | undefined {
    return vm(this.stmt.get.get(id) as Row<VoicemailRecord> | undefined);
  }

  /** Voicemails not purged, newest first. */
  list(): VoicemailRecord[] {
    return (this.stmt.list.all() as Row<VoicemailRecord>[]).map((r) => vm(r)!);
  }

  /** Voicemails created before this instant and not yet purged (retention). */
  olderThan(at: number): VoicemailRecord[] {
    return (this.stmt.older.all(at) as Row<VoicemailRecord>[]).map((r) => vm(r)!);
  }

  /** Marks a voicemail purged (its recording was deleted from Asterisk). */
  purged(id: number, at: number): void {
    this.stmt.purge.run(at, id);
  }

  /** Emails due to be (re)tried now. */
  due(now: number): OutboxRecord[] {
    return (this.stmt.due.all(now) as Row<OutboxRecord>[]).map(ob);
  }

  /** Emails not yet delivered. */
  pending(): OutboxRecord[] {
    return (this.stmt.pending.all() as Row<OutboxRecord>[]).map(ob);
  }

  /** The emails of one voicemail. */
  outboxFor(voicemailId: number): OutboxRecord[] {
    return (this.stmt.outboxFor.all(voicemailId) as Row<OutboxRecord>[]).map(ob);
  }

  /** Records a delivery. */
  markSent(id: number, at: number, messageId: string): void {
    this.stmt.sent.run(at, messageId, id);
  }

  /** Records a failed attempt and when to try again. */
  markFailed(id: number, error: string, nextAttempt: number): void {
    this.stmt.failed.run(error.slice(0, 500), nextAttempt, id);
  }
}
