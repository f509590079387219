/**
 * The email for a new voicemail: who called, when (in the site's time zone), how long, and why
 * (the IVR path). Notification only by default: the recording is patient data, so the email says
 * how staff fetch it instead of carrying it, unless the mailbox allows the attachment.
 */
import { DateTime } from 'luxon';

export interface VoicemailFacts {
  readonly id: number;
  readonly clinic: string;
  readonly mailbox: string;
  readonly mailboxName: string;
  readonly caller: string;
  readonly did: string;
  readonly site: string | null;
  readonly timezone: string;
  readonly at: number;
  readonly duration: number;
  readonly reason: string | null;
  readonly urgent: boolean;
  readonly attachAudio: boolean;
  /** The mailbox transcribes: a second email with the transcript follows. */
  readonly transcribe?: boolean;
}

/** `74 s`, `1 min 14 s`. */
export const formatDuration = (s: number) => (s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`);

/** Subject and body of the notification. */
export function voicemailEmail(v: VoicemailFacts): { subject: string; body: string } {
  const when = DateTime.fromMillis(v.at, { zone: v.timezone }).toFormat("ccc d LLL yyyy 'at' HH:mm ZZZZ");
  const caller = v.caller && v.caller !== 'anonymous' ? v.caller : 'a withheld number';
  const subject = `${v.urgent ? 'URGENT ' : ''}Voicemail ${v.id} for ${v.mailboxName} from ${caller} (${formatDuration(v.duration)})`;
  const lines = [
    `${v.clinic}: new ${v.urgent ? 'URGENT ' : ''}voicemail in ${v.mailboxName}.`,
    '',
    `From:      ${caller}`,
    `Called:    ${v.did}${v.site ? ` (${v.site})` : ''}`,
    `When:      ${when}`,
    `Length:    ${formatDuration(v.duration)}`,
    `Reason:    ${v.reason ?? 'not given'}`,
    '',
    v.attachAudio
      ? 'The recording is attached (WAV).'
      : `The recording is not attached (it is patient data). Fetch it on the clinic server with:\n  pbx-router voicemail get ${v.id}`,
    ...(v.transcribe ? ['', `A transcript follows in a second email ("Transcript of voicemail ${v.id}") once it is made on the clinic server.`] : []),
  ];
  return { subject, body: `${lines.join('\n')}\n` };
}
