/**
 * The engine's own queues: callers wait in one holding bridge per queue with music on hold, hear
 * their position and an honest wait estimate at the configured interval, and are offered agents
 * by priority, FIFO within a priority, skills and strategy. The maximum wait sends them on.
 */
import { assign, eligible, estimateWait, freeAgents, orderWaiting, requirementsAt, type WaitingCall } from '../routing/queue-selection.js';
import type { CompiledQueue, Plan, QueueSnapshot } from '../routing/types.js';
import type { CallStore } from '../store/call-store.js';
import type { AgentBook } from './agents.js';
import type { Clock } from './clock.js';
import type { SessionEvent } from './session.js';
import { saidNumber, sound, type Media, type Telephony } from './telephony.js';

interface Entry extends WaitingCall {
  readonly channel: string;
  readonly queue: string;
  readonly entryId: number;
  offering: boolean;
  announceTimer: unknown;
  maxWaitTimer: unknown;
  /** One per relaxation step still ahead (more agents may take the call then), and the text offer's. */
  timers: unknown[];
  announcing: string | null;
  /** The queue's text offer was made or found not allowed (once per wait). */
  smsChecked?: boolean;
  /** The position the caller joined at (for the call's log line). */
  joinedAt?: number;
}

export interface QueueDeps {
  readonly telephony: Telephony;
  readonly store: CallStore;
  readonly agents: AgentBook;
  readonly clock: Clock;
  /** Hands an event to a call's session. */
  readonly deliver: (sessionId: string, event: SessionEvent) => void;
  readonly log: (message: string) => void;
  /** The caller's wait passed the queue's smsOffer (not while an agent is rung for them): the engine offers the text if it may. */
  readonly offerSms?: (sessionId: string, offer: NonNullable<CompiledQueue['smsOffer']>) => void;
}

/** How long an empty holding bridge is kept before it is destroyed (see dequeue). */
export const EMPTY_BRIDGE_GRACE_MS = 3000;

/** The prefix of a queue's holding bridge ids (each bridge created gets its own suffix; a restarted engine finds it by the prefix). */
export const holdingBridgeId = (queue: string) => `pbx-queue-${queue}`;

export class QueueManager {
  private readonly entries = new Map<string, Entry>();
  /** Each queue's holding bridge: its id, and the promise of it being there with music. */
  private readonly bridges = new Map<string, { id: string; ready: Promise<void> }>();

  constructor(
    private plan: Plan,
    private readonly deps: QueueDeps,
  ) {}

  /** Uses a new plan for callers who join from now on. */
  setPlan(plan: Plan): void {
    this.plan = plan;
  }

  /** Waiting callers and the longest wait per queue, for routing conditions and site saturation. */
  snapshot(): Record<string, QueueSnapshot> {
    const now = this.deps.clock.now();
    const out: Record<string, { waiting: number; longestWait: number }> = {};
    for (const e of this.entries.values()) {
      const q = (out[e.queue] ??= { waiting: 0, longestWait: 0 });
      q.waiting++;
      q.longestWait = Math.max(q.longestWait, Math.floor((now - e.enqueuedAt) / 1000));
    }
    return out;
  }

  /** How many callers wait in total. */
  size(): number {
    return this.entries.size;
  }

  /** Puts a caller into the queue's holding bridge and starts its announcements and maximum wait. */
  async enqueue(
    sessionId: string,
    channel: string,
    queueId: string,
    priority: number,
    language: string,
    restored?: { readonly entryId: number; readonly enqueuedAt: number; readonly offering?: boolean; readonly bridge?: string },
  ): Promise<void> {
    const q = this.plan.queues.get(queueId)!;
    // A caller resumed after a restart keeps their entry and arrival time, and so their place.
    const enqueuedAt = restored?.enqueuedAt ?? this.deps.clock.now();
    const entryId = restored?.entryId ?? this.deps.store.enterQueue(sessionId, queueId, priority, language, enqueuedAt);
    const entry: Entry = { id: sessionId, channel, queue: queueId, priority, language, enqueuedAt, entryId, offering: restored?.offering ?? false, announceTimer: null, maxWaitTimer: null, timers: [], announcing: null };
    this.entries.set(sessionId, entry);
    const waited = this.deps.clock.now() - enqueuedAt;
    entry.maxWaitTimer = this.deps.clock.after(Math.max(0, q.maxWait * 1000 - waited), () => this.deps.deliver(sessionId, { type: 'max-wait' }));
    for (const step of q.relax) {
      if (step.after * 1000 > waited) entry.timers.push(this.deps.clock.after(step.after * 1000 - waited, () => this.dispatch()));
    }
    // Once per wait: a caller resumed after a restart past the offer's time is not offered again.
    const offer = q.smsOffer;
    if (offer && offer.whenWaitOver * 1000 > waited) entry.timers.push(this.deps.clock.after(offer.whenWaitOver * 1000 - waited, () => this.offerText(entry, q)));
    if (q.announce.position || q.announce.estimatedWait) this.scheduleAnnouncement(entry, q, q.announce.first * 1000);
    entry.joinedAt = this.position(entry);
    this.deps.store.recordPosition(entryId, this.deps.clock.now(), entry.joinedAt, null);
    // A caller resumed after a restart is usually still in their bridge: that bridge is the queue's,
    // and adding them again would take them out and back in (a gap in the music for everyone waiting).
    const bridge = await this.ensureBridge(q, restored?.bridge);
    if (restored?.bridge !== bridge) await this.deps.telephony.addToBridge(bridge, channel);
    this.dispatch();
  }

