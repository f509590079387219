/**
 * The runner: turns the PBX's events into session events, runs each session's effects against the
 * Telephony port, the routing core, the queues and the store, and feeds their results back in.
 * Nothing here throws on a bad event or a failed PBX request: the call goes to the failsafe.
 */
import { performance } from 'node:perf_hooks';
import { lineLog, textLogger, type Logger } from '../logging/logger.js';
import { describeReason } from '../routing/conditions.js';
import { decide, decideActions } from '../routing/engine.js';
import { nextOpening } from '../routing/schedule.js';
import type { Decision, Mode, Outcome, Plan } from '../routing/types.js';
import type { CallRecord, CallState, CallStore, WaitingEntry } from '../store/call-store.js';
import { AgentBook } from './agents.js';
import type { Clock } from './clock.js';
import { holdingBridgeId, QueueManager } from './queues.js';
import { newSession, transition, type Effect, type RouteOrigin, type Session, type SessionEvent } from './session.js';
import { digitsOf, sound, TelephonyError, type Inventory, type Telephony, type TelephonyEvent } from './telephony.js';
import { DialGuard } from './dial-guard.js';
import { decisionLanguage } from './call-language.js';
import { stepLine, type StepContext, type StepLine } from './call-log.js';
import { isGone, Rescue } from './rescue.js';

