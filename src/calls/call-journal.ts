/**
 * The only writer of a call's row and events in the store. The row's state is derived from the
 * session alone (storedState), written once per change; the rest is what happened: decisions,
 * offers, on-call attempts, callback requests, the failsafe and the end. A write that fails never
 * costs the caller the route: it is logged on the call and the call goes on from memory (the
 * guarded store holds what must not be lost, see store/guarded-store.ts).
 */
import type { Logger } from '../logging/logger.js';
import { describeReason } from '../routing/conditions.js';
import { nextOpening } from '../routing/schedule.js';
import type { Decision, Plan } from '../routing/types.js';
import type { CallState, CallStore } from '../store/call-store.js';
import type { CallRegistry, LiveCall } from './call-registry.js';
import type { Clock } from './clock.js';
import type { RouteOrigin, Session } from './session-types.js';

/** What the store keeps for a call to be put back after a restart: its route's origin and keys. */
export interface Replay {
  readonly origin: RouteOrigin;
  readonly inputs: readonly string[];
}

/** The stored state of a session: the same word, or the state a passing one belongs to; null on the way out (the end closes the row). */
export function storedState(s: Session): CallState | null {
  switch (s.state) {
    case 'answering':
    case 'playing':
      return 'routing';
    case 'whispering':
      return 'queued';
    case 'ringing':
      return s.queue ? 'queued' : 'ringing';
    case 'ending':
    case 'ended':
      return null;
    default:
      return s.state;
  }
}

/** An on-call leg being tried: what its stored attempt says besides the member, number and result. */
interface OpenAttempt {
  readonly leg: string;
  readonly member: string;
  readonly number: string;
  readonly startedAt: number;
  answeredAt: number | null;
  digit: string | null;
}

/** What the journal remembers of a recent call, to write it late if the store missed it (catchUp). */
interface RecentCall {
  readonly session: Session;
  readonly plan: Plan;
  readonly site: string | null;
  answeredAt: number | null;
  agent: string | null;
  endedAt: number | null;
  outcome: string | null;
}

/** How many recent calls are remembered for catchUp (a busy hour's worth on a large site). */
const RECENT_CALLS = 2000;

export class CallJournal {
  /** The on-call attempt of each call being tried now. */
  private readonly attempts = new Map<string, OpenAttempt>();
  /** The latest calls, oldest first (see catchUp). */
  private readonly recent = new Map<string, RecentCall>();

  constructor(
    private readonly store: CallStore,
    private readonly clock: Clock,
    private readonly registry: CallRegistry,
  ) {}

  private log(id: string): Logger {
    return this.registry.logOf(id);
  }

  /** Runs a write; a failure is logged on the call (what was being recorded) and swallowed. */
  private write(id: string, what: string, w: () => void, meanwhile?: string): void {
    try {
      w();
    } catch (err) {
      this.log(id).error({ err }, `call ${id}: recording ${what} failed: ${(err as Error).message}${meanwhile ? `; ${meanwhile}` : ''}`);
    }
  }

  /** A call arrived. */
  created(s: Session, plan: Plan, site: string | null): void {
    this.recent.set(s.id, { session: s, plan, site, answeredAt: null, agent: null, endedAt: null, outcome: null });
    if (this.recent.size > RECENT_CALLS) this.recent.delete(this.recent.keys().next().value!);
    // A store that cannot write must not cost the caller the route: the call goes on from memory
    // (it cannot be resumed after a restart or explained later, which the log says).
    this.write(
      s.id,
      'the new call',
      () => this.store.createCall({ id: s.id, channelId: s.channel, did: s.did, caller: s.caller, site, language: plan.clinic.language, priority: 0, state: 'routing', arrivedAt: s.arrivedAt, configVersion: plan.version }),
      'routing it from memory',
    );
  }

  /** Writes the session's stored state when it changed (what `status` and a restarted engine see). */
  follow(live: LiveCall): void {
    const state = storedState(live.session);
    if (!state || state === live.stored || this.registry.get(live.session.id) !== live) return;
    live.stored = state;
    this.write(live.session.id, `the state ${state}`, () => this.store.updateCall(live.session.id, { state }));
  }

  /** A call event (an offer, a refusal, a failsafe...). */
  event(id: string, type: string, data: unknown): void {
    this.write(id, type, () => this.store.addEvent(id, this.clock.now(), type, data));
  }

  answered(id: string): void {
    const r = this.recent.get(id);
    if (r) r.answeredAt = this.clock.now();
    this.write(id, 'the answer', () => this.store.updateCall(id, { answeredAt: this.clock.now() }));
  }

  /** A decision with its trace, and what a restarted engine replays to put the caller back here. */
  decided(s: Session, d: Decision): void {
    const o = d.status === 'done' ? d.outcome : null;
    this.write(s.id, 'the decision', () => {
      this.store.addDecision(s.id, {
        at: this.clock.now(),
        configVersion: d.planVersion,
        status: d.status,
        action: o?.action ?? null,
        target: o?.target ?? (d.status === 'awaiting-input' ? d.menu : null),
        site: d.site,
        steps: d.steps,
        trace: d.trace.map((t) => ({ ...t, ...(t.why ? { why: describeReason(t.why) } : {}) })),
      });
      const resume = JSON.stringify({ origin: s.origin, inputs: s.inputs } satisfies Replay);
      this.store.updateCall(s.id, o ? { site: d.site, language: o.language, priority: o.priority, outcome: o.action, target: o.target, resume } : { resume });
    });
  }

