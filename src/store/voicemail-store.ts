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
  /** null: the mailbox does not transcribe; pending until the transcription job has run. */
  readonly transcriptStatus: TranscriptStatus | null;
  /** The words heard (patient data), once done. */
  readonly transcript: string | null;
  readonly transcriptEngine: string | null;
  /** 0..1, once done. */
  readonly transcriptConfidence: number | null;
  /** Why the transcription failed. */
  readonly transcriptError: string | null;
  readonly transcriptCpuMs: number | null;
  readonly transcribedAt: number | null;
  /** The urgent words the transcript has (null until done; [] when none). */
  readonly urgentWords: readonly string[] | null;
}

export type TranscriptStatus = 'pending' | 'done' | 'failed';

type TranscriptFields = 'transcriptStatus' | 'transcript' | 'transcriptEngine' | 'transcriptConfidence' | 'transcriptError' | 'transcriptCpuMs' | 'transcribedAt' | 'urgentWords';

/** A voicemail to store; `transcribe`: its transcription is pending (a job will run it). */
export type NewVoicemail = Omit<VoicemailRecord, 'id' | 'purgedAt' | TranscriptFields> & { readonly transcribe?: boolean };

/** An email to queue about a voicemail (notification only: nothing is attached). */
export interface NoticeMail {
  readonly recipients: readonly string[];
  readonly subject: string;
  readonly body: string;
}

