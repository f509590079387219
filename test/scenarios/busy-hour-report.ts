/**
 * What the busy hour prints, read from the engine's own SQLite file (a second connection): one
 * line per finished call, one per transcribed voicemail, and the summary (outcomes, waits per
 * queue, voicemails and their emails, transcripts, text offers and the texts).
 */
import { DateTime } from 'luxon';
import { openDb, type Db } from '../../src/store/db.js';
import { maskNumber, type ScriptedCall } from './busy-hour-script.js';
import { pendingTranscripts, settledTranscripts, TRANSCRIPT_MAIL, transcriptFigures, transcriptSummary, URGENT_NOTICE, type TranscriptFigures } from './busy-hour-transcripts.js';

/** Figures per queue; waits are every stay in the queue (answered or not), in ms. */
export interface QueueFigures {
  readonly queue: string;
  readonly entries: number;
  readonly answered: number;
  readonly abandoned: number;
  readonly overflow: number;
  readonly callback: number;
  readonly avgWaitMs: number;
  readonly p90WaitMs: number;
}

/** The queues' text offers and the texts, from the calls' events and the SMS outbox. */
export interface TextFigures {
  /** Callers who heard a queue's text offer. */
  readonly offered: number;
  /** Callers whose wait passed the offer but who may not get a text, by reason (anonymous, international...). */
  readonly notOffered: Readonly<Record<string, number>>;
  /** Callers who pressed the offer's key (a text queued, or refused at that moment). */
  readonly asked: number;
  /** Texts in the outbox by status. */
  readonly sent: number;
  readonly failed: number;
  readonly refused: number;
  readonly queued: number;
  /** Calls that ended sms-deflected: the caller hung up after taking the text. */
  readonly deflected: number;
}

/** The summary of a busy hour, from the store and the fake. */
export interface BusyHourSummary {
  readonly placed: number;
  readonly recorded: number;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly queues: readonly QueueFigures[];
  readonly voicemails: number;
  /** The voicemails' own emails sent (not their transcripts or urgent notices). */
  readonly emailsSent: number;
  readonly emailsPending: number;
  readonly callbacks: number;
  readonly texts: TextFigures;
  /** Null when no mailbox transcribes. */
  readonly transcripts: TranscriptFigures | null;
  /** Calls the engine sent to the failsafe, plus calls that never reached it. */
  readonly failsafe: number;
  readonly openCalls: number;
  readonly channelsLeft: number;
  readonly bridgesLeft: number;
}

interface CallRow {
  id: string;
  caller: string;
  arrivedAt: number;
  outcome: string | null;
  target: string | null;
  agent: string | null;
  language: string;
}
interface EntryRow {
  queue: string;
  enteredAt: number;
  leftAt: number | null;
  result: string | null;
}

export type { TranscriptFigures } from './busy-hour-transcripts.js';

const clockText = (ms: number) => `${Math.floor(ms / 60_000)}:${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}`;

/** A read connection to the engine's database with the busy hour's questions. */
export class BusyHourReport {
  private readonly db: Db;

  private readonly transcriptsShown = new Set<number>();

  constructor(
    database: string,
    private readonly zone: string,
    private readonly agentName: (id: string) => string,
  ) {
    this.db = openDb(database);
  }

  /** One line for a finished call: time, masked caller, keys, outcome. */
  line(channelId: string, script: ScriptedCall): string {
    const c = this.db.prepare(`SELECT id, caller, arrived_at AS arrivedAt, outcome, target, agent, language FROM calls WHERE channel_id = ?`).get(channelId) as CallRow | undefined;
    if (!c) return `#${script.n} ${maskNumber(script.caller)}  never reached the engine`;
    const entries = this.db.prepare(`SELECT queue, entered_at AS enteredAt, left_at AS leftAt, result FROM queue_entries WHERE call_id = ? ORDER BY id`).all(c.id) as EntryRow[];
    const waited = entries.reduce((a, e) => a + ((e.leftAt ?? e.enteredAt) - e.enteredAt), 0);
    const keys = script.keys.map((k) => k.digit).join(',') || 'no key';
    const path = `${keys} -> ${entries[0]?.queue ?? c.target ?? '?'}${c.language !== 'en' ? ` (${c.language})` : ''}`;
    const time = DateTime.fromMillis(c.arrivedAt, { zone: this.zone }).toFormat('HH:mm:ss');
    return `${time}  ${maskNumber(c.caller).padEnd(12)}  ${path.padEnd(30)} ${this.outcome(c, entries, waited)}`;
  }