  /**
   * The queue's holding bridge with music on hold, created when needed. A new one gets a new id:
   * Asterisk 22.10.1 kept the id of a holding bridge DELETEd with its music on hold taken for a
   * while (create: 409 "already exists"; moh: 404 "Bridge not found"), and a caller who came then
   * waited in no bridge, in silence. A bridge found after a restart (`existing`) is used as it is,
   * its music started again (idempotent: Asterisk keeps one announcer per bridge).
   */
  private async ensureBridge(q: CompiledQueue, existing?: string): Promise<string> {
    let b = this.bridges.get(q.id);
    if (!b) {
      const id = existing ?? `${holdingBridgeId(q.id)}-${this.deps.clock.now().toString(36)}`;
      const ready = (existing ? Promise.resolve() : this.deps.telephony.createBridge(id, 'holding', `queue ${q.id}`)).then(() => this.deps.telephony.startBridgeMoh(id, q.musicOnHold));
      b = { id, ready };
      const mine = b;
      ready.catch(() => {
        if (this.bridges.get(q.id) === mine) this.bridges.delete(q.id);
      });
      this.bridges.set(q.id, b);
    }
    await b.ready;
    return b.id;
  }

  /** The holding bridge a queue's callers are in now, if it has one. */
  bridgeOf(queue: string): string | null {
    return this.bridges.get(queue)?.id ?? null;
  }

  /**
   * The caller leaves the queue (answered, abandoned, overflow or a callback request). A caller who
   * stays with the engine to hear or do something else (overflow, callback) is taken out of the
   * holding bridge first: the promise resolves once they are out, and nothing may be played to them
   * before. Seen on a real Asterisk 22: a play queued on a channel while its holding bridge was
   * being destroyed never started, and the caller sat in silence until they hung up (issue 18).
   * An empty queue's bridge is destroyed only after that, and after a short grace (a caller moving
   * to an agent's bridge, or the next caller, may still be on the way).
   */
  dequeue(sessionId: string, result: 'answered' | 'abandoned' | 'overflow' | 'callback', agent: string | null = null): Promise<void> {
    const e = this.entries.get(sessionId);
    if (!e) return Promise.resolve();
    this.entries.delete(sessionId);
    for (const t of [e.announceTimer, e.maxWaitTimer, ...e.timers]) this.deps.clock.cancel(t);
    if (e.announcing) void this.deps.telephony.stopPlayback(e.announcing).catch((err: Error) => this.deps.log(`call ${e.id}: stopping the queue announcement failed: ${err.message}`));
    this.deps.store.leaveQueue(e.entryId, this.deps.clock.now(), result, agent);
    const bridge = this.bridges.get(e.queue)?.id;
    const out =
      bridge && (result === 'overflow' || result === 'callback')
        ? this.deps.telephony.removeFromBridge(bridge, e.channel).catch((err: Error) => this.deps.log(`queue ${e.queue}: taking ${e.channel} out of the holding bridge failed: ${err.message}`))
        : Promise.resolve();
    if (![...this.entries.values()].some((x) => x.queue === e.queue)) void out.then(() => this.destroyWhenEmpty(e.queue));
    this.dispatch();
    return out;
  }

  /** Destroys a queue's holding bridge if it is still empty after EMPTY_BRIDGE_GRACE_MS. */
  private destroyWhenEmpty(queue: string): void {
    this.deps.clock.after(EMPTY_BRIDGE_GRACE_MS, () => {
      if ([...this.entries.values()].some((x) => x.queue === queue)) return;
      const bridge = this.bridges.get(queue);
      if (!bridge) return;
      this.bridges.delete(queue);
      void bridge.ready.then(() => this.deps.telephony.destroyBridge(bridge.id)).catch((err: Error) => this.deps.log(`queue ${queue}: destroying the holding bridge failed: ${err.message}`));
    });
  }

  /** When a waiting caller joined their queue (their place), or null. */
  enteredAt(sessionId: string): number | null {
    return this.entries.get(sessionId)?.enqueuedAt ?? null;
  }

