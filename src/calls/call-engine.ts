/**
 * The runner: turns the PBX's events into session events, runs each session's effects against the
 * Telephony port, the routing core, the queues and the store, and feeds their results back in.
 * Nothing here throws on a bad event or a failed PBX request: the call goes to the failsafe.
 */
import { describeReason } from '../routing/conditions.js';
import { decide, decideActions } from '../routing/engine.js';
import { nextOpening } from '../routing/schedule.js';
import type { Decision, Mode, Outcome, Plan } from '../routing/types.js';
import type { CallRecord, CallState, CallStore, WaitingEntry } from '../store/call-store.js';
import { AgentBook } from './agents.js';
import type { Clock } from './clock.js';
import { QueueManager } from './queues.js';
import { newSession, transition, type Effect, type RouteOrigin, type Session, type SessionEvent } from './session.js';
import { TelephonyError, type Telephony, type TelephonyEvent } from './telephony.js';
import { DialGuard } from './dial-guard.js';
import { decisionLanguage } from './call-language.js';

/** Carries out destinations that are not the engine's own queues (agents, ring groups, voicemail, forwarding, callbacks). */
export type HandoffHandler = (call: { readonly session: Session; readonly outcome: Outcome }, engine: CallEngine) => Promise<void>;

/** What Asterisk holds for the application (from the adapter's inventory()). */
export interface Inventory {
  readonly channels: readonly { readonly id: string; readonly state: string; readonly args: readonly string[] }[];
  readonly bridges: readonly { readonly id: string; readonly channels: readonly string[] }[];
}

/** What the engine knew when the inventory was requested (see CallEngine.mark). */
export interface ReconcileMark {
  readonly calls: ReadonlySet<string>;
  readonly legs: ReadonlySet<string>;
}

/** Why 2 s: a StasisStart that lost the race with the channel list arrives within milliseconds. */
const UNKNOWN_CALLER_GRACE_MS = 2000;

export interface ReconcileReport {
  readonly resumed: number;
  readonly ended: number;
  readonly failsafe: number;
  readonly orphanLegs: number;
  readonly bridges: number;
}

export interface EngineDeps {
  readonly plan: Plan;
  readonly telephony: Telephony;
  readonly store: CallStore;
  readonly clock: Clock;
  readonly log?: (message: string) => void;
  /** Where a call goes when the engine cannot carry it on: a dialplan context that rings the fallback and then voicemail. */
  readonly failsafe?: { readonly context: string; readonly extension: string; readonly priority: number };
  readonly handoff?: HandoffHandler;
  /** Told about every new callback request (the webhook). */
  readonly onCallback?: (id: number) => void;
}

/** The on-call leg being tried: what its stored attempt says besides the member, number and result. */
interface OpenAttempt {
  readonly leg: string;
  readonly member: string;
  readonly number: string;
  readonly startedAt: number;
  answeredAt: number | null;
  digit: string | null;
}

interface Live {
  session: Session;
  /** The caller's language since the last decision (undefined: the channel's own). */
  language?: string;
  confirmTimer?: unknown;
  attempt?: OpenAttempt;
  /** When the caller joined the queue they just left (a callback request keeps that place). */
  enteredQueueAt?: number | null;
  plan: Plan;
  menuTimer: unknown;
  bridge: string | null;
  agent: string | null;
  /** The call's state as last written to the store (by the effects or by storedState()). */
  stored?: CallState;
  /** The caller's channel and the legs of this call in `byChannel` (so ending a call does not scan every call's). */
  channels?: Set<string>;
}

export class CallEngine {
  readonly agents: AgentBook;
  readonly queues: QueueManager;
  private plan: Plan;
  private readonly calls = new Map<string, Live>();
  private readonly byChannel = new Map<string, string>();
  /** The agent each ringing desk-phone leg was offered to, until it is answered, missed or hung up by the engine. */
  private readonly legAgents = new Map<string, string>();
  private readonly log: (m: string) => void;
  private seq = 0;
  private readonly guard: DialGuard;

