/**
 * Callback capture, as transitions of the call session: the caller confirms the number to call
 * back (their caller id, or one they type, ended by #), picks a reason from the list's menu, and a
 * callback request is created; a typed number is stored for staff, never dialled by the engine.
 */
import { toE164 } from '../routing/e164.js';
import type { OutcomeOf } from '../routing/types.js';
import { hangupAfter, nextPlayback, ok, withEffects, type Effect, type Session, type SessionEvent, type TransitionResult, type CallbackState } from './session-types.js';
import { digitsOf, sound, type Media } from './telephony.js';


/** Seconds to wait for a key after a prompt. */
const KEY_TIMEOUT = 8;
const MAX_TRIES = 3;

function prompt(s: Session, cb: CallbackState, media: Media[], effects: Effect[] = []): TransitionResult {
  const { seq, playbackId } = nextPlayback(s);
  return ok({ ...s, seq, callback: { ...cb, playbackId, timer: null } }, [...effects, { kind: 'play', playbackId, media }]);
}

/** A number read back digit by digit (a key pressed meanwhile stops it at once), without the country code. */
const spoken = (n: string) => digitsOf(n.replace(/^\+1/, '').replace(/^\+/, ''));

function ask(s: Session, cb: CallbackState, effects: Effect[] = []): TransitionResult {
  switch (cb.step) {
    case 'confirm':
      return prompt(s, cb, [sound('pbx-router/callback-we-will-call'), ...spoken(cb.number ?? ''), sound('pbx-router/callback-press-1-or-2')], effects);
    case 'number':
      return prompt(s, { ...cb, typed: '' }, [sound('pbx-router/callback-enter-number')], effects);
    case 'reason': {
      return prompt(s, cb, [sound('pbx-router/callback-choose-reason'), ...Object.entries(cb.reasons).flatMap(([d, r]) => [sound(`pbx-router/reason-${r}`), ...spoken(d)])], effects);
    }
  }
}

/**
 * The caller id as a number staff can call back: E.164 only. A withheld, malformed (a comma once
 * broke the read-back's media list and sent the caller to the failsafe) or overlong caller id is
 * none: the caller is asked to type one.
 */
export function callbackNumber(caller: string): string | null {
  return /^\+[1-9][0-9]{6,14}$/.test(caller) ? caller : null;
}

/** Starts capture: confirm the caller id, or ask for a number when it is withheld or unusable. */
export function startCallback(s: Session, o: OutcomeOf<'callback'>, effects: Effect[]): TransitionResult {
  const number = callbackNumber(s.caller);
  const cb: CallbackState = { list: o.target, reasons: o.callback.reasons, step: number ? 'confirm' : 'number', number, typed: '', tries: 0, playbackId: null, timer: null };
  return ask({ ...s, state: 'callback', outcome: o, endAs: 'callback' }, cb, effects);
}

function create(s: Session, cb: CallbackState, number: string, reason: string | null): TransitionResult {
  const { seq, playbackId } = nextPlayback(s);
  return ok({ ...s, state: 'playing', callback: null, seq, playbackId, afterPlay: { kind: 'outcome', outcome: hangupAfter(s) } }, [
    { kind: 'create-callback', list: cb.list, number, reason },
    { kind: 'play', playbackId, media: [sound('pbx-router/callback-thank-you')] },
  ]);
}

function again(s: Session, cb: CallbackState): TransitionResult {
  const tries = cb.tries + 1;
  if (tries < MAX_TRIES) return ask(s, { ...cb, tries });
  // Out of tries: a known number still gets its callback (reason unknown); without one, the failsafe.
  if (cb.number) return create(s, cb, cb.number, null);
  return ok({ ...s, state: 'ending', callback: null }, [{ kind: 'failsafe', reason: 'callback capture: no number given' }]);
}

/** The session's answer to an event while capturing a callback. */
export function callbackTransition(s: Session, e: SessionEvent): TransitionResult | null {
  const cb = s.callback;
  if (!cb) return null;
  switch (e.type) {
    case 'playback-ended': {
      if (e.playbackId !== cb.playbackId) return ok(s);
      const token = s.seq + 1;
      return ok({ ...s, seq: token, callback: { ...cb, playbackId: null, timer: token } }, [{ kind: 'start-menu-timer', token, seconds: KEY_TIMEOUT }]);
    }
    case 'menu-timeout':
      if (e.token !== cb.timer) return ok(s);
      if (cb.step === 'number' && cb.typed.length > 0) return typedNumber(s, cb);
      return again(s, cb);
    case 'dtmf': {
      const stop: Effect[] = [];
      if (cb.playbackId) stop.push({ kind: 'stop-playback', playbackId: cb.playbackId });
      if (cb.timer !== null) stop.push({ kind: 'cancel-menu-timer' });
      if (cb.step === 'number') {
        if (e.digit === '#') return typedNumber(s, cb, stop);
        if (!/^[0-9]$/.test(e.digit)) return ok(s);
        // Keys while typing a number restart the key timer; the prompt stops at the first key.
        const token = s.seq + 1;
        return ok({ ...s, seq: token, callback: { ...cb, typed: cb.typed + e.digit, playbackId: null, timer: token } }, [...stop, { kind: 'start-menu-timer', token, seconds: KEY_TIMEOUT }]);
      }
      if (cb.step === 'confirm') {
        if (e.digit === '1') return ask(s, { ...cb, step: 'reason', tries: 0 }, stop);
        if (e.digit === '2') return ask(s, { ...cb, step: 'number', tries: 0 }, stop);
        return ask(s, { ...cb, tries: cb.tries + 1 }, stop);
      }
      const reason = cb.reasons[e.digit];
      if (reason && cb.number) return withEffects(create(s, cb, cb.number, reason), stop);
      return ask(s, { ...cb, tries: cb.tries + 1 }, stop);
    }
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

function typedNumber(s: Session, cb: CallbackState, stop: Effect[] = []): TransitionResult {
  const digits = cb.typed;
  const number = toE164(digits);
  if (!/^\+[1-9][0-9]{6,14}$/.test(number)) return ask(s, { ...cb, typed: '', tries: cb.tries + 1 }, [...stop, { kind: 'play', playbackId: `${s.id}-bad-number`, media: [sound('pbx-router/callback-number-not-valid')] }]);
  return ask(s, { ...cb, step: 'confirm', number, typed: '', tries: 0 }, stop);
}