  /** A waiting caller's queue, when they joined it and the position they joined at; null when not waiting. */
  place(sessionId: string): { readonly queue: string; readonly enteredAt: number; readonly joinedAt: number | null } | null {
    const e = this.entries.get(sessionId);
    return e ? { queue: e.queue, enteredAt: e.enqueuedAt, joinedAt: e.joinedAt ?? null } : null;
  }

  /** An offer ended without an answer: the caller waits for the next agent. */
  offerEnded(sessionId: string): void {
    const e = this.entries.get(sessionId);
    if (e) e.offering = false;
    this.dispatch();
  }

  /** Makes every offer that can be made now, queues with the most urgent caller first. */
  dispatch(): void {
    // Nobody free: no offer to make, so the waiting callers are not ordered (this runs on every queue event).
    if (freeAgents([...this.plan.agents.values()], { agents: this.deps.agents.snapshot() }) === 0) return;
    const byQueue = new Map<string, Entry[]>();
    for (const e of this.entries.values()) {
      if (e.offering) continue;
      const list = byQueue.get(e.queue) ?? [];
      list.push(e);
      byQueue.set(e.queue, list);
    }
    const queues = [...byQueue.entries()].map(([id, list]) => ({ id, list: orderWaiting(list) as Entry[] }));
    queues.sort((a, b) => b.list[0]!.priority - a.list[0]!.priority || a.list[0]!.enqueuedAt - b.list[0]!.enqueuedAt);
    const now = this.deps.clock.now();
    for (const { id, list } of queues) {
      const q = this.plan.queues.get(id);
      if (!q) continue;
      const offers = assign(q, [...this.plan.agents.values()], this.plan.clinic.languageSkills, list, { agents: this.deps.agents.snapshot() }, now);
      for (const offer of offers) {
        const e = this.entries.get(offer.callId)!;
        e.offering = true;
        for (const agent of offer.agents) this.deps.agents.offered(agent);
        this.deps.deliver(offer.callId, {
          type: 'offer',
          agents: offer.agents.map((agent) => ({ agent, endpoint: this.plan.agents.get(agent)!.endpoint })),
          ringTimeout: q.ringTimeout,
        });
      }
    }
  }

  /** The queue's recent handle times; none (no estimate said) while the store cannot be read. */
  private handleTimes(queue: string): number[] {
    try {
      return this.deps.store.recentHandleTimes(queue);
    } catch {
      return [];
    }
  }

  private position(e: Entry): number {
    const same = [...this.entries.values()].filter((x) => x.queue === e.queue);
    return orderWaiting(same).findIndex((x) => x.id === e.id) + 1;
  }

  /** The queue's text offer, once per wait, unless the caller is being offered to an agent right now. */
  private offerText(e: Entry, q: CompiledQueue): void {
    const offer = q.smsOffer;
    if (!offer || !this.deps.offerSms || e.smsChecked || e.offering || !this.entries.has(e.id)) return;
    e.smsChecked = true;
    this.deps.offerSms(e.id, offer);
  }

  private scheduleAnnouncement(e: Entry, q: CompiledQueue, delayMs: number): void {
    e.announceTimer = this.deps.clock.after(delayMs, () => {
      if (!this.entries.has(e.id)) return;
      void this.announce(e, q);
      this.scheduleAnnouncement(e, q, q.announce.interval * 1000);
    });
  }

  /** Tells the caller their position and, when there is a basis for one, the estimated wait. */
  private async announce(e: Entry, q: CompiledQueue): Promise<void> {
    if (e.offering || e.announcing) return;
    const position = this.position(e);
    const req = requirementsAt(q, this.plan.clinic.languageSkills, e.language, 0);
    // A paused agent still in wrap-up or on a call will not take this caller: no basis for a wait.
    const staffed = eligible(this.plan.agents, req, q.site).filter((a) => this.deps.agents.staffing(a.id)).length;
    const estimate = q.announce.estimatedWait ? estimateWait(position, staffed, this.handleTimes(q.id)) : null;
    this.deps.store.recordPosition(e.entryId, this.deps.clock.now(), position, estimate);
    const media: Media[] = [];
    if (q.announce.position) media.push(...(position === 1 ? [sound('queue-youarenext')] : [sound('queue-thereare'), saidNumber(position - 1), sound('queue-callswaiting')]));
    if (estimate !== null) media.push(sound('queue-holdtime'), saidNumber(Math.round(estimate / 60)), sound('queue-minutes'));
    if (media.length === 0) return;
    const id = `${e.id}-announce-${this.deps.clock.now()}`;
    e.announcing = id;
    try {
      await this.deps.telephony.play(e.channel, id, media, e.language);
    } catch (err) {
      this.deps.log(`call ${e.id}: announcement failed: ${(err as Error).message}`);
    } finally {
      if (e.announcing === id) e.announcing = null;
    }
    // The wait just announced is over the offer's threshold: the offer follows at once, instead of
    // after that long on hold.
    if (estimate !== null && q.smsOffer && estimate > q.smsOffer.whenWaitOver) this.offerText(e, q);
  }
}
