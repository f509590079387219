/**
 * One scenario set, two backends. A scenario is written once against a World: callers who dial
 * in and press keys, desk phones that answer or not, clinicians' cells behind the carrier, the
 * engine's database and admin operations, and Asterisk's channels and bridges. The fake backend
 * (`npm test`) runs the engine in-process against the fake Asterisk on a virtual clock; the real
 * backend (`npm run test:asterisk`) runs `pbx-router run` against a real Asterisk 22 with SIPp
 * callers through the carrier trunk, baresip desk phones and a SIPp carrier far end.
 */
import type { ParsedMail } from 'mailparser';
import { main } from '../../src/cli/main.js';
import type { CallRecord, CallStore } from '../../src/store/call-store.js';
import type { FakeSmsMessage } from '../fakes/sms-provider.js';

export type Backend = 'fake' | 'real';

/** What a caller does, in ms after the engine answers (the fake Asterisk's script, same meaning). */
export interface CallerScript {
  readonly dtmf?: readonly { readonly at: number; readonly digit: string }[];
  /** What the caller says and when; `pcm` is the speech itself (8 kHz samples), else a stand-in voice. */
  readonly speech?: readonly { readonly at: number; readonly ms: number; readonly pcm?: Int16Array }[];
  readonly hangupAfter?: number;
}

/** How a desk phone's user reacts to a call the engine offers. */
export type PhoneBehaviour = { readonly answer: number; readonly hangupAfter?: number } | 'noanswer' | 'busy' | 'unregistered';

/** How a clinician's cell reacts to an on-call forward. */
export type CellBehaviour = { readonly answer: number; readonly dtmf?: readonly { readonly at: number; readonly digit: string }[]; readonly hangupAfter?: number } | 'noanswer' | 'busy';

export interface WorldOptions {
  /** Changes to config/example-clinic.yaml at dotted paths (see `variant`). */
  readonly config?: Readonly<Record<string, unknown>>;
  /** The clinic open ('day') or closed ('night'), by the manual override. */
  readonly mode: 'day' | 'night';
  /** Agents whose desk phone is not registered when the engine starts. */
  readonly unregistered?: readonly string[];
}

/** A channel as ARI lists it. */
export interface AsteriskChannel {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly context: string;
  readonly caller: string;
}

/** One inbound caller. */
export interface Caller {
  readonly number: string;
  /** The engine's record of the call (found by the caller's number). */
  record(): CallRecord | undefined;
  /** The sounds the caller heard, in order (`moh` for a stretch of music on hold). */
  heard(): string[];
  /** The longest stretch (ms) in which the caller heard nothing, between two times since the call started. */
  longestSilence(from?: number, to?: number): number;
  /** Milliseconds since the call was placed. */
  elapsed(): number;
  /** The caller hangs up now. */
  hangup(): Promise<void>;
  /** True once Asterisk no longer has the caller's channel. */
  gone(): Promise<boolean>;
}

/** A direct call between two desk phones (not through the engine). */
export interface DeskCall {
  hangup(): Promise<void>;
}

export interface World {
  readonly backend: Backend;
  /** The engine's database (a second connection, as the CLI reads it). */
  store(): CallStore;
  /** Emails the engine sent, as a real SMTP server on loopback received them. */
  emails(): readonly ParsedMail[];
  /** Texts the engine sent, as the loopback SMS provider the config names (tierConfig) accepted them. */
  texts(): readonly FakeSmsMessage[];
  /** What `pbx-router explain <call>` prints (a call id, channel id or caller number), read from the engine's database. */
  explain(call: string): Promise<string>;
  /** Waits `ms` of PBX time. */
  sleep(ms: number): Promise<void>;
  /** Polls until `check` returns a value, for at most `ms` of PBX time. */
  until<T>(what: string, check: () => T | undefined | false | null | Promise<T | undefined | false | null>, ms?: number): Promise<T>;
  /** Only these agents take calls; the others are paused (an operator's pause). */
  only(agents: readonly string[]): Promise<void>;
  /** Pauses or unpauses one agent. */
  pause(agent: string, paused: boolean): Promise<void>;
  /** The agent's state as `pbx-router status` shows it. */
  agentState(agent: string): Promise<string>;
  /** How an agent's desk phone reacts from now on. */
  phone(agent: string, b: PhoneBehaviour): Promise<void>;
  /** The agent picks up the call ringing on their desk phone now. */
  answer(agent: string): Promise<void>;
  /** Agent `from` calls agent `to` directly from the desk phone; `to` answers. */
  deskCall(from: string, to: string): Promise<DeskCall>;
  /** How the cell behind the carrier reacts to forwards to `number`. */
  cell(number: string, b: CellBehaviour): Promise<void>;
  /** The sounds the clinicians' cells heard, in order. */
  cellsHeard(): string[];
  /** A caller dials `did` (default the main number). */
  call(o: { readonly caller: string; readonly did?: string; readonly script: CallerScript }): Promise<Caller>;
  /** What Asterisk holds now. */
  channels(): Promise<AsteriskChannel[]>;
  bridges(): Promise<{ id: string; bridge_type: string; channels: string[] }[]>;
  /** Asterisk restarts: every call it had is gone; desk phones register again; the engine reconnects. */
  restartAsterisk(): Promise<void>;
  /** The engine is killed (SIGKILL: nothing is cleaned up). */
  killEngine(): Promise<void>;
  /** The engine is started again on the same database. */
  startEngine(): Promise<void>;
  /** The engine's log so far. */
  logs(): string[];
  /** Asterisk's own log (messages.log) on the real backend; empty on the fake. */
  pbxLog(): string;
  /** What to print when a scenario fails: the engine's log and, on the real Asterisk, its log and the SIP peers' errors. */
  diagnostics(): string;
  stop(): Promise<void>;
}

/** Waits until Asterisk has no channel and no bridge of the engine left. */
export async function nothingLeft(w: World, ms = 60_000): Promise<void> {
  await w.until(
    'no channel and no engine bridge left in Asterisk',
    async () => {
      const [chans, bridges] = await Promise.all([w.channels(), w.bridges()]);
      return chans.length === 0 && !bridges.some((b) => b.id.startsWith('pbx-'));
    },
    ms,
  );
}

/** True when `sub` appears in `all` in order (other items may come between). */
export function inOrder(all: readonly string[], sub: readonly string[]): boolean {
  let i = 0;
  for (const x of all) if (x === sub[i]) i++;
  return i === sub.length;
}

/** `pbx-router explain <call> --db <database>` as clinic IT runs it (times in the clinic's zone); throws with its errors when it fails. */
export async function explainFrom(database: string, call: string): Promise<string> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'pbx-router', 'explain', call, '--db', database, '--tz', 'America/Chicago'], { out: (t) => out.push(t), err: (t) => err.push(t) });
  if (code !== 0) throw new Error(`pbx-router explain ${call} exited with ${code}:\n${err.join('\n')}`);
  return out.join('\n');
}
