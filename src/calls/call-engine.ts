/**
 * The engine's front: turns the PBX's events into session events, hands each to the call's session
 * (`transition`), runs the effects it returns (effect-runner.ts) and has the journal follow the
 * stored state. Nothing here throws on a bad event or a failed PBX request: the call goes to the
 * failsafe. Calls are held in the registry; reconciliation after a reconnect or restart is planned
 * in reconcile-plan.ts and carried out in reconcile.ts.
 */
import { lineLog, textLogger, type Logger } from '../logging/logger.js';
import type { AgentState, Mode, Plan, QueueSnapshot, Snapshot } from '../routing/types.js';
import { AgentBook, type PresenceState } from './agents.js';
import { CallCounters, type WedgedChannel } from './call-counters.js';
import { CallJournal } from './call-journal.js';
import { CallRegistry } from './call-registry.js';
import { DialGuard } from './dial-guard.js';
import type { EffectContext } from './effect-context.js';
import type { EngineDeps, EngineView } from './engine-types.js';
import { pbxRequest, runEffects } from './effect-runner.js';
import { lastKnown } from './last-known.js';
import { Modes } from './modes.js';
import { QueueManager } from './queues.js';
import { reconcile, type ReconcileMark, type ReconcileReport } from './reconcile.js';
import { Rescue } from './rescue.js';
import { offerSms } from './sms-effects.js';
import { newSession, transition, type Session, type SessionEvent } from './session.js';
import { stalled, wedge } from './stalled-channels.js';
import type { Inventory, TelephonyEvent } from './telephony.js';

export type { ReconcileMark, ReconcileReport } from './reconcile.js';
export type { SmsDeps, VoicemailDeps } from './effect-context.js';
export type { EngineDeps, EngineView } from './engine-types.js';

export class CallEngine implements EngineView {
  private plan: Plan;
  private readonly agents: AgentBook;
  private readonly queues: QueueManager;
  private readonly registry: CallRegistry;
  private readonly journal: CallJournal;
  private readonly counters = new CallCounters();
  private readonly modeSettings: Modes;
  private readonly rescue: Rescue;
  private readonly ctx: EffectContext;
  private readonly logger: Logger;
  private readonly log: (m: string) => void;
  private seq = 0;
  /** Calls whose caller's Asterisk node was lost: they end as 'node-lost'. */
  private readonly lostCalls = new Set<string>();
  private stopped = false;
  private dispatchQueued = false;

  constructor(private readonly deps: EngineDeps) {
    const { store, clock, telephony } = deps;
    this.plan = deps.plan;
    warmHolidays(deps.plan, clock.now());
    this.logger = deps.logger ?? textLogger(deps.log ?? (() => {}));
    this.log = deps.log ?? lineLog(this.logger);
    this.registry = new CallRegistry(this.logger);
    this.journal = new CallJournal(store, clock, this.registry);
    this.modeSettings = new Modes(store, clock, this.log);
    this.rescue = new Rescue({ telephony, clock, logger: this.logger, running: () => !this.stopped, wedged: (channel) => wedge(this.ctx, this.counters, this.logger, channel) });
    this.agents = new AgentBook(deps.plan, clock, (agent, state, reason) => {
      store.agentState(agent, state, clock.now(), reason);
      // An agent free again (wrap-up over, unpaused, phone back) may take a waiting caller at once.
      if (state === 'available') this.dispatchSoon();
    });
    // An agent paused (by an operator, or not ready after missed calls) stays paused across a restart.
    for (const a of store.lastAgentStates()) if (a.state === 'paused') this.agents.pause(a.agent, true, 'still paused after a restart');
    this.queues = new QueueManager(deps.plan, { telephony, store, agents: this.agents, clock, deliver: (id, e) => this.deliver(id, e), log: this.log, offerSms: (id, offer) => offerSms(this.ctx, id, offer) });
    // The toll-fraud guard counts the last hour's outside calls, from before a restart too.
    const guard = new DialGuard(
      store.eventsOfType('offer', clock.now() - 3600_000).flatMap((e) => {
        const number = (e.data as { number?: unknown } | null)?.number;
        return typeof number === 'string' ? [{ number, at: e.at }] : [];
      }),
    );
    // Read on every routed call: a moment without the store routes on the last known overrides.
    const rosterOverrides = lastKnown(() => store.oncallOverrides(clock.now()), {}, 'on-call overrides', this.log);
    const ctx: EffectContext = {
      telephony, store, clock, guard,
      registry: this.registry, journal: this.journal, queues: this.queues, agents: this.agents, rescue: this.rescue,
      voicemail: deps.voicemail ?? null, sms: deps.sms ?? null,
      decisionTime: deps.decisionTime ?? null,
      onCallback: (id) => deps.onCallback?.(id),
      snapshot: () => ({ agents: this.agents.snapshot(), queues: this.queues.snapshot(), rosterOverrides: rosterOverrides(), modes: this.modes() }),
      deliver: (id, e) => this.deliver(id, e),
      finish: (id, outcome) => this.finish(id, outcome),
      fail: (id, message) => this.fail(id, message),
      pbx: (id, what, p, onOk) => pbxRequest(ctx, id, what, p, onOk),
      leftQueue: (live) => {
        const p = live.leaving ?? Promise.resolve();
        live.leaving = undefined;
        return p;
      },
      logOf: (id) => this.registry.logOf(id),
    };
    this.ctx = ctx;
  }

