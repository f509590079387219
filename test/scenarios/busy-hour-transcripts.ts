/**
 * The busy hour's transcribed voicemails, read from the engine's database: one line per transcript
 * as it is settled, the figures of the summary (how many, engine, CPU, urgent words, emails) and
 * its line.
 */
import { DateTime } from 'luxon';
import type { Db } from '../../src/store/db.js';

/** The voicemails of the mailboxes that transcribe, from the store and its outbox. */
export interface TranscriptFigures {
  /** The mailboxes with transcribe: true. */
  readonly mailboxes: readonly string[];
  /** Voicemails left in them. */
  readonly voicemails: number;
  readonly done: number;
  readonly failed: number;
  readonly pending: number;
  /** The engines that made the transcripts (done or failed). */
  readonly engines: readonly string[];
  /** Mean CPU per finished transcript, ms; null when none finished. */
  readonly avgCpuMs: number | null;
  /** Voicemails flagged urgent by their transcript, and how many of them had each urgent word. */
  readonly urgent: number;
  readonly urgentWords: Readonly<Record<string, number>>;
  /** "Transcript of voicemail N" emails sent, and notices to transcription.onUrgent sent. */
  readonly emails: number;
  readonly notices: number;
  /** The real ms the run waited for transcripts before it gave up with some pending; null when none was left. */
  readonly gaveUpAfterMs: number | null;
}

interface TranscriptRow {
  id: number;
  mailbox: string;
  status: string;
  transcript: string | null;
  confidence: number | null;
  urgentWords: string | null;
  error: string | null;
  at: number;
}

/** Outbox subjects (GLOB: case-sensitive) of a transcript email and of the urgent notice (src/notify/transcript-email.ts). */
export const TRANSCRIPT_MAIL = `subject GLOB '*Transcript of voicemail *'`;
export const URGENT_NOTICE = `subject GLOB 'URGENT voicemail * in *'`;

/** One line per voicemail whose transcript was settled since the last call: time, id, mailbox, the words (shortened), confidence, URGENT and why. */
export function settledTranscripts(db: Db, zone: string, shown: Set<number>): string[] {
  const rows = db
    .prepare(`SELECT id, mailbox, transcript_status AS status, transcript, transcript_confidence AS confidence, urgent_words AS urgentWords, transcript_error AS error, transcribed_at AS at FROM voicemails WHERE transcript_status IN ('done', 'failed') ORDER BY transcribed_at, id`)
    .all() as TranscriptRow[];
  const out: string[] = [];
  for (const r of rows) {
    if (shown.has(r.id)) continue;
    shown.add(r.id);
    const time = DateTime.fromMillis(r.at, { zone }).toFormat('HH:mm:ss');
    const head = `${time}  vm ${r.id} ${r.mailbox}:`;
    if (r.status === 'failed') {
      out.push(`${head} transcription failed: ${r.error ?? 'no reason given'}`);
      continue;
    }
    const urgent = JSON.parse(r.urgentWords ?? '[]') as string[];
    const conf = r.confidence === null ? '' : ` (${r.confidence.toFixed(2)})`;
    out.push(`${head} "${shortened(r.transcript ?? '', urgent)}"${conf}${urgent.length ? ` URGENT: ${urgent.join(', ')}` : ''}`);
  }
  return out;
}

/** Voicemails waiting for their transcript. */
export function pendingTranscripts(db: Db): number {
  return (db.prepare(`SELECT COUNT(*) AS n FROM voicemails WHERE transcript_status = 'pending'`).get() as { n: number }).n;
}

