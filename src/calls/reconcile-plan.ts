/**
 * Reconciliation after a reconnect or a restart, as a pure plan: from what Asterisk holds (the
 * inventory), the calls in memory and the calls in the store, what to do with each channel, call
 * and bridge. Nothing that is still going on is cut: a conversation stays bridged, a phone that
 * rings keeps ringing, a leg answered while the engine was away is connected, an on-call clinician
 * who answered is asked for the key again, a recording goes on and its message is kept. Anything
 * else goes back where the last decision sent the caller. reconcile.ts carries the plan out.
 */
import type { Decision, OutcomeOf, Plan } from '../routing/types.js';
import type { CallRecord, WaitingEntry } from '../store/call-store.js';
import type { Replay } from './call-journal.js';
import { callBridgeId } from './leg-effects.js';
import { holdingBridgeId } from './queues.js';
import { newSession } from './session.js';
import type { Effect, Session, SmsOfferState } from './session-types.js';
import { digitsOf, sound, type Inventory } from './telephony.js';
import { startVoicemail } from './voicemail-session.js';

type InvChannel = Inventory['channels'][number];

/** How one call of an earlier run is taken back. */
export interface Resumption {
  readonly session: Session;
  /** Legs that are the call's again, and legs it no longer needs (hung up). */
  readonly take: readonly { readonly leg: string; readonly as: 'ringing-leg' | 'answered-leg' }[];
  readonly hangUp: readonly string[];
  /** Desk-phone legs ringing again for their agents. */
  readonly ringing: readonly { readonly leg: string; readonly agent: string }[];
  /** The call's bridge and desk-phone agent when it is still talking. */
  readonly bridge: string | null;
  readonly agent: string | null;
  /** The queue entry closed: the agent answered while the engine was away. */
  readonly answeredFromQueue: { readonly entry: number; readonly agent: string } | null;
  /** The caller back in their queue, keeping their place. */
  readonly requeue: { readonly queue: string; readonly priority: number; readonly language: string; readonly entryId: number; readonly enqueuedAt: number; readonly offering: boolean; readonly bridge?: string } | null;
  /** The on-call attempt still open. */
  readonly attempt: { readonly leg: string; readonly member: string; readonly number: string; readonly startedAt: number; readonly answeredAt: number | null } | null;
  /** What the resumption is logged and stored as. */
  readonly how: string;
  /** Routed again (from the stored keys when there are some, `replayed`), rather than taken back where it was. */
  readonly routeAgain: boolean;
  readonly replayed: { readonly inputs: readonly string[]; readonly skipAttempts: number } | null;
  /** Effects run once the call is held again. */
  readonly effects: readonly Effect[];
}

/** What the plan needs besides the inventory: the routing core and the store's memory of the call. */
export interface ResumeFacts {
  readonly plan: Plan;
  readonly now: number;
  /** The legs this call's offers originated, with the agent and when. */
  readonly offers: ReadonlyMap<string, { readonly agent: string; readonly at: number }>;
  /** On-call members this call already tried since its last decision to forward. */
  readonly attemptsMade: number;
  /** The queue's text offer the caller heard (and took, `sent`), from the call's events. */
  readonly smsOffer: SmsOfferState | null;
  /** The call's last decision worked out again from its stored origin and keys. */
  replayDecision(replay: Replay): Decision;
  /** The call's queue outcome worked out again (its waiting entry's queue, language and priority). */
  queueOutcome(w: WaitingEntry): OutcomeOf<'queue'> | null;
}

/** The stored replay, or null when there is none or it is not one (an older engine's row). */
export function replayOf(json: string | null): Replay | null {
  if (!json) return null;
  try {
    const r = JSON.parse(json) as Partial<Replay>;
    const origin = r.origin;
    const okOrigin = origin?.kind === 'entry' || (origin?.kind === 'actions' && Array.isArray(origin.actions));
    if (!origin || !okOrigin || !Array.isArray(r.inputs) || !r.inputs.every((i) => typeof i === 'string')) return null;
    return { origin, inputs: r.inputs };
  } catch {
    return null;
  }
}

