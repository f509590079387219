/**
 * The calls in progress: each call's session and what the effect runner holds for it (timers, its
 * bridge, the caller's way out of a holding bridge), the index from a channel (caller or leg) to
 * its call, and the agent each ringing desk-phone leg was offered to.
 */
import type { Logger } from '../logging/logger.js';
import type { Plan } from '../routing/types.js';
import type { CallState } from '../store/call-store.js';
import type { Session } from './session-types.js';

export interface LiveCall {
  session: Session;
  /** The plan the call started with (it finishes on it even after a reload). */
  readonly plan: Plan;
  /** The caller's language since the last decision (undefined: the channel's own). */
  language?: string;
  /** The handles of the menu's and the on-call confirmation's timers on the clock. */
  menuTimerHandle: unknown;
  confirmTimerHandle: unknown;
  /** The caller on their way out of a holding bridge (see QueueManager.dequeue): what they hear next waits for it. */
  leaving?: Promise<void>;
  /** The mixing bridge of a connected call. */
  bridge: string | null;
  /** The desk-phone agent talking (wraps up when the call ends); null for none or an outside number. */
  agent: string | null;
  /** The call's state as last written to the store (see CallJournal.follow). */
  stored?: CallState;
  /** The caller's channel and the legs of this call in the channel index (ending a call does not scan every call's). */
  readonly channels: Set<string>;
  /** The call's logger (fields call and channel), made at its first line. */
  log?: Logger;
}

export class CallRegistry {
  private readonly calls = new Map<string, LiveCall>();
  private readonly byChannel = new Map<string, string>();
  /** The agent each ringing desk-phone leg was offered to, until it is answered, missed or hung up by the engine. */
  private readonly legAgents = new Map<string, string>();

  constructor(private readonly logger: Logger) {}

  /** Starts holding a call (a new one, or one resumed after a restart) and indexes its channels. */
  add(session: Session, plan: Plan, extra: Partial<LiveCall> = {}): LiveCall {
    const live: LiveCall = { session, plan, menuTimerHandle: null, confirmTimerHandle: null, bridge: null, agent: null, channels: new Set(), ...extra };
    this.calls.set(session.id, live);
    this.bind(session.channel, session.id);
    for (const l of session.legs) this.bind(l.channel, session.id);
    return live;
  }

  get(id: string): LiveCall | undefined {
    return this.calls.get(id);
  }

  has(id: string): boolean {
    return this.calls.has(id);
  }

  get size(): number {
    return this.calls.size;
  }

  ids(): string[] {
    return [...this.calls.keys()];
  }

  all(): IterableIterator<LiveCall> {
    return this.calls.values();
  }

  /** The call a channel (caller or leg) belongs to. */
  callOf(channel: string): string | undefined {
    return this.byChannel.get(channel);
  }

  /** Routes a channel's events to a call. */
  bind(channel: string, id: string): void {
    this.byChannel.set(channel, id);
    this.calls.get(id)?.channels.add(channel);
  }

  /** A channel of a call is gone. */
  unbind(channel: string): void {
    const id = this.byChannel.get(channel);
    this.byChannel.delete(channel);
    if (id) this.calls.get(id)?.channels.delete(channel);
  }

  /** Stops holding a call: its channels are no longer routed to it. */
  remove(id: string): LiveCall | undefined {
    const live = this.calls.get(id);
    if (!live) return undefined;
    this.calls.delete(id);
    for (const ch of live.channels) if (this.byChannel.get(ch) === id) this.byChannel.delete(ch);
    return live;
  }

  /** A desk-phone leg rings for this agent. */
  offered(leg: string, agent: string): void {
    this.legAgents.set(leg, agent);
  }

  /** The leg is no longer an open offer (answered, or the engine stopped it); the agent it was for. */
  offerClosed(leg: string): string | undefined {
    const agent = this.legAgents.get(leg);
    this.legAgents.delete(leg);
    return agent;
  }

  /** Every open offer to this agent is over (they missed it). */
  agentMissed(agent: string): void {
    for (const [leg, a] of this.legAgents) if (a === agent) this.legAgents.delete(leg);
  }

  /** The call's logger: every line carries its id and caller channel. */
  logOf(id: string): Logger {
    const live = this.calls.get(id);
    if (!live) return this.logger.child({ call: id });
    return (live.log ??= this.logger.child({ call: id, channel: live.session.channel }));
  }
}
