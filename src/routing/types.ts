/**
 * Types of the pure routing core: the compiled plan, a call's context, a snapshot of the world and
 * the decision with its trace. Nothing here reads a clock, a database or the network.
 */
import type { ActionConfig, ConditionConfig } from '../config/schema.js';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export type Mode = 'day' | 'night' | 'auto';
export type AgentState = 'available' | 'ringing' | 'busy' | 'wrap-up' | 'paused' | 'offline';
export type Strategy = 'longest-idle' | 'most-skilled' | 'round-robin' | 'ring-all';
export type CallAction = 'queue' | 'agent' | 'ring-group' | 'forward' | 'voicemail' | 'callback' | 'hangup';

/** Minutes since local midnight, [start, end) with end <= 1440. */
export type MinuteRange = readonly [start: number, end: number];

/** A closed span on one local calendar date, in minutes since that date's midnight. */
export interface DatedClosure {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/** A closed span in absolute time (from an iCalendar feed with times). */
export interface InstantClosure {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
}

export interface CompiledSchedule {
  readonly id: string;
  /** Opening ranges per weekday, 0 = Monday .. 6 = Sunday; overnight ranges already split at midnight. */
  readonly weekly: readonly (readonly MinuteRange[])[];
  readonly holidays: HolidayCalendar | null;
  /** Dated closures keyed by local date YYYY-MM-DD. */
  readonly closuresByDate: ReadonlyMap<string, readonly DatedClosure[]>;
  readonly instantClosures: readonly InstantClosure[];
}

/** Public holidays of one country/region, looked up by local date. */
export interface HolidayCalendar {
  readonly country: string;
  readonly region: string | null;
  /** The holiday's name on that local date (YYYY-MM-DD), or null. */
  nameOn(date: string): string | null;
}

/** Why a site is open or closed at an instant. */
export type ScheduleReason = 'hours' | 'outside-hours' | 'holiday' | 'closure' | 'override-day' | 'override-night';

export interface ScheduleStatus {
  readonly open: boolean;
  readonly reason: ScheduleReason;
  /** Holiday or closure name, when the reason is one. */
  readonly name?: string;
  /** Local date and time at the site, e.g. "Sat 2026-11-21 14:05 CST". */
  readonly local: string;
  readonly holiday: boolean;
}

export interface CompiledSite {
  readonly id: string;
  readonly name: string;
  readonly timezone: string;
  readonly schedule: CompiledSchedule;
  readonly dids: readonly string[];
  readonly serves: readonly string[];
  readonly nearest: readonly string[];
  readonly routes: string | null;
  readonly saturation: { readonly longestWait?: number; readonly waiting?: number } | null;
  /** Queue ids at this site (queue.site), for saturation. */
  readonly queues: readonly string[];
}

export interface CompiledAgent {
  readonly id: string;
  readonly name: string;
  readonly endpoint: string;
  readonly site: string;
  readonly skills: Readonly<Record<string, number>>;
  readonly wrapUp: number;
}

export interface RelaxStep {
  readonly after: number;
  readonly minLevel?: number;
  readonly levels?: Readonly<Record<string, number>>;
  readonly drop?: readonly string[];
}

export interface CompiledQueue {
  readonly id: string;
  readonly name: string;
  readonly site: string | null;
  readonly skills: Readonly<Record<string, number>>;
  readonly strategy: Strategy;
  readonly priority: number;
  readonly announce: { readonly position: boolean; readonly estimatedWait: boolean; readonly interval: number; readonly first: number };
  readonly musicOnHold: string;
  readonly maxWait: number;
  readonly overflow: readonly Action[];
  readonly relax: readonly RelaxStep[];
  readonly ringTimeout: number;
  readonly maxMisses: number;
  readonly callbackKey: string | null;
  readonly whisper: Prompt | null;
  /** "Press 2 to get a text instead of waiting", offered once the wait passes `whenWaitOver` seconds. */
  readonly smsOffer: { readonly message: string; readonly whenWaitOver: number; readonly digit: string } | null;
}

export interface CompiledMenu {
  readonly id: string;
  readonly prompt: Prompt;
  readonly invalidPrompt: Prompt | null;
  readonly options: ReadonlyMap<string, readonly Action[]>;
  readonly timeout: number;
  readonly retries: number;
  readonly onInvalid: readonly Action[];
  readonly onTimeout: readonly Action[];
}

/** A sound per language; `default` when the config gave one name for all. */
export type Prompt = Readonly<Record<string, string>>;

export interface RosterMember {
  readonly id: string;
  readonly name: string;
  readonly number: string;
  readonly ringTime: number;
}

export interface CompiledRoster {
  readonly id: string;
  readonly site: string;
  readonly timezone: string;
  readonly members: ReadonlyMap<string, RosterMember>;
  readonly rotation: {
    readonly every: 'day' | 'week';
    /** 0 = Monday; only for weekly rotation. */
    readonly handoffDay: number;
    readonly handoffMinute: number;
    readonly order: readonly string[];
    readonly start: string;
  };
  readonly overrides: readonly { readonly member: string; readonly fromMs: number; readonly toMs: number }[];
  readonly confirm: { readonly required: boolean; readonly digit: string; readonly timeout: number };
  readonly escalation: readonly string[];
  readonly final: readonly Action[];
}

export interface CompiledMailbox {
  readonly id: string;
  readonly name: string;
  readonly email: readonly string[];
  readonly attachAudio: boolean;
  readonly maxLength: number;
  readonly greeting: Prompt | null;
  readonly site: string | null;
  /** Each message is transcribed (plan.transcription) and the transcript emailed after the message's own email. */
  readonly transcribe: boolean;
}

/** Voicemail transcription (used by mailboxes with transcribe: true). */
export interface CompiledTranscription {
  readonly engine: 'pocketsphinx' | 'whisper';
  /** The model file, resolved against the config file's folder; null for an engine that needs none. */
  readonly model: string | null;
  readonly timeoutMs: number;
  /** Words and phrases that flag a message urgent when its transcript has them. */
  readonly urgentWords: readonly string[];
  /** Who gets a notify-only notice when a transcript flags a message urgent; [] for nobody. */
  readonly onUrgent: { readonly email: readonly string[] };
}

export interface CompiledRingGroup {
  readonly id: string;
  readonly agents: readonly string[];
  readonly strategy: 'ring-all' | 'hunt';
  readonly ringTimeout: number;
  readonly noAnswer: readonly Action[];
}

export interface CompiledCallbackList {
  readonly id: string;
  readonly site: string;
  readonly reasons: ReadonlyMap<string, string>;
  readonly prompt: Prompt | null;
  readonly webhook: string | null;
}

/** A normalised action (the config's one-key objects). */
export type Action =
  | { readonly kind: 'menu'; readonly target: string }
  | { readonly kind: 'queue'; readonly target: string }
  | { readonly kind: 'agent'; readonly target: string }
  | { readonly kind: 'ring-group'; readonly target: string }
  | { readonly kind: 'forward'; readonly target: string }
  | { readonly kind: 'voicemail'; readonly target: string }
  | { readonly kind: 'callback'; readonly target: string }
  | { readonly kind: 'hangup' }
  | { readonly kind: 'goto'; readonly target: string }
  | { readonly kind: 'site'; readonly by: 'did' | 'caller-area' | 'fixed'; readonly site: string | null; readonly overflow: boolean }
  | { readonly kind: 'play'; readonly prompt: Prompt }
  | { readonly kind: 'set-priority'; readonly priority: number }
  | { readonly kind: 'raise-priority'; readonly by: number }
  | { readonly kind: 'set-language'; readonly language: string }
  | { readonly kind: 'tag'; readonly tags: readonly string[] }
  | { readonly kind: 'sms'; readonly message: string };

export interface CompiledRule {
  readonly name: string;
  readonly index: number;
  readonly when: ConditionConfig;
  /** Precompiled condition checks, in evaluation order (cheapest first). */
  readonly checks: readonly Check[];
  readonly then: readonly Action[];
  /** The DIDs this rule is restricted to, or null when it matches any DID. */
  readonly dids: ReadonlySet<string> | null;
}

/** One condition of a rule, compiled; returns null when it holds, or why not. */
export type Check = (env: EvalEnv) => Reason | null;

/** Why a condition did not hold: the condition, what it wanted and what the call had. */
export interface Reason {
  readonly condition: string;
  readonly expected: string;
  readonly actual: string;
}

export interface CompiledRuleSet {
  readonly id: string;
  readonly rules: readonly CompiledRule[];
  /** For each DID: the indexes of the rules that can match it (rules with a did condition on it plus the rest). */
  readonly byDid: ReadonlyMap<string, readonly number[]>;
  /** Indexes of rules without a did condition. */
  readonly anyDid: readonly number[];
}

export interface Outbound {
  readonly trunk: string;
  readonly callerId: string;
  readonly country: string;
  readonly allowInternational: boolean;
  readonly allowPremium: boolean;
  readonly maxForwardsPerNumberPerHour: number;
  /** The SIP trunk asterisk-config writes (endpoint `carrier`), when the config describes it. */
  readonly carrier: { readonly host: string; readonly port: number; readonly match: readonly string[]; readonly outboundAuth: string | null } | null;
}

/** How the engine texts callers (SMS deflection); credentials are not here (secrets file). */
export interface CompiledSms {
  readonly from: string;
  /** Home country code without +: only numbers of this country get a text. */
  readonly country: string;
  readonly maxPerNumberPerHour: number;
  readonly maxAttempts: number;
  readonly provider: SmsProvider;
  /** Message id to its text per language (a single text is keyed by the clinic language). */
  readonly messages: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** A generic HTTP SMS API. */
export interface SmsProvider {
  readonly url: string;
  readonly auth: 'basic' | 'bearer' | 'none';
  readonly body: 'form' | 'json';
  readonly fields: Readonly<Record<string, string>>;
  readonly idField: string;
  /** null: the provider has no idempotency key; a send that timed out is then not retried. */
  readonly idempotencyHeader: string | null;
  readonly timeoutMs: number;
}

export interface Plan {
  readonly clinic: { readonly name: string; readonly language: string; readonly languageSkills: Readonly<Record<string, string>>; readonly entry: string };
  /** A short hash of the configuration text, recorded with every decision. */
  readonly version: string;
  readonly outbound: Outbound | null;
  readonly retention: { readonly voicemailDays: number };
  /** Who is told about messages in the Asterisk failsafe box (100@default); null: nobody (not watched). */
  readonly failsafe: { readonly email: readonly string[] } | null;
  readonly sites: ReadonlyMap<string, CompiledSite>;
  readonly didToSite: ReadonlyMap<string, string>;
  readonly schedules: ReadonlyMap<string, CompiledSchedule>;
  readonly agents: ReadonlyMap<string, CompiledAgent>;
  readonly queues: ReadonlyMap<string, CompiledQueue>;
  readonly menus: ReadonlyMap<string, CompiledMenu>;
  readonly rosters: ReadonlyMap<string, CompiledRoster>;
  readonly mailboxes: ReadonlyMap<string, CompiledMailbox>;
  readonly ringGroups: ReadonlyMap<string, CompiledRingGroup>;
  readonly callbacks: ReadonlyMap<string, CompiledCallbackList>;
  readonly ruleSets: ReadonlyMap<string, CompiledRuleSet>;
  /** Every external dial string the engine may ever use (toll-fraud guard). */
  readonly dialTargets: ReadonlySet<string>;
  /** What each prompt says, per language (`prompts:`), for placeholder recordings; optional per prompt. */
  readonly promptTexts: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Texting callers; null when the config has no `sms:` section. */
  readonly sms: CompiledSms | null;
  /** Voicemail transcription settings (defaults when the config has no `transcription:` section). */
  readonly transcription: CompiledTranscription;
}

// ---------------------------------------------------------------------------------------------
// Inputs

/** A caller's menu input: one key, or `timeout` when nothing was pressed. */
export type MenuInput = string;

export interface CallContext {
  readonly did: string;
  /** E.164, or '' / 'anonymous' for a withheld number. */
  readonly caller: string;
  /** Arrival instant, epoch milliseconds. */
  readonly at: number;
  readonly language?: string;
  readonly priority?: number;
  readonly tags?: readonly string[];
  /** Menu inputs so far, in order. */
  readonly inputs?: readonly MenuInput[];
  /** When the inputs run out at a menu: wait for more (live call) or treat as a timeout (simulation). */
  readonly whenInputsEnd?: 'await' | 'timeout';
}

export interface AgentSnapshot {
  readonly state: AgentState;
  /** When the agent last became available (epoch ms), for longest-idle. */
  readonly idleSince?: number;
}

export interface QueueSnapshot {
  readonly waiting: number;
  /** Seconds the longest-waiting caller has waited. */
  readonly longestWait: number;
}

export interface Snapshot {
  readonly agents?: Readonly<Record<string, AgentSnapshot>>;
  /** State of agents not listed; default available. */
  readonly defaultAgentState?: AgentState;
  readonly queues?: Readonly<Record<string, QueueSnapshot>>;
  /** Manual override per site id, or '*' for all sites. */
  readonly modes?: Readonly<Record<string, Mode>>;
  /** On-call overrides set at run time, per roster. */
  readonly rosterOverrides?: Readonly<Record<string, readonly { readonly member: string; readonly fromMs: number; readonly toMs: number }[]>>;
  /** The agent that took the last call per queue, for round-robin. */
  readonly lastAgent?: Readonly<Record<string, string>>;
}

/** The evaluation environment of one decision: the plan, the call as it is now, the world, memos. */
export interface EvalEnv {
  readonly plan: Plan;
  readonly snapshot: Snapshot;
  readonly at: number;
  readonly did: string;
  readonly caller: string;
  site: string | null;
  language: string;
  priority: number;
  tags: Set<string>;
  /** Memo of schedule status per site within this decision. */
  readonly statusMemo: Map<string, ScheduleStatus>;
}

// ---------------------------------------------------------------------------------------------
// Output

export interface TraceEntry {
  readonly ruleSet: string;
  readonly rule: string;
  readonly index: number;
  readonly matched: boolean;
  /** Why it did not match (the first failing condition); absent when matched. */
  readonly why?: Reason;
}

export type Step =
  | { readonly kind: 'rule'; readonly ruleSet: string; readonly rule: string; readonly index: number }
  | { readonly kind: 'no-rule'; readonly ruleSet: string }
  | { readonly kind: 'goto'; readonly ruleSet: string }
  | { readonly kind: 'play'; readonly sound: string }
  | { readonly kind: 'set-priority'; readonly priority: number }
  | { readonly kind: 'set-language'; readonly language: string }
  | { readonly kind: 'tag'; readonly tags: readonly string[] }
  | { readonly kind: 'site'; readonly site: string | null; readonly by: string; readonly skipped: readonly { readonly site: string; readonly why: string }[] }
  | {
      readonly kind: 'menu';
      readonly menu: string;
      readonly attempt: number;
      readonly sound: string;
      readonly input: MenuInput | null;
      readonly result: 'option' | 'invalid' | 'timeout' | 'awaiting';
    }
  | { readonly kind: 'menu-exhausted'; readonly menu: string; readonly after: 'invalid' | 'timeout' }
  | { readonly kind: 'guard'; readonly message: string }
  /** Text the caller this message of plan.sms (if they may receive one); the call goes on. */
  | { readonly kind: 'sms'; readonly message: string };

export interface QueueDetail {
  readonly skills: Readonly<Record<string, number>>;
  readonly strategy: Strategy;
  readonly ringTimeout: number;
  readonly maxWait: number;
  readonly musicOnHold: string;
  readonly announce: CompiledQueue['announce'];
  readonly relax: readonly RelaxStep[];
  /** Agents who could take the call now, in the order they would be offered it. */
  readonly candidates: readonly string[];
  readonly overflow: readonly Action[];
  /** The callback list offered when the caller presses * while waiting, if any. */
  readonly callbackList: string | null;
  /** Sounds played to the agent who answers before connecting, or null. */
  readonly whisper: readonly string[] | null;
}

export interface ForwardAttempt {
  readonly member: string;
  readonly name: string;
  readonly number: string;
  readonly dial: string;
  readonly ringTime: number;
}

/** What every destination carries: the call's priority, language, site and tags when routing ended. */
interface OutcomeBase {
  readonly priority: number;
  readonly language: string;
  readonly site: string | null;
  readonly tags: readonly string[];
}

export interface RingGroupDetail {
  readonly strategy: 'ring-all' | 'hunt';
  readonly agents: readonly string[];
  /** The group's agents who are available now, in order, with their phones. */
  readonly ring: readonly { readonly agent: string; readonly endpoint: string }[];
  readonly ringTimeout: number;
  readonly noAnswer: readonly Action[];
}

export interface ForwardDetail {
  readonly onCall: string | null;
  readonly attempts: readonly ForwardAttempt[];
  readonly confirm: CompiledRoster['confirm'];
  readonly callerId: string | null;
  readonly final: readonly Action[];
}

export interface VoicemailDetail {
  readonly maxLength: number;
  readonly attachAudio: boolean;
  readonly email: readonly string[];
  readonly greeting: string | null;
}

export interface CallbackDetail {
  readonly reasons: Readonly<Record<string, string>>;
  readonly deadline: number | null;
  readonly webhook: string | null;
}

/** Where routing sent the call, with what that destination needs: one shape per action. */
export type Outcome = OutcomeBase &
  (
    | { readonly action: 'queue'; readonly target: string; readonly queue: QueueDetail }
    | { readonly action: 'agent'; readonly target: string; readonly agent: { readonly endpoint: string; readonly state: AgentState } }
    | { readonly action: 'ring-group'; readonly target: string; readonly ringGroup: RingGroupDetail }
    | { readonly action: 'forward'; readonly target: string; readonly forward: ForwardDetail }
    | { readonly action: 'voicemail'; readonly target: string; readonly voicemail: VoicemailDetail }
    | { readonly action: 'callback'; readonly target: string; readonly callback: CallbackDetail }
    | { readonly action: 'hangup'; readonly target: null }
  );

/** The outcome for one action. */
export type OutcomeOf<A extends CallAction> = Extract<Outcome, { readonly action: A }>;

export type Decision =
  | {
      readonly status: 'done';
      readonly outcome: Outcome;
      readonly site: string | null;
      readonly steps: readonly Step[];
      readonly trace: readonly TraceEntry[];
      readonly planVersion: string;
    }
  | {
      readonly status: 'awaiting-input';
      readonly menu: string;
      readonly site: string | null;
      readonly steps: readonly Step[];
      readonly trace: readonly TraceEntry[];
      readonly planVersion: string;
    };

export type { ActionConfig };
