/** What the engine is built from, and what the admin API, the wallboard and the metrics see of it. */
import type { Logger } from '../logging/logger.js';
import type { AgentState, Mode, Plan, QueueSnapshot, Snapshot } from '../routing/types.js';
import type { CallStore } from '../store/call-store.js';
import type { WedgedChannel } from './call-counters.js';
import type { Clock } from './clock.js';
import type { SmsDeps, VoicemailDeps } from './effect-context.js';
import type { Telephony } from './telephony.js';

export interface EngineDeps {
  readonly plan: Plan;
  readonly telephony: Telephony;
  readonly store: CallStore;
  readonly clock: Clock;
  /** Lines that belong to no call (reconcile, modes); default: through `logger`. */
  readonly log?: (message: string) => void;
  /** The calls' log: each call writes through a child carrying its id and channel, an info line per step of its life. */
  readonly logger?: Logger;
  /** Times each routing decision (pbx_router_decision_seconds). */
  readonly decisionTime?: { observe(seconds: number): void };
  /** Where voicemail keeps messages; without it, a caller routed to voicemail goes to the failsafe (whose own voicemail takes the message). */
  readonly voicemail?: VoicemailDeps;
  /** Told about every new callback request (the webhook). */
  readonly onCallback?: (id: number) => void;
  /** Where texts to callers go; without it an `sms` action is logged as not set up and no queue offers a text. */
  readonly sms?: SmsDeps;
}

/** What the admin API, the wallboard and the metrics see of the engine: reads and a few commands, never its parts. */
export interface EngineView {
  currentPlan(): Plan;
  active(): number;
  endedByOutcome(): Readonly<Record<string, number>>;
  wedgedChannels(): WedgedChannel[];
  queueSnapshot(): Record<string, QueueSnapshot>;
  agentSnapshot(): NonNullable<Snapshot['agents']>;
  agentState(id: string): AgentState;
  /** Pauses or unpauses an agent; false for an agent the plan does not have. */
  pauseAgent(id: string, paused: boolean): boolean;
  modes(): Readonly<Record<string, Mode>>;
  setMode(mode: Mode, site: string | null): Record<string, Mode>;
}