  constructor(private readonly deps: EngineDeps) {
    this.plan = deps.plan;
    warmHolidays(deps.plan, deps.clock.now());
    const lastHour = deps.store.eventsOfType('offer', deps.clock.now() - 3600_000);
    this.guard = new DialGuard(lastHour.flatMap((e) => {
      const number = (e.data as { number?: unknown } | null)?.number;
      return typeof number === 'string' ? [{ number, at: e.at }] : [];
    }));
    this.log = deps.log ?? (() => {});
    this.agents = new AgentBook(deps.plan, deps.clock, (agent, state, reason) => {
      deps.store.agentState(agent, state, deps.clock.now(), reason);
      // An agent free again (wrap-up over, unpaused, phone back) may take a waiting caller at once.
      if (state === 'available') this.dispatchSoon();
    });
    // An agent paused (by an operator, or not ready after missed calls) stays paused across a restart.
    for (const a of deps.store.lastAgentStates()) if (a.state === 'paused') this.agents.pause(a.agent, true, 'still paused after a restart');
    this.queues = new QueueManager(deps.plan, { telephony: deps.telephony, store: deps.store, agents: this.agents, clock: deps.clock, deliver: (id, e) => this.deliver(id, e), log: this.log });
  }

  private dispatchQueued = false;

  /** Offers waiting callers to free agents once the current event has been handled (several changes, one dispatch). */
  private dispatchSoon(): void {
    if (this.dispatchQueued) return;
    this.dispatchQueued = true;
    queueMicrotask(() => {
      this.dispatchQueued = false;
      if (!this.stopped) this.queues.dispatch();
    });
  }

  /** Calls in progress. */
  active(): number {
    return this.calls.size;
  }

