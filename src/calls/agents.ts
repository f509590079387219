/**
 * Agent availability as the engine knows it from its own calls (offered, talking, wrap-up, missed
 * calls, pauses) and from the desk phones themselves (presence from AMI: reachable, in use). It
 * turns into the routing core's Snapshot.
 */
import type { AgentSnapshot, AgentState, Plan } from '../routing/types.js';
import type { Clock } from './clock.js';

export type PresenceState = 'reachable' | 'unreachable' | 'in-use';

interface AgentRecord {
  state: AgentState;
  idleSince: number;
  misses: number;
  paused: boolean;
  presence: PresenceState;
  /** On a call the engine connected (busy because of the engine, not because of the phone). */
  talking: boolean;
  /** Until when a phone that refused an offer rests (see missed()). */
  retryUntil: number;
  wrapTimer: unknown;
}

/** How long a phone that refused an offer at once (busy, unreachable) rests before the next one. */
export const RETRY_AFTER_MS = 5000;

/** The agents' states; every change goes to `onChange` (the store, the logs). */
export class AgentBook {
  private readonly agents = new Map<string, AgentRecord>();
  private cache: Record<string, AgentSnapshot> | null = null;

  constructor(
    private plan: Plan,
    private readonly clock: Clock,
    private readonly onChange: (agent: string, state: AgentState, reason: string) => void = () => {},
  ) {
    this.addNew(plan);
  }

  /** Agents new to the book start available, all idle since the same moment (ties then go by id, not by the millisecond the loop reached them). */
  private addNew(plan: Plan): void {
    const now = this.clock.now();
    for (const id of plan.agents.keys()) if (!this.agents.has(id)) this.agents.set(id, { state: 'available', idleSince: now, misses: 0, paused: false, presence: 'reachable', talking: false, retryUntil: 0, wrapTimer: null });
  }

  /** Uses a new plan (after a reload): new agents start available, removed ones are forgotten. */
  setPlan(plan: Plan): void {
    this.plan = plan;
    this.addNew(plan);
    for (const id of [...this.agents.keys()]) if (!plan.agents.has(id)) this.agents.delete(id);
    this.cache = null;
  }

  /** The state of one agent ('offline' for an unknown id). */
  state(id: string): AgentState {
    return this.agents.get(id)?.state ?? 'offline';
  }

  /** The agents as the routing core sees them. */
  snapshot(): Readonly<Record<string, AgentSnapshot>> {
    if (!this.cache) {
      const out: Record<string, AgentSnapshot> = {};
      for (const [id, a] of this.agents) out[id] = { state: a.state, idleSince: a.idleSince };
      this.cache = out;
    }
    return this.cache;
  }

  private set(id: string, state: AgentState, reason: string): void {
    const a = this.agents.get(id);
    if (!a || a.state === state) return;
    a.state = state;
    if (state === 'available') a.idleSince = this.clock.now();
    this.cache = null;
    this.onChange(id, state, reason);
  }

  /** The state an agent returns to when nothing holds them: paused, offline, busy on the phone, or available. */
  private resting(a: AgentRecord): AgentState {
    if (a.presence === 'unreachable') return 'offline';
    if (a.presence === 'in-use') return 'busy';
    return a.paused ? 'paused' : 'available';
  }

  /** An offer rings the agent's phone. */
  offered(id: string): void {
    this.set(id, 'ringing', 'offered a call');
  }

  /** The agent answered. */
  answered(id: string): void {
    const a = this.agents.get(id);
    if (!a) return;
    a.misses = 0;
    a.talking = true;
    this.set(id, 'busy', 'answered a call');
  }

  /**
   * The agent did not take an offered call; after `maxMisses` in a row they are set not ready. A
   * phone that refused at once (busy, congestion, unreachable) rests for RETRY_AFTER_MS before its
   * next offer: offered again at once, a phone on do-not-disturb was rung hundreds of times a
   * minute on a real Asterisk while callers waited.
   */
  missed(id: string, reason: string, maxMisses: number): void {
    const a = this.agents.get(id);
    if (!a) return;
    a.misses++;
    if (reason !== 'busy' && a.misses >= maxMisses) {
      a.paused = true;
      this.set(id, 'paused', `not ready after ${a.misses} missed calls`);
      return;
    }
    if (reason === 'no-answer') return this.set(id, this.resting(a), `missed a call (${reason})`);
    this.clock.cancel(a.wrapTimer);
    a.retryUntil = this.clock.now() + RETRY_AFTER_MS;
    this.set(id, 'busy', `missed a call (${reason}); offered again in ${RETRY_AFTER_MS / 1000} s`);
    a.wrapTimer = this.clock.after(RETRY_AFTER_MS, () => {
      a.retryUntil = 0;
      if (a.state === 'busy' && !a.talking) this.set(id, this.resting(a), 'ready for offers again');
    });
  }

  /** Whether the agent counts as staffing a queue now: not paused (even while still on a call or in wrap-up) and not offline. */
  staffing(id: string): boolean {
    const a = this.agents.get(id);
    return !!a && !a.paused && a.state !== 'offline' && a.state !== 'paused';
  }

  /** An offer that rang the agent was withdrawn (the caller left, a colleague answered first): free again, not a miss. */
  withdrawn(id: string): void {
    const a = this.agents.get(id);
    if (a?.state === 'ringing') this.set(id, this.resting(a), 'offer withdrawn');
  }

  /** The call ended: wrap-up for the agent's configured time, then available again. */
  finished(id: string): void {
    const a = this.agents.get(id);
    if (!a) return;
    a.talking = false;
    const wrap = this.plan.agents.get(id)?.wrapUp ?? 0;
    if (wrap <= 0) return this.set(id, this.resting(a), 'call ended');
    this.set(id, 'wrap-up', 'call ended');
    this.clock.cancel(a.wrapTimer);
    a.wrapTimer = this.clock.after(wrap * 1000, () => {
      if (a.state === 'wrap-up') this.set(id, this.resting(a), 'wrap-up over');
    });
  }

  /** Pauses or unpauses an agent (operator command). */
  pause(id: string, paused: boolean, reason: string = paused ? 'paused' : 'unpaused'): boolean {
    const a = this.agents.get(id);
    if (!a) return false;
    a.paused = paused;
    a.misses = 0;
    if (a.state === 'available' || a.state === 'paused' || a.state === 'offline') this.set(id, this.resting(a), reason);
    return true;
  }

  /**
   * Presence from the phone itself (AMI): unreachable makes the agent offline, in use makes them
   * busy, and the phone back to idle makes them available again. While the engine's own offer
   * rings, its call is up or its wrap-up runs, the engine's state stands; the phone's state is kept
   * for when they end. (Before, a phone in use for a direct call left its agent busy for ever.)
   */
  presence(id: string, presence: PresenceState): void {
    const a = this.agents.get(id);
    if (!a) return;
    a.presence = presence;
    if (a.state === 'ringing' || a.state === 'wrap-up' || a.talking) return;
    // The phone going idle right after refusing an offer does not end the rest (the timer does).
    if (a.retryUntil > this.clock.now() && presence !== 'unreachable') return;
    this.set(id, this.resting(a), `phone ${presence}`);
  }
}
