/**
 * Inbound callers: the lab's `from-carrier` dialplan (`Stasis(<app>,<DID>)`, failsafe when the
 * app is missing) and the caller's behaviour (the lab's `sim-caller`, or a test's script).
 *
 * Facts: the Stasis channel is the Local `;2` (or the PJSIP carrier channel) in state `Ring`
 * with args `[DID]`; the caller's script starts when the app answers; a Local caller hanging up
 * reaches the app as `{"cause":16}`, a SIP BYE as a request with neither cause nor soft (18);
 * SendDTMF's digit arrives about 200 ms after it is sent, 100 ms long (RFC 4733 phones: 280 ms).
 */
import type { FakeChannel } from './channel.js';
import { callerIdEvent, channelOnly, dialEvent, dtmfEvent } from './events.js';
import { hangupChannel } from './hangup.js';
import type { FakePbx } from './pbx.js';
import { enterStasisViaDialplan, runApp, setVar, type StasisFailure } from './stasis.js';
import type { PartyId } from './types.js';

/** What a caller does, in ms after the app answers (abandonAfter: after arrival). */
export interface CallerScript {
  readonly dtmf?: readonly { readonly at: number; readonly digit: string; readonly durationMs?: number }[];
  /** Speech spans (drive recordings and silence detection); `pcm` is what is said (8 kHz samples), recorded as it is. */
  readonly speech?: readonly { readonly at: number; readonly ms: number; readonly pcm?: Int16Array }[];
  /** Hang up this long after the answer (default: never, the app hangs up). */
  readonly hangupAfter?: number;
  /** Hang up this long after arrival if still not answered. */
  readonly abandonAfter?: number;
}

/** What the fake knows about a placed call (for test inspection). */
export interface CallRecord {
  readonly did: string;
  readonly caller: PartyId;
  /** The channel that entered (or tried to enter) Stasis. */
  readonly channelId: string;
  /** The caller's own Local `;1` half, if a Local call. */
  readonly callerLegId: string | null;
  outcome: 'stasis' | 'failsafe';
  failure: StasisFailure | null;
  answered: boolean;
}

/** Hooks the inbound logic needs from the rest of the fake. */
export interface InboundContext {
  readonly app: string;
  readonly onDtmf: (ch: FakeChannel, digit: string) => void;
}

/** Runs `from-carrier` on the Stasis channel `ch2` whose caller side is `ch1` (Local) or none. */
export function startInbound(pbx: FakePbx, ctx: InboundContext, ch2: FakeChannel, ch1: FakeChannel | null, script: CallerScript, rec: CallRecord, callerAnswered?: () => void): void {
  ch2.runsDialplan = true;
  const dialstring = `${ch2.dialplan.exten}@${ch2.dialplan.context}`;
  if (ch1) {
    ch1.pendingDial = { dialstring };
    pbx.emit(dialEvent(pbx.ts(), ch1, '', dialstring));
  }
  let exten = ch2.dialplan.exten;
  if (exten.startsWith('+')) {
    runApp(pbx, ch2, 1, 'Goto', `${exten.slice(1)},1`);
    exten = exten.slice(1);
    ch2.at(ch2.dialplan.context, exten, 1, 'Goto', `${exten},1`);
  }
  const noop = ch2.dialplan.context === 'phones' ? `Desk phone ${ch2.caller.number} dialled ${exten}` : `Inbound carrier call to ${exten} from "${ch2.caller.name}" <${ch2.caller.number}>`;
  runApp(pbx, ch2, 1, 'NoOp', noop);
  ch2.onAnswer = () => {
    rec.answered = true;
    if (ch1?.alive) {
      pbx.setState(ch1, 'Up');
      ch1.pendingDial = null;
      pbx.emit(dialEvent(pbx.ts(), ch1, 'ANSWER', dialstring));
      callerAnswered?.();
    }
    runScript(pbx, ctx, ch2, ch1, script);
  };
  if (script.abandonAfter !== undefined) ch2.track(pbx.clock.after(script.abandonAfter, () => callerHangsUp(pbx, ch2, ch1)));
  const failure = enterStasisViaDialplan(pbx, ch2, 2, ctx.app, [exten]);
  if (failure) failsafe(pbx, ch2, rec, failure);
}

/** The caller's side hangs up (a Local caller's dialplan ends, or a SIP BYE). */
export function callerHangsUp(pbx: FakePbx, ch2: FakeChannel, ch1: FakeChannel | null): void {
  if (ch1?.alive) {
    if (ch1.dialplan.context === 'sim-caller') runApp(pbx, ch1, 7, 'NoOp', `Simulated caller ${ch1.name} hanging up`);
    runApp(pbx, ch1, ch1.dialplan.context === 'sim-caller' ? 8 : ch1.dialplan.priority + 1, 'Hangup', '');
    hangupChannel(pbx, ch1, 'dialplan', 16);
  } else if (ch2.alive) hangupChannel(pbx, ch2, 'bye', 16);
}

