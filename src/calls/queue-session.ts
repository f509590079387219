/**
 * Waiting in one of the engine's queues, as transitions of the call session: an offer rings the
 * chosen agents' phones (ring-session.ts), the maximum wait sends the caller to the queue's overflow
 * actions, * asks for a callback that keeps the caller's place, and the queue's text offer ("press
 * 2 to get a text instead of waiting") texts the caller, who keeps their place too.
 */
import type { OutcomeOf } from '../routing/types.js';
import { callbackNumber } from './callback-session.js';
import { queueDetail } from './ring-session.js';
import { hangupAfter, nextPlayback, ok, reject, type Effect, type RouteOrigin, type Session, type SessionEvent, type SmsOfferState, type TransitionResult } from './session-types.js';
import { sound } from './telephony.js';

/** The caller joins the queue. */
export function startQueue(s: Session, o: OutcomeOf<'queue'>, effects: readonly Effect[]): TransitionResult {
  return ok({ ...s, state: 'queued', queue: o.target }, [...effects, { kind: 'enqueue', queue: o.target, priority: o.priority, language: o.language }]);
}

/** The session's answer to an event while waiting. */
export function queuedTransition(s: Session, e: SessionEvent): TransitionResult {
  if (e.type === 'offer') {
    if (e.agents.length === 0) return ok(s);
    const legs = e.agents.map((a, i) => ({ channel: `${s.id}-leg-${s.seq + 1 + i}`, agent: a.agent }));
    return ok({ ...s, state: 'ringing', seq: s.seq + e.agents.length, legs, smsOffer: quiet(s.smsOffer) }, [
      ...stopSmsPrompt(s),
      ...e.agents.map((a, i) => ({ kind: 'originate', leg: legs[i]!.channel, agent: a.agent, endpoint: a.endpoint, ringTimeout: e.ringTimeout }) as const),
    ]);
  }
  if (e.type === 'max-wait') return overflow(s);
  if (e.type === 'sms-offer') return offerText(s, e.message, e.digit);
  // Only with a caller id staff can call back: otherwise * is not a callback request and the caller keeps waiting.
  const list = queueDetail(s)?.callbackList;
  if (e.type === 'dtmf' && e.digit === '*' && list && callbackNumber(s.caller)) return queueCallback(s, list);
  if (e.type === 'dtmf' && s.smsOffer?.step === 'offered' && e.digit === s.smsOffer.digit) return sendText(s, s.smsOffer);
  if (e.type === 'dtmf' || e.type === 'playback-ended' || e.type === 'leg-failed' || e.type === 'leg-hangup') return ok(s);
  return reject(s, e);
}

/**
 * * while waiting: a callback request that keeps the caller's place (it is stored with the time the
 * caller joined the queue), a confirmation, and the call ends. The number is the caller id: stored
 * for staff to call back, never dialled by the engine.
 */
function queueCallback(s: Session, list: string): TransitionResult {
  const { seq, playbackId } = nextPlayback(s);
  return ok({ ...s, state: 'playing', queue: null, seq, playbackId, afterPlay: { kind: 'outcome', outcome: hangupAfter(s) }, endAs: 'callback' }, [
    // The request first: it is stored with the time the caller joined the queue, known until they leave it.
    { kind: 'callback-request', list },
    ...stopSmsPrompt(s),
    { kind: 'dequeue', result: 'callback' },
    { kind: 'play', playbackId, media: [sound('pbx-router/callback-confirmed')] },
  ]);
}

function overflow(s: Session): TransitionResult {
  const origin: RouteOrigin = { kind: 'actions', actions: queueDetail(s)?.overflow ?? [] };
  return ok({ ...s, state: 'routing', queue: null, origin, inputs: [], resumeAt: -1, smsOffer: quiet(s.smsOffer) }, [...stopSmsPrompt(s), { kind: 'dequeue', result: 'overflow' }, { kind: 'route', origin, inputs: [] }]);
}

/** The wait passed the queue's smsOffer: the caller hears the offer, once; music on hold goes on under it. */
function offerText(s: Session, message: string, digit: string): TransitionResult {
  if (s.smsOffer) return ok(s);
  const { seq, playbackId } = nextPlayback(s);
  return ok({ ...s, seq, smsOffer: { step: 'offered', message, digit, playbackId } }, [{ kind: 'play', playbackId, media: [sound('pbx-router/sms-offer')] }]);
}

/** The caller took the offer: the text is asked for, they hear that it was sent, and they keep their place. */
function sendText(s: Session, offer: SmsOfferState): TransitionResult {
  const { seq, playbackId } = nextPlayback(s);
  return ok({ ...s, seq, smsOffer: { ...offer, step: 'sent', playbackId } }, [
    ...stopSmsPrompt(s),
    { kind: 'send-sms', message: offer.message, site: s.outcome?.site ?? null },
    { kind: 'play', playbackId, media: [sound('pbx-router/sms-sent')] },
  ]);
}

/** Stops the offer's or the confirmation's prompt if it still plays (an agent is rung, the caller leaves the queue). */
function stopSmsPrompt(s: Session): Effect[] {
  return s.smsOffer?.playbackId ? [{ kind: 'stop-playback', playbackId: s.smsOffer.playbackId }] : [];
}

const quiet = (o: SmsOfferState | null): SmsOfferState | null => (o?.playbackId ? { ...o, playbackId: null } : o);

/** A playback that is not the session's own ended: when it is the text offer's prompt, it no longer needs stopping. */
export function smsPromptEnded(s: Session, playbackId: string): Session {
  return s.smsOffer?.playbackId === playbackId ? { ...s, smsOffer: quiet(s.smsOffer) } : s;
}