  /** Calls ended since this engine started, by outcome (counters for /metrics). */
  endedByOutcome(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.ended);
  }
  private readonly ended = new Map<string, number>();

  /** The session of a call (for inspection and handoff handlers). */
  session(id: string): Session | undefined {
    return this.calls.get(id)?.session;
  }

  /** The manual day/night overrides in force ('*' for every site), kept in the store across restarts. */
  modes(): Readonly<Record<string, Mode>> {
    return this.deps.store.setting<Record<string, Mode>>('modes') ?? {};
  }

  /** Sets the manual mode for a site or every site ('auto' removes the override). */
  setMode(mode: Mode, site: string | null): Record<string, Mode> {
    const modes = { ...this.modes() };
    const key = site ?? '*';
    if (mode === 'auto') {
      delete modes[key];
      if (site === null) for (const k of Object.keys(modes)) delete modes[k];
    } else modes[key] = mode;
    this.deps.store.setSetting('modes', modes, this.deps.clock.now());
    this.log(`mode ${mode} for ${site ?? 'every site'}`);
    return modes;
  }

  /** The current plan (new calls use it). */
  currentPlan(): Plan {
    return this.plan;
  }

  /** The plan a call started with (calls finish on it even after a reload). */
  planOf(id: string): Plan | undefined {
    return this.calls.get(id)?.plan;
  }

  /** Uses a new plan for new calls; calls in progress finish on the plan they started with. */
  setPlan(plan: Plan): void {
    warmHolidays(plan, this.deps.clock.now());
    this.plan = plan;
    this.agents.setPlan(plan);
    this.queues.setPlan(plan);
  }

  /** Stops taking events and timers (the engine is shutting down; the database is about to close). */
  stop(): void {
    this.stopped = true;
  }
  private stopped = false;

  /** Entry point for everything the PBX reports. */
  handle(ev: TelephonyEvent): void {
    if (this.stopped) return;
    if (ev.type === 'call-arrived') return this.arrive(ev);
    const id = this.byChannel.get(ev.channel);
    if (!id) return;
    const live = this.calls.get(id);
    if (!live) return;
    const isCaller = live.session.channel === ev.channel;
    switch (ev.type) {
      case 'dtmf':
        if (live.attempt?.leg === ev.channel) live.attempt.digit = ev.digit;
        this.deliver(id, isCaller ? { type: 'dtmf', digit: ev.digit } : { type: 'leg-dtmf', leg: ev.channel, digit: ev.digit });
        return;
      case 'hangup':
        this.unbind(ev.channel);
        this.deliver(id, isCaller ? { type: 'caller-hangup' } : { type: 'leg-hangup', leg: ev.channel });
        return;
      case 'leg-answered':
        if (live.attempt?.leg === ev.channel) live.attempt.answeredAt = ev.at;
        this.deliver(id, { type: 'leg-answered', leg: ev.channel });
        return;
      case 'leg-failed':
        this.unbind(ev.channel);
        this.deliver(id, { type: 'leg-failed', leg: ev.channel, reason: ev.reason });
        return;
    }
  }

  private arrive(ev: Extract<TelephonyEvent, { type: 'call-arrived' }>): void {
    const id = `${ev.at.toString(36)}-${(++this.seq).toString(36)}`;
    const { session, effects } = newSession(id, ev.channel, ev.did, ev.caller, ev.at);
    const plan = this.plan;
    this.calls.set(id, { session, plan, menuTimer: null, bridge: null, agent: null });
    this.bind(ev.channel, id);
    // The answer goes out first: the caller's first command waits on nothing, not even the store.
    this.run(id, effects);
    const site = plan.didToSite.get(ev.did) ?? null;
    try {
      this.deps.store.createCall({ id, channelId: ev.channel, did: ev.did, caller: ev.caller, site, language: plan.clinic.language, priority: 0, state: 'routing', arrivedAt: ev.at, configVersion: plan.version });
    } catch (err) {
      // Unrecorded, the call could not be resumed after a restart or explained: the failsafe takes it.
      this.fail(id, `recording the new call failed: ${(err as Error).message}`);
    }
  }

  /** Hands an event to a call's session and runs what follows. */
  deliver(id: string, event: SessionEvent): void {
    if (this.stopped) return;
    const live = this.calls.get(id);
    if (!live) return;
    const r = transition(live.session, event);
    if (!r.ok) {
      this.log(r.error);
      try {
        this.deps.store.addEvent(id, this.deps.clock.now(), 'rejected-event', { event: event.type, state: live.session.state });
      } catch (err) {
        // Called from microtasks: a store that fails here must not take the process down with it.
        this.log(`call ${id}: recording the rejected event failed: ${(err as Error).message}`);
      }
      return;
    }
    live.session = r.session;
    this.run(id, r.effects);
    // The stored state follows the session (what `status` and a restarted engine see), once per change.
    const stored = storedState(r.session);
    if (stored && stored !== live.stored && this.calls.get(id) === live) {
      live.stored = stored;
      this.deps.store.updateCall(id, { state: stored });
    }
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
        const snapshot = { agents: this.agents.snapshot(), queues: this.queues.snapshot(), rosterOverrides: store.oncallOverrides(clock.now()), modes: this.modes() };
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
        // What a restarted engine replays to put the caller back here (the menu or the destination).
        live.language = decisionLanguage(d, live.language ?? live.plan.clinic.language);
        const resume = JSON.stringify({ origin: s.origin, inputs: s.inputs } satisfies Replay);
        store.updateCall(id, o ? { site: d.site, language: o.language, priority: o.priority, outcome: o.action, target: o.target, resume } : { resume });
        return;
      }
      case 'play':
        return this.pbx(id, 'play', telephony.play(e.channel ?? s.channel, e.playbackId, e.sounds.map((x) => (x.includes(':') ? x : `sound:${x}`)), e.channel ? undefined : live.language).then((end) => this.deliver(id, { type: 'playback-ended', playbackId: e.playbackId, end })));
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
        live.stored = 'queued';
        return this.pbx(id, 'enqueue', this.queues.enqueue(id, s.channel, e.queue, e.priority, e.language));
      case 'dequeue':
        live.enteredQueueAt = this.queues.enteredAt(id);
        return this.queues.dequeue(id, e.result, e.result === 'answered' ? (s.legs[0]?.agent ?? null) : null);
      case 'create-callback': {
        const list = live.plan.callbacks.get(e.list);
        const site = list ? live.plan.sites.get(list.site) : undefined;
        const deadline = site ? nextOpening(site.schedule, site.timezone, clock.now()) : null;
        const cb = store.createCallback({ callId: id, list: e.list, number: e.number, reason: e.reason, site: list?.site ?? null, createdAt: clock.now(), deadline });
        store.addEvent(id, clock.now(), 'callback-requested', { callback: cb, list: e.list, reason: e.reason });
        if (list?.webhook) store.queueWebhook(cb, clock.now());
        this.deps.onCallback?.(cb);
        return;
      }
      case 'callback-request': {
        const list = live.plan.callbacks.get(e.list);
        const site = list ? live.plan.sites.get(list.site) : undefined;
        const deadline = site ? nextOpening(site.schedule, site.timezone, clock.now()) : null;
        const cb = store.createCallback({ callId: id, list: e.list, number: s.caller, reason: 'queue-callback', site: list?.site ?? null, createdAt: live.enteredQueueAt ?? clock.now(), deadline });
        store.addEvent(id, clock.now(), 'callback-requested', { callback: cb, list: e.list });
        return;
      }
      case 'originate': {
        if (e.external) {
          const refused = this.guard.check(live.plan, e.endpoint, e.external.number, clock.now());
          if (refused) {
            this.log(`call ${id}: refused to dial ${e.external.number} for ${e.agent}: ${refused}`);
            store.addEvent(id, clock.now(), 'dial-refused', { member: e.agent, number: e.external.number, reason: refused });
            queueMicrotask(() => this.deliver(id, { type: 'leg-failed', leg: e.leg, reason: 'refused' }));
            return;
          }
          live.attempt = { leg: e.leg, member: e.agent, number: e.external.number, startedAt: clock.now(), answeredAt: null, digit: null };
        } else {
          this.agents.offered(e.agent);
          this.legAgents.set(e.leg, e.agent);
        }
        this.bind(e.leg, id);
        store.addEvent(id, clock.now(), 'offer', { agent: e.agent, endpoint: e.endpoint, ...(e.external ? { number: e.external.number } : {}) });
        return void telephony
          .originate({ channelId: e.leg, endpoint: e.endpoint, callerId: e.external?.callerId ?? s.caller, timeout: e.ringTimeout, appArgs: `${e.external ? 'oncall' : 'agent'},${s.channel}` })
          .catch((err: unknown) => {
            // An unregistered phone answers the originate with 500 "Allocation failed": a missed offer, not a failed call.
            this.unbind(e.leg);
            this.deliver(id, { type: 'leg-failed', leg: e.leg, reason: err instanceof TelephonyError && err.code === 'allocation-failed' ? 'unreachable' : 'failed' });
          });
      }
      case 'hold':
        return this.pbx(id, 'hold', telephony.play(s.channel, `${id}-hold`, e.sounds.map((x) => `sound:${x}`), live.language).then((end) => {
          if (end !== 'hangup' && this.calls.get(id)?.session.state === 'forwarding') return telephony.startMoh(s.channel, 'default');
        }));
      case 'unhold':
        void telephony.stopPlayback(`${id}-hold`).catch(() => {});
        return void telephony.stopMoh(s.channel).catch(() => {});
      case 'start-confirm-timer':
        live.confirmTimer = clock.after(e.seconds * 1000, () => this.deliver(id, { type: 'confirm-timeout', token: e.token }));
        return;
      case 'cancel-confirm-timer':
        clock.cancel(live.confirmTimer);
        return;
      case 'record-attempt': {
        const a = live.attempt?.member === e.member ? live.attempt : undefined;
        live.attempt = undefined;
        store.addEvent(id, clock.now(), 'oncall-attempt', { member: e.member, number: e.number, result: e.result, startedAt: a?.startedAt ?? null, answeredAt: a?.answeredAt ?? null, digit: a?.digit ?? null });
        return;
      }
      case 'leg-missed': {
        const q = s.queue ? live.plan.queues.get(s.queue) : undefined;
        store.addEvent(id, clock.now(), 'offer-missed', { agent: e.agent, reason: e.reason });
        for (const [leg, agent] of this.legAgents) if (agent === e.agent) this.legAgents.delete(leg);
        // Only queue offers count towards not-ready; a direct or group ring that nobody takes does not.
        this.agents.missed(e.agent, e.reason, q?.maxMisses ?? Number.POSITIVE_INFINITY);
        if (live.session.state === 'queued') this.queues.offerEnded(id);
        return;
      }
      case 'hangup-leg': {
        this.unbind(e.leg);
        // A phone the engine stops ringing (the caller left, a colleague answered) frees its agent.
        const agent = this.legAgents.get(e.leg);
        this.legAgents.delete(e.leg);
        if (agent) this.agents.withdrawn(agent);
        return void telephony.hangup(e.leg).catch(() => {});
      }
      case 'connect': {
        const bridge = `pbx-call-${id}`;
        live.bridge = bridge;
        this.legAgents.delete(e.leg);
        if (!e.external) {
          live.agent = e.agent;
          this.agents.answered(e.agent);
        }
        store.updateCall(id, { state: 'connected', agent: e.agent });
        live.stored = 'connected';
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
        live.stored = 'routing';
        store.addEvent(id, clock.now(), 'handoff', { action: e.outcome.action, target: e.outcome.target });
        if (this.deps.handoff) return this.pbx(id, e.outcome.action, this.deps.handoff({ session: s, outcome: e.outcome }, this));
        return this.fail(id, `no handler for ${e.outcome.action} ${e.outcome.target ?? ''} yet`);
      case 'failsafe': {
        // The caller goes to the dialplan first: recording it must not be able to keep them here.
        const f = this.deps.failsafe ?? { context: 'pbx-router-failsafe', extension: 's', priority: 1 };
        telephony.continueInDialplan(s.channel, f.context, f.extension, f.priority).catch(() => telephony.hangup(s.channel).catch(() => {}));
        try {
          store.addEvent(id, clock.now(), 'failsafe', { reason: e.reason });
        } catch (err) {
          this.log(`call ${id}: recording the failsafe failed: ${(err as Error).message}`);
        }
        return this.finish(id, 'failsafe');
      }
      case 'hangup-caller':
        return void telephony.hangup(s.channel).catch(() => {});
      case 'end':
        return this.finish(id, e.outcome);
    }
  }

  /**
   * After a reconnect or a restart: resume every call Asterisk still has (queued callers keep their
   * place, connected calls stay connected, others start routing again), close the calls that ended
   * meanwhile (their events were lost with the socket), hang up orphaned agent legs, send unknown
   * callers to the failsafe and remove bridges nobody uses. Nothing waits for a StasisStart that
   * Asterisk will not repeat.
   */
  reconcile(inv: Inventory, adopt: (channel: string) => void, before: ReconcileMark = this.mark()): ReconcileReport {
    const report = { resumed: 0, ended: 0, failsafe: 0, orphanLegs: 0, bridges: 0 };
    const present = new Set(inv.channels.map((c) => c.id));
    const now = this.deps.clock.now();
    // Calls this engine still holds in memory (a dropped socket): catch up on hangups it missed.
    // Only calls and legs it knew before the inventory was read: a newer one is simply not in it yet.
    for (const [id, live] of [...this.calls]) {
      if (!before.calls.has(id)) continue;
      for (const leg of live.session.legs) if (before.legs.has(leg.channel) && !present.has(leg.channel)) this.deliver(id, { type: 'leg-hangup', leg: leg.channel });
      if (!present.has(live.session.channel)) {
        this.deliver(id, { type: 'caller-hangup' });
        report.ended++;
      }
    }
    const known = new Set<string>();
    for (const live of this.calls.values()) {
      known.add(live.session.channel);
      for (const l of live.session.legs) known.add(l.channel);
    }
    // Calls in the store from before a restart.
    const waiting = new Map(this.deps.store.waiting().map((w) => [w.callId, w]));
    for (const call of this.deps.store.openCalls()) {
      if (this.calls.has(call.id)) continue;
      if (!present.has(call.channelId)) {
        this.deps.store.endCall(call.id, now, 'ended-while-disconnected');
        const w = waiting.get(call.id);
        if (w) this.deps.store.leaveQueue(w.id, now, 'abandoned');
        report.ended++;
        continue;
      }
      known.add(call.channelId);
      adopt(call.channelId);
      this.resumeCall(call, waiting.get(call.id), inv, known, adopt);
      report.resumed++;
    }
    for (const c of inv.channels) {
      if (known.has(c.id) || this.byChannel.has(c.id)) continue;
      if (c.id.includes('-leg-') || c.args[0] === 'agent') {
        report.orphanLegs++;
        void this.deps.telephony.hangup(c.id).catch(() => {});
      } else {
        // A caller who entered the application after the socket connected may be in the inventory
        // before its StasisStart reaches us (REST answers and events come in either order): give
        // the event a moment, then send a caller nobody took to the failsafe, never to silence.
        report.failsafe++;
        const f = this.deps.failsafe ?? { context: 'pbx-router-failsafe', extension: 's', priority: 1 };
        this.deps.clock.after(UNKNOWN_CALLER_GRACE_MS, () => {
          if (this.stopped || this.byChannel.has(c.id)) return;
          this.log(`channel ${c.id} is in the application but belongs to no call; sending it to the failsafe`);
          void this.deps.telephony.continueInDialplan(c.id, f.context, f.extension, f.priority).catch(() => this.deps.telephony.hangup(c.id).catch(() => {}));
        });
      }
    }
    const used = new Set<string>();
    for (const live of this.calls.values()) {
      if (live.bridge) used.add(live.bridge);
      if (live.session.queue) used.add(`pbx-queue-${live.session.queue}`);
    }
    for (const b of inv.bridges) {
      if (used.has(b.id)) continue;
      report.bridges++;
      void this.deps.telephony.destroyBridge(b.id).catch(() => {});
    }
    this.log(`reconciled with Asterisk: ${report.resumed} call(s) resumed, ${report.ended} ended meanwhile, ${report.orphanLegs} orphaned agent leg(s) hung up, ${report.failsafe} unknown call(s) to the failsafe, ${report.bridges} unused bridge(s) removed`);
    return report;
  }

  /** The calls and legs known now; taken before reading the inventory that reconcile() compares with. */
  mark(): ReconcileMark {
    const legs = new Set<string>();
    for (const live of this.calls.values()) for (const l of live.session.legs) legs.add(l.channel);
    return { calls: new Set(this.calls.keys()), legs };
  }

  private resumeCall(call: CallRecord, w: WaitingEntry | undefined, inv: Inventory, known: Set<string>, adopt: (channel: string) => void): void {
    const plan = this.plan;
    const created = newSession(call.id, call.channelId, call.did, call.caller, call.arrivedAt);
    const ctx = { did: call.did, caller: call.caller, at: call.arrivedAt, site: call.site, language: call.language, priority: call.priority };
    const leg = inv.channels.find((c) => c.id.startsWith(`${call.id}-leg-`));
    if (call.state === 'connected' && call.agent && leg) {
      known.add(leg.id);
      adopt(leg.id);
      const session: Session = { ...created.session, state: 'connected', legs: [{ channel: leg.id, agent: call.agent }] };
      this.calls.set(call.id, { session, plan, menuTimer: null, bridge: `pbx-call-${call.id}`, agent: call.agent });
      this.bind(call.channelId, call.id);
      this.bind(leg.id, call.id);
      this.agents.answered(call.agent);
      return;
    }
    if (w && plan.queues.has(w.queue)) {
      if (leg) void this.deps.telephony.hangup(leg.id).catch(() => {});
      const d = decideActions(plan, { ...ctx, language: w.language, priority: w.priority }, [{ kind: 'queue', target: w.queue }]);
      const outcome = d.status === 'done' ? d.outcome : null;
      const session: Session = { ...created.session, state: 'queued', queue: w.queue, outcome };
      this.calls.set(call.id, { session, plan, menuTimer: null, bridge: null, agent: null });
      this.bind(call.channelId, call.id);
      this.pbx(call.id, 'resume in queue', this.queues.enqueue(call.id, call.channelId, w.queue, w.priority, w.language, { entryId: w.id, enqueuedAt: w.enteredAt }));
      return;
    }
    // Anywhere else (a menu, a ring, a forward, a destination being set up): the caller is put back
    // where the last decision sent them, by replaying its keys without the prompts already heard.
    if (leg) void this.deps.telephony.hangup(leg.id).catch(() => {});
    const replay = replayOf(call.resume);
    const session: Session = replay ? { ...created.session, origin: replay.origin, inputs: replay.inputs, replay: { skipAttempts: this.attemptsMade(call.id) } } : created.session;
    this.calls.set(call.id, { session, plan, menuTimer: null, bridge: null, agent: null });
    this.bind(call.channelId, call.id);
    this.deps.store.addEvent(call.id, this.deps.clock.now(), 'resumed', { from: call.state, ...(replay ? { inputs: replay.inputs, skipAttempts: session.replay!.skipAttempts } : {}) });
    this.deliver(call.id, { type: 'answered' });
  }

  /** On-call members this call already tried since its last decision to forward (they are not called again). */
  private attemptsMade(id: string): number {
    const since = this.deps.store.decisions(id).filter((d) => d.action === 'forward').at(-1)?.at ?? 0;
    return this.deps.store.events(id).filter((e) => e.type === 'oncall-attempt' && e.at >= since).length;
  }

  /** Routes a channel's events to a call. */
  private bind(channel: string, id: string): void {
    this.byChannel.set(channel, id);
    const live = this.calls.get(id);
    if (live) (live.channels ??= new Set()).add(channel);
  }

  /** A channel of a call is gone. */
  private unbind(channel: string): void {
    const id = this.byChannel.get(channel);
    this.byChannel.delete(channel);
    if (id) this.calls.get(id)?.channels?.delete(channel);
  }

  /** Ends a call: its bridge goes, its agent wraps up, its row is closed. */
  finish(id: string, outcome: string): void {
    const live = this.calls.get(id);
    if (!live) return;
    this.calls.delete(id);
    this.ended.set(outcome, (this.ended.get(outcome) ?? 0) + 1);
    // The caller hung up while a clinician's cell was being tried: that attempt is stored too.
    const a = live.attempt;
    if (a) this.deps.store.addEvent(id, this.deps.clock.now(), 'oncall-attempt', { member: a.member, number: a.number, result: 'caller-hung-up', startedAt: a.startedAt, answeredAt: a.answeredAt, digit: a.digit });
    for (const ch of live.channels ?? []) if (this.byChannel.get(ch) === id) this.byChannel.delete(ch);
    this.deps.clock.cancel(live.menuTimer);
    this.deps.clock.cancel(live.confirmTimer);
    this.queues.dequeue(id, 'abandoned');
    if (live.bridge) void this.deps.telephony.destroyBridge(live.bridge).catch(() => {});
    if (live.agent) this.agents.finished(live.agent);
    this.deps.store.endCall(id, this.deps.clock.now(), outcome);
    this.queues.dispatch();
  }
}

