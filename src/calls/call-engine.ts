/**
 * The runner: turns the PBX's events into session events, runs each session's effects against the
 * Telephony port, the routing core, the queues and the store, and feeds their results back in.
 * Nothing here throws on a bad event or a failed PBX request: the call goes to the failsafe.
 */
import { describeReason } from '../routing/conditions.js';
import { decide, decideActions } from '../routing/engine.js';
import type { Decision, Outcome, Plan } from '../routing/types.js';
import type { CallStore } from '../store/call-store.js';
import { AgentBook } from './agents.js';
import type { Clock } from './clock.js';
import { QueueManager } from './queues.js';
import { newSession, transition, type Effect, type Session, type SessionEvent } from './session.js';
import { TelephonyError, type Telephony, type TelephonyEvent } from './telephony.js';

/** Carries out destinations that are not the engine's own queues (agents, ring groups, voicemail, forwarding, callbacks). */
export type HandoffHandler = (call: { readonly session: Session; readonly outcome: Outcome }, engine: CallEngine) => Promise<void>;

export interface EngineDeps {
  readonly plan: Plan;
  readonly telephony: Telephony;
  readonly store: CallStore;
  readonly clock: Clock;
  readonly log?: (message: string) => void;
  /** Where a call goes when the engine cannot carry it on: a dialplan context that rings the fallback and then voicemail. */
  readonly failsafe?: { readonly context: string; readonly extension: string; readonly priority: number };
  readonly handoff?: HandoffHandler;
}

interface Live {
  session: Session;
  plan: Plan;
  menuTimer: unknown;
  bridge: string | null;
  agent: string | null;
}

export class CallEngine {
  readonly agents: AgentBook;
  readonly queues: QueueManager;
  private plan: Plan;
  private readonly calls = new Map<string, Live>();
  private readonly byChannel = new Map<string, string>();
  private readonly log: (m: string) => void;
  private seq = 0;

  constructor(private readonly deps: EngineDeps) {
    this.plan = deps.plan;
    this.log = deps.log ?? (() => {});
    this.agents = new AgentBook(deps.plan, deps.clock, (agent, state, reason) => deps.store.agentState(agent, state, deps.clock.now(), reason));
    this.queues = new QueueManager(deps.plan, { telephony: deps.telephony, store: deps.store, agents: this.agents, clock: deps.clock, deliver: (id, e) => this.deliver(id, e), log: this.log });
  }

  /** Calls in progress. */
  active(): number {
    return this.calls.size;
  }

  /** The session of a call (for inspection and handoff handlers). */
  session(id: string): Session | undefined {
    return this.calls.get(id)?.session;
  }

  /** Uses a new plan for new calls; calls in progress finish on the plan they started with. */
  setPlan(plan: Plan): void {
    this.plan = plan;
    this.agents.setPlan(plan);
    this.queues.setPlan(plan);
  }

  /** Entry point for everything the PBX reports. */
  handle(ev: TelephonyEvent): void {
    if (ev.type === 'call-arrived') return this.arrive(ev);
    const id = this.byChannel.get(ev.channel);
    if (!id) return;
    const live = this.calls.get(id);
    if (!live) return;
    const isCaller = live.session.channel === ev.channel;
    switch (ev.type) {
      case 'dtmf':
        if (isCaller) this.deliver(id, { type: 'dtmf', digit: ev.digit });
        return;
      case 'hangup':
        this.byChannel.delete(ev.channel);
        this.deliver(id, isCaller ? { type: 'caller-hangup' } : { type: 'leg-hangup', leg: ev.channel });
        return;
      case 'leg-answered':
        this.deliver(id, { type: 'leg-answered', leg: ev.channel });
        return;
      case 'leg-failed':
        this.byChannel.delete(ev.channel);
        this.deliver(id, { type: 'leg-failed', leg: ev.channel, reason: ev.reason });
        return;
    }
  }