  private outcome(c: CallRow, entries: EntryRow[], waited: number): string {
    const q = entries.length ? ` after ${clockText(waited)}` : '';
    switch (c.outcome) {
      case 'answered': {
        const offered = this.db.prepare(`SELECT MIN(at) AS at FROM call_events WHERE call_id = ? AND type = 'offer'`).get(c.id) as { at: number | null };
        const connected = this.db.prepare(`SELECT MAX(at) AS at FROM call_events WHERE call_id = ? AND type = 'connected'`).get(c.id) as { at: number | null };
        const wait = entries.length ? waited : (connected.at ?? 0) - (offered.at ?? connected.at ?? 0);
        return `answered by ${this.agentName(c.agent ?? '')} after ${clockText(wait)}`;
      }
      case 'abandoned':
        return `abandoned${q}`;
      case 'sms-deflected':
        return `sms-deflected: took the text, hung up${q}`;
      case 'hung-up-early':
        return 'hung up in the menu';
      case 'voicemail': {
        const kept = this.db.prepare(`SELECT COUNT(*) AS n FROM voicemails WHERE call_id = ?`).get(c.id) as { n: number };
        return `voicemail ${c.target ?? ''}${q ? ` (overflow${q})` : ''}${kept.n ? '' : ', nothing said: not kept'}`;
      }
      case 'callback':
        return `callback${entries.length ? ` (pressed * after ${clockText(waited)}, keeps the place)` : ''}`;
      case 'forwarded': {
        const who = this.db.prepare(`SELECT data FROM call_events WHERE call_id = ? AND type = 'oncall-attempt' ORDER BY id DESC LIMIT 1`).get(c.id) as { data: string } | undefined;
        const member = who ? (JSON.parse(who.data) as { member: string }).member : '?';
        return `forwarded to on-call ${member}`;
      }
      case 'failsafe':
        return 'FAILSAFE (sent to the dialplan fallback)';
      default:
        return `${c.outcome ?? 'still open'}${c.target ? ` ${c.target}` : ''}${q}`;
    }
  }

  /** One line per voicemail whose transcript was settled since the last call (see settledTranscripts). */
  newTranscripts(): string[] {
    return settledTranscripts(this.db, this.zone, this.transcriptsShown);
  }

  /** Voicemails waiting for their transcript. */
  pendingTranscripts(): number {
    return pendingTranscripts(this.db);
  }

