/**
 * One call as a state machine: `transition(session, event)` returns the next session and the
 * effects to carry out (plain data), or an error when the state does not accept the event. Pure:
 * the runner executes effects against the Telephony port, the routing core and the store, and
 * feeds what happened back in as events.
 */
import type { Action, Decision, Outcome, Step } from '../routing/types.js';
import { sound, type LegFailure, type Media, type PlaybackEnd } from './telephony.js';
import { forwardTransition, startForward, type ForwardState } from './forward-session.js';
import { callbackNumber, callbackTransition, startCallback, type CallbackState } from './callback-session.js';

export type CallState =
  | 'answering'
  | 'routing'
  | 'playing'
  | 'awaiting-digit'
  | 'queued'
  | 'ringing-agent'
  | 'whispering'
  | 'connected'
  | 'forwarding'
  | 'callback'
  | 'handoff'
  | 'ending'
  | 'ended';

/** What the call does once its prompts have played. */
type AfterPlay = { readonly kind: 'menu'; readonly menu: string; readonly timeout: number } | { readonly kind: 'outcome'; readonly outcome: Outcome } | null;

export interface Session {
  readonly id: string;
  readonly channel: string;
  readonly did: string;
  readonly caller: string;
  readonly arrivedAt: number;
  readonly state: CallState;
  /** Menu keys so far ('timeout' for none), replayed through the routing core at each decision. */
  readonly inputs: readonly string[];
  /** Index of the step whose prompt was played last while waiting for a key; -1 when none. */
  readonly resumeAt: number;
  readonly playbackId: string | null;
  readonly afterPlay: AfterPlay;
  readonly outcome: Outcome | null;
  /** The queue the caller waits in, if any. */
  readonly queue: string | null;
  /** The agent legs being rung (several for ring-all), or the one talking once connected. */
  readonly legs: readonly Leg[];
  /** Counter for playback ids and timer tokens, so stale timers and playbacks are recognised. */
  readonly seq: number;
  readonly menuTimer: number | null;
  /** Agents still to try one after another (hunt group), and how long each rings. */
  readonly hunt: readonly { readonly agent: string; readonly endpoint: string }[];
  readonly ringTimeout: number;
  /** Callback capture in progress, or null. */
  readonly callback: CallbackState | null;
  /** On-call forwarding in progress, or null. */
  readonly forward: ForwardState | null;
  /** How the call is recorded when it ends by hanging up (e.g. 'callback' after a callback request). */
  readonly endAs: string | null;
  /** Where routing starts: the entry rule set, or an action list (a queue's overflow). Inputs count from there. */
  readonly origin: RouteOrigin;
  /**
   * A call picked up again after an engine restart, until its first decision: the prompts it heard
   * are not played again (only a menu it was waiting in is), and a forward skips the members
   * already tried.
   */
  readonly replay: { readonly skipAttempts: number } | null;
}

export interface Leg {
  readonly channel: string;
  readonly agent: string;
}

export type RouteOrigin = { readonly kind: 'entry' } | { readonly kind: 'actions'; readonly actions: readonly Action[] };

export type SessionEvent =
  | { readonly type: 'answered' }
  | { readonly type: 'decided'; readonly decision: Decision; readonly menuTimeout: number }
  | { readonly type: 'playback-ended'; readonly playbackId: string; readonly end: PlaybackEnd }
  | { readonly type: 'dtmf'; readonly digit: string }
  | { readonly type: 'menu-timeout'; readonly token: number }
  | { readonly type: 'caller-hangup' }
  | { readonly type: 'offer'; readonly agents: readonly { readonly agent: string; readonly endpoint: string }[]; readonly ringTimeout: number }
  | { readonly type: 'leg-answered'; readonly leg: string }
  | { readonly type: 'leg-failed'; readonly leg: string; readonly reason: LegFailure }
  | { readonly type: 'leg-hangup'; readonly leg: string }
  | { readonly type: 'max-wait' }
  | { readonly type: 'leg-dtmf'; readonly leg: string; readonly digit: string }
  | { readonly type: 'confirm-timeout'; readonly token: number }
  | { readonly type: 'failed'; readonly message: string };