/** The transcripts of the voicemails of `mailboxes` (the ones that transcribe); null when there are none. */
export function transcriptFigures(db: Db, mailboxes: readonly string[], gaveUpAfterMs: number | null): TranscriptFigures | null {
  if (!mailboxes.length) return null;
  const rows = db
    .prepare(`SELECT transcript_status AS status, transcript_engine AS engine, transcript_cpu_ms AS cpuMs, urgent_words AS urgentWords FROM voicemails WHERE transcript_status IS NOT NULL`)
    .all() as { status: string; engine: string | null; cpuMs: number | null; urgentWords: string | null }[];
  const done = rows.filter((r) => r.status === 'done');
  const urgentWords: Record<string, number> = {};
  let urgent = 0;
  for (const r of done) {
    const words = JSON.parse(r.urgentWords ?? '[]') as string[];
    if (words.length) urgent++;
    for (const w of words) urgentWords[w] = (urgentWords[w] ?? 0) + 1;
  }
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  return {
    mailboxes,
    voicemails: rows.length,
    done: done.length,
    failed: rows.filter((r) => r.status === 'failed').length,
    pending: rows.filter((r) => r.status === 'pending').length,
    engines: [...new Set(rows.flatMap((r) => (r.engine ? [r.engine] : [])))].sort(),
    avgCpuMs: done.length ? done.reduce((a, r) => a + (r.cpuMs ?? 0), 0) / done.length : null,
    urgent,
    urgentWords: Object.fromEntries(Object.entries(urgentWords).sort(([a, x], [b, y]) => y - x || a.localeCompare(b))),
    emails: count(`SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NOT NULL AND ${TRANSCRIPT_MAIL}`),
    notices: count(`SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NOT NULL AND ${URGENT_NOTICE}`),
    gaveUpAfterMs: rows.some((r) => r.status === 'pending') ? gaveUpAfterMs : null,
  };
}

/** A transcript for one line: 7 words from the start (or from just before its first urgent word, to show why it was flagged), `...`, the last 3. */
export function shortened(text: string, urgentWords: readonly string[] = []): string {
  const words = text.split(/\s+/).filter(Boolean);
  if (words.length <= 11) return words.join(' ');
  const norm = (w: string) => w.toLowerCase().replace(/['’]/g, '');
  const at = (phrase: string) => {
    const p = phrase.split(/\s+/).map(norm);
    return words.findIndex((_, i) => p.every((w, j) => norm(words[i + j] ?? '') === w));
  };
  const hits = urgentWords.map(at).filter((i) => i >= 0);
  const from = hits.length ? Math.max(0, Math.min(...hits) - 2) : 0;
  const lead = from > 0 ? '... ' : '';
  if (from + 7 >= words.length - 3) return `${lead}${words.slice(from).join(' ')}`;
  return `${lead}${words.slice(from, from + 7).join(' ')} ... ${words.slice(-3).join(' ')}`;
}

/** The summary's transcripts line: how many, by which engine and at what CPU cost, which were flagged urgent and by what. */
export function transcriptSummary(t: TranscriptFigures | null, notes: { readonly transcriptMail?: string; readonly transcriptsSkipped?: string }): string[] {
  if (notes.transcriptsSkipped) return [`  ${notes.transcriptsSkipped}`];
  if (!t) return [];
  const cpu = t.avgCpuMs === null ? '' : `, ${(t.avgCpuMs / 1000).toFixed(1)} s CPU each on average`;
  const pending = t.pending ? `, ${t.pending} still pending${t.gaveUpAfterMs !== null ? ` (given up waiting after ${Math.round(t.gaveUpAfterMs / 1000)} s)` : ''}` : '';
  const words = Object.entries(t.urgentWords);
  const why = words.length ? ` (${words.map(([w, n]) => `${w} ${n}`).join(', ')})` : '';
  const notices = t.notices ? `, ${t.notices} urgent notice(s) to transcription.onUrgent` : '';
  return [
    `  voicemail transcribed (${t.mailboxes.join(', ')}): ${t.done} of ${t.voicemails} (${t.engines.join(', ') || 'no engine ran'}${cpu}), ${t.failed} failed${pending}; ${t.urgent} flagged URGENT by their words${why}; transcript emails ${t.emails}${notes.transcriptMail ?? ''}${notices}`,
  ];
}

