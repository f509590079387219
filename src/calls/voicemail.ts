/**
 * The voicemail destination: greeting (the mailbox's or a default), beep, a recording of at most
 * the mailbox's length that ends on silence or #, then the message and its email are stored in
 * one transaction and the outbox is flushed. A caller who hangs up while recording still leaves
 * the message; an empty recording (nothing said) is deleted and not emailed.
 */
import type { LineLog } from '../logging/logger.js';
import type { Outcome, Plan } from '../routing/types.js';
import type { VoicemailStore } from '../store/voicemail-store.js';
import { voicemailEmail } from '../notify/voicemail-email.js';
import type { Session } from './session.js';
import { sound, type Telephony } from './telephony.js';

export interface VoicemailDeps {
  readonly telephony: Telephony;
  readonly voicemails: VoicemailStore;
  readonly now: () => number;
  /** Sends due emails (the outbox); errors are kept in the outbox, not thrown. */
  readonly flush: () => Promise<unknown>;
  readonly log?: LineLog;
}

/** Seconds of silence that end a message: long enough for a pause to think, short enough not to record a hung-up line. */
const SILENCE_ENDS_AFTER = 5;

/**
 * Records a voicemail for a call whose outcome is a mailbox; resolves with the voicemail id, or
 * null when nothing was left. `resume`: the engine restarted during the recording, which goes on
 * in Asterisk (or ended meanwhile): it is taken from there, and the message is kept as usual.
 */
export async function takeVoicemail(plan: Plan, session: Session, outcome: Outcome, d: VoicemailDeps, resume = false): Promise<number | null> {
  const mailbox = plan.mailboxes.get(outcome.target ?? '');
  if (!mailbox || !outcome.voicemail) throw new Error(`unknown mailbox ${outcome.target ?? ''}`);
  const name = `pbx-vm-${session.id}`;
  // After a restart: the recording that was running, or (still in the greeting) none, and the caller starts again.
  let result = resume ? await d.telephony.awaitRecording(session.channel, name) : null;
  if (!result) {
    if (resume) await d.telephony.stopPlayback(`${session.id}-greeting`);
    const greeting = outcome.voicemail.greeting ?? 'vm-intro';
    const heard = await d.telephony.play(session.channel, `${session.id}-greeting${resume ? '-again' : ''}`, [sound(greeting), sound('beep')], outcome.language);
    if (heard === 'hangup') return null;
    result = await d.telephony.record(session.channel, name, { maxDuration: mailbox.maxLength, maxSilence: SILENCE_ENDS_AFTER, terminateOn: '#' });
  }
  const said = result.talking ?? result.duration;
  if (result.end === 'failed') {
    // Nothing was recorded: the caller is still there, and the failsafe takes the message instead.
    await d.telephony.deleteRecording(name);
    throw new Error(`the voicemail recording for ${mailbox.id} failed`);
  }
  if (said < 1) {
    d.log?.(`call ${session.id}: voicemail for ${mailbox.id} was empty (${result.end}); not kept`, { call: session.id, channel: session.channel, step: 'voicemail-empty', mailbox: mailbox.id });
    await d.telephony.deleteRecording(name);
    // A caller who said nothing is still on the line: never leave them in silence.
    if (result.end === 'done') {
      await d.telephony.play(session.channel, `${session.id}-goodbye`, [sound('vm-goodbye')], outcome.language);
      await d.telephony.hangup(session.channel);
    }
    return null;
  }
  const site = outcome.site ? plan.sites.get(outcome.site) : undefined;
  const reason = outcome.tags.includes('urgent') ? 'urgent' : session.inputs.length ? `menu keys ${session.inputs.join(',')}` : null;
  const facts = {
    clinic: plan.clinic.name,
    mailbox: mailbox.id,
    mailboxName: mailbox.name,
    caller: session.caller,
    did: session.did,
    site: outcome.site,
    timezone: site?.timezone ?? 'UTC',
    at: d.now(),
    duration: result.duration,
    reason,
    urgent: outcome.tags.includes('urgent'),
    attachAudio: mailbox.attachAudio,
  };
  const id = d.voicemails.add(
    { callId: session.id, mailbox: mailbox.id, caller: session.caller, did: session.did, site: outcome.site, reason, urgent: facts.urgent, recording: name, duration: result.duration, createdAt: facts.at },
    { recipients: mailbox.email, attach: mailbox.attachAudio, compose: (vmId) => voicemailEmail({ ...facts, id: vmId }) },
  );
  d.log?.(`call ${session.id}: voicemail ${id} for ${mailbox.id} kept (${result.duration} s); email to ${mailbox.email.length} recipient(s) queued`, { call: session.id, channel: session.channel, step: 'voicemail-kept', voicemail: id, mailbox: mailbox.id, seconds: result.duration });
  void d.flush().catch((e: Error) => d.log?.(`warning: voicemail ${id}: email flush failed: ${e.message}`, { call: session.id, voicemail: id }));
  if (result.end === 'done') {
    await d.telephony.play(session.channel, `${session.id}-goodbye`, [sound('vm-goodbye')], outcome.language);
    await d.telephony.hangup(session.channel);
  }
  return id;
}
