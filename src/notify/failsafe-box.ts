/**
 * The failsafe voicemail box. When the engine is down, the dialplan sends callers to
 * VoiceMail(100@default); only `*97` plays those messages. When the engine is (back) up it reads
 * the box through AMI (VoicemailBoxSummary) at every connect and on every MessageWaiting, and each
 * new message is stored like any voicemail (so `voicemail list` shows it) with an email to the
 * config's `failsafe.email`, once: its Asterisk msg_id is remembered in SQLite.
 * Notification only: the audio stays in Asterisk's spool, which the engine cannot read.
 */
import { DateTime } from 'luxon';
import { clinicZone } from '../config/clinic-zone.js';
import type { Plan } from '../routing/types.js';
import type { VoicemailStore } from '../store/voicemail-store.js';
import { describeError, serialRunner } from './serial-runner.js';
import { formatDuration } from './voicemail-email.js';

/** The box the shipped dialplan uses (FAILSAFE_MAILBOX in dialplan/extensions.conf). */
export const FAILSAFE_BOX = '100@default';

/** The prefix of the `recording` of a failsafe message: it is not an ARI stored recording. */
export const FAILSAFE_RECORDING = 'failsafe:';

/** A message as Asterisk reports it (strings as VoicemailBoxSummary sends them). */
export interface BoxMessage {
  /** app_voicemail's msg_id, unique per message (`<epoch s>-<counter hex>`). */
  readonly id: string;
  readonly folder: string;
  /** `"Name" <number>`, a number, or `Unknown`. */
  readonly callerId: string;
  /** origdate, `%a %b %e %r UTC %Y` (e.g. `Tue Nov 24 07:05:03 PM UTC 2026`). */
  readonly date: string;
  /** Seconds. */
  readonly duration: string;
  readonly flag: string;
}

/** The failsafe box port (the AMI adapter implements it). */
export interface FailsafeBox {
  /** Every message in the box, all folders. */
  messages(): Promise<readonly BoxMessage[]>;
  /** Calls `changed` when the box may hold something new: at every connect, and on MessageWaiting. */
  onChange(changed: () => void): void;
}

export interface FailsafeDeps {
  readonly box: FailsafeBox;
  readonly store: VoicemailStore;
  /** The running plan (a reload may add or change `failsafe.email`). */
  readonly plan: () => Plan;
  readonly now: () => number;
  readonly log?: (m: string) => void;
}

