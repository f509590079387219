/**
 * The called side of an originate or /dial: the lab's `sim-agent` dialplan on a Local `;2`
 * (05-08, 10, 12), or a PJSIP phone with a behaviour set by the test (events as in 14).
 *
 * Local sequences (the `;2` runs sim-agent; `;1` is the dialer's leg):
 * - answer: Dial "", NoOp, Answer, `;2` Up, `;1` Up, Dial ANSWER (then Stasis for `;1`).
 * - noanswer: Dial "", NoOp, Ringing, `;1` Ringing, Dial RINGING, Wait(60).
 * - busy / congestion: Dial "", (NoOp,) Busy(10) / Congestion(10), `;2` Busy, Dial BUSY /
 *   CONGESTION; an originate then drops `;1` (cause 0) and `;2` ends with 17 / 34.
 */
import type { FakeChannel } from './channel.js';
import { dialEvent, deviceStateChanged, dtmfEvent } from './events.js';
import type { AgentBehaviour, FakeEndpoints } from './endpoints.js';
import { hangupChannel } from './hangup.js';
import type { FakePbx } from './pbx.js';
import { runApp } from './stasis.js';

/** One called party being dialled. */
export interface CalledParty {
  readonly ch1: FakeChannel;
  readonly ch2: FakeChannel | null;
  /** Dial string on the first Dial event (`answer@sim-agent`, `1001`). */
  readonly dialstring: string;
  /** Dial string on later Dial events (the same for originate, "" for /dial). */
  readonly laterDialstring: string;
  readonly behaviour: AgentBehaviour;
  /** Default talk time of an answering party, ms (AGENT_HOLD in sim-agent, 60 s). */
  readonly holdMs: number | null;
  /** Called after Dial ANSWER. */
  onAnswered(): void;
  /** Called after Dial BUSY / CONGESTION (an originate drops its leg). */
  onRejected(): void;
}

/** sim-agent's per-agent extensions (`pickup-maria`, ...): the shipped dialplan sends each prefix to these. */
const SIM_AGENT_PREFIXES: readonly (readonly [string, string])[] = [
  ['pickup', 'answer'],
  ['away', 'noanswer'],
  ['busy', 'busy'],
  ['fail', 'congestion'],
];

/** The behaviour of a Local `;2` from its sim-agent extension (unless a test set one). */
export function simAgentBehaviour(extension: string, agentHoldSeconds: string | undefined): { behaviour: AgentBehaviour; holdMs: number | null } {
  const hold = agentHoldSeconds !== undefined && agentHoldSeconds !== '' ? Number(agentHoldSeconds) * 1000 : 60_000;
  const exten = SIM_AGENT_PREFIXES.find(([prefix]) => extension.length > prefix.length && extension.startsWith(prefix))?.[1] ?? extension;
  if (exten === 'busy' || exten === 'noanswer' || exten === 'congestion') return { behaviour: exten, holdMs: null };
  return { behaviour: { answer: 0 }, holdMs: exten === 'answer' ? hold : null };
}

/** Starts the called side; timers live on the channels. */
export function startCalledParty(pbx: FakePbx, endpoints: FakeEndpoints, p: CalledParty): void {
  pbx.emit(dialEvent(pbx.ts(), p.ch1, '', p.dialstring));
  if (p.ch2) startLocal(pbx, p, p.ch2);
  else startPjsip(pbx, endpoints, p);
}