/** What the store keeps for a call to be put back after a restart: its route's origin and keys. */
interface Replay {
  readonly origin: RouteOrigin;
  readonly inputs: readonly string[];
}

/** The stored replay, or null when there is none or it is not one (an older engine's row). */
function replayOf(json: string | null): Replay | null {
  if (!json) return null;
  try {
    const r = JSON.parse(json) as Partial<Replay>;
    const origin = r.origin as RouteOrigin | undefined;
    const okOrigin = origin?.kind === 'entry' || (origin?.kind === 'actions' && Array.isArray(origin.actions));
    if (!okOrigin || !Array.isArray(r.inputs) || !r.inputs.every((i) => typeof i === 'string')) return null;
    return { origin: origin!, inputs: r.inputs };
  } catch {
    return null;
  }
}

/** The stored state for a session state the effects do not write themselves (menu, ringing, forwarding, callback, voicemail). */
function storedState(s: Session): CallState | null {
  switch (s.state) {
    case 'awaiting-digit':
      return 'menu';
    case 'ringing-agent':
      return s.queue ? null : 'ringing';
    case 'forwarding':
      return 'forwarding';
    case 'callback':
      return 'callback';
    case 'handoff':
      return s.outcome?.action === 'voicemail' ? 'voicemail' : null;
    default:
      return null;
  }
}

/**
 * Works out this year's and next year's holidays now: date-holidays takes tens of milliseconds per
 * year, which would otherwise stall the first call of the year (and every call behind it).
 */
function warmHolidays(plan: Plan, now: number): void {
  const year = new Date(now).getUTCFullYear();
  for (const s of plan.schedules.values()) for (const y of [year, year + 1]) s.holidays?.nameOn(`${y}-06-01`);
}
