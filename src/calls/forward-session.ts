/**
 * On-call forwarding, as transitions of the call session: the caller holds (a short message, then
 * music) while the roster's members are called in escalation order through the trunk with the
 * clinic's number as caller id. When a member answers they hear "urgent call from the clinic, press
 * 1 to accept"; only that key connects the caller, so a cell phone's own voicemail can never take
 * the call. No answer, or no key in time: that leg is hung up and the next member is tried; when
 * everyone has been tried, the roster's final destination takes over.
 */
import type { ForwardAttempt, ForwardDetail, OutcomeOf } from '../routing/types.js';
import { ok, type Effect, type RouteOrigin, type Session, type SessionEvent, type TransitionResult, type ForwardState } from './session-types.js';
import { digitsOf, sound, type LegFailure } from './telephony.js';


/** The attempt's result as stored: what happened to this member's call. */
export type AttemptResult = 'accepted' | 'no-confirmation' | 'refused' | LegFailure | 'hung-up';

/** The roster's members to call, their confirmation and the final actions, from the call's outcome. */
function detail(s: Session): ForwardDetail | null {
  return s.outcome?.action === 'forward' ? s.outcome.forward : null;
}

function attempts(s: Session): readonly ForwardAttempt[] {
  return detail(s)?.attempts ?? [];
}

/** Starts forwarding: hold the caller, call the first member (after a restart, the first not yet tried). */
export function startForward(s: Session, o: OutcomeOf<'forward'>, effects: readonly Effect[], skipAttempts = 0): TransitionResult {
  const base: Session = { ...s, state: 'forwarding', outcome: o, forward: { index: skipAttempts - 1, leg: null, answered: false, confirmToken: null }, endAs: 'forwarded' };
  return dialNext(base, [...effects, { kind: 'hold', media: [sound('pbx-router/oncall-please-hold')] }]);
}

function dialNext(s: Session, effects: readonly Effect[]): TransitionResult {
  const list = attempts(s);
  const index = (s.forward?.index ?? -1) + 1;
  if (index >= list.length) {
    // Everyone was tried: the roster's final destination (e.g. urgent voicemail to the whole roster).
    const origin: RouteOrigin = { kind: 'actions', actions: detail(s)?.final ?? [] };
    return ok({ ...s, state: 'routing', forward: null, legs: [], origin, inputs: [], resumeAt: -1, endAs: null }, [...effects, { kind: 'unhold' }, { kind: 'route', origin, inputs: [] }]);
  }
  const a = list[index]!;
  const leg = `${s.id}-leg-${s.seq + 1}`;
  return ok({ ...s, seq: s.seq + 1, forward: { index, leg, answered: false, confirmToken: null }, legs: [{ channel: leg, agent: a.member }] }, [
    ...effects,
    { kind: 'originate', leg, agent: a.member, endpoint: a.dial, ringTimeout: a.ringTime, external: { number: a.number, callerId: detail(s)?.callerId ?? null } },
  ]);
}

function result(s: Session, r: AttemptResult): Effect {
  const a = attempts(s)[s.forward?.index ?? 0]!;
  return { kind: 'record-attempt', member: a.member, number: a.number, result: r };
}

/** The session's answer to an event while forwarding. */
export function forwardTransition(s: Session, e: SessionEvent): TransitionResult | null {
  const f = s.forward;
  const d = detail(s);
  if (!f || !d) return null;
  const current = f.leg !== null && 'leg' in e && e.leg === f.leg;
  switch (e.type) {
    case 'leg-answered': {
      if (!current) return ok(s, [{ kind: 'hangup-leg', leg: e.leg }]);
      const confirm = d.confirm;
      if (!confirm.required) return connect(s, f, e.leg);
      const token = s.seq + 1;
      return ok({ ...s, seq: token, forward: { ...f, answered: true, confirmToken: token } }, [
        // The key usually comes during the prompt: it must stop at once (see Media).
        { kind: 'play', playbackId: `${s.id}-pb-${token}`, media: [sound('pbx-router/oncall-urgent-call'), ...digitsOf(confirm.digit)], channel: e.leg },
        { kind: 'start-confirm-timer', token, seconds: confirm.timeout },
      ]);
    }
    case 'leg-dtmf':
      if (!current || !f.answered) return ok(s);
      if (e.digit !== d.confirm.digit) return ok(s);
      return connect(s, f, e.leg);
    case 'confirm-timeout':
      if (e.token !== f.confirmToken) return ok(s);
      return dialNext(s, [...(f.leg ? [{ kind: 'hangup-leg', leg: f.leg } as const] : []), result(s, 'no-confirmation')]);
    case 'leg-failed':
      if (!current) return ok(s);
      return dialNext(s, [result(s, e.reason)]);
    case 'leg-hangup':
      if (!current) return ok(s);
      return dialNext(s, [result(s, f.answered ? 'no-confirmation' : 'hung-up')]);
    case 'dtmf':
    case 'playback-ended':
    case 'menu-timeout':
    case 'max-wait':
    case 'offer':
      return ok(s);
    default:
      return null;
  }
}

function connect(s: Session, f: ForwardState, leg: string): TransitionResult {
  const a = attempts(s)[f.index]!;
  // The key usually comes during "press 1 to accept": stop it, or the clinician hears it out (and
  // Asterisk runs the bridge join on the leg only after its playback).
  const prompt: Effect[] = f.confirmToken !== null ? [{ kind: 'stop-playback', playbackId: `${s.id}-pb-${f.confirmToken}` }] : [];
  return ok({ ...s, state: 'connected', forward: null, legs: [{ channel: leg, agent: a.member }] }, [
    ...prompt,
    { kind: 'cancel-confirm-timer' },
    result(s, 'accepted'),
    { kind: 'unhold' },
    { kind: 'connect', leg, agent: a.member, external: true },
  ]);
}
