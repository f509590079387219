/**
 * POST /channels (originate), POST /channels/create and POST /channels/{id}/dial, after the
 * HTTP layer has validated the parameters (resource_channels.c order).
 *
 * Facts: originate answers 200 with the `;1` snapshot (state Down, `AppDial2`/`(Outgoing Line)`)
 * before anything is dialled; with `app=` the app is subscribed to `;1` and to the Local `;2`
 * (so it sees `;2`'s ChannelVarset of the `variables`, reversed, and its caller id events);
 * the variables are first set on `;1` before that subscription (invisible). A timeout drops the
 * unanswered leg with cause 19 and no final Dial. /channels/create subscribes the app before
 * setting the variables (so their ChannelVarset is seen), enters Stasis at once in state Down,
 * and /dial later reports Dial ANSWER with an empty dialstring (10).
 */
import { allocate, localTarget, parseCallerId, splitEndpoint } from './alloc.js';
import { simAgentBehaviour, startCalledParty } from './agents.js';
import { runSimCaller, setCallerId, simCallerScript, startInbound, type CallRecord, type InboundContext } from './callers.js';
import type { FakeChannel } from './channel.js';
import type { AgentBehaviour, FakeEndpoints } from './endpoints.js';
import { dialplanEvent } from './events.js';
import { hangupChannel } from './hangup.js';
import type { FakePbx } from './pbx.js';
import { enterStasis, enterStasisViaDialplan, setVar, stasisData } from './stasis.js';
import type { JsonObject } from './types.js';

/** A validated originate request. */
export interface OriginateSpec {
  readonly endpoint: string;
  readonly app?: string;
  readonly appArgs?: string;
  readonly context?: string;
  readonly extension?: string;
  readonly priority?: number;
  readonly callerId?: string;
  /** ms, or null for none (-1). */
  readonly timeoutMs: number | null;
  readonly variables: readonly (readonly [string, string])[];
  readonly channelId?: string;
  readonly otherChannelId?: string;
}

/** What the originate/create operations need from the fake. */
export interface DialContext extends InboundContext {
  readonly endpoints: FakeEndpoints;
  readonly sayMs: (sound: string) => number;
  readonly calls: CallRecord[];
}

/** Result of originate/create: the `;1` snapshot, or the allocation error. */
export type OriginateResult = { readonly ok: true; readonly body: JsonObject } | { readonly ok: false; readonly error: 'duplicate' | 'failed' };

/** POST /channels and POST /channels/{channelId}. */
export function originate(pbx: FakePbx, ctx: DialContext, spec: OriginateSpec): OriginateResult {
  const alloc = allocate(pbx, ctx.endpoints, spec.endpoint, spec.channelId, spec.otherChannelId, 'originate');
  if (!alloc.ok) return alloc;
  const { ch1, ch2 } = alloc;
  ch1.at(ch1.dialplan.context, ch1.dialplan.exten, 1, 'AppDial2', '(Outgoing Line)');
  pbx.emit(dialplanEvent(pbx.ts(), ch1));
  const party = parseCallerId(spec.callerId);
  if (party) setCallerId(pbx, ch1, party, true);
  for (const [k, v] of spec.variables) setVar(pbx, ch1, k, v);
  if (spec.app) {
    ch1.originApps.add(spec.app);
    pbx.apps.subscribeChannel(spec.app, ch1.id, 'originate');
    if (ch2) pbx.apps.subscribeChannel(spec.app, ch2.id, 'originate');
  }
  const body = ch1.snapshot();
  const resource = splitEndpoint(spec.endpoint)?.resource ?? '';
  if (ch2) {
    ch2.runsDialplan = true;
    for (const [k, v] of [...spec.variables].reverse()) setVar(pbx, ch2, k, v);
    if (party) setCallerId(pbx, ch2, party, false);
  }
  ch1.pendingDial = { dialstring: resource };
  if (spec.timeoutMs !== null) {
    ch1.track(pbx.clock.after(spec.timeoutMs, () => ch1.state !== 'Up' && hangupChannel(pbx, ch1, 'silent', 19)));
  }
  if (ch2 && ch2.dialplan.context === 'from-carrier' && !spec.app) {
    // The lab's way to simulate an inbound call: `;2` runs from-carrier, `;1` is the caller.
    ch1.runsDialplan = true;
    const exten = spec.extension ?? 's';
    const script = spec.context === 'sim-caller' ? simCallerScript(ch1.vars, exten, ctx.sayMs) : {};
    const rec: CallRecord = { did: ch2.dialplan.exten, caller: { ...ch2.caller }, channelId: ch2.id, callerLegId: ch1.id, outcome: 'stasis', failure: null, answered: false };
    ctx.calls.push(rec);
    startInbound(pbx, ctx, ch2, ch1, script, rec, () => {
      // The caller side runs the originate's extension once answered (the lab's sim-caller).
      ch1.at(spec.context ?? 'default', exten, spec.priority ?? 1, '', '');
      if (spec.context === 'sim-caller') runSimCaller(pbx, ch1, exten);
    });
    return { ok: true, body };
  }
  const { behaviour, holdMs } = calledBehaviour(ctx.endpoints, spec.endpoint, ch2);
  startCalledParty(pbx, ctx.endpoints, {
    ch1,
    ch2,
    dialstring: resource,
    laterDialstring: resource,
    behaviour,
    holdMs,
    onAnswered: () => {
      ch1.pendingDial = null;
      if (spec.app) {
        const args = spec.appArgs ? spec.appArgs.split(',') : [];
        ch1.at(ch1.dialplan.context, ch1.dialplan.exten, ch1.dialplan.priority, 'Stasis', stasisData(spec.app, args));
        if (enterStasis(pbx, ch1, spec.app, args)) hangupChannel(pbx, ch1, 'silent', 16);
      } else {
        ch1.runsDialplan = true;
        ch1.at(spec.context ?? 'default', spec.extension ?? 's', spec.priority ?? 1, '', '');
        if (spec.context === 'sim-caller') runSimCaller(pbx, ch1, spec.extension ?? 's');
      }
    },
    onRejected: () => hangupChannel(pbx, ch1, 'silent', 0),
  });
  return { ok: true, body };
}

