/**
 * The second email of a transcribed voicemail ("Transcript of voicemail N"), and the notify-only
 * urgent notice. The words are patient data: they go in the email only when the mailbox allows
 * patient data in email (attachAudio: true, the rule of the audio attachment); otherwise the email
 * says where to read them. The urgent notice (an on-call pager's gateway) never carries the
 * caller's number or any word of the message.
 */
import { DateTime } from 'luxon';
import { formatDuration } from './voicemail-email.js';

/** The rule that flags a voicemail urgent from its transcript, as subjects and lists name it. */
export const URGENT_BY_TRANSCRIPT = 'urgent words in transcript';

export interface TranscriptFacts {
  readonly id: number;
  readonly clinic: string;
  readonly mailboxName: string;
  readonly timezone: string;
  /** When the message was left. */
  readonly at: number;
  readonly duration: number;
  /** The mailbox allows patient data in email (attachAudio). */
  readonly patientData: boolean;
}

export type TranscriptOutcome =
  | { readonly kind: 'done'; readonly text: string; readonly engine: string; readonly confidence: number | null; readonly urgentWords: readonly string[] }
  | { readonly kind: 'failed'; readonly engine: string };

const fetchLine = (id: number) => `  pbx-router voicemail get ${id}`;
const quoted = (words: readonly string[]) => words.map((w) => `"${w}"`).join(', ');

/** Lines of at most `width` characters, indented by two spaces. */
function wrap(text: string, width = 76): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(`  ${line}`);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(`  ${line}`);
  return lines;
}

/** Subject and body of "Transcript of voicemail N". */
export function transcriptEmail(f: TranscriptFacts, o: TranscriptOutcome): { subject: string; body: string } {
  const when = DateTime.fromMillis(f.at, { zone: f.timezone }).toFormat("ccc d LLL yyyy 'at' HH:mm ZZZZ");
  const left = `${f.clinic}: voicemail ${f.id} in ${f.mailboxName}, left ${when} (${formatDuration(f.duration)}).`;
  if (o.kind === 'failed') {
    const body = [left, '', `It could not be transcribed (${o.engine}); listen to the recording. On the clinic server:`, fetchLine(f.id)];
    return { subject: `Transcript of voicemail ${f.id} for ${f.mailboxName}: not available`, body: `${body.join('\n')}\n` };
  }
  const urgent = o.urgentWords.length > 0;
  const subject = `${urgent ? `URGENT (${URGENT_BY_TRANSCRIPT}): ` : ''}Transcript of voicemail ${f.id} for ${f.mailboxName}`;
  const how = o.confidence === null ? o.engine : `${o.engine}, confidence ${o.confidence.toFixed(2)}`;
  const lines = [left, ''];
  if (urgent) {
    lines.push(
      f.patientData
        ? `URGENT: the transcript has the urgent word(s) ${quoted(o.urgentWords)}.`
        : `URGENT: the transcript has ${o.urgentWords.length} urgent word(s); which ones is not in this email (patient data).`,
      '',
    );
  }
  if (!f.patientData) {
    lines.push(`A transcript is available on the clinic server (${how}). It is not in this email (it is patient data); read it with:`, fetchLine(f.id));
  } else if (o.text.trim() === '') {
    lines.push(`The transcriber heard no words (${how}); listen to the recording.`);
  } else {
    lines.push(`Transcript (${how}; made by a machine, it can be wrong: listen to the recording before acting on it):`, '', ...wrap(o.text));
  }
  return { subject, body: `${lines.join('\n')}\n` };
}

/** The notify-only urgent notice: which voicemail and how to fetch it; no caller number, no words. */
export function urgentNotice(f: Pick<TranscriptFacts, 'id' | 'clinic' | 'mailboxName'>): { subject: string; body: string } {
  const lines = [
    `${f.clinic}: voicemail ${f.id} in ${f.mailboxName} was flagged urgent by its transcript (${URGENT_BY_TRANSCRIPT}).`,
    '',
    'Fetch it on the clinic server with:',
    fetchLine(f.id),
  ];
  return { subject: `URGENT voicemail ${f.id} in ${f.mailboxName} (${URGENT_BY_TRANSCRIPT})`, body: `${lines.join('\n')}\n` };
}
