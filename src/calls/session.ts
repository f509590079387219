/**
 * One call as a state machine: `transition(session, event)` returns the next session and the
 * effects to carry out (plain data), or an error when the state does not accept the event. Pure:
 * the effect runner carries effects out against the Telephony port, the routing core and the
 * store, and feeds what happened back in as events. This file answers, plays the decided prompts,
 * waits for menu keys and starts the destination; each destination has its own file.
 */
import type { Decision, Outcome, Step } from '../routing/types.js';
import { callbackTransition, startCallback } from './callback-session.js';
import { forwardTransition, startForward } from './forward-session.js';
import { queuedTransition, smsPromptEnded, startQueue } from './queue-session.js';
import { connectedTransition, noAnswer, ring, ringingTransition, whisperingTransition } from './ring-session.js';
import { nextPlayback, ok, reject, type AfterPlay, type Effect, type Session, type SessionEvent, type TransitionResult } from './session-types.js';
import { sound } from './telephony.js';
import { startVoicemail, voicemailTransition } from './voicemail-session.js';

export type { Effect, Leg, RouteOrigin, Session, SessionEvent, SessionState, TransitionResult } from './session-types.js';

/** How long a direct agent's phone rings (a ring group or queue sets its own). */
const AGENT_RING_SECONDS = 20;

/** A new session for a call that has just entered the application. */
export function newSession(id: string, channel: string, did: string, caller: string, arrivedAt: number): { session: Session; effects: Effect[] } {
  const session: Session = {
    id,
    channel,
    did,
    caller,
    arrivedAt,
    state: 'answering',
    inputs: [],
    resumeAt: -1,
    playbackId: null,
    afterPlay: null,
    outcome: null,
    queue: null,
    legs: [],
    seq: 0,
    menuToken: null,
    origin: { kind: 'entry' },
    hunt: [],
    ringTimeout: 0,
    endAs: null,
    forward: null,
    callback: null,
    voicemail: null,
    replay: null,
    smsOffer: null,
  };
  return { session, effects: [{ kind: 'answer' }] };
}

/** The sounds of the steps not yet carried out (the menu the caller is in is not played again). */
function newSounds(steps: readonly Step[], resumeAt: number): string[] {
  const sounds: string[] = [];
  for (let i = Math.max(0, resumeAt); i < steps.length; i++) {
    const s = steps[i]!;
    if (i === resumeAt && s.kind === 'menu') continue;
    if (s.kind === 'play' && s.sound) sounds.push(s.sound);
    if (s.kind === 'menu' && s.result === 'awaiting' && s.sound) sounds.push(s.sound);
  }
  return sounds;
}

/** After a restart: only the prompt of the menu the caller was waiting in, if any. */
function replaySounds(d: Decision): string[] {
  const last = d.steps.at(-1);
  return d.status === 'awaiting-input' && last?.kind === 'menu' && last.sound ? [last.sound] : [];
}

/**
 * The texts (`sms` actions) among the steps not yet carried out: a decision repeats the steps
 * before the menu the caller answered, whose texts were asked for then.
 */
function newTexts(d: Decision, resumeAt: number): Effect[] {
  return d.steps.slice(Math.max(0, resumeAt)).flatMap((st): Effect[] => (st.kind === 'sms' ? [{ kind: 'send-sms', message: st.message, site: d.site }] : []));
}