/** How the dialled party behaves: the test's setting, else the lab's sim-agent, else it answers. */
export function calledBehaviour(endpoints: FakeEndpoints, endpoint: string, ch2: FakeChannel | null): { behaviour: AgentBehaviour; holdMs: number | null } {
  const set = endpoints.behaviourFor(endpoint);
  if (ch2) {
    const sim = ch2.dialplan.context === 'sim-agent' ? simAgentBehaviour(ch2.dialplan.exten, ch2.vars.get('AGENT_HOLD')) : null;
    if (set) return { behaviour: set, holdMs: sim?.holdMs ?? null };
    return sim ?? { behaviour: { answer: 0 }, holdMs: null };
  }
  return { behaviour: set ?? 'noanswer', holdMs: null };
}

/** POST /channels/create: allocated, subscribed, into Stasis at once (state Down). */
export function createChannel(pbx: FakePbx, ctx: DialContext, endpoint: string, app: string | undefined, appArgs: string | undefined, ids: { channelId?: string; otherChannelId?: string }, variables: readonly (readonly [string, string])[]): OriginateResult {
  const alloc = allocate(pbx, ctx.endpoints, endpoint, ids.channelId, ids.otherChannelId, 'create');
  if (!alloc.ok) return alloc;
  const { ch1, ch2 } = alloc;
  if (app) {
    ch1.originApps.add(app);
    pbx.apps.subscribeChannel(app, ch1.id, 'originate');
  }
  for (const [k, v] of variables) setVar(pbx, ch1, k, v);
  ch1.ariDialstring = splitEndpoint(endpoint)?.resource ?? '';
  if (ch2) ch2.runsDialplan = true;
  const body = ch1.snapshot();
  const args = appArgs ? appArgs.split(',') : [];
  if (!app || enterStasisViaDialplan(pbx, ch1, 1, app, args)) {
    // Stasis() fails without an app: the creating thread hangs the channel up (gone within 300 ms in 12).
    ch1.track(pbx.clock.after(1, () => hangupChannel(pbx, ch1, 'silent', 0)));
  }
  return { ok: true, body };
}

/** POST /channels/{id}/dial on a channel made by /channels/create (validated by the caller). */
export function dialCreated(pbx: FakePbx, ctx: DialContext, ch1: FakeChannel, timeoutSeconds: number): void {
  const dialstring = ch1.ariDialstring ?? '';
  ch1.ariDialstring = null;
  ch1.pendingDial = { dialstring };
  const ch2 = ch1.peer;
  const endpoint = ch1.tech === 'Local' ? `Local/${dialstring}` : (ch1.endpoint ?? '');
  if (ch2 && ch1.tech === 'Local') {
    const t = localTarget(dialstring);
    ch2.at(t.context, t.exten, 1, '', '');
  }
  if (timeoutSeconds > 0) {
    ch1.track(pbx.clock.after(timeoutSeconds * 1000, () => ch1.state !== 'Up' && hangupChannel(pbx, ch1, 'ari', 19)));
  }
  const { behaviour, holdMs } = calledBehaviour(ctx.endpoints, endpoint, ch2);
  startCalledParty(pbx, ctx.endpoints, {
    ch1,
    ch2,
    dialstring,
    laterDialstring: '',
    behaviour,
    holdMs,
    onAnswered: () => undefined,
    onRejected: () => {
      if (ch1.tech === 'PJSIP') hangupChannel(pbx, ch1, 'silent', 0);
    },
  });
}
