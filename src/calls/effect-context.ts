/**
 * What every effect handler works with: the engine's parts, the way back into a call's session,
 * and the one place every PBX request of a call goes through (a failure that matters sends the
 * caller to the failsafe; one nobody hears is logged).
 */
import type { Logger } from '../logging/logger.js';
import type { Snapshot } from '../routing/types.js';
import type { CallStore } from '../store/call-store.js';
import type { SmsStore } from '../store/sms-store.js';
import type { VoicemailStore } from '../store/voicemail-store.js';
import type { AgentBook } from './agents.js';
import type { CallJournal } from './call-journal.js';
import type { CallRegistry, LiveCall } from './call-registry.js';
import type { Clock } from './clock.js';
import type { DialGuard } from './dial-guard.js';
import type { QueueManager } from './queues.js';
import type { Rescue } from './rescue.js';
import type { Effect, SessionEvent } from './session-types.js';
import type { Telephony } from './telephony.js';

/** Where voicemail keeps messages and sends their emails. */
export interface VoicemailDeps {
  readonly store: VoicemailStore;
  /** Sends due emails (the outbox); errors are kept in the outbox, not thrown. */
  readonly flush: () => Promise<unknown>;
  /**
   * Queues a kept voicemail's transcription (its mailbox has transcribe: true); returns at once and
   * never throws. Without it, such voicemails stay pending until an engine that has it starts.
   */
  readonly transcribe?: (voicemailId: number) => void;
}

/** Where texts to callers are queued, and the outbox that sends them. */
export interface SmsDeps {
  readonly store: SmsStore;
  /** Sends due texts (the outbox); a failed send stays queued and is retried, never thrown. */
  readonly flush: () => Promise<unknown>;
}

export interface EffectContext {
  readonly telephony: Telephony;
  readonly store: CallStore;
  readonly clock: Clock;
  readonly registry: CallRegistry;
  readonly journal: CallJournal;
  readonly queues: QueueManager;
  readonly agents: AgentBook;
  readonly guard: DialGuard;
  readonly rescue: Rescue;
  readonly voicemail: VoicemailDeps | null;
  readonly sms: SmsDeps | null;
  readonly decisionTime: { observe(seconds: number): void } | null;
  /** Told about every new callback request (the webhook). */
  readonly onCallback: (id: number) => void;
  /** What routing sees of the world now (agents, queues, on-call overrides, modes). */
  snapshot(): Snapshot;
  /** Hands an event to a call's session. */
  deliver(id: string, event: SessionEvent): void;
  /** Ends a call: its bridge goes, its agent wraps up, its row is closed. */
  finish(id: string, outcome: string): void;
  /** The call cannot go on: it goes to the failsafe (after the current effects). */
  fail(id: string, message: string): void;
  /** Runs a PBX request for a call; a failure sends the call to the failsafe unless the channel is already gone. */
  pbx(id: string, what: string, p: Promise<unknown>, onOk?: () => void): void;
  /** Resolves once the caller is out of the holding bridge they just left (at once when they were in none). */
  leftQueue(live: LiveCall): Promise<void>;
  /** The call's logger. */
  logOf(id: string): Logger;
}

export type Handler<K extends Effect['kind']> = (ctx: EffectContext, id: string, live: LiveCall, e: Extract<Effect, { kind: K }>) => void;

/** One handler per effect kind. */
export type Handlers = { readonly [K in Effect['kind']]: Handler<K> };