export type Effect =
  | { readonly kind: 'answer' }
  | { readonly kind: 'route'; readonly origin: RouteOrigin; readonly inputs: readonly string[] }
  | { readonly kind: 'record-decision'; readonly decision: Decision }
  | { readonly kind: 'play'; readonly playbackId: string; readonly media: readonly Media[]; readonly channel?: string }
  | { readonly kind: 'stop-playback'; readonly playbackId: string }
  | { readonly kind: 'start-menu-timer'; readonly token: number; readonly seconds: number }
  | { readonly kind: 'cancel-menu-timer' }
  | { readonly kind: 'enqueue'; readonly queue: string; readonly priority: number; readonly language: string }
  | { readonly kind: 'dequeue'; readonly result: 'answered' | 'abandoned' | 'overflow' | 'callback' }
  | { readonly kind: 'callback-request'; readonly list: string }
  | {
      readonly kind: 'originate';
      readonly leg: string;
      readonly agent: string;
      readonly endpoint: string;
      readonly ringTimeout: number;
      /** An outside number (on-call forwarding): checked by the toll-fraud guard before dialling. */
      readonly external?: { readonly number: string; readonly callerId: string | null };
    }
  | { readonly kind: 'hold'; readonly media: readonly Media[] }
  | { readonly kind: 'unhold' }
  | { readonly kind: 'start-confirm-timer'; readonly token: number; readonly seconds: number }
  | { readonly kind: 'cancel-confirm-timer' }
  | { readonly kind: 'create-callback'; readonly list: string; readonly number: string; readonly reason: string | null }
  | { readonly kind: 'record-attempt'; readonly member: string; readonly number: string; readonly result: string }
  | { readonly kind: 'leg-missed'; readonly agent: string; readonly reason: LegFailure }
  | { readonly kind: 'hangup-leg'; readonly leg: string }
  | { readonly kind: 'connect'; readonly leg: string; readonly agent: string; readonly external?: boolean }
  | { readonly kind: 'handoff'; readonly outcome: Outcome }
  | { readonly kind: 'failsafe'; readonly reason: string }
  | { readonly kind: 'hangup-caller' }
  | { readonly kind: 'end'; readonly outcome: string };

export type TransitionResult = { readonly ok: true; readonly session: Session; readonly effects: readonly Effect[] } | { readonly ok: false; readonly error: string };

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
    menuTimer: null,
    origin: { kind: 'entry' },
    hunt: [],
    ringTimeout: 0,
    endAs: null,
    forward: null,
    callback: null,
    replay: null,
  };
  return { session, effects: [{ kind: 'answer' }] };
}

const ok = (session: Session, effects: Effect[] = []): TransitionResult => ({ ok: true, session, effects });
const reject = (s: Session, e: SessionEvent): TransitionResult => ({ ok: false, error: `call ${s.id}: event ${e.type} is not accepted in state ${s.state}` });

/** The sounds of the steps not yet carried out, and whether the last one waits for a key. */
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

function onDecided(s: Session, d: Decision, menuTimeout: number): TransitionResult {
  const effects: Effect[] = [{ kind: 'record-decision', decision: d }];
  const sounds = s.replay ? replaySounds(d) : newSounds(d.steps, s.resumeAt);
  if (d.steps.some((st) => st.kind === 'guard')) {
    const guard = d.steps.find((st) => st.kind === 'guard');
    return ok({ ...s, state: 'ending' }, [...effects, { kind: 'failsafe', reason: guard && guard.kind === 'guard' ? guard.message : 'routing failed' }]);
  }
  const afterPlay: AfterPlay =
    d.status === 'awaiting-input'
      ? { kind: 'menu', menu: d.menu, timeout: menuTimeout }
      : { kind: 'outcome', outcome: d.outcome };
  const resumeAt = d.status === 'awaiting-input' ? d.steps.length - 1 : s.resumeAt;
  if (sounds.length > 0) {
    const playbackId = `${s.id}-pb-${s.seq + 1}`;
    return ok({ ...s, state: 'playing', seq: s.seq + 1, playbackId, afterPlay, resumeAt, replay: null }, [...effects, { kind: 'play', playbackId, media: sounds.map(sound) }]);
  }
  return afterPrompts({ ...s, afterPlay, resumeAt }, effects);
}

/** After a restart: only the prompt of the menu the caller was waiting in, if any. */
function replaySounds(d: Decision): string[] {
  const last = d.steps.at(-1);
  return d.status === 'awaiting-input' && last?.kind === 'menu' && last.sound ? [last.sound] : [];
}

function afterPrompts(s: Session, effects: Effect[]): TransitionResult {
  const next = s.afterPlay;
  const base: Session = { ...s, playbackId: null, afterPlay: null, replay: null };
  if (!next) return ok({ ...base, state: 'routing' }, effects);
  if (next.kind === 'menu') {
    const token = s.seq + 1;
    return ok({ ...base, state: 'awaiting-digit', seq: token, menuTimer: token }, [...effects, { kind: 'start-menu-timer', token, seconds: next.timeout }]);
  }
  return startOutcome({ ...base, outcome: next.outcome }, next.outcome, effects, s.replay?.skipAttempts ?? 0);
}

