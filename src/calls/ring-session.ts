/**
 * Desk phones ringing for a caller, as transitions of the call session: a direct agent, a ring
 * group (all at once or one after another) or a queue's offer; the first to answer takes the call
 * (after the queue's whisper, if any) and the others stop ringing. A phone that does not answer is
 * a missed offer: the next one is tried, the caller goes back to waiting in their queue, or the
 * group's no-answer actions (the failsafe for a direct agent) take over.
 */
import type { QueueDetail } from '../routing/types.js';
import { nextPlayback, ok, reject, type Effect, type RouteOrigin, type Session, type SessionEvent, type TransitionResult } from './session-types.js';
import { sound, type LegFailure } from './telephony.js';

export type Phone = { readonly agent: string; readonly endpoint: string };

/** The queue detail of the call's outcome, when it waits in a queue. */
export function queueDetail(s: Session): QueueDetail | null {
  return s.outcome?.action === 'queue' ? s.outcome.queue : null;
}

/** Rings these phones for the caller. */
export function ring(s: Session, phones: readonly Phone[], ringTimeout: number, effects: readonly Effect[]): TransitionResult {
  const legs = phones.map((p, i) => ({ channel: `${s.id}-leg-${s.seq + 1 + i}`, agent: p.agent }));
  return ok(
    { ...s, state: 'ringing', seq: s.seq + phones.length, legs, ringTimeout },
    [...effects, ...phones.map((p, i) => ({ kind: 'originate', leg: legs[i]!.channel, agent: p.agent, endpoint: p.endpoint, ringTimeout }) as const)],
  );
}

/** Nobody answered a direct or group ring: the group's no-answer actions, or the failsafe for a direct agent. */
export function noAnswer(s: Session, effects: readonly Effect[]): TransitionResult {
  const o = s.outcome;
  if (o?.action === 'ring-group') {
    const origin: RouteOrigin = { kind: 'actions', actions: o.ringGroup.noAnswer };
    return ok({ ...s, state: 'routing', legs: [], hunt: [], origin, inputs: [], resumeAt: -1 }, [...effects, { kind: 'route', origin, inputs: [] }]);
  }
  return ok({ ...s, state: 'ending', legs: [] }, [...effects, { kind: 'failsafe', reason: `${o?.action ?? 'call'} ${o?.target ?? ''}: nobody answered` }]);
}

/** The session's answer to an event while phones ring for the caller. */
export function ringingTransition(s: Session, e: SessionEvent): TransitionResult {
  if (e.type === 'leg-answered') {
    const won = s.legs.find((l) => l.channel === e.leg);
    if (!won) return ok(s, [{ kind: 'hangup-leg', leg: e.leg }]);
    // First to answer takes the call; the other phones stop ringing.
    const others: Effect[] = s.legs.filter((l) => l !== won).map((l) => ({ kind: 'hangup-leg', leg: l.channel }));
    const whisper = s.queue ? queueDetail(s)?.whisper : null;
    if (whisper && whisper.length > 0) {
      const { seq, playbackId } = nextPlayback(s);
      return ok({ ...s, state: 'whispering', legs: [won], seq, playbackId }, [...others, { kind: 'play', playbackId, media: whisper.map(sound), channel: won.channel }]);
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
  // The agent is still ringing at the maximum wait: give them the ring time; the overflow waits for the outcome.
  if (e.type === 'max-wait' || e.type === 'dtmf' || e.type === 'playback-ended' || e.type === 'offer') return ok(s);
  return reject(s, e);
}

/** The agent who answered hears the whisper; the caller still waits. */
export function whisperingTransition(s: Session, e: SessionEvent): TransitionResult {
  const leg = s.legs[0];
  if (!leg) return reject(s, e);
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

/** Caller and agent (or clinician) talk; the call ends when the other side hangs up. */
export function connectedTransition(s: Session, e: SessionEvent): TransitionResult {
  if (e.type === 'leg-hangup' && e.leg === s.legs[0]?.channel) {
    return ok({ ...s, state: 'ended', legs: [] }, [{ kind: 'hangup-caller' }, { kind: 'end', outcome: s.endAs ?? 'answered' }]);
  }
  if (e.type === 'dtmf' || e.type === 'playback-ended' || e.type === 'max-wait' || e.type === 'leg-failed') return ok(s);
  return reject(s, e);
}