// Not yet heard: a message played with *97 moves to Old, and is not news to anybody.
const UNHEARD = new Set(['INBOX', 'Urgent']);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** app_voicemail's origdate (`%a %b %e %r UTC %Y`, always UTC, C locale) as epoch ms; null if not that shape. */
export function parseOrigdate(date: string): number | null {
  const m = /^\w{3} (\w{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (AM|PM) UTC (\d{4})$/.exec(date.trim());
  if (!m) return null;
  const month = MONTHS.indexOf(m[1]!);
  if (month < 0) return null;
  const hour = (Number(m[3]) % 12) + (m[6] === 'PM' ? 12 : 0);
  return Date.UTC(Number(m[7]), month, Number(m[2]), hour, Number(m[4]), Number(m[5]));
}

/** When a message was left: its origdate, else the epoch seconds that start its msg_id. */
function leftAt(m: BoxMessage): number | null {
  const at = parseOrigdate(m.date);
  if (at !== null) return at;
  const fromId = /^(\d{9,})-/.exec(m.id);
  return fromId ? Number(fromId[1]) * 1000 : null;
}

/** The number in an Asterisk caller id (`"Jane Doe" <+15125550123>`, `+15125550123`); '' if none. */
export function callerNumber(callerId: string): string {
  const inBrackets = /<([^>]*)>/.exec(callerId);
  const n = (inBrackets ? inBrackets[1]! : callerId).trim();
  return /^\+?[0-9*#]+$/.test(n) ? n : '';
}

/** Subject and body of the email about one failsafe message. */
export function failsafeEmail(f: { id: number; clinic: string; callerId: string; at: number | null; timezone: string; duration: number; folder: string; urgent: boolean }): { subject: string; body: string } {
  const number = callerNumber(f.callerId);
  const from = number || 'a withheld number';
  const when = f.at === null ? 'not reported by Asterisk' : DateTime.fromMillis(f.at, { zone: f.timezone }).toFormat("ccc d LLL yyyy 'at' HH:mm ZZZZ");
  const subject = `${f.urgent ? 'URGENT ' : ''}Voicemail ${f.id} in the failsafe box from ${from} (${formatDuration(f.duration)})`;
  const lines = [
    `${f.clinic}: a caller left a message in the failsafe voicemail box (${FAILSAFE_BOX}).`,
    'It was left while pbx-router was down or could not take the call, so no one was told at the time.',
    '',
    `From:      ${f.callerId || 'not reported'}`,
    `When:      ${when}`,
    `Length:    ${formatDuration(f.duration)}`,
    `Folder:    ${f.folder}`,
    '',
    'Listen to it from a desk phone: dial *97 (the PIN of the failsafe box is in the secrets file).',
    'The recording is not attached (it is patient data) and stays in Asterisk.',
  ];
  return { subject, body: `${lines.join('\n')}\n` };
}

/**
 * Stores every unheard message of the box not noticed before, each with its email queued;
 * returns the new voicemail ids (empty when the config names no failsafe recipients).
 */
export async function noticeFailsafeMessages(d: FailsafeDeps): Promise<number[]> {
  const plan = d.plan();
  if (!plan.failsafe) return [];
  const recipients = plan.failsafe.email;
  const zone = clinicZone(plan);
  const timezone = zone.zone ?? zone.first?.zone ?? 'UTC';
  const added: number[] = [];
  for (const m of await d.box.messages()) {
    if (!m.id || !UNHEARD.has(m.folder) || d.store.failsafeNoticed(m.id)) continue;
    const at = leftAt(m);
    const duration = Math.max(0, Math.round(Number(m.duration)) || 0);
    const urgent = m.folder === 'Urgent' || m.flag === 'Urgent';
    const id = d.store.addFailsafe(
      m.id,
      FAILSAFE_BOX,
      {
        callId: null,
        mailbox: 'failsafe',
        caller: callerNumber(m.callerId),
        did: '',
        site: null,
        reason: `left in the failsafe box ${FAILSAFE_BOX} (listen with *97)`,
        urgent,
        recording: `${FAILSAFE_RECORDING}${FAILSAFE_BOX}/${m.id}`,
        duration,
        createdAt: at ?? d.now(),
      },
      { recipients, compose: (vmId) => failsafeEmail({ id: vmId, clinic: plan.clinic.name, callerId: m.callerId, at, timezone, duration, folder: m.folder, urgent }) },
    );
    added.push(id);
    d.log?.(`failsafe box: message ${m.id} (${duration} s) stored as voicemail ${id}; email to ${recipients.length} recipient(s) queued`);
  }
  return added;
}

/**
 * Watches the box: every change (and every `check()`, e.g. the engine's retry tick) reads it, one
 * read at a time; new messages have their emails flushed at once. A failed read is logged and
 * tried again at the next change or check.
 */
export function watchFailsafeBox(d: FailsafeDeps & { readonly flush: () => Promise<unknown> }): { check(): Promise<unknown> } {
  const reads = serialRunner(
    async () => {
      const added = await noticeFailsafeMessages(d);
      if (added.length) await d.flush();
      return added;
    },
    (e) => d.log?.(`failsafe box ${FAILSAFE_BOX} not read: ${describeError(e)}; tried again at the next change or in 30 s`),
  );
  d.box.onChange(() => void reads.run());
  return { check: () => reads.run() };
}