  /** Open calls in the store (none when the hour has drained). */
  openCalls(): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM calls WHERE ended_at IS NULL`).get() as { n: number }).n;
  }

  /** Emails still waiting in the outbox. */
  pendingEmails(): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL`).get() as { n: number }).n;
  }

  /** Texts still queued in the SMS outbox. */
  pendingTexts(): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM sms_outbox WHERE status = 'queued'`).get() as { n: number }).n;
  }

  /** What became of the text offers and the texts. */
  texts(deflected: number): TextFigures {
    const count = (sql: string) => (this.db.prepare(sql).get() as { n: number }).n;
    const notOffered: Record<string, number> = {};
    const reasons = this.db.prepare(`SELECT json_extract(data, '$.reason') AS reason, COUNT(DISTINCT call_id) AS n FROM call_events WHERE type = 'sms-not-offered' GROUP BY reason ORDER BY n DESC, reason`).all() as { reason: string; n: number }[];
    for (const r of reasons) notOffered[r.reason] = r.n;
    const status = (s: string) => count(`SELECT COUNT(*) AS n FROM sms_outbox WHERE status = '${s}'`);
    return {
      offered: count(`SELECT COUNT(DISTINCT call_id) AS n FROM call_events WHERE type = 'sms-offered'`),
      notOffered,
      // The key sends the text (sms-queued) or finds the caller may no longer get one (sms-refused).
      asked: count(`SELECT COUNT(DISTINCT o.call_id) AS n FROM call_events o JOIN call_events k ON k.call_id = o.call_id AND k.id > o.id AND k.type IN ('sms-queued', 'sms-refused') WHERE o.type = 'sms-offered'`),
      sent: status('sent'),
      failed: status('failed'),
      refused: status('refused'),
      queued: status('queued'),
      deflected,
    };
  }

  /** The figures of the whole hour. */
  summary(placed: number, neverArrived: number, left: { channels: number; bridges: number }, transcribing: { mailboxes: readonly string[]; gaveUpAfterMs: number | null } = { mailboxes: [], gaveUpAfterMs: null }): BusyHourSummary {
    const count = (sql: string) => (this.db.prepare(sql).get() as { n: number }).n;
    const outcomes: Record<string, number> = {};
    for (const r of this.db.prepare(`SELECT COALESCE(outcome, 'open') AS o, COUNT(*) AS n FROM calls GROUP BY o ORDER BY n DESC`).all() as { o: string; n: number }[]) outcomes[r.o] = r.n;
    const rows = this.db.prepare(`SELECT queue, result, left_at - entered_at AS wait FROM queue_entries WHERE left_at IS NOT NULL`).all() as { queue: string; result: string; wait: number }[];
    const queues = [...new Set(rows.map((r) => r.queue))].sort().map((queue): QueueFigures => {
      const mine = rows.filter((r) => r.queue === queue);
      const waits = mine.map((r) => r.wait).sort((a, b) => a - b);
      const n = (result: string) => mine.filter((r) => r.result === result).length;
      return {
        queue,
        entries: mine.length,
        answered: n('answered'),
        abandoned: n('abandoned'),
        overflow: n('overflow'),
        callback: n('callback'),
        avgWaitMs: Math.round(waits.reduce((a, b) => a + b, 0) / waits.length),
        p90WaitMs: waits[Math.min(waits.length - 1, Math.ceil(waits.length * 0.9) - 1)] ?? 0,
      };
    });
    return {
      placed,
      recorded: count(`SELECT COUNT(*) AS n FROM calls`),
      outcomes,
      queues,
      voicemails: count(`SELECT COUNT(*) AS n FROM voicemails`),
      emailsSent: count(`SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NOT NULL AND NOT ${TRANSCRIPT_MAIL} AND NOT ${URGENT_NOTICE}`),
      emailsPending: this.pendingEmails(),
      callbacks: count(`SELECT COUNT(*) AS n FROM callbacks`),
      texts: this.texts(outcomes['sms-deflected'] ?? 0),
      transcripts: transcriptFigures(this.db, transcribing.mailboxes, transcribing.gaveUpAfterMs),
      failsafe: (outcomes.failsafe ?? 0) + neverArrived,
      openCalls: this.openCalls(),
      channelsLeft: left.channels,
      bridgesLeft: left.bridges,
    };
  }

  /** Closes the read connection. */
  close(): void {
    this.db.close();
  }
}

/** What the demo adds to the summary: where the emails and texts went, and the same hour with nobody taking a text. */
export interface SummaryNotes {
  /** After the emails delivered, e.g. ` (55 received by the loopback SMTP server)`. */
  readonly mail: string;
  /** After the transcript emails, e.g. ` (18 received)`. */
  readonly transcriptMail?: string;
  /** Why voicemail was not transcribed (instead of the transcripts' line), e.g. pocketsphinx is not installed. */
  readonly transcriptsSkipped?: string;
  /** After the texts sent, e.g. ` (17 received by the loopback SMS provider)`. */
  readonly texts?: string;
  /** The same seeded hour in which no caller pressed the offer's key. */
  readonly withoutTexts?: BusyHourSummary;
}

const share = (n: number, of: number) => `${of ? ((100 * n) / of).toFixed(1) : '0.0'}%`;

/** The summary as printed at the end of the demo. */
export function formatSummary(s: BusyHourSummary, header: string, notes: SummaryNotes): string[] {
  const o = (k: string) => s.outcomes[k] ?? 0;
  const other = Object.entries(s.outcomes).filter(([k]) => !['answered', 'abandoned', 'voicemail', 'callback', 'forwarded', 'failsafe'].includes(k));
  const t = s.texts;
  const notOffered = Object.entries(t.notOffered);
  const notOfferedText = notOffered.length ? ` (not offered, the number may not get one: ${notOffered.map(([k, n]) => `${k} ${n}`).join(', ')})` : '';
  const out = [
    '',
    header,
    `  calls ${s.placed} (${s.recorded} in the store): answered ${o('answered')}, abandoned ${o('abandoned')}, voicemail ${o('voicemail')}, callback ${o('callback')}, forwarded ${o('forwarded')}${other.map(([k, n]) => `, ${k} ${n}`).join('')}`,
    `  ${'queue'.padEnd(12)} ${'calls'.padStart(5)} ${'answered'.padStart(8)} ${'abandoned'.padStart(9)} ${'overflow'.padStart(8)} ${'callback'.padStart(8)} ${'avg wait'.padStart(8)} ${'p90 wait'.padStart(8)}`,
    ...s.queues.map(
      (q) =>
        `  ${q.queue.padEnd(12)} ${String(q.entries).padStart(5)} ${String(q.answered).padStart(8)} ${String(q.abandoned).padStart(9)} ${String(q.overflow).padStart(8)} ${String(q.callback).padStart(8)} ${clockText(q.avgWaitMs).padStart(8)} ${clockText(q.p90WaitMs).padStart(8)}`,
    ),
    `  voicemails ${s.voicemails}: ${s.emailsSent} email(s) delivered${notes.mail}, ${s.emailsPending} pending in the outbox`,
    ...transcriptSummary(s.transcripts, notes),
    `  callback requests ${s.callbacks}`,
    `  text offers: ${t.offered} waiting caller(s) heard one${notOfferedText}; ${t.asked} asked for a text`,
    `  texts: ${t.sent} sent${notes.texts ?? ''}, ${t.failed} failed, ${t.refused} refused, ${t.queued} still queued`,
    `  sms-deflected ${t.deflected}: hung up with the text instead of waiting on`,
  ];
  if (notes.withoutTexts) {
    const w = notes.withoutTexts.outcomes.abandoned ?? 0;
    const diff = o('abandoned') - w;
    out.push(`  abandoned ${o('abandoned')} of ${s.placed} (${share(o('abandoned'), s.placed)}); the same hour with nobody taking a text: ${w} (${share(w, notes.withoutTexts.placed)}), ${diff <= 0 ? `${-diff} fewer` : `${diff} more`}`);
  }
  out.push(`  to the failsafe: ${s.failsafe}`, `  open calls in the store: ${s.openCalls}`, `  left in Asterisk: ${s.channelsLeft} channels, ${s.bridgesLeft} bridges`);
  return out;
}
