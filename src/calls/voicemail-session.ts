/**
 * Voicemail, as transitions of the call session: greeting (the mailbox's or a default) and beep, a
 * recording of at most the mailbox's length that ends on silence or #, then the message and its
 * email are kept and the caller hears goodbye. A caller who hangs up while recording still leaves
 * the message: the call ends when the recording does. An empty recording (nothing said) is
 * deleted, not kept; a recording Asterisk reports failed sends the caller to the failsafe, whose
 * own voicemail takes the message instead.
 */
import type { OutcomeOf } from '../routing/types.js';
import { ok, type Effect, type Session, type SessionEvent, type TransitionResult, type VoicemailState } from './session-types.js';
import { sound } from './telephony.js';


/** Seconds of silence that end a message: long enough for a pause to think, short enough not to record a hung-up line. */
export const SILENCE_ENDS_AFTER = 5;

/** A message shorter than this (seconds of talking) is nothing said. */
const EMPTY_BELOW = 1;

/**
 * Starts voicemail. `resume`: the engine restarted during the message, which goes on in Asterisk
 * (or ended meanwhile): the recording is taken from there; with none, the greeting is played again.
 * `callerGone`: the caller already left (their recording is still kept).
 */
export function startVoicemail(s: Session, o: OutcomeOf<'voicemail'>, effects: Effect[], how: { resume?: boolean; callerGone?: boolean } = {}): TransitionResult {
  const vm: VoicemailState = { step: 'greeting', mailbox: o.target, name: `pbx-vm-${s.id}`, maxLength: o.voicemail.maxLength, greeting: o.voicemail.greeting, playbackId: null, callerGone: how.callerGone ?? false };
  const base: Session = { ...s, state: 'voicemail', outcome: o };
  const open: Effect = { kind: 'open-mailbox', mailbox: vm.mailbox };
  if (how.resume) return ok({ ...base, voicemail: { ...vm, step: 'resuming' } }, [...effects, open, { kind: 'await-recording', name: vm.name }]);
  return greet(base, vm, [...effects, open], `${s.id}-greeting`);
}

function greet(s: Session, vm: VoicemailState, effects: Effect[], playbackId: string): TransitionResult {
  return ok({ ...s, voicemail: { ...vm, step: 'greeting', playbackId } }, [...effects, { kind: 'play', playbackId, media: [sound(vm.greeting ?? 'vm-intro'), sound('beep')] }]);
}

function end(s: Session, effects: Effect[] = []): TransitionResult {
  return ok({ ...s, state: 'ended', voicemail: null }, [...effects, { kind: 'end', outcome: 'voicemail' }]);
}

/** Goodbye to a caller still on the line, then the call ends; a caller who left: it ends now. */
function goodbye(s: Session, vm: VoicemailState, effects: Effect[]): TransitionResult {
  if (vm.callerGone) return end(s, effects);
  const playbackId = `${s.id}-goodbye`;
  return ok({ ...s, voicemail: { ...vm, step: 'goodbye', playbackId } }, [...effects, { kind: 'play', playbackId, media: [sound('vm-goodbye')] }]);
}

function recorded(s: Session, vm: VoicemailState, e: Extract<SessionEvent, { type: 'recording-ended' }>): TransitionResult {
  const r = e.result;
  if (!r) {
    // After a restart, no recording was running: the caller was still in the greeting; it starts again.
    if (vm.callerGone) return end(s);
    return greet(s, vm, [{ kind: 'stop-playback', playbackId: `${s.id}-greeting` }], `${s.id}-greeting-again`);
  }
  const gone: VoicemailState = r.end === 'hangup' ? { ...vm, callerGone: true } : vm;
  if (r.end === 'failed') {
    // Nothing was recorded: the caller is still there, and the failsafe's own voicemail takes the message.
    return ok({ ...s, state: 'ending', voicemail: null }, [
      { kind: 'delete-recording', name: vm.name, why: 'the recording failed' },
      { kind: 'failsafe', reason: `the voicemail recording for ${vm.mailbox} failed` },
    ]);
  }
  if ((r.talking ?? r.duration) < EMPTY_BELOW) return goodbye(s, gone, [{ kind: 'delete-recording', name: vm.name, why: `empty (${r.end})` }]);
  return goodbye(s, gone, [{ kind: 'keep-voicemail', mailbox: vm.mailbox, name: vm.name, result: r }]);
}

/** The session's answer to an event while in voicemail. */
export function voicemailTransition(s: Session, e: SessionEvent): TransitionResult | null {
  const vm = s.voicemail;
  if (!vm) return null;
  switch (e.type) {
    case 'caller-hangup':
      // The recording goes on to its end (Asterisk ends it with the channel): the message is kept then.
      if (vm.step === 'recording' || vm.step === 'resuming') return ok({ ...s, voicemail: { ...vm, callerGone: true } });
      return end(s, vm.playbackId ? [{ kind: 'stop-playback', playbackId: vm.playbackId }] : []);
    case 'playback-ended':
      if (e.playbackId !== vm.playbackId) return ok(s);
      if (vm.step === 'goodbye') return ok({ ...s, state: 'ending', voicemail: null }, [{ kind: 'hangup-caller' }, { kind: 'end', outcome: 'voicemail' }]);
      if (e.end === 'hangup') return ok(s);
      return ok({ ...s, voicemail: { ...vm, step: 'recording', playbackId: null } }, [{ kind: 'record', name: vm.name, options: { maxDuration: vm.maxLength, maxSilence: SILENCE_ENDS_AFTER, terminateOn: '#' } }]);
    case 'recording-ended':
      if (e.name !== vm.name || (vm.step !== 'recording' && vm.step !== 'resuming')) return ok(s);
      return recorded(s, vm, e);
    case 'dtmf':
    case 'menu-timeout':
    case 'leg-answered':
    case 'leg-failed':
    case 'leg-hangup':
    case 'max-wait':
    case 'offer':
      return ok(s);
    default:
      return null;
  }
}