function startLocal(pbx: FakePbx, p: CalledParty, ch2: FakeChannel): void {
  const b = p.behaviour;
  const isSimAgent = ch2.dialplan.context === 'sim-agent';
  const what = b === 'busy' ? 'busy' : b === 'noanswer' ? 'not answering' : 'answering';
  if (b !== 'congestion' && isSimAgent) runApp(pbx, ch2, 1, 'NoOp', `Simulated agent ${ch2.name} ${what}`);
  if (b === 'busy' || b === 'congestion') {
    runApp(pbx, ch2, b === 'busy' ? 2 : 1, b === 'busy' ? 'Busy' : 'Congestion', '10');
    ch2.hangupCause = b === 'busy' ? 17 : 34;
    pbx.setState(ch2, 'Busy');
    pbx.emit(dialEvent(pbx.ts(), p.ch1, b === 'busy' ? 'BUSY' : 'CONGESTION', p.laterDialstring));
    ch2.track(pbx.clock.after(10_000, () => hangupChannel(pbx, ch2, 'dialplan', ch2.hangupCause)));
    p.onRejected();
    return;
  }
  if (b === 'unregistered') return;
  const answerIn = b === 'noanswer' || b === 'manual' ? null : b.answer;
  const rings = answerIn === null || answerIn > 0;
  if (rings) {
    runApp(pbx, ch2, 2, 'Ringing', '');
    pbx.setState(p.ch1, 'Ringing');
    pbx.emit(dialEvent(pbx.ts(), p.ch1, 'RINGING', p.laterDialstring));
    runApp(pbx, ch2, 3, 'Wait', answerIn === null ? '60' : String(Math.ceil(answerIn / 1000)));
  }
  if (b === 'noanswer') {
    ch2.track(pbx.clock.after(60_000, () => hangupChannel(pbx, ch2, 'dialplan', 16)));
    return;
  }
  const answer = () => {
    if (!ch2.alive) return;
    runApp(pbx, ch2, rings ? 4 : 2, 'Answer', '');
    pbx.setState(ch2, 'Up');
    pbx.setState(p.ch1, 'Up');
    p.ch1.pendingDial = null;
    pbx.emit(dialEvent(pbx.ts(), p.ch1, 'ANSWER', p.laterDialstring));
    p.onAnswered();
    pressKeys(pbx, p.ch1, b, 100);
    const talk = typeof b === 'object' && b.hangupAfter !== undefined ? b.hangupAfter : p.holdMs;
    if (talk !== null && ch2.alive) {
      ch2.track(
        pbx.clock.after(talk, () => {
          if (!ch2.alive) return;
          runApp(pbx, ch2, rings ? 6 : 4, 'Hangup', '');
          hangupChannel(pbx, ch2, 'dialplan', 16);
        }),
      );
    }
  };
  if (b === 'manual') p.ch1.onAnswer = answer;
  else if (answerIn !== null && answerIn > 0) ch2.track(pbx.clock.after(answerIn, answer));
  else answer();
}

function startPjsip(pbx: FakePbx, endpoints: FakeEndpoints, p: CalledParty): void {
  const ch = p.ch1;
  const ep = endpoints.byDialString(ch.endpoint ?? '');
  const b = p.behaviour;
  if (b === 'busy' || b === 'congestion') {
    // SIP 486 / 503: the channel ends with User busy / Circuit congestion.
    ch.hangupCause = b === 'busy' ? 17 : 34;
    pbx.emit(dialEvent(pbx.ts(), ch, b === 'busy' ? 'BUSY' : 'CONGESTION', p.laterDialstring));
    p.onRejected();
    return;
  }
  // 14: DeviceStateChanged RINGING, then ChannelStateChange, then Dial RINGING.
  if (ep) pbx.emit(deviceStateChanged(pbx.ts(), `PJSIP/${ep.resource}`, 'RINGING'));
  pbx.setState(ch, 'Ringing');
  pbx.emit(dialEvent(pbx.ts(), ch, 'RINGING', p.laterDialstring));
  if (b === 'unregistered') return;
  // A phone left ringing ('noanswer') can still be picked up by hand (answerAgent), as a real one can.
  ch.onAnswer = () => {
    if (!ch.alive) return;
    if (ep) pbx.emit(deviceStateChanged(pbx.ts(), `PJSIP/${ep.resource}`, 'INUSE'));
    pbx.setState(ch, 'Up');
    ch.pendingDial = null;
    pbx.emit(dialEvent(pbx.ts(), ch, 'ANSWER', p.laterDialstring));
    p.onAnswered();
    pressKeys(pbx, ch, b, 280);
    // A phone hanging up sends BYE: no cause, no soft; the channel ends with cause 0 (14).
    if (typeof b === 'object' && b.hangupAfter !== undefined && ch.alive) ch.track(pbx.clock.after(b.hangupAfter, () => hangupChannel(pbx, ch, 'bye', 0)));
  };
  if (b === 'manual' || b === 'noanswer') return;
  ch.track(pbx.clock.after(b.answer, () => answerCalledPhone(ch)));
}

/** The answering party presses its keys; they arrive on the dialer's leg (100 ms via Local, ~280 ms RFC 4733). */
function pressKeys(pbx: FakePbx, leg: FakeChannel, b: AgentBehaviour, durationMs: number): void {
  if (typeof b !== 'object') return;
  for (const k of b.dtmf ?? []) leg.track(pbx.clock.after(k.at, () => leg.alive && pbx.emit(dtmfEvent(pbx.ts(), leg, k.digit, durationMs))));
}

/** The phone of a ringing PJSIP leg answers now. */
export function answerCalledPhone(ch: FakeChannel): void {
  const hook = ch.onAnswer;
  ch.onAnswer = null;
  hook?.();
}
