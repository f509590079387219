/**
 * The words of a call's state machine: its states, the session record, the events it accepts and
 * the effects it asks for (plain data). The transitions are in session.ts and the files it hands
 * each destination to (ring, queue, forward, callback and voicemail sessions).
 */
import type { Action, CallbackDetail, Decision, Outcome, OutcomeOf } from '../routing/types.js';
import type { CallState } from '../store/call-store.js';
import type { LegFailure, Media, PlaybackEnd, RecordingResult, RecordOptions } from './telephony.js';

/**
 * Where a call is. The stored states (`CallState`: what `status`, `explain` and a restarted engine
 * see) are the same words; the others last a moment and are stored as the state they belong to
 * (see storedState in call-journal.ts).
 */
export type SessionState = CallState | 'answering' | 'playing' | 'whispering' | 'ending';

export interface Session {
  readonly id: string;
  readonly channel: string;
  readonly did: string;
  readonly caller: string;
  readonly arrivedAt: number;
  readonly state: SessionState;
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
  /** The token of the menu's key timer running now, or null (a stale timer's token is ignored). */
  readonly menuToken: number | null;
  /** Agents still to try one after another (hunt group), and how long each rings. */
  readonly hunt: readonly { readonly agent: string; readonly endpoint: string }[];
  readonly ringTimeout: number;
  /** Callback capture in progress, or null. */
  readonly callback: CallbackState | null;
  /** On-call forwarding in progress, or null. */
  readonly forward: ForwardState | null;
  /** A message being left, or null. */
  readonly voicemail: VoicemailState | null;
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
  /** A queue's text offer ("press 2 to get a text instead of waiting") made to this caller, or null. */
  readonly smsOffer: SmsOfferState | null;
}

/** The text offered while waiting: heard (the key still accepted), or accepted and sent (the caller keeps their place). */
export interface SmsOfferState {
  readonly step: 'offered' | 'sent';
  readonly message: string;
  readonly digit: string;
  /** The offer's or the confirmation's prompt while it plays (stopped when an agent is rung). */
  readonly playbackId: string | null;
}

/** What the call does once its prompts have played. */
export type AfterPlay = { readonly kind: 'menu'; readonly menu: string; readonly timeout: number } | { readonly kind: 'outcome'; readonly outcome: Outcome } | null;

/** Callback capture: the number to call back being confirmed or typed, then the reason. */
export interface CallbackState {
  /** The callback list the request goes to, and its reasons by key. */
  readonly list: string;
  readonly reasons: CallbackDetail['reasons'];
  readonly step: 'confirm' | 'number' | 'reason';
  readonly number: string | null;
  readonly typed: string;
  readonly tries: number;
  /** The prompt being played; the key timer starts when it ends. */
  readonly playbackId: string | null;
  readonly timer: number | null;
}

/** On-call forwarding: the member being called, and whether they answered and were asked for the key. */
export interface ForwardState {
  readonly index: number;
  readonly leg: string | null;
  readonly answered: boolean;
  readonly confirmToken: number | null;
}

/** A message being left. */
export interface VoicemailState {
  readonly step: 'greeting' | 'recording' | 'resuming' | 'goodbye';
  readonly mailbox: string;
  /** The recording's name in Asterisk's store. */
  readonly name: string;
  readonly maxLength: number;
  readonly greeting: string | null;
  readonly playbackId: string | null;
  /** The caller hung up while recording: the call ends when the recording does. */
  readonly callerGone: boolean;
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
  /** The caller waited past the queue's smsOffer and may get a text (checked by the engine before). */
  | { readonly type: 'sms-offer'; readonly message: string; readonly digit: string }
  | { readonly type: 'leg-dtmf'; readonly leg: string; readonly digit: string }
  | { readonly type: 'confirm-timeout'; readonly token: number }
  /** A recording ended (null: after a restart, there was none to take back: it had not started). */
  | { readonly type: 'recording-ended'; readonly name: string; readonly result: RecordingResult | null }
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
  /** The caller is to leave a message in this mailbox: it must be able to take one (else the failsafe, which takes one itself). */
  | { readonly kind: 'open-mailbox'; readonly mailbox: string }
  | { readonly kind: 'record'; readonly name: string; readonly options: RecordOptions }
  /** After a restart: the recording that was running, when it ends (or at once, none). */
  | { readonly kind: 'await-recording'; readonly name: string }
  | { readonly kind: 'delete-recording'; readonly name: string; readonly why: string }
  /** A message was left: stored with its email in one transaction, and the outbox flushed. */
  | { readonly kind: 'keep-voicemail'; readonly mailbox: string; readonly name: string; readonly result: RecordingResult }
  /** Text the caller this message (sms.messages) if they may get one; the call goes on either way. */
  | { readonly kind: 'send-sms'; readonly message: string; readonly site: string | null }
  | { readonly kind: 'failsafe'; readonly reason: string }
  | { readonly kind: 'hangup-caller' }
  | { readonly kind: 'end'; readonly outcome: string };

export type TransitionResult = { readonly ok: true; readonly session: Session; readonly effects: readonly Effect[] } | { readonly ok: false; readonly error: string };

export const ok = (session: Session, effects: Effect[] = []): TransitionResult => ({ ok: true, session, effects });
export const reject = (s: Session, e: SessionEvent): TransitionResult => ({ ok: false, error: `call ${s.id}: event ${e.type} is not accepted in state ${s.state}` });

/** The effects of `r` after `before` (a prompt stopped before what the key chose). */
export function withEffects(r: TransitionResult, before: readonly Effect[]): TransitionResult {
  return r.ok ? { ...r, effects: [...before, ...r.effects] } : r;
}

/** A hang-up after the prompt that confirms what the caller asked for (a callback): the call's outcome otherwise unchanged. */
export function hangupAfter(s: Session): OutcomeOf<'hangup'> {
  const o = s.outcome;
  return { action: 'hangup', target: null, priority: o?.priority ?? 0, language: o?.language ?? 'en', site: o?.site ?? null, tags: o?.tags ?? [] };
}

/** The next playback id of a session (bumps its counter). */
export function nextPlayback(s: Session): { readonly seq: number; readonly playbackId: string } {
  return { seq: s.seq + 1, playbackId: `${s.id}-pb-${s.seq + 1}` };
}