/** Carries out destinations that are not the engine's own queues (agents, ring groups, voicemail, forwarding, callbacks). */
export type HandoffHandler = (call: { readonly session: Session; readonly outcome: Outcome; readonly resume?: boolean }, engine: CallEngine) => Promise<void>;


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
  /** Channels an earlier run found wedged, still in Asterisk (not resumed). */
  readonly wedged: number;
}

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
  /** The caller on their way out of a holding bridge (see QueueManager.dequeue). */
  leaving?: Promise<void>;
  plan: Plan;
  menuTimer: unknown;
  bridge: string | null;
  agent: string | null;
  /** The call's state as last written to the store (by the effects or by storedState()). */
  stored?: CallState;
  /** The caller's channel and the legs of this call in `byChannel` (so ending a call does not scan every call's). */
  channels?: Set<string>;
  /** The call's logger (fields call and channel), made at its first line. */
  log?: Logger;
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
  private readonly logger: Logger;
  private seq = 0;
  private readonly guard: DialGuard;
  /** Where telephony failures go (see rescue.ts). */
  private readonly rescue: Rescue;

  constructor(private readonly deps: EngineDeps) {
    this.plan = deps.plan;
    warmHolidays(deps.plan, deps.clock.now());
    const lastHour = deps.store.eventsOfType('offer', deps.clock.now() - 3600_000);
    this.guard = new DialGuard(lastHour.flatMap((e) => {
      const number = (e.data as { number?: unknown } | null)?.number;
      return typeof number === 'string' ? [{ number, at: e.at }] : [];
    }));
    this.logger = deps.logger ?? textLogger(deps.log ?? (() => {}));
    this.log = deps.log ?? lineLog(this.logger);
    this.rescue = new Rescue({
      telephony: deps.telephony,
      clock: deps.clock,
      logger: this.logger,
      running: () => !this.stopped,
      wedged: (channel) => this.wedge(channel),
    });
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
    if (ev.type === 'stalled') return this.stalled(ev.channel, ev.what);
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
    this.logOf(id).info({ step: 'arrived', did: ev.did, site }, `call ${id} arrived on ${ev.did}${site ? ` (site ${site})` : ''}`);
    try {
      this.deps.store.createCall({ id, channelId: ev.channel, did: ev.did, caller: ev.caller, site, language: plan.clinic.language, priority: 0, state: 'routing', arrivedAt: ev.at, configVersion: plan.version });
    } catch (err) {
      // A store that cannot write must not cost the caller the route: the call goes on from memory
      // (it cannot be resumed after a restart or explained later, which the log says).
      this.logOf(id).error({ err }, `call ${id}: recording the new call failed: ${(err as Error).message}; routing it from memory`);
    }
  }

  /** Hands an event to a call's session and runs what follows. */
  deliver(id: string, event: SessionEvent): void {
    if (this.stopped) return;
    const live = this.calls.get(id);
    if (!live) return;
    const r = transition(live.session, event);
    if (!r.ok) {
      this.logOf(id).warn({ event: event.type, state: live.session.state }, r.error);
      try {
        this.deps.store.addEvent(id, this.deps.clock.now(), 'rejected-event', { event: event.type, state: live.session.state });
      } catch (err) {
        // Called from microtasks: a store that fails here must not take the process down with it.
        this.logOf(id).error({ err }, `call ${id}: recording the rejected event failed: ${(err as Error).message}`);
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
        // A step of the call's life is logged before it runs (the end comes after a failsafe line);
        // joining a queue after, with the place taken.
        if (e.kind !== 'enqueue') this.step(id, e);
        this.effect(id, e);
        if (e.kind === 'enqueue') this.step(id, e, { position: this.queues.place(id)?.joinedAt ?? null });
      } catch (err) {
        this.fail(id, `${e.kind}: ${(err as Error).message}`);
      }
    }
  }

  /** The call's logger: every line carries its id and caller channel. */
  private logOf(id: string): Logger {
    const live = this.calls.get(id);
    if (!live) return this.logger.child({ call: id });
    return (live.log ??= this.logger.child({ call: id, channel: live.session.channel }));
  }

  /** Logs an effect that is a step of the call's life (see call-log.ts). */
  private step(id: string, e: Effect, ctx?: StepContext): void {
    let line: StepLine | null;
    if (e.kind === 'dequeue') {
      const place = this.queues.place(id);
      line = stepLine(id, e, { left: { queue: place?.queue ?? null, waitedMs: place ? this.deps.clock.now() - place.enteredAt : null } });
    } else line = stepLine(id, e, ctx);
    if (line) this.logOf(id)[line.level](line.fields, line.msg);
  }

  private fail(id: string, message: string): void {
    this.logOf(id).warn({ reason: message }, `call ${id}: ${message}`);
    queueMicrotask(() => this.deliver(id, { type: 'failed', message }));
  }

  /** Runs a PBX request; a failure sends the call to the failsafe unless the channel is already gone. */
  private pbx(id: string, what: string, p: Promise<unknown>, onOk?: () => void): void {
    const ok = () => {
      try {
        onOk?.();
      } catch (err) {
        // Called from a promise: a throw here would be an unhandled rejection that ends the process.
        this.logOf(id).error({ err }, `call ${id}: after ${what}: ${(err as Error).message}`);
      }
    };
    p.then(ok, (err: unknown) => {
      if (isGone(err)) return;
      this.fail(id, `${what} failed: ${(err as Error).message}`);
    });
  }

  private effect(id: string, e: Effect): void {
    const live = this.calls.get(id)!;
    const s = live.session;
    const { telephony, store, clock } = this.deps;
    switch (e.kind) {
      case 'answer':
        return this.pbx(id, 'answer', this.rescue.retry(() => telephony.answer(s.channel)), () => {
          // The call goes on first: a store write that throws must not leave it in 'answering'.
          this.deliver(id, { type: 'answered' });
          store.updateCall(id, { answeredAt: clock.now() });
        });
      case 'route': {
        const snapshot = { agents: this.agents.snapshot(), queues: this.queues.snapshot(), rosterOverrides: store.oncallOverrides(clock.now()), modes: this.modes() };
        const ctx = { did: s.did, caller: s.caller, at: s.arrivedAt, inputs: e.inputs, whenInputsEnd: 'await' as const };
        const started = performance.now();
        const d: Decision =
          e.origin.kind === 'entry'
            ? decide(live.plan, ctx, snapshot)
            : decideActions(live.plan, { ...ctx, site: s.outcome?.site ?? null, language: s.outcome?.language ?? live.plan.clinic.language, priority: s.outcome?.priority ?? 0, tags: s.outcome?.tags ?? [] }, e.origin.actions, snapshot);
        this.deps.decisionTime?.observe((performance.now() - started) / 1000);
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
      case 'play': {
        const ready = e.channel ? Promise.resolve() : this.leftQueue(live);
        return this.pbx(id, 'play', ready.then(() => telephony.play(e.channel ?? s.channel, e.playbackId, e.media, e.channel ? undefined : live.language)).then((end) => this.deliver(id, { type: 'playback-ended', playbackId: e.playbackId, end })));
      }
      case 'stop-playback':
        return this.rescue.tolerate(this.logOf(id), 'stopping the prompt', telephony.stopPlayback(e.playbackId));
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
        // What the caller hears or does next waits until they are out of the holding bridge.
        live.leaving = this.queues.dequeue(id, e.result, e.result === 'answered' ? (s.legs[0]?.agent ?? null) : null);
        return;
      case 'create-callback':
        return this.requestCallback(id, live.plan, { list: e.list, number: e.number, reason: e.reason, createdAt: clock.now() });
      case 'callback-request':
        // The request keeps the caller's place: it is stored with the time they joined the queue.
        return this.requestCallback(id, live.plan, { list: e.list, number: s.caller, reason: 'queue-callback', createdAt: live.enteredQueueAt ?? clock.now() });
      case 'originate': {
        if (e.external) {
          const refused = this.guard.check(live.plan, e.endpoint, e.external.number, clock.now());
          if (refused) {
            this.logOf(id).warn({ member: e.agent, reason: refused }, `call ${id}: refused to dial ${e.external.number} for ${e.agent}: ${refused}`);
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
        // The leg's id is kept with the offer: a restarted engine finds whose phone a ringing leg is.
        store.addEvent(id, clock.now(), 'offer', { agent: e.agent, endpoint: e.endpoint, leg: e.leg, ...(e.external ? { number: e.external.number } : {}) });
        return void telephony
          .originate({ channelId: e.leg, endpoint: e.endpoint, callerId: e.external?.callerId ?? s.caller, timeout: e.ringTimeout, role: e.external ? 'oncall' : 'agent', caller: s.channel })
          .catch((err: unknown) => {
            // An unregistered phone answers the originate with 500 "Allocation failed": a missed offer, not a failed call.
            this.unbind(e.leg);
            this.deliver(id, { type: 'leg-failed', leg: e.leg, reason: err instanceof TelephonyError && err.code === 'allocation-failed' ? 'unreachable' : 'failed' });
          });
      }
      case 'hold':
        return this.pbx(id, 'hold', telephony.play(s.channel, `${id}-hold`, e.media, live.language).then((end) => {
          if (end !== 'hangup' && this.calls.get(id)?.session.state === 'forwarding') return telephony.startMoh(s.channel, 'default');
        }));
      case 'unhold':
        this.rescue.tolerate(this.logOf(id), 'stopping the hold prompt', telephony.stopPlayback(`${id}-hold`));
        return this.rescue.tolerate(this.logOf(id), 'stopping the hold music', this.rescue.retry(() => telephony.stopMoh(s.channel)));
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
        return this.rescue.end(e.leg, this.logOf(id), 'the offer is over');
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
          this.rescue
            .retry(() => telephony.createBridge(bridge, 'mixing', `call ${id}`).catch((err: unknown) => {
              // A retry after a time-out finds the bridge the first request made.
              if (!(err instanceof TelephonyError && err.code === 'conflict')) throw err;
            }))
            .then(() => this.rescue.retry(() => telephony.addToBridge(bridge, s.channel)))
            .then(() => this.rescue.retry(() => telephony.addToBridge(bridge, e.leg))),
        );
      }
      case 'handoff':
        store.updateCall(id, { state: 'routing' });
        live.stored = 'routing';
        store.addEvent(id, clock.now(), 'handoff', { action: e.outcome.action, target: e.outcome.target });
        if (this.deps.handoff) {
          const handoff = this.deps.handoff;
          return this.pbx(id, e.outcome.action, this.leftQueue(live).then(() => handoff({ session: s, outcome: e.outcome }, this)));
        }
        return this.fail(id, `no handler for ${e.outcome.action} ${e.outcome.target ?? ''} yet`);
      case 'failsafe': {
        // The caller goes to the dialplan first (checked, then hung up, then counted wedged if they
        // are still in the application): recording it must not be able to keep them here.
        this.rescue.handOver(s.channel, this.logOf(id));
        try {
          store.addEvent(id, clock.now(), 'failsafe', { reason: e.reason });
        } catch (err) {
          this.logOf(id).error({ err }, `call ${id}: recording the failsafe failed: ${(err as Error).message}`);
        }
        return this.finish(id, 'failsafe');
      }
      case 'hangup-caller':
        return this.rescue.end(s.channel, this.logOf(id), 'the call is over');
      case 'end':
        return this.finish(id, e.outcome);
    }
  }

  /**
   * Stores a callback request, due at the site's next opening, and queues its webhook: the one
   * path for the IVR capture and for * in a queue (the * path once skipped the webhook).
   */
  private requestCallback(id: string, plan: Plan, r: { list: string; number: string; reason: string | null; createdAt: number }): void {
    const { store, clock } = this.deps;
    const list = plan.callbacks.get(r.list);
    const site = list ? plan.sites.get(list.site) : undefined;
    const deadline = site ? nextOpening(site.schedule, site.timezone, clock.now()) : null;
    const cb = store.createCallback({ callId: id, list: r.list, number: r.number, reason: r.reason, site: list?.site ?? null, createdAt: r.createdAt, deadline });
    store.addEvent(id, clock.now(), 'callback-requested', { callback: cb, list: r.list, reason: r.reason });
    if (list?.webhook) store.queueWebhook(cb, clock.now());
    this.deps.onCallback?.(cb);
  }

  /**
   * After a reconnect or a restart: resume every call Asterisk still has (queued callers keep their
   * place, connected calls stay connected, others start routing again), close the calls that ended
   * meanwhile (their events were lost with the socket), hang up orphaned agent legs, send unknown
   * callers to the failsafe and remove bridges nobody uses. Nothing waits for a StasisStart that
   * Asterisk will not repeat.
   */
  reconcile(inv: Inventory, adopt: (channel: string) => void, before: ReconcileMark = this.mark()): ReconcileReport {
    const report = { resumed: 0, ended: 0, failsafe: 0, orphanLegs: 0, bridges: 0, wedged: 0 };
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
      // A caller who hung up while the engine was away during their message: the recording is kept.
      if (!present.has(call.channelId) && call.state === 'voicemail' && this.keepVoicemail(call)) {
        report.ended++;
        continue;
      }
      if (!present.has(call.channelId)) {
        this.deps.store.endCall(call.id, now, 'ended-while-disconnected');
        const w = waiting.get(call.id);
        if (w) this.deps.store.leaveQueue(w.id, now, 'abandoned');
        report.ended++;
        continue;
      }
      known.add(call.channelId);
      adopt(call.channelId);
      this.resumeCall(call, waiting.get(call.id), inv, known);
      report.resumed++;
    }
    for (const c of inv.channels) {
      if (known.has(c.id) || this.byChannel.has(c.id)) continue;
      // A channel an earlier run found wedged is reported again, not taken for a caller.
      const stuck = this.deps.store.callByChannel(c.id);
      if (stuck && this.deps.store.events(stuck.id).some((e) => e.type === 'wedged')) {
        report.wedged++;
        this.wedged.set(c.id, { call: stuck.id, since: this.deps.store.events(stuck.id).find((e) => e.type === 'wedged')!.at });
        continue;
      }
      if (c.id.includes('-leg-') || c.role !== 'caller') {
        report.orphanLegs++;
        this.rescue.end(c.id, this.logger, 'an agent leg of no call');
      } else {
        // A caller who entered the application after the socket connected may be in the inventory
        // before its StasisStart reaches us (REST answers and events come in either order): give
        // the event a moment, then send a caller nobody took to the failsafe, never to silence.
        report.failsafe++;
        this.deps.clock.after(UNKNOWN_CALLER_GRACE_MS, () => {
          if (this.stopped || this.byChannel.has(c.id)) return;
          this.logger.warn({ channel: c.id }, `channel ${c.id} is in the application but belongs to no call; sending it to the failsafe`);
          this.rescue.handOver(c.id);
        });
      }
    }
    const used = new Set<string>();
    for (const live of this.calls.values()) {
      if (live.bridge) used.add(live.bridge);
      // A resumed caller's holding bridge (whatever its suffix), or the one the queue uses now.
      if (live.session.queue) for (const b of inv.bridges) if (b.id.startsWith(holdingBridgeId(live.session.queue)) && b.channels.includes(live.session.channel)) used.add(b.id);
      const current = live.session.queue ? this.queues.bridgeOf(live.session.queue) : null;
      if (current) used.add(current);
    }
    for (const b of inv.bridges) {
      if (used.has(b.id)) continue;
      report.bridges++;
      this.rescue.tolerate(this.logger, `removing the unused bridge ${b.id}`, this.deps.telephony.destroyBridge(b.id));
    }
    this.log(`reconciled with Asterisk: ${report.resumed} call(s) resumed, ${report.ended} ended meanwhile, ${report.orphanLegs} orphaned agent leg(s) hung up, ${report.failsafe} unknown call(s) to the failsafe, ${report.bridges} unused bridge(s) removed${report.wedged ? `, ${report.wedged} wedged channel(s) still in Asterisk (restart Asterisk to free them)` : ''}`);
    return report;
  }

  /** The calls and legs known now; taken before reading the inventory that reconcile() compares with. */
  mark(): ReconcileMark {
    const legs = new Set<string>();
    for (const live of this.calls.values()) for (const l of live.session.legs) legs.add(l.channel);
    return { calls: new Set(this.calls.keys()), legs };
  }

  /**
   * Takes a call of a previous run back in the state Asterisk shows it in. Nothing that is still
   * going on is cut: a conversation stays bridged, a phone that rings keeps ringing (its answer
   * connects, its failure is a missed offer), a leg answered while the engine was away is
   * connected, an on-call clinician who answered is asked for the key again, a recording goes on
   * and its message is kept. Anything else goes back where the last decision sent the caller.
   */
  private resumeCall(call: CallRecord, w: WaitingEntry | undefined, inv: Inventory, known: Set<string>): void {
    const plan = this.plan;
    const created = newSession(call.id, call.channelId, call.did, call.caller, call.arrivedAt);
    const legs = inv.channels.filter((c) => c.id.startsWith(`${call.id}-leg-`));
    const offers = this.offeredLegs(call.id);
    const seq = Math.max(0, ...legs.map((l) => Number(/-leg-(\d+)$/.exec(l.id)?.[1] ?? 0))) + 1;
    const answered = legs.find((l) => l.answered);
    const ringing = legs.filter((l) => !l.answered && offers.has(l.id));
    const take = (leg: { id: string }, as: 'ringing-leg' | 'answered-leg') => {
      known.add(leg.id);
      this.deps.telephony.adopt(leg.id, as);
    };
    const resumed = (session: Session, extra: Partial<Live> = {}): Live => {
      const live: Live = { session: { ...session, seq: Math.max(session.seq, seq) }, plan, menuTimer: null, bridge: null, agent: null, ...extra };
      this.calls.set(call.id, live);
      this.bind(call.channelId, call.id);
      for (const l of live.session.legs) this.bind(l.channel, call.id);
      return live;
    };
    const note = (how: string) => {
      this.logOf(call.id).info({ step: 'resumed', from: call.state, how }, `call ${call.id}: resumed after a restart (${call.state}: ${how})`);
      this.deps.store.addEvent(call.id, this.deps.clock.now(), 'resumed', { from: call.state, how });
    };
    const hangUpOthers = (keep: readonly string[]) => {
      for (const l of legs) if (!keep.includes(l.id)) this.rescue.end(l.id, this.logOf(call.id), 'a leg of the call no longer needed');
    };

    if (call.state === 'connected' && call.agent && answered) {
      take(answered, 'answered-leg');
      hangUpOthers([answered.id]);
      const external = !plan.agents.has(call.agent);
      resumed({ ...created.session, state: 'connected', legs: [{ channel: answered.id, agent: call.agent }], endAs: call.outcome === 'forward' ? 'forwarded' : null }, { bridge: `pbx-call-${call.id}`, agent: external ? null : call.agent });
      if (!external) this.agents.answered(call.agent);
      note('still talking');
      return;
    }
    if (w && plan.queues.has(w.queue)) {
      const d = decideActions(plan, { did: call.did, caller: call.caller, at: call.arrivedAt, site: call.site, language: w.language, priority: w.priority }, [{ kind: 'queue', target: w.queue }]);
      const outcome = d.status === 'done' ? d.outcome : null;
      const base: Session = { ...created.session, state: 'queued', queue: w.queue, outcome };
      const agentOf = (leg: string) => offers.get(leg)?.agent;
      if (answered && agentOf(answered.id)) {
        // Answered while the engine was away, or the whisper was playing: the agent is there; connect them.
        take(answered, 'answered-leg');
        hangUpOthers([answered.id]);
        const agent = agentOf(answered.id)!;
        this.deps.store.leaveQueue(w.id, this.deps.clock.now(), 'answered', agent);
        resumed({ ...base, state: 'connected', queue: null, legs: [{ channel: answered.id, agent }] });
        note('answered while the engine was away');
        this.run(call.id, [{ kind: 'connect', leg: answered.id, agent }]);
        return;
      }
      hangUpOthers(ringing.map((l) => l.id));
      const ringingLegs = ringing.map((l) => ({ channel: l.id, agent: agentOf(l.id)! }));
      for (const l of ringing) take(l, 'ringing-leg');
      for (const l of ringingLegs) {
        this.agents.offered(l.agent);
        this.legAgents.set(l.channel, l.agent);
      }
      resumed(ringingLegs.length ? { ...base, state: 'ringing-agent', legs: ringingLegs } : base);
      note(ringingLegs.length ? 'waiting, an agent ringing' : 'waiting');
      const bridge = inv.bridges.find((b) => b.id.startsWith(holdingBridgeId(w.queue)) && b.channels.includes(call.channelId))?.id;
      this.pbx(call.id, 'resume in queue', this.queues.enqueue(call.id, call.channelId, w.queue, w.priority, w.language, { entryId: w.id, enqueuedAt: w.enteredAt, offering: ringingLegs.length > 0, ...(bridge ? { bridge } : {}) }));
      return;
    }
    const replay = replayOf(call.resume);
    if (call.state === 'forwarding' && replay && legs.length > 0) {
      const leg = answered ?? legs[0]!;
      const skip = this.attemptsMade(call.id);
      const d = this.replayDecision(call, replay);
      const o = d.status === 'done' ? d.outcome : null;
      const attempt = o?.forward?.attempts[skip];
      if (o && attempt && offers.get(leg.id)?.agent === attempt.member) {
        take(leg, leg.answered ? 'answered-leg' : 'ringing-leg');
        hangUpOthers([leg.id]);
        const up = leg.answered;
        const token = created.session.seq + seq + 1;
        const session: Session = { ...created.session, state: 'forwarding', origin: replay.origin, inputs: replay.inputs, outcome: o, endAs: 'forwarded', forward: { index: skip, leg: leg.id, answered: up, confirmToken: up ? token : null }, legs: [{ channel: leg.id, agent: attempt.member }], seq: token };
        const live = resumed(session);
        live.attempt = { leg: leg.id, member: attempt.member, number: attempt.number, startedAt: offers.get(leg.id)!.at, answeredAt: up ? this.deps.clock.now() : null, digit: null };
        note(up ? 'clinician on the line, asked for the key again' : 'clinician ringing');
        if (up) {
          // Whether they heard the prompt before the restart is not known: ask again, with a fresh time to answer.
          const confirm = o.forward!.confirm;
          this.run(call.id, [
            { kind: 'play', playbackId: `${call.id}-pb-${token}`, media: [sound('pbx-router/oncall-urgent-call'), ...digitsOf(confirm.digit)], channel: leg.id },
            { kind: 'start-confirm-timer', token, seconds: confirm.timeout },
          ]);
        }
        return;
      }
    }
    if (call.state === 'ringing' && replay && legs.length > 0) {
      const d = this.replayDecision(call, replay);
      const o = d.status === 'done' ? d.outcome : null;
      const rung = legs.filter((l) => offers.has(l.id));
      if (o && rung.length > 0) {
        const base: Session = { ...created.session, origin: replay.origin, inputs: replay.inputs, outcome: o, ringTimeout: o.ringGroup?.ringTimeout ?? 20 };
        const up = rung.find((l) => l.answered);
        if (up) {
          take(up, 'answered-leg');
          hangUpOthers([up.id]);
          const agent = offers.get(up.id)!.agent;
          resumed({ ...base, state: 'connected', legs: [{ channel: up.id, agent }] });
          note('answered while the engine was away');
          this.run(call.id, [{ kind: 'connect', leg: up.id, agent }]);
          return;
        }
        hangUpOthers(rung.map((l) => l.id));
        for (const l of rung) take(l, 'ringing-leg');
        const ringingLegs = rung.map((l) => ({ channel: l.id, agent: offers.get(l.id)!.agent }));
        for (const l of ringingLegs) {
          this.agents.offered(l.agent);
          this.legAgents.set(l.channel, l.agent);
        }
        resumed({ ...base, state: 'ringing-agent', legs: ringingLegs });
        note('phones ringing');
        return;
      }
    }
    if (call.state === 'voicemail' && replay) {
      const d = this.replayDecision(call, replay);
      const o = d.status === 'done' && d.outcome.action === 'voicemail' ? d.outcome : null;
      if (o && this.deps.handoff) {
        hangUpOthers([]);
        const live = resumed({ ...created.session, state: 'handoff', origin: replay.origin, inputs: replay.inputs, outcome: o });
        note('recording goes on');
        this.pbx(call.id, 'voicemail', this.deps.handoff({ session: live.session, outcome: o, resume: true }, this));
        return;
      }
    }
    // Anywhere else (a menu, a destination being set up): the caller is put back where the last
    // decision sent them, by replaying its keys without the prompts already heard.
    hangUpOthers([]);
    const session: Session = replay ? { ...created.session, origin: replay.origin, inputs: replay.inputs, replay: { skipAttempts: this.attemptsMade(call.id) } } : created.session;
    resumed(session);
    this.logOf(call.id).info({ step: 'resumed', from: call.state }, `call ${call.id}: resumed after a restart (${call.state}: routed again)`);
    this.deps.store.addEvent(call.id, this.deps.clock.now(), 'resumed', { from: call.state, ...(replay ? { inputs: replay.inputs, skipAttempts: session.replay!.skipAttempts } : {}) });
    this.deliver(call.id, { type: 'answered' });
  }

  /** A voicemail whose caller is gone: the recording that was made is stored and emailed (true when one is being taken). */
  private keepVoicemail(call: CallRecord): boolean {
    const replay = replayOf(call.resume);
    if (!replay || !this.deps.handoff) return false;
    const d = this.replayDecision(call, replay);
    if (d.status !== 'done' || d.outcome.action !== 'voicemail') return false;
    const created = newSession(call.id, call.channelId, call.did, call.caller, call.arrivedAt);
    const live: Live = { session: { ...created.session, state: 'handoff', origin: replay.origin, inputs: replay.inputs, outcome: d.outcome }, plan: this.plan, menuTimer: null, bridge: null, agent: null };
    this.calls.set(call.id, live);
    this.logOf(call.id).info({ step: 'resumed', from: call.state, how: 'caller gone, message kept' }, `call ${call.id}: resumed after a restart (the caller left during the voicemail; the message is kept)`);
    this.deps.store.addEvent(call.id, this.deps.clock.now(), 'resumed', { from: call.state, how: 'caller gone, message kept' });
    this.pbx(call.id, 'voicemail', this.deps.handoff({ session: live.session, outcome: d.outcome, resume: true }, this));
    return true;
  }

  /** The legs this call's offers originated (from the stored offer events), with the agent and when. */
  private offeredLegs(id: string): Map<string, { agent: string; at: number }> {
    const out = new Map<string, { agent: string; at: number }>();
    for (const e of this.deps.store.events(id)) {
      const d = e.data as { leg?: unknown; agent?: unknown } | null;
      if (e.type === 'offer' && typeof d?.leg === 'string' && typeof d.agent === 'string') out.set(d.leg, { agent: d.agent, at: e.at });
    }
    return out;
  }

  /** The call's last decision, worked out again from its stored origin and keys (pure: the routing core). */
  private replayDecision(call: CallRecord, replay: Replay): Decision {
    const { store, clock } = this.deps;
    const snapshot = { agents: this.agents.snapshot(), queues: this.queues.snapshot(), rosterOverrides: store.oncallOverrides(clock.now()), modes: this.modes() };
    const ctx = { did: call.did, caller: call.caller, at: call.arrivedAt, inputs: replay.inputs, whenInputsEnd: 'await' as const };
    return replay.origin.kind === 'entry'
      ? decide(this.plan, ctx, snapshot)
      : decideActions(this.plan, { ...ctx, site: call.site, language: call.language, priority: call.priority, tags: [] }, replay.origin.actions, snapshot);
  }

  /** Channels Asterisk no longer acts on (for status and /metrics): only an Asterisk restart frees them. */
  wedgedChannels(): { channel: string; call: string | null; since: number }[] {
    return [...this.wedged].map(([channel, w]) => ({ channel, ...w }));
  }
  private readonly wedged = new Map<string, { call: string | null; since: number }>();

  /**
   * Asterisk accepted a request on a channel and never acted on it (issue 18). The caller is handed
   * to the failsafe dialplan; a channel still in the application after that is hung up; one still
   * there after the hangup is wedged: logged as an error, stored with its call, and counted in
   * status and /metrics so clinic IT knows Asterisk needs a restart. Never a silent caller left
   * for ever without a word in the log.
   */
  private stalled(channel: string, what: string): void {
    if (this.rescue.has(channel) || this.wedged.has(channel)) return;
    const { store } = this.deps;
    const id = this.byChannel.get(channel) ?? store.callByChannel(channel)?.id ?? null;
    const live = id ? this.calls.get(id) : undefined;
    const isCaller = live ? live.session.channel === channel : id !== null && store.call(id)?.channelId === channel;
    const log = id ? this.logOf(id) : this.logger;
    log.warn({ channel, request: what }, `${id ? `call ${id}: ` : ''}channel ${channel} is not responding (${what}); ${isCaller ? 'handing it to the failsafe dialplan' : 'hanging it up'}`);
    if (id) this.safeEvent(id, 'stalled', { channel, what });
    if (live && id && isCaller) {
      this.safeEvent(id, 'failsafe', { reason: `channel not responding: ${what}`, ...(live.session.endAs ? { was: live.session.endAs } : {}) });
      this.finish(id, 'failsafe');
    } else if (live && id) this.deliver(id, { type: 'leg-hangup', leg: channel });
    if (isCaller) this.rescue.handOver(channel, log);
    else this.rescue.hangUp(channel, log, 'it stopped responding');
  }

  /** A channel that survived the failsafe hand-off and a hangup: only an Asterisk restart frees it. */
  private wedge(channel: string): void {
    const { store, clock } = this.deps;
    const id = this.byChannel.get(channel) ?? store.callByChannel(channel)?.id ?? null;
    this.wedged.set(channel, { call: id, since: clock.now() });
    (id ? this.logOf(id) : this.logger).error({ channel }, `${id ? `call ${id}: ` : ''}channel ${channel} is wedged in Asterisk: requests are accepted and nothing happens, a hangup included; only an Asterisk restart frees it (pbx-router status lists it)`);
    if (!id) return;
    const before = store.call(id)?.outcome ?? null;
    this.safeEvent(id, 'wedged', { channel, outcomeBefore: before });
    try {
      store.updateCall(id, { outcome: 'wedged' });
    } catch (e) {
      this.logOf(id).error({ err: e }, `call ${id}: recording the wedged channel failed: ${(e as Error).message}`);
    }
  }

  /** A call event that must not throw (a store failure is logged). */
  private safeEvent(id: string, type: string, data: unknown): void {
    try {
      this.deps.store.addEvent(id, this.deps.clock.now(), type, data);
    } catch (e) {
      this.logOf(id).error({ err: e }, `call ${id}: recording ${type} failed: ${(e as Error).message}`);
    }
  }

  /** Resolves once the caller is out of the holding bridge they just left (at once when they were in none). */
  private leftQueue(live: Live): Promise<void> {
    const p = live.leaving ?? Promise.resolve();
    live.leaving = undefined;
    return p;
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
    const log = this.logOf(id);
    this.calls.delete(id);
    this.ended.set(outcome, (this.ended.get(outcome) ?? 0) + 1);
    // The caller hung up while a clinician's cell was being tried: that attempt is stored too.
    const a = live.attempt;
    if (a) this.deps.store.addEvent(id, this.deps.clock.now(), 'oncall-attempt', { member: a.member, number: a.number, result: 'caller-hung-up', startedAt: a.startedAt, answeredAt: a.answeredAt, digit: a.digit });
    for (const ch of live.channels ?? []) if (this.byChannel.get(ch) === id) this.byChannel.delete(ch);
    this.deps.clock.cancel(live.menuTimer);
    this.deps.clock.cancel(live.confirmTimer);
    this.queues.dequeue(id, 'abandoned');
    if (live.bridge) this.rescue.tolerate(log, 'removing the call\'s bridge', this.deps.telephony.destroyBridge(live.bridge));
    if (live.agent) this.agents.finished(live.agent);
    const now = this.deps.clock.now();
    this.deps.store.endCall(id, now, outcome);
    const s = live.session;
    const site = s.outcome?.site ?? live.plan.didToSite.get(s.did) ?? null;
    const seconds = Math.round((now - s.arrivedAt) / 100) / 10;
    log.info({ step: 'ended', outcome, seconds, site, agent: live.agent, configVersion: live.plan.version }, `call ${id} ended: ${outcome} after ${seconds} s${site ? ` (site ${site})` : ''}`);
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