/** A voicemail whose caller left while the engine was away: the session that keeps the recording made and its effects, or null. */
export function keptVoicemail(call: CallRecord, facts: Pick<ResumeFacts, 'replayDecision'>): { readonly session: Session; readonly effects: readonly Effect[] } | null {
  const replay = replayOf(call.resume);
  if (!replay) return null;
  const d = facts.replayDecision(replay);
  if (d.status !== 'done' || d.outcome.action !== 'voicemail') return null;
  const created = newSession(call.id, call.channelId, call.did, call.caller, call.arrivedAt).session;
  const r = startVoicemail({ ...created, origin: replay.origin, inputs: replay.inputs }, d.outcome, [], { resume: true, callerGone: true });
  return r.ok ? r : null;
}

/** How a call of an earlier run whose caller is still in Asterisk is taken back. */
export function resumption(call: CallRecord, w: WaitingEntry | undefined, inv: Inventory, f: ResumeFacts): Resumption {
  const created = newSession(call.id, call.channelId, call.did, call.caller, call.arrivedAt).session;
  const legs = inv.channels.filter((c) => c.id.startsWith(`${call.id}-leg-`));
  const seq = Math.max(0, ...legs.map((l) => Number(/-leg-(\d+)$/.exec(l.id)?.[1] ?? 0))) + 1;
  const answered = legs.find((l) => l.answered);
  const offered = (l: InvChannel) => f.offers.get(l.id);
  const others = (keep: readonly string[]) => legs.filter((l) => !keep.includes(l.id)).map((l) => l.id);
  const base = { take: [], ringing: [], bridge: null, agent: null, answeredFromQueue: null, requeue: null, attempt: null, routeAgain: false, replayed: null, effects: [] };
  const held = (session: Session): Session => ({ ...session, seq: Math.max(session.seq, seq) });
  const replay = replayOf(call.resume);

  if (call.state === 'connected' && call.agent && answered) {
    const external = !f.plan.agents.has(call.agent);
    const session = held({ ...created, state: 'connected', legs: [{ channel: answered.id, agent: call.agent }], endAs: call.outcome === 'forward' ? 'forwarded' : null });
    return { ...base, session, take: [{ leg: answered.id, as: 'answered-leg' }], hangUp: others([answered.id]), bridge: callBridgeId(call.id), agent: external ? null : call.agent, how: 'still talking' };
  }
  if (w && f.plan.queues.has(w.queue)) {
    const queued: Session = { ...created, state: 'queued', queue: w.queue, outcome: f.queueOutcome(w), smsOffer: f.smsOffer };
    const agent = answered ? offered(answered)?.agent : undefined;
    if (answered && agent) {
      // Answered while the engine was away, or the whisper was playing: the agent is there; connect them.
      const session = held({ ...queued, state: 'connected', queue: null, legs: [{ channel: answered.id, agent }] });
      return { ...base, session, take: [{ leg: answered.id, as: 'answered-leg' }], hangUp: others([answered.id]), answeredFromQueue: { entry: w.id, agent }, how: 'answered while the engine was away', effects: [{ kind: 'connect', leg: answered.id, agent }] };
    }
    const ringing = legs.filter((l) => !l.answered && offered(l)).map((l) => ({ leg: l.id, agent: offered(l)!.agent }));
    const session = held(ringing.length ? { ...queued, state: 'ringing', legs: ringing.map((r) => ({ channel: r.leg, agent: r.agent })) } : queued);
    const bridge = inv.bridges.find((b) => b.id.startsWith(holdingBridgeId(w.queue)) && b.channels.includes(call.channelId))?.id;
    const requeue = { queue: w.queue, priority: w.priority, language: w.language, entryId: w.id, enqueuedAt: w.enteredAt, offering: ringing.length > 0, ...(bridge ? { bridge } : {}) };
    return { ...base, session, take: ringing.map((r) => ({ leg: r.leg, as: 'ringing-leg' as const })), hangUp: others(ringing.map((r) => r.leg)), ringing, requeue, how: ringing.length ? 'waiting, an agent ringing' : 'waiting' };
  }
  const decided = replay ? f.replayDecision(replay) : null;
  const o = decided?.status === 'done' ? decided.outcome : null;
  if (replay && call.state === 'forwarding' && o?.action === 'forward' && legs.length > 0) {
    const leg = answered ?? legs[0]!;
    const attempt = o.forward.attempts[f.attemptsMade];
    if (attempt && offered(leg)?.agent === attempt.member) {
      const up = leg.answered;
      const token = created.seq + seq + 1;
      const session = held({ ...created, state: 'forwarding', origin: replay.origin, inputs: replay.inputs, outcome: o, endAs: 'forwarded', forward: { index: f.attemptsMade, leg: leg.id, answered: up, confirmToken: up ? token : null }, legs: [{ channel: leg.id, agent: attempt.member }], seq: token });
      // Whether they heard the prompt before the restart is not known: ask again, with a fresh time to answer.
      const confirm = o.forward.confirm;
      const effects: Effect[] = up
        ? [
            { kind: 'play', playbackId: `${call.id}-pb-${token}`, media: [sound('pbx-router/oncall-urgent-call'), ...digitsOf(confirm.digit)], channel: leg.id },
            { kind: 'start-confirm-timer', token, seconds: confirm.timeout },
          ]
        : [];
      const open = { leg: leg.id, member: attempt.member, number: attempt.number, startedAt: offered(leg)!.at, answeredAt: up ? f.now : null };
      return { ...base, session, take: [{ leg: leg.id, as: up ? 'answered-leg' : 'ringing-leg' }], hangUp: others([leg.id]), attempt: open, how: up ? 'clinician on the line, asked for the key again' : 'clinician ringing', effects };
    }
  }
  if (replay && call.state === 'ringing' && o && legs.length > 0) {
    const rung = legs.filter((l) => offered(l));
    if (rung.length > 0) {
      const ringTimeout = o.action === 'ring-group' ? o.ringGroup.ringTimeout : 20;
      const rungBase: Session = { ...created, origin: replay.origin, inputs: replay.inputs, outcome: o, ringTimeout };
      const up = rung.find((l) => l.answered);
      if (up) {
        const agent = offered(up)!.agent;
        const session = held({ ...rungBase, state: 'connected', legs: [{ channel: up.id, agent }] });
        return { ...base, session, take: [{ leg: up.id, as: 'answered-leg' }], hangUp: others([up.id]), how: 'answered while the engine was away', effects: [{ kind: 'connect', leg: up.id, agent }] };
      }
      const ringing = rung.map((l) => ({ leg: l.id, agent: offered(l)!.agent }));
      const session = held({ ...rungBase, state: 'ringing', legs: ringing.map((r) => ({ channel: r.leg, agent: r.agent })) });
      return { ...base, session, take: ringing.map((r) => ({ leg: r.leg, as: 'ringing-leg' as const })), hangUp: others(ringing.map((r) => r.leg)), ringing, how: 'phones ringing' };
    }
  }
  if (replay && call.state === 'voicemail' && o?.action === 'voicemail') {
    const r = startVoicemail({ ...created, origin: replay.origin, inputs: replay.inputs }, o, [], { resume: true });
    if (r.ok) return { ...base, session: held(r.session), hangUp: others([]), how: 'recording goes on', effects: r.effects };
  }
  // Anywhere else (a menu, a destination being set up): the caller is put back where the last
  // decision sent them, by replaying its keys without the prompts already heard.
  const session = held(replay ? { ...created, origin: replay.origin, inputs: replay.inputs, replay: { skipAttempts: f.attemptsMade } } : created);
  return { ...base, session, hangUp: others([]), how: 'routed again', routeAgain: true, replayed: replay ? { inputs: replay.inputs, skipAttempts: f.attemptsMade } : null };
}

/** Bridges of the application no call uses: not a connected call's, nor the holding bridge a caller waits in or a queue uses now. */
export function unusedBridges(inv: Inventory, calls: Iterable<{ readonly bridge: string | null; readonly queue: string | null; readonly channel: string }>, queueBridge: (queue: string) => string | null): string[] {
  const used = new Set<string>();
  for (const c of calls) {
    if (c.bridge) used.add(c.bridge);
    if (!c.queue) continue;
    // A resumed caller's holding bridge (whatever its suffix), or the one the queue uses now.
    for (const b of inv.bridges) if (b.id.startsWith(holdingBridgeId(c.queue)) && b.channels.includes(c.channel)) used.add(b.id);
    const current = queueBridge(c.queue);
    if (current) used.add(current);
  }
  return inv.bridges.filter((b) => !used.has(b.id)).map((b) => b.id);
}