function onDecided(s: Session, d: Decision, menuTimeout: number): TransitionResult {
  const effects: Effect[] = [{ kind: 'record-decision', decision: d }];
  const guard = d.steps.find((st) => st.kind === 'guard');
  if (guard) return ok({ ...s, state: 'ending' }, [...effects, { kind: 'failsafe', reason: guard.kind === 'guard' ? guard.message : 'routing failed' }]);
  // A decision replayed after a restart asked for its texts before the restart.
  if (!s.replay) effects.push(...newTexts(d, s.resumeAt));
  const sounds = s.replay ? replaySounds(d) : newSounds(d.steps, s.resumeAt);
  const afterPlay: AfterPlay = d.status === 'awaiting-input' ? { kind: 'menu', menu: d.menu, timeout: menuTimeout } : { kind: 'outcome', outcome: d.outcome };
  const resumeAt = d.status === 'awaiting-input' ? d.steps.length - 1 : s.resumeAt;
  if (sounds.length > 0) {
    const { seq, playbackId } = nextPlayback(s);
    return ok({ ...s, state: 'playing', seq, playbackId, afterPlay, resumeAt, replay: null }, [...effects, { kind: 'play', playbackId, media: sounds.map(sound) }]);
  }
  return afterPrompts({ ...s, afterPlay, resumeAt }, effects);
}

function afterPrompts(s: Session, effects: Effect[]): TransitionResult {
  const next = s.afterPlay;
  const base: Session = { ...s, playbackId: null, afterPlay: null, replay: null };
  if (!next) return ok({ ...base, state: 'routing' }, effects);
  if (next.kind === 'menu') {
    const token = s.seq + 1;
    return ok({ ...base, state: 'menu', seq: token, menuToken: token }, [...effects, { kind: 'start-menu-timer', token, seconds: next.timeout }]);
  }
  return startOutcome({ ...base, outcome: next.outcome }, next.outcome, effects, s.replay?.skipAttempts ?? 0);
}

/** The call goes where routing sent it. */
export function startOutcome(s: Session, o: Outcome, effects: Effect[], skipAttempts = 0): TransitionResult {
  switch (o.action) {
    case 'queue':
      return startQueue(s, o, effects);
    case 'hangup':
      return ok({ ...s, state: 'ending' }, [...effects, { kind: 'hangup-caller' }, { kind: 'end', outcome: s.endAs ?? 'hangup' }]);
    case 'agent':
      if (o.agent.state === 'offline') return ok({ ...s, state: 'ending' }, [...effects, { kind: 'failsafe', reason: `agent ${o.target} is offline` }]);
      return ring({ ...s, hunt: [] }, [{ agent: o.target, endpoint: o.agent.endpoint }], AGENT_RING_SECONDS, effects);
    case 'ring-group': {
      const g = o.ringGroup;
      if (g.ring.length === 0) return noAnswer(s, effects);
      return g.strategy === 'hunt' ? ring({ ...s, hunt: g.ring.slice(1) }, g.ring.slice(0, 1), g.ringTimeout, effects) : ring({ ...s, hunt: [] }, g.ring, g.ringTimeout, effects);
    }
    case 'forward':
      if (o.forward.attempts.length === 0) return ok({ ...s, state: 'ending' }, [...effects, { kind: 'failsafe', reason: `roster ${o.target} has nobody to call` }]);
      return startForward(s, o, effects, skipAttempts);
    case 'callback':
      return startCallback(s, o, effects);
    case 'voicemail':
      return startVoicemail(s, o, effects);
  }
}

/** The caller hung up: whatever they were doing stops, and the call ends with what it came to. */
function callerGone(s: Session): TransitionResult {
  // Already on its way out: the 'end' effect that put it there closes the call.
  if (s.state === 'ending') return ok(s);
  const effects: Effect[] = [];
  if (s.playbackId) effects.push({ kind: 'stop-playback', playbackId: s.playbackId });
  if (s.menuToken !== null) effects.push({ kind: 'cancel-menu-timer' });
  for (const leg of s.legs) effects.push({ kind: 'hangup-leg', leg: leg.channel });
  if (s.state === 'forwarding') effects.push({ kind: 'cancel-confirm-timer' });
  if (s.state === 'callback' && s.callback?.playbackId) effects.push({ kind: 'stop-playback', playbackId: s.callback.playbackId });
  if (s.state === 'callback' && s.callback?.timer !== null && s.callback?.timer !== undefined) effects.push({ kind: 'cancel-menu-timer' });
  const wasQueued = s.state === 'queued' || s.state === 'ringing' || s.state === 'whispering';
  if (wasQueued) effects.push({ kind: 'dequeue', result: 'abandoned' });
  // A caller who took the text offered in the queue and then hung up was deflected, not lost.
  const waited = s.smsOffer?.step === 'sent' ? 'sms-deflected' : 'abandoned';
  const outcome = s.state === 'forwarding' ? 'forward-abandoned' : s.state === 'callback' ? 'callback-abandoned' : (s.endAs ?? (s.state === 'connected' ? 'answered' : wasQueued ? waited : 'hung-up-early'));
  return ok({ ...s, state: 'ended', playbackId: null, menuToken: null }, [...effects, { kind: 'end', outcome }]);
}