function startOutcome(s: Session, o: Outcome, effects: Effect[], skipAttempts = 0): TransitionResult {
  switch (o.action) {
    case 'queue':
      return ok({ ...s, state: 'queued', queue: o.target }, [...effects, { kind: 'enqueue', queue: o.target!, priority: o.priority, language: o.language }]);
    case 'hangup':
      return ok({ ...s, state: 'ending' }, [...effects, { kind: 'hangup-caller' }, { kind: 'end', outcome: s.endAs ?? 'hangup' }]);
    case 'agent': {
      if (!o.agent || o.agent.state === 'offline') return ok({ ...s, state: 'ending' }, [...effects, { kind: 'failsafe', reason: `agent ${o.target} is offline` }]);
      return ring({ ...s, hunt: [] }, [{ agent: o.target!, endpoint: o.agent.endpoint }], 20, effects);
    }
    case 'callback':
      return startCallback(s, o, effects);
    case 'forward':
      if (!o.forward || o.forward.attempts.length === 0) return ok({ ...s, state: 'ending' }, [...effects, { kind: 'failsafe', reason: `roster ${o.target} has nobody to call` }]);
      return startForward(s, o, effects, skipAttempts);
    case 'ring-group': {
      const g = o.ringGroup!;
      if (g.ring.length === 0) return noAnswer(s, effects);
      return g.strategy === 'hunt' ? ring({ ...s, hunt: g.ring.slice(1) }, g.ring.slice(0, 1), g.ringTimeout, effects) : ring({ ...s, hunt: [] }, g.ring, g.ringTimeout, effects);
    }
    default:
      // Direct agent, ring groups, voicemail, on-call forwarding and callbacks have their own handlers.
      return ok({ ...s, state: 'handoff' }, [...effects, { kind: 'handoff', outcome: o }]);
  }
}

/** Rings these phones for the caller (not from a queue). */
function ring(s: Session, phones: readonly { agent: string; endpoint: string }[], ringTimeout: number, effects: Effect[]): TransitionResult {
  const legs = phones.map((p, i) => ({ channel: `${s.id}-leg-${s.seq + 1 + i}`, agent: p.agent }));
  return ok(
    { ...s, state: 'ringing-agent', seq: s.seq + phones.length, legs, ringTimeout },
    [...effects, ...phones.map((p, i) => ({ kind: 'originate', leg: legs[i]!.channel, agent: p.agent, endpoint: p.endpoint, ringTimeout }) as const)],
  );
}

/** Nobody answered a direct or group ring: the group's no-answer actions, or the failsafe for a direct agent. */
function noAnswer(s: Session, effects: Effect[]): TransitionResult {
  const o = s.outcome;
  if (o?.ringGroup) {
    const origin: RouteOrigin = { kind: 'actions', actions: o.ringGroup.noAnswer };
    return ok({ ...s, state: 'routing', legs: [], hunt: [], origin, inputs: [], resumeAt: -1 }, [...effects, { kind: 'route', origin, inputs: [] }]);
  }
  return ok({ ...s, state: 'ending', legs: [] }, [...effects, { kind: 'failsafe', reason: `${o?.action ?? 'call'} ${o?.target ?? ''}: nobody answered` }]);
}

function callerGone(s: Session): TransitionResult {
  // Already on its way out: the 'end' effect that put it there closes the call.
  if (s.state === 'ending') return ok(s);
  const effects: Effect[] = [];
  if (s.playbackId) effects.push({ kind: 'stop-playback', playbackId: s.playbackId });
  if (s.menuTimer !== null) effects.push({ kind: 'cancel-menu-timer' });
  for (const leg of s.legs) effects.push({ kind: 'hangup-leg', leg: leg.channel });
  if (s.state === 'forwarding') effects.push({ kind: 'cancel-confirm-timer' });
  if (s.state === 'callback' && s.callback?.playbackId) effects.push({ kind: 'stop-playback', playbackId: s.callback.playbackId });
  if (s.state === 'callback' && s.callback?.timer !== null && s.callback?.timer !== undefined) effects.push({ kind: 'cancel-menu-timer' });
  const wasQueued = s.state === 'queued' || s.state === 'ringing-agent' || s.state === 'whispering';
  if (wasQueued) effects.push({ kind: 'dequeue', result: 'abandoned' });
  const outcome = s.state === 'forwarding' ? 'forward-abandoned' : s.state === 'callback' ? 'callback-abandoned' : s.endAs ?? (s.state === 'connected' ? 'answered' : wasQueued ? 'abandoned' : s.state === 'handoff' ? (s.outcome?.action ?? 'handoff') : 'hung-up-early');
  return ok({ ...s, state: 'ended', playbackId: null, menuTimer: null }, [...effects, { kind: 'end', outcome }]);
}