  /** Offers waiting callers to free agents once the current event has been handled (several changes, one dispatch). */
  private dispatchSoon(): void {
    if (this.dispatchQueued) return;
    this.dispatchQueued = true;
    queueMicrotask(() => {
      this.dispatchQueued = false;
      if (!this.stopped) this.queues.dispatch();
    });
  }

  active(): number {
    return this.registry.size;
  }
  endedByOutcome(): Readonly<Record<string, number>> {
    return this.counters.endedByOutcome();
  }
  wedgedChannels(): WedgedChannel[] {
    return this.counters.wedgedChannels();
  }
  queueSnapshot(): Record<string, QueueSnapshot> {
    return this.queues.snapshot();
  }
  agentSnapshot(): NonNullable<Snapshot['agents']> {
    return this.agents.snapshot();
  }
  agentState(id: string): AgentState {
    return this.agents.state(id);
  }
  pauseAgent(id: string, paused: boolean): boolean {
    return this.agents.pause(id, paused);
  }
  /** What a desk phone's presence (AMI) says about its agent. */
  agentPresence(id: string, presence: PresenceState): void {
    this.agents.presence(id, presence);
  }
  /** The session of a call (for inspection). */
  session(id: string): Session | undefined {
    return this.registry.get(id)?.session;
  }
  /** The manual day/night overrides in force ('*' for every site), kept in the store across restarts. */
  modes(): Readonly<Record<string, Mode>> {
    return this.modeSettings.current();
  }
  setMode(mode: Mode, site: string | null): Record<string, Mode> {
    return this.modeSettings.set(mode, site);
  }
  /** The plan a call started with (calls finish on it even after a reload). */
  planOf(id: string): Plan | undefined {
    return this.registry.get(id)?.plan;
  }
  /** The current plan (new calls use it). */
  currentPlan(): Plan {
    return this.plan;
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

  /** Entry point for everything the PBX reports. */
  handle(ev: TelephonyEvent): void {
    if (this.stopped) return;
    if (ev.type === 'call-arrived') return this.arrive(ev);
    if (ev.type === 'stalled') return stalled(this.ctx, this.counters, this.logger, ev.channel, ev.what);
    const id = this.registry.callOf(ev.channel);
    const live = id ? this.registry.get(id) : undefined;
    if (!id || !live) return;
    const isCaller = live.session.channel === ev.channel;
    switch (ev.type) {
      case 'dtmf':
        this.journal.attemptLeg(id, ev.channel, { digit: ev.digit });
        return this.deliver(id, isCaller ? { type: 'dtmf', digit: ev.digit } : { type: 'leg-dtmf', leg: ev.channel, digit: ev.digit });
      case 'hangup':
        this.registry.unbind(ev.channel);
        if (ev.nodeLost && isCaller) this.lostWithNode(id, ev.channel, ev.nodeLost, live.session.state);
        return this.deliver(id, isCaller ? { type: 'caller-hangup' } : { type: 'leg-hangup', leg: ev.channel });
      case 'leg-answered':
        this.journal.attemptLeg(id, ev.channel, { answeredAt: ev.at });
        return this.deliver(id, { type: 'leg-answered', leg: ev.channel });
      case 'leg-failed':
        this.registry.unbind(ev.channel);
        return this.deliver(id, { type: 'leg-failed', leg: ev.channel, reason: ev.reason });
    }
  }

  private arrive(ev: Extract<TelephonyEvent, { type: 'call-arrived' }>): void {
    const id = `${ev.at.toString(36)}-${(++this.seq).toString(36)}`;
    const { session, effects } = newSession(id, ev.channel, ev.did, ev.caller, ev.at);
    const plan = this.plan;
    this.registry.add(session, plan);
    // The answer goes out first: the caller's first command waits on nothing, not even the store.
    runEffects(this.ctx, id, effects);
    const site = plan.didToSite.get(ev.did) ?? null;
    this.registry.logOf(id).info({ step: 'arrived', did: ev.did, site }, `call ${id} arrived on ${ev.did}${site ? ` (site ${site})` : ''}`);
    this.journal.created(session, plan, site);
  }

  /**
   * The store takes writes again after an outage (a PostgreSQL restart, a full disk freed): every
   * recent call whose row could not be written when it arrived is written now (CallJournal.catchUp).
   */
  catchUp(): number {
    const written = this.journal.catchUp((id) => this.registry.get(id));
    if (written > 0) this.log(`database: ${written} call(s) that arrived while the store failed are recorded now`);
    return written;
  }

  /** Hands an event to a call's session and runs what follows. */
  deliver(id: string, event: SessionEvent): void {
    if (this.stopped) return;
    const live = this.registry.get(id);
    if (!live) return;
    const r = transition(live.session, event);
    if (!r.ok) {
      this.registry.logOf(id).warn({ event: event.type, state: live.session.state }, r.error);
      this.journal.event(id, 'rejected-event', { event: event.type, state: live.session.state });
      return;
    }
    live.session = r.session;
    runEffects(this.ctx, id, r.effects);
    this.journal.follow(live);
  }

  private fail(id: string, message: string): void {
    this.registry.logOf(id).warn({ reason: message }, `call ${id}: ${message}`);
    queueMicrotask(() => this.deliver(id, { type: 'failed', message }));
  }

  /** Ends a call: its bridge goes, its agent wraps up, its row is closed. */
  /**
   * The caller's Asterisk node was lost: the call ends as it would (legs hung up, agents freed, the
   * queue left), but its outcome says the node was lost, not that the caller hung up.
   */
  private lostWithNode(id: string, channel: string, node: string, state: string): void {
    this.lostCalls.add(id);
    this.registry.logOf(id).error({ channel, node, state }, `call ${id}: Asterisk node ${node} was lost with the caller's channel ${channel} (${state}); the call is written off`);
    this.journal.event(id, 'node-lost', { channel, node, state });
  }

  private finish(id: string, ended: string): void {
    const log = this.registry.logOf(id);
    const live = this.registry.remove(id);
    if (!live) return;
    // A voicemail still recording ends later (its recording settles as failed): the outcome stays node-lost.
    const outcome = this.lostCalls.delete(id) ? 'node-lost' : ended;
    this.counters.endedAs(outcome);
    const { clock, telephony } = this.deps;
    clock.cancel(live.menuTimerHandle);
    clock.cancel(live.confirmTimerHandle);
    this.queues.dequeue(id, 'abandoned');
    if (live.bridge) this.rescue.tolerate(log, "removing the call's bridge", telephony.destroyBridge(live.bridge));
    if (live.agent) this.agents.finished(live.agent);
    this.journal.ended(id, outcome);
    const s = live.session;
    const site = s.outcome?.site ?? live.plan.didToSite.get(s.did) ?? null;
    const seconds = Math.round((clock.now() - s.arrivedAt) / 100) / 10;
    log.info({ step: 'ended', outcome, seconds, site, agent: live.agent, configVersion: live.plan.version }, `call ${id} ended: ${outcome} after ${seconds} s${site ? ` (site ${site})` : ''}`);
    this.queues.dispatch();
  }

  /** After a reconnect or a restart: see reconcile.ts. */
  reconcile(inv: Inventory, adopt: (channel: string) => void, before: ReconcileMark = this.mark()): ReconcileReport {
    return reconcile({ ...this.ctx, plan: this.plan, counters: this.counters, logger: this.logger, log: this.log, running: () => !this.stopped }, inv, adopt, before);
  }

  /** The calls and legs known now; taken before reading the inventory that reconcile() compares with. */
  mark(): ReconcileMark {
    const legs = new Set<string>();
    for (const live of this.registry.all()) for (const l of live.session.legs) legs.add(l.channel);
    return { calls: new Set(this.registry.ids()), legs };
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