  private arrive(ev: Extract<TelephonyEvent, { type: 'call-arrived' }>): void {
    const id = `${ev.at.toString(36)}-${(++this.seq).toString(36)}`;
    const { session, effects } = newSession(id, ev.channel, ev.did, ev.caller, ev.at);
    const plan = this.plan;
    this.calls.set(id, { session, plan, menuTimer: null, bridge: null, agent: null });
    this.byChannel.set(ev.channel, id);
    const site = plan.didToSite.get(ev.did) ?? null;
    this.deps.store.createCall({ id, channelId: ev.channel, did: ev.did, caller: ev.caller, site, language: plan.clinic.language, priority: 0, state: 'routing', arrivedAt: ev.at, configVersion: plan.version });
    this.run(id, effects);
  }

  /** Hands an event to a call's session and runs what follows. */
  deliver(id: string, event: SessionEvent): void {
    const live = this.calls.get(id);
    if (!live) return;
    const r = transition(live.session, event);
    if (!r.ok) {
      this.log(r.error);
      this.deps.store.addEvent(id, this.deps.clock.now(), 'rejected-event', { event: event.type, state: live.session.state });
      return;
    }
    live.session = r.session;
    this.run(id, r.effects);
  }

  private run(id: string, effects: readonly Effect[]): void {
    for (const e of effects) {
      try {
        this.effect(id, e);
      } catch (err) {
        this.fail(id, `${e.kind}: ${(err as Error).message}`);
      }
    }
  }

  private fail(id: string, message: string): void {
    this.log(`call ${id}: ${message}`);
    queueMicrotask(() => this.deliver(id, { type: 'failed', message }));
  }

  /** Runs a PBX request; a failure sends the call to the failsafe unless the channel is already gone. */
  private pbx(id: string, what: string, p: Promise<unknown>, onOk?: () => void): void {
    p.then(onOk, (err: unknown) => {
      if (err instanceof TelephonyError && err.code === 'not-found') return;
      this.fail(id, `${what} failed: ${(err as Error).message}`);
    });
  }