/** What a transcription came to. */
export interface TranscriptResult {
  readonly text: string;
  readonly engine: string;
  /** Null when the engine gives none (whisper). */
  readonly confidence: number | null;
  readonly cpuMs: number;
  readonly urgentWords: readonly string[];
  readonly at: number;
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

const VM = `id, call_id AS callId, mailbox, caller, did, site, reason, urgent, recording, duration, created_at AS createdAt, purged_at AS purgedAt,
  transcript_status AS transcriptStatus, transcript, transcript_engine AS transcriptEngine, transcript_confidence AS transcriptConfidence,
  transcript_error AS transcriptError, transcript_cpu_ms AS transcriptCpuMs, transcribed_at AS transcribedAt, urgent_words AS urgentWords`;
const OB = `o.id, o.voicemail_id AS voicemailId, o.recipients, o.subject, o.body, o.attach, o.created_at AS createdAt, o.attempts, o.next_attempt AS nextAttempt,
  o.last_error AS lastError, o.sent_at AS sentAt, o.message_id AS messageId`;

type Row<T> = Omit<T, 'urgent' | 'recipients' | 'urgentWords'> & { urgent?: number; recipients?: string; urgentWords?: string | null };
const vm = (r: Row<VoicemailRecord> | undefined): VoicemailRecord | undefined =>
  r ? ({ ...r, urgent: r.urgent === 1, urgentWords: r.urgentWords == null ? null : (JSON.parse(r.urgentWords) as string[]) } as VoicemailRecord) : undefined;
const ob = (r: Row<OutboxRecord>): OutboxRecord => ({ ...r, recipients: JSON.parse(r.recipients ?? '[]') as string[] }) as OutboxRecord;

export class VoicemailStore {
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      insert: db.prepare(`INSERT INTO voicemails (call_id, mailbox, caller, did, site, reason, urgent, recording, duration, created_at, transcript_status)
        VALUES (@callId, @mailbox, @caller, @did, @site, @reason, @urgent, @recording, @duration, @createdAt, @transcriptStatus)`),
      get: db.prepare(`SELECT ${VM} FROM voicemails WHERE id = ?`),
      list: db.prepare(`SELECT ${VM} FROM voicemails WHERE purged_at IS NULL ORDER BY created_at DESC, id DESC`),
      older: db.prepare(`SELECT ${VM} FROM voicemails WHERE purged_at IS NULL AND created_at < ? ORDER BY id`),
      // The transcript is patient data too: it goes with the recording (its status, engine and confidence stay).
      purge: db.prepare(`UPDATE voicemails SET purged_at = ?, transcript = NULL, urgent_words = NULL WHERE id = ?`),
      awaiting: db.prepare(`SELECT ${VM} FROM voicemails WHERE transcript_status = 'pending' ORDER BY id`),
      transcribed: db.prepare(`UPDATE voicemails SET transcript_status = 'done', transcript = @text, transcript_engine = @engine, transcript_confidence = @confidence,
        transcript_cpu_ms = @cpuMs, transcribed_at = @at, urgent_words = @urgentWords, transcript_error = NULL, urgent = CASE WHEN @flag = 1 THEN 1 ELSE urgent END
        WHERE id = @id AND transcript_status = 'pending'`),
      transcriptFailed: db.prepare(`UPDATE voicemails SET transcript_status = 'failed', transcript_engine = @engine, transcript_error = @error, transcript_cpu_ms = @cpuMs, transcribed_at = @at
        WHERE id = @id AND transcript_status = 'pending'`),
      queueMail: db.prepare(`INSERT INTO outbox (voicemail_id, recipients, subject, body, attach, created_at, next_attempt) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      // An email waits for the earlier ones of its voicemail to the same people: the transcript never
      // arrives before the message it is about, even when that email is being retried.
      due: db.prepare(`SELECT ${OB} FROM outbox o WHERE o.sent_at IS NULL AND o.next_attempt <= ?
        AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.voicemail_id = o.voicemail_id AND e.recipients = o.recipients AND e.id < o.id AND e.sent_at IS NULL)
        ORDER BY o.next_attempt, o.id`),
      pending: db.prepare(`SELECT ${OB} FROM outbox o WHERE o.sent_at IS NULL ORDER BY o.id`),
      outboxFor: db.prepare(`SELECT ${OB} FROM outbox o WHERE o.voicemail_id = ? ORDER BY o.id`),
      sent: db.prepare(`UPDATE outbox SET sent_at = ?, message_id = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?`),
      failed: db.prepare(`UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt = ? WHERE id = ?`),
      noticed: db.prepare(`SELECT 1 FROM failsafe_messages WHERE msg_id = ?`),
      notice: db.prepare(`INSERT INTO failsafe_messages (msg_id, box, voicemail_id, noticed_at) VALUES (?, ?, ?, ?)`),
    };
  }

  /** Stores a voicemail and its email in one transaction (the email may name the new id); returns the id. */
  add(
    v: NewVoicemail,
    mail: { recipients: readonly string[]; attach: boolean; compose: (id: number) => { subject: string; body: string } },
  ): number {
    return this.db.transaction(() => {
      const { transcribe, ...row } = v;
      const id = Number(this.stmt.insert.run({ ...row, urgent: v.urgent ? 1 : 0, transcriptStatus: transcribe ? 'pending' : null }).lastInsertRowid);
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
    v: NewVoicemail,
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

  /** Voicemails whose transcription has not run yet (oldest first), purged ones included: the job settles them. */
  awaitingTranscript(): VoicemailRecord[] {
    return (this.stmt.awaiting.all() as Row<VoicemailRecord>[]).map((r) => vm(r)!);
  }

  /**
   * Stores a pending voicemail's transcript (flagging it urgent when `t.urgentWords` has any) and
   * queues its emails, in one transaction; false when it was not pending (already settled).
   */
  transcribed(id: number, t: TranscriptResult, mails: readonly NoticeMail[]): boolean {
    return this.db.transaction(() => {
      const row = { id, text: t.text, engine: t.engine, confidence: t.confidence, cpuMs: Math.round(t.cpuMs), at: t.at, urgentWords: JSON.stringify(t.urgentWords), flag: t.urgentWords.length > 0 ? 1 : 0 };
      if (this.stmt.transcribed.run(row).changes === 0) return false;
      for (const m of mails) this.stmt.queueMail.run(id, JSON.stringify(m.recipients), m.subject, m.body, null, t.at, t.at);
      return true;
    })();
  }

  /** Records that a pending voicemail's transcription failed, and queues its emails, in one transaction; false when it was not pending. */
  transcriptFailed(id: number, f: { engine: string; error: string; cpuMs: number | null; at: number }, mails: readonly NoticeMail[] = []): boolean {
    return this.db.transaction(() => {
      if (this.stmt.transcriptFailed.run({ id, engine: f.engine, error: f.error.slice(0, 1000), cpuMs: f.cpuMs === null ? null : Math.round(f.cpuMs), at: f.at }).changes === 0) return false;
      for (const m of mails) this.stmt.queueMail.run(id, JSON.stringify(m.recipients), m.subject, m.body, null, f.at, f.at);
      return true;
    })();
  }

  /** Marks a voicemail purged (its recording was deleted from Asterisk) and forgets its transcript's words. */
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