/** The next session and effects for an event, or an error when the current state does not accept it. */
export function transition(s: Session, e: SessionEvent): TransitionResult {
  if (s.state === 'ended') {
    // Late events of an ended call (a playback or leg finishing after hangup) are expected and ignored.
    return e.type === 'failed' ? reject(s, e) : ok(s);
  }
  // A failure while already on the way out (the failsafe itself failed) is reported, never retried in a loop.
  if (e.type === 'failed') return s.state === 'ending' ? reject(s, e) : ok({ ...s, state: 'ending' }, [{ kind: 'failsafe', reason: e.message }]);
  // Voicemail keeps the call until its recording ends, even after the caller hung up.
  if (s.state === 'voicemail') return voicemailTransition(s, e) ?? reject(s, e);
  // Callback capture keeps its own key timer (its token is checked there).
  if (e.type === 'menu-timeout' && s.state !== 'callback' && e.token !== s.menuToken) return ok(s);
  if (e.type === 'caller-hangup') return callerGone(s);
  if (s.state === 'forwarding') return forwardTransition(s, e) ?? reject(s, e);
  if (s.state === 'callback') return callbackTransition(s, e) ?? reject(s, e);
  // A prompt the caller cut short with a key (or any earlier playback) ends after the call moved on.
  if (e.type === 'playback-ended' && e.playbackId !== s.playbackId) return ok(smsPromptEnded(s, e.playbackId));
  switch (s.state) {
    case 'answering':
      if (e.type === 'answered') return ok({ ...s, state: 'routing' }, [{ kind: 'route', origin: s.origin, inputs: s.inputs }]);
      return reject(s, e);
    case 'routing':
      if (e.type === 'decided') return onDecided(s, e.decision, e.menuTimeout);
      if (e.type === 'dtmf') return ok(s);
      return reject(s, e);
    case 'playing':
      if (e.type === 'playback-ended') return e.end === 'hangup' ? ok(s) : afterPrompts(s, []);
      if (e.type === 'dtmf') {
        // Barge-in: a key during a menu prompt stops it and is taken at once.
        if (s.afterPlay?.kind !== 'menu' || !s.playbackId) return ok(s);
        const inputs = [...s.inputs, e.digit];
        return ok({ ...s, state: 'routing', inputs, playbackId: null, afterPlay: null }, [{ kind: 'stop-playback', playbackId: s.playbackId }, { kind: 'route', origin: s.origin, inputs }]);
      }
      return reject(s, e);
    case 'menu':
      if (e.type === 'dtmf') {
        const inputs = [...s.inputs, e.digit];
        return ok({ ...s, state: 'routing', inputs, menuToken: null }, [{ kind: 'cancel-menu-timer' }, { kind: 'route', origin: s.origin, inputs }]);
      }
      if (e.type === 'menu-timeout') {
        const inputs = [...s.inputs, 'timeout'];
        return ok({ ...s, state: 'routing', inputs, menuToken: null }, [{ kind: 'route', origin: s.origin, inputs }]);
      }
      if (e.type === 'playback-ended') return ok(s);
      return reject(s, e);
    case 'queued':
      return queuedTransition(s, e);
    case 'ringing':
      return ringingTransition(s, e);
    case 'whispering':
      return whisperingTransition(s, e);
    case 'connected':
      return connectedTransition(s, e);
    case 'ending':
      return ok(s);
  }
}