  private effect(id: string, e: Effect): void {
    const live = this.calls.get(id)!;
    const s = live.session;
    const { telephony, store, clock } = this.deps;
    switch (e.kind) {
      case 'answer':
        return this.pbx(id, 'answer', telephony.answer(s.channel), () => {
          store.updateCall(id, { answeredAt: clock.now() });
          this.deliver(id, { type: 'answered' });
        });
      case 'route': {
        const snapshot = { agents: this.agents.snapshot(), queues: this.queues.snapshot() };
        const ctx = { did: s.did, caller: s.caller, at: s.arrivedAt, inputs: e.inputs, whenInputsEnd: 'await' as const };
        const d: Decision =
          e.origin.kind === 'entry'
            ? decide(live.plan, ctx, snapshot)
            : decideActions(live.plan, { ...ctx, site: s.outcome?.site ?? null, language: s.outcome?.language ?? live.plan.clinic.language, priority: s.outcome?.priority ?? 0, tags: s.outcome?.tags ?? [] }, e.origin.actions, snapshot);
        const menuTimeout = d.status === 'awaiting-input' ? (live.plan.menus.get(d.menu)?.timeout ?? 5) : 0;
        queueMicrotask(() => this.deliver(id, { type: 'decided', decision: d, menuTimeout }));
        return;
      }
      case 'record-decision': {
        const d = e.decision;
        const o = d.status === 'done' ? d.outcome : null;
        store.addDecision(id, {
          at: clock.now(),
          configVersion: d.planVersion,
          status: d.status,
          action: o?.action ?? null,
          target: o?.target ?? (d.status === 'awaiting-input' ? d.menu : null),
          site: d.site,
          steps: d.steps,
          trace: d.trace.map((t) => ({ ...t, ...(t.why ? { why: describeReason(t.why) } : {}) })),
        });
        if (o) store.updateCall(id, { site: d.site, language: o.language, priority: o.priority, outcome: o.action, target: o.target });
        return;
      }
      case 'play':
        return this.pbx(id, 'play', telephony.play(s.channel, e.playbackId, e.sounds.map((x) => (x.includes(':') ? x : `sound:${x}`))).then((end) => this.deliver(id, { type: 'playback-ended', playbackId: e.playbackId, end })));
      case 'stop-playback':
        return void telephony.stopPlayback(e.playbackId).catch(() => {});
      case 'start-menu-timer':
        live.menuTimer = clock.after(e.seconds * 1000, () => this.deliver(id, { type: 'menu-timeout', token: e.token }));
        return;
      case 'cancel-menu-timer':
        clock.cancel(live.menuTimer);
        live.menuTimer = null;
        return;
      case 'enqueue':
        store.updateCall(id, { state: 'queued' });
        return this.pbx(id, 'enqueue', this.queues.enqueue(id, s.channel, e.queue, e.priority, e.language));
      case 'dequeue':
        return this.queues.dequeue(id, e.result, e.result === 'answered' ? (s.legs[0]?.agent ?? null) : null);
      case 'originate':
        this.byChannel.set(e.leg, id);
        this.agents.offered(e.agent);
        store.addEvent(id, clock.now(), 'offer', { agent: e.agent, endpoint: e.endpoint });
        return void telephony
          .originate({ channelId: e.leg, endpoint: e.endpoint, callerId: s.caller, timeout: e.ringTimeout, appArgs: `agent,${s.channel}` })
          .catch((err: unknown) => {
            // An unregistered phone answers the originate with 500 "Allocation failed": a missed offer, not a failed call.
            this.byChannel.delete(e.leg);
            this.deliver(id, { type: 'leg-failed', leg: e.leg, reason: err instanceof TelephonyError && err.code === 'allocation-failed' ? 'unreachable' : 'failed' });
          });
      case 'leg-missed': {
        const q = s.queue ? live.plan.queues.get(s.queue) : undefined;
        store.addEvent(id, clock.now(), 'offer-missed', { agent: e.agent, reason: e.reason });
        // Only queue offers count towards not-ready; a direct or group ring that nobody takes does not.
        this.agents.missed(e.agent, e.reason, q?.maxMisses ?? Number.POSITIVE_INFINITY);
        if (live.session.state === 'queued') this.queues.offerEnded(id);
        return;
      }
      case 'hangup-leg':
        this.byChannel.delete(e.leg);
        return void telephony.hangup(e.leg).catch(() => {});
      case 'connect': {
        const bridge = `pbx-call-${id}`;
        live.bridge = bridge;
        live.agent = e.agent;
        this.agents.answered(e.agent);
        store.updateCall(id, { state: 'connected', agent: e.agent });
        store.addEvent(id, clock.now(), 'connected', { agent: e.agent });
        return this.pbx(
          id,
          'connect',
          telephony
            .createBridge(bridge, 'mixing', `call ${id}`)
            .then(() => telephony.addToBridge(bridge, s.channel))
            .then(() => telephony.addToBridge(bridge, e.leg)),
        );
      }
      case 'handoff':
        store.updateCall(id, { state: 'routing' });
        store.addEvent(id, clock.now(), 'handoff', { action: e.outcome.action, target: e.outcome.target });
        if (this.deps.handoff) return this.pbx(id, e.outcome.action, this.deps.handoff({ session: s, outcome: e.outcome }, this));
        return this.fail(id, `no handler for ${e.outcome.action} ${e.outcome.target ?? ''} yet`);
      case 'failsafe': {
        store.addEvent(id, clock.now(), 'failsafe', { reason: e.reason });
        const f = this.deps.failsafe ?? { context: 'pbx-router-failsafe', extension: 's', priority: 1 };
        telephony.continueInDialplan(s.channel, f.context, f.extension, f.priority).catch(() => telephony.hangup(s.channel).catch(() => {}));
        return this.finish(id, 'failsafe');
      }
      case 'hangup-caller':
        return void telephony.hangup(s.channel).catch(() => {});
      case 'end':
        return this.finish(id, e.outcome);
    }
  }

  /** Ends a call: its bridge goes, its agent wraps up, its row is closed. */
  finish(id: string, outcome: string): void {
    const live = this.calls.get(id);
    if (!live) return;
    this.calls.delete(id);
    for (const [ch, owner] of this.byChannel) if (owner === id) this.byChannel.delete(ch);
    this.deps.clock.cancel(live.menuTimer);
    this.queues.dequeue(id, 'abandoned');
    if (live.bridge) void this.deps.telephony.destroyBridge(live.bridge).catch(() => {});
    if (live.agent) this.agents.finished(live.agent);
    this.deps.store.endCall(id, this.deps.clock.now(), outcome);
    this.queues.dispatch();
  }
}