function runScript(pbx: FakePbx, ctx: InboundContext, ch2: FakeChannel, ch1: FakeChannel | null, script: CallerScript): void {
  const t0 = pbx.clock.now();
  for (const s of script.speech ?? []) ch2.speech.push({ start: t0 + s.at, end: t0 + s.at + s.ms, ...(s.pcm ? { pcm: s.pcm } : {}) });
  for (const d of script.dtmf ?? []) {
    ch2.track(
      pbx.clock.after(d.at, () => {
        if (!ch2.alive) return;
        pbx.emit(dtmfEvent(pbx.ts(), ch2, d.digit, d.durationMs ?? (ch2.tech === 'PJSIP' ? 280 : 100)));
        ctx.onDtmf(ch2, d.digit);
      }),
    );
  }
  if (script.hangupAfter !== undefined) ch2.track(pbx.clock.after(script.hangupAfter, () => callerHangsUp(pbx, ch2, ch1)));
}

/**
 * The start of the lab's sim-caller on an answered channel: `silent` / `press<d>` set DIGITS and
 * jump to `s`, whose NoOp prints the settings, then Answer (the sim-hold loop after is noise).
 */
export function runSimCaller(pbx: FakePbx, ch: FakeChannel, exten: string): void {
  if (exten === 'silent' || exten.startsWith('press')) {
    ch.at('sim-caller', exten, 1, '', '');
    runApp(pbx, ch, 1, 'Set', `DIGITS=${exten === 'silent' ? '' : exten.slice(5)}`);
    setVar(pbx, ch, 'DIGITS', exten === 'silent' ? '' : exten.slice(5));
    runApp(pbx, ch, 2, 'Goto', 's,1');
  }
  ch.at('sim-caller', 's', 1, '', '');
  const v = (k: string) => ch.vars.get(k) ?? '';
  runApp(pbx, ch, 1, 'NoOp', `Simulated caller ${ch.name}: DIGITS=${v('DIGITS')} DTMF_DELAY=${v('DTMF_DELAY')} SAY=${v('SAY')} HOLD=${v('HOLD')}`);
  runApp(pbx, ch, 2, 'Answer', '');
}

/** The lab's sim-caller (DIGITS, DTMF_DELAY=3, SAY, HOLD=10) as a script. */
export function simCallerScript(vars: ReadonlyMap<string, string>, exten: string, sayMs: (sound: string) => number): CallerScript {
  const num = (name: string, dflt: number) => {
    const v = vars.get(name);
    return v === undefined || v === '' ? dflt : Number(v);
  };
  const digits = exten === 'silent' ? '' : exten.startsWith('press') ? exten.slice(5) : (vars.get('DIGITS') ?? '');
  let t = num('DTMF_DELAY', 3) * 1000;
  const dtmf = [...digits].map((digit) => ({ at: (t += 200), digit }));
  if (digits) t += 250;
  const say = vars.get('SAY') ?? '';
  const speech = say ? [{ at: t, ms: sayMs(say) }] : [];
  if (say) t += sayMs(say);
  return { dtmf, speech, hangupAfter: t + num('HOLD', 10) * 1000 };
}

/** router-failsafe: answer, vm-nobodyavail, then VoiceMail(100@default) until the caller hangs up (16). */
function failsafe(pbx: FakePbx, ch: FakeChannel, rec: CallRecord, failure: StasisFailure): void {
  rec.outcome = 'failsafe';
  rec.failure = failure;
  ch.at('router-failsafe', 's', 1, 'NoOp', `Stasis returned STASISSTATUS=FAILED for ${ch.name}`);
  setVar(pbx, ch, '__ROUTER_FAILSAFE', '1');
  runApp(pbx, ch, 6, 'Answer', '');
  pbx.setState(ch, 'Up');
  const onAnswer = ch.onAnswer;
  ch.onAnswer = null;
  onAnswer?.();
  runApp(pbx, ch, 7, 'Playback', 'vm-nobodyavail');
  ch.track(pbx.clock.after(2786, () => ch.alive && runApp(pbx, ch, 8, 'VoiceMail', '100@default')));
}

/** Answers a channel (ARI answer, record's auto-answer): `Up`, then its answer hook. */
export function answerChannel(pbx: FakePbx, ch: FakeChannel): void {
  if (ch.state === 'Up') return;
  pbx.setState(ch, 'Up');
  const hook = ch.onAnswer;
  ch.onAnswer = null;
  hook?.();
}

/**
 * Gives a channel its caller id and connected line (ChannelCallerId, ChannelConnectedLine).
 * Originate sets them one after the other on `;1` (so its ChannelCallerId still shows an empty
 * connected line, 01b); a Local `;2` receives both at once when called (05).
 */
export function setCallerId(pbx: FakePbx, ch: FakeChannel, party: PartyId, oneByOne: boolean): void {
  ch.caller = { ...party };
  if (!oneByOne) ch.connected = { ...party };
  pbx.emit(callerIdEvent(pbx.ts(), ch));
  ch.connected = { ...party };
  pbx.emit(channelOnly('ChannelConnectedLine', pbx.ts(), ch));
}