  connected(id: string, agent: string): void {
    const r = this.recent.get(id);
    if (r) r.agent = agent;
    this.write(id, 'the connection', () => {
      this.store.updateCall(id, { agent });
      this.store.addEvent(id, this.clock.now(), 'connected', { agent });
    });
  }

  /** An on-call clinician's cell is being called (its attempt is stored when it ends). */
  attemptStarted(id: string, leg: string, member: string, number: string, startedAt = this.clock.now(), answeredAt: number | null = null): void {
    this.attempts.set(id, { leg, member, number, startedAt, answeredAt, digit: null });
  }

  /** The attempt's leg answered, or pressed a key. */
  attemptLeg(id: string, leg: string, what: { answeredAt: number } | { digit: string }): void {
    const a = this.attempts.get(id);
    if (a?.leg !== leg) return;
    if ('answeredAt' in what) a.answeredAt = what.answeredAt;
    else a.digit = what.digit;
  }

  /** An on-call attempt ended with this result. */
  attemptEnded(id: string, member: string, number: string, result: string): void {
    const a = this.attempts.get(id);
    const open = a?.member === member ? a : undefined;
    this.attempts.delete(id);
    this.event(id, 'oncall-attempt', { member, number, result, startedAt: open?.startedAt ?? null, answeredAt: open?.answeredAt ?? null, digit: open?.digit ?? null });
  }

  /** A callback request, due at the site's next opening; its webhook is queued. Returns its id, or null when it could not be stored. */
  callback(id: string, plan: Plan, r: { list: string; number: string; reason: string | null; createdAt: number }): number | null {
    const list = plan.callbacks.get(r.list);
    const site = list ? plan.sites.get(list.site) : undefined;
    const deadline = site ? nextOpening(site.schedule, site.timezone, this.clock.now()) : null;
    let cb: number | null = null;
    this.write(id, 'the callback request', () => {
      cb = this.store.createCallback({ callId: id, list: r.list, number: r.number, reason: r.reason, site: list?.site ?? null, createdAt: r.createdAt, deadline });
      this.store.addEvent(id, this.clock.now(), 'callback-requested', { callback: cb, list: r.list, reason: r.reason });
      if (list?.webhook) this.store.queueWebhook(cb, this.clock.now());
    });
    return cb;
  }

  /** The call ended; an on-call attempt still open is stored as the caller hanging up. */
  ended(id: string, outcome: string): void {
    const r = this.recent.get(id);
    if (r) Object.assign(r, { endedAt: this.clock.now(), outcome });
    const a = this.attempts.get(id);
    if (a) this.attemptEnded(id, a.member, a.number, 'caller-hung-up');
    this.write(id, 'the end', () => this.store.endCall(id, this.clock.now(), outcome));
  }

  /** A call of an earlier run whose caller left while nobody listened. */
  endedMeanwhile(id: string, queueEntry: number | null): void {
    this.write(id, 'the end', () => {
      this.store.endCall(id, this.clock.now(), 'ended-while-disconnected');
      if (queueEntry !== null) this.store.leaveQueue(queueEntry, this.clock.now(), 'abandoned');
    });
  }

  /**
   * Writes the recent calls the store has no row of (it failed when they arrived: a PostgreSQL
   * restart, a full disk), with their state or, for those that ended meanwhile, their end and
   * outcome, and an event `recorded-late`. Their decisions and queue entries of that time are only
   * in the log. Returns how many were written; stops at the first read that fails.
   */
  catchUp(live: (id: string) => LiveCall | undefined): number {
    let written = 0;
    for (const [id, r] of this.recent) {
      try {
        if (this.store.call(id) !== undefined) continue;
      } catch {
        break;
      }
      const l = live(id);
      const s = l?.session ?? r.session;
      this.created(s, r.plan, r.site);
      this.write(id, 'the call recorded late', () => {
        if (r.answeredAt !== null) this.store.updateCall(id, { answeredAt: r.answeredAt });
        if (r.agent !== null) this.store.updateCall(id, { agent: r.agent });
        this.store.addEvent(id, this.clock.now(), 'recorded-late', { reason: 'the store could not be written when the call arrived', endedMeanwhile: r.endedAt !== null });
        if (r.endedAt !== null) this.store.endCall(id, r.endedAt, r.outcome ?? undefined);
      });
      if (l) {
        l.stored = undefined;
        this.follow(l);
      }
      written++;
    }
    return written;
  }

  /** A channel of the call is wedged in Asterisk: the call's outcome says so. */
  wedged(id: string, channel: string): void {
    this.write(id, 'the wedged channel', () => {
      const before = this.store.call(id)?.outcome ?? null;
      this.store.addEvent(id, this.clock.now(), 'wedged', { channel, outcomeBefore: before });
      this.store.updateCall(id, { outcome: 'wedged' });
    });
  }
}