/** The next session and effects for an event, or an error when the current state does not accept it. */
export function transition(s: Session, e: SessionEvent): TransitionResult {
  if (s.state === 'ended') {
    // Late events of an ended call (a playback or leg finishing after hangup) are expected and ignored.
    return e.type === 'failed' ? reject(s, e) : ok(s);
  }
  // Callback capture keeps its own key timer (its token is checked there).
  if (e.type === 'menu-timeout' && s.state !== 'callback' && e.token !== s.menuTimer) return ok(s);
  if (e.type === 'caller-hangup') return callerGone(s);
  // A failure while already on the way out (the failsafe itself failed) is reported, never retried in a loop.
  if (e.type === 'failed') return s.state === 'ending' ? reject(s, e) : ok({ ...s, state: 'ending' }, [{ kind: 'failsafe', reason: e.message }]);
  if (s.state === 'forwarding') return forwardTransition(s, e) ?? reject(s, e);
  if (s.state === 'callback') return callbackTransition(s, e) ?? reject(s, e);
  // A prompt the caller cut short with a key (or any earlier playback) ends after the call moved on.
  if (e.type === 'playback-ended' && e.playbackId !== s.playbackId) return ok(s);
  switch (s.state) {
    case 'answering':
      if (e.type === 'answered') return ok({ ...s, state: 'routing' }, [{ kind: 'route', origin: s.origin, inputs: s.inputs }]);
      return reject(s, e);
    case 'routing':
      if (e.type === 'decided') return onDecided(s, e.decision, e.menuTimeout);
      if (e.type === 'dtmf') return ok(s);
      return reject(s, e);
    case 'playing':
      if (e.type === 'playback-ended') {
        if (e.playbackId !== s.playbackId) return ok(s);
        if (e.end === 'hangup') return ok(s);
        return afterPrompts(s, []);
      }
      if (e.type === 'dtmf') {
        // Barge-in: a key during a menu prompt stops it and is taken at once.
        if (s.afterPlay?.kind !== 'menu') return ok(s);
        const inputs = [...s.inputs, e.digit];
        return ok({ ...s, state: 'routing', inputs, playbackId: null, afterPlay: null }, [{ kind: 'stop-playback', playbackId: s.playbackId! }, { kind: 'route', origin: s.origin, inputs }]);
      }
      return reject(s, e);
    case 'awaiting-digit':
      if (e.type === 'dtmf') {
        const inputs = [...s.inputs, e.digit];
        return ok({ ...s, state: 'routing', inputs, menuTimer: null }, [{ kind: 'cancel-menu-timer' }, { kind: 'route', origin: s.origin, inputs }]);
      }
      if (e.type === 'menu-timeout') {
        if (e.token !== s.menuTimer) return ok(s);
        const inputs = [...s.inputs, 'timeout'];
        return ok({ ...s, state: 'routing', inputs, menuTimer: null }, [{ kind: 'route', origin: s.origin, inputs }]);
      }
      if (e.type === 'playback-ended') return ok(s);
      return reject(s, e);
    case 'queued':
      if (e.type === 'offer') {
        if (e.agents.length === 0) return ok(s);
        const legs = e.agents.map((a, i) => ({ channel: `${s.id}-leg-${s.seq + 1 + i}`, agent: a.agent }));
        return ok(
          { ...s, state: 'ringing-agent', seq: s.seq + e.agents.length, legs },
          e.agents.map((a, i) => ({ kind: 'originate', leg: legs[i]!.channel, agent: a.agent, endpoint: a.endpoint, ringTimeout: e.ringTimeout }) as const),
        );
      }
      if (e.type === 'max-wait') return overflow(s);
      // Only with a caller id staff can call back: otherwise * is not a callback request and the caller keeps waiting.
      if (e.type === 'dtmf' && e.digit === '*' && s.outcome?.queue?.callbackList && callbackNumber(s.caller)) return queueCallback(s, s.outcome.queue.callbackList);
      if (e.type === 'dtmf' || e.type === 'playback-ended' || e.type === 'leg-failed' || e.type === 'leg-hangup') return ok(s);
      return reject(s, e);
    case 'ringing-agent':
      if (e.type === 'leg-answered') {
        const won = s.legs.find((l) => l.channel === e.leg);
        if (!won) return ok(s, [{ kind: 'hangup-leg', leg: e.leg }]);
        // First to answer takes the call; the other phones stop ringing.
        const others: Effect[] = s.legs.filter((l) => l !== won).map((l) => ({ kind: 'hangup-leg', leg: l.channel }));
        const whisper = s.queue ? s.outcome?.queue?.whisper : null;
        if (whisper && whisper.length > 0) {
          const playbackId = `${s.id}-pb-${s.seq + 1}`;
          return ok({ ...s, state: 'whispering', legs: [won], seq: s.seq + 1, playbackId }, [...others, { kind: 'play', playbackId, media: whisper.map(sound), channel: won.channel }]);
        }
        return ok({ ...s, state: 'connected', legs: [won] }, [...others, { kind: 'dequeue', result: 'answered' }, { kind: 'connect', leg: won.channel, agent: won.agent }]);
      }
      if (e.type === 'leg-failed' || e.type === 'leg-hangup') {
        const lost = s.legs.find((l) => l.channel === e.leg);
        if (!lost) return ok(s);
        const reason: LegFailure = e.type === 'leg-failed' ? e.reason : 'failed';
        const legs = s.legs.filter((l) => l !== lost);
        const missed: Effect = { kind: 'leg-missed', agent: lost.agent, reason };
        if (legs.length > 0) return ok({ ...s, legs }, [missed]);
        if (s.queue) return ok({ ...s, state: 'queued', legs }, [missed]);
        if (s.hunt.length > 0) return ring({ ...s, hunt: s.hunt.slice(1) }, s.hunt.slice(0, 1), s.ringTimeout, [missed]);
        return noAnswer({ ...s, legs }, [missed]);
      }
      if (e.type === 'max-wait') {
        // The agent is still ringing: give them the ring time; the overflow waits for the outcome.
        return ok(s);
      }
      if (e.type === 'dtmf' || e.type === 'playback-ended' || e.type === 'offer') return ok(s);
      return reject(s, e);
    case 'whispering': {
      const leg = s.legs[0]!;
      if (e.type === 'playback-ended' && e.playbackId === s.playbackId) {
        return ok({ ...s, state: 'connected', playbackId: null }, [{ kind: 'dequeue', result: 'answered' }, { kind: 'connect', leg: leg.channel, agent: leg.agent }]);
      }
      if ((e.type === 'leg-hangup' || e.type === 'leg-failed') && e.leg === leg.channel) {
        // The agent hung up during the whisper: a missed offer; the caller keeps waiting.
        return ok({ ...s, state: 'queued', legs: [], playbackId: null }, [{ kind: 'leg-missed', agent: leg.agent, reason: 'failed' }]);
      }
      if (e.type === 'leg-answered') return ok(s, [{ kind: 'hangup-leg', leg: e.leg }]);
      if (e.type === 'dtmf' || e.type === 'playback-ended' || e.type === 'max-wait' || e.type === 'offer' || e.type === 'leg-failed' || e.type === 'leg-hangup') return ok(s);
      return reject(s, e);
    }
    case 'connected':
      if (e.type === 'leg-hangup' && e.leg === s.legs[0]?.channel) {
        return ok({ ...s, state: 'ended', legs: [] }, [{ kind: 'hangup-caller' }, { kind: 'end', outcome: s.endAs ?? 'answered' }]);
      }
      if (e.type === 'dtmf' || e.type === 'playback-ended' || e.type === 'max-wait' || e.type === 'leg-failed') return ok(s);
      return reject(s, e);
    case 'handoff':
    case 'ending':
      return ok(s);
  }
}

/**
 * * while waiting: a callback request that keeps the caller's place (it is stored with the time the
 * caller joined the queue), a confirmation, and the call ends. The number is the caller id: stored
 * for staff to call back, never dialled by the engine.
 */
function queueCallback(s: Session, list: string): TransitionResult {
  const playbackId = `${s.id}-pb-${s.seq + 1}`;
  const hangup: Outcome = { ...s.outcome!, action: 'hangup', target: null };
  return ok({ ...s, state: 'playing', queue: null, seq: s.seq + 1, playbackId, afterPlay: { kind: 'outcome', outcome: hangup }, endAs: 'callback' }, [
    { kind: 'dequeue', result: 'callback' },
    { kind: 'callback-request', list },
    { kind: 'play', playbackId, media: [sound('pbx-router/callback-confirmed')] },
  ]);
}

function overflow(s: Session): TransitionResult {
  const origin: RouteOrigin = { kind: 'actions', actions: s.outcome?.queue?.overflow ?? [] };
  return ok({ ...s, state: 'routing', queue: null, origin, inputs: [], resumeAt: -1 }, [{ kind: 'dequeue', result: 'overflow' }, { kind: 'route', origin, inputs: [] }]);
}
