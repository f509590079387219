/**
 * Carries out the reconciliation planned in reconcile-plan.ts, after a reconnect or a restart:
 * resume every call Asterisk still has, close the calls that ended meanwhile (their events were
 * lost with the socket), hang up orphaned agent legs, send unknown callers to the failsafe and
 * remove bridges nobody uses. Nothing waits for a StasisStart that Asterisk will not repeat.
 */
import type { Logger } from '../logging/logger.js';
import { decide, decideActions } from '../routing/engine.js';
import type { Plan } from '../routing/types.js';
import type { CallRecord, WaitingEntry } from '../store/call-store.js';
import type { CallCounters } from './call-counters.js';
import type { Replay } from './call-journal.js';
import type { EffectContext } from './effect-context.js';
import { runEffects } from './effect-runner.js';
import { keptVoicemail, resumption, unusedBridges, type ResumeFacts } from './reconcile-plan.js';
import type { SmsOfferState } from './session-types.js';
import type { Inventory } from './telephony.js';

/** What the engine knew when the inventory was requested (see CallEngine.mark). */
export interface ReconcileMark {
  readonly calls: ReadonlySet<string>;
  readonly legs: ReadonlySet<string>;
}

export interface ReconcileReport {
  readonly resumed: number;
  readonly ended: number;
  readonly failsafe: number;
  readonly orphanLegs: number;
  readonly bridges: number;
  /** Channels an earlier run found wedged, still in Asterisk (not resumed). */
  readonly wedged: number;
}

export interface ReconcileParts extends EffectContext {
  readonly plan: Plan;
  readonly counters: CallCounters;
  readonly logger: Logger;
  readonly log: (message: string) => void;
  running(): boolean;
}

/** Why 2 s: a StasisStart that lost the race with the channel list arrives within milliseconds. */
const UNKNOWN_CALLER_GRACE_MS = 2000;

export function reconcile(p: ReconcileParts, inv: Inventory, adopt: (channel: string) => void, before: ReconcileMark): ReconcileReport {
  const report = { resumed: 0, ended: 0, failsafe: 0, orphanLegs: 0, bridges: 0, wedged: 0 };
  const present = new Set(inv.channels.map((c) => c.id));
  // A call on an Asterisk node the inventory could not read (down, not yet connected) is left as it is.
  const covered = inv.covers ?? (() => true);
  // Calls still held (a dropped socket): catch up on the hangups missed. Only calls and legs known
  // before the inventory was read: a newer one is simply not in it yet.
  for (const id of p.registry.ids()) {
    const live = p.registry.get(id);
    if (!live || !before.calls.has(id) || !covered(live.session.channel)) continue;
    for (const leg of live.session.legs) if (before.legs.has(leg.channel) && !present.has(leg.channel)) p.deliver(id, { type: 'leg-hangup', leg: leg.channel });
    if (!present.has(live.session.channel)) {
      p.deliver(id, { type: 'caller-hangup' });
      report.ended++;
    }
  }
  // Calls in the store from before a restart.
  const waiting = new Map(p.store.waiting().map((w) => [w.callId, w]));
  for (const call of p.store.openCalls()) {
    if (p.registry.has(call.id) || !covered(call.channelId)) continue;
    if (!present.has(call.channelId)) {
      report.ended++;
      // A caller who hung up during their message while the engine was away: the recording is kept.
      const kept = call.state === 'voicemail' ? keptVoicemail(call, facts(p, call)) : null;
      if (kept) {
        p.registry.add(kept.session, p.plan, { stored: call.state });
        resumed(p, call, 'caller gone, message kept', 'the caller left during the voicemail; the message is kept');
        runEffects(p, call.id, kept.effects);
      } else p.journal.endedMeanwhile(call.id, waiting.get(call.id)?.id ?? null);
      continue;
    }
    adopt(call.channelId);
    resume(p, call, waiting.get(call.id), inv);
    report.resumed++;
  }
  for (const c of inv.channels) {
    if (p.registry.callOf(c.id)) continue;
    // A channel an earlier run found wedged is reported again, not taken for a caller.
    const stuck = p.store.callByChannel(c.id);
    const wedgedAt = stuck ? p.store.events(stuck.id).find((e) => e.type === 'wedged')?.at : undefined;
    if (stuck && wedgedAt !== undefined) {
      report.wedged++;
      p.counters.wedge(c.id, stuck.id, wedgedAt);
    } else if (c.id.includes('-leg-') || c.role !== 'caller') {
      report.orphanLegs++;
      p.rescue.end(c.id, p.logger, 'an agent leg of no call');
    } else {
      // A caller who entered the application after the socket connected may be in the inventory
      // before its StasisStart reaches us (REST answers and events come in either order): give
      // the event a moment, then send a caller nobody took to the failsafe, never to silence.
      report.failsafe++;
      p.clock.after(UNKNOWN_CALLER_GRACE_MS, () => {
        if (!p.running() || p.registry.callOf(c.id)) return;
        p.logger.warn({ channel: c.id }, `channel ${c.id} is in the application but belongs to no call; sending it to the failsafe`);
        p.rescue.handOver(c.id);
      });
    }
  }
  const calls = [...p.registry.all()].map((l) => ({ bridge: l.bridge, queue: l.session.queue, channel: l.session.channel }));
  for (const b of unusedBridges(inv, calls, (q) => p.queues.bridgeOf(q))) {
    report.bridges++;
    p.rescue.tolerate(p.logger, `removing the unused bridge ${b}`, p.telephony.destroyBridge(b));
  }
  p.log(`reconciled with Asterisk: ${report.resumed} call(s) resumed, ${report.ended} ended meanwhile, ${report.orphanLegs} orphaned agent leg(s) hung up, ${report.failsafe} unknown call(s) to the failsafe, ${report.bridges} unused bridge(s) removed${report.wedged ? `, ${report.wedged} wedged channel(s) still in Asterisk (restart Asterisk to free them)` : ''}`);
  return report;
}

/** What the plan needs of the store and the routing core for one call. */
function facts(p: ReconcileParts, call: CallRecord): ResumeFacts {
  const offers = new Map<string, { agent: string; at: number }>();
  let attemptsMade = 0;
  let smsOffer: SmsOfferState | null = null;
  // On-call members already tried since the call's last decision to forward are not called again.
  const since = p.store.decisions(call.id).filter((d) => d.action === 'forward').at(-1)?.at ?? 0;
  for (const e of p.store.events(call.id)) {
    const d = e.data as { leg?: unknown; agent?: unknown } | null;
    if (e.type === 'offer' && typeof d?.leg === 'string' && typeof d.agent === 'string') offers.set(d.leg, { agent: d.agent, at: e.at });
    if (e.type === 'oncall-attempt' && e.at >= since) attemptsMade++;
    // A caller who took the queue's text offer is deflected if they hang up, after a restart too.
    const o = e.data as { message?: unknown; digit?: unknown } | null;
    if (e.type === 'sms-offered' && typeof o?.message === 'string' && typeof o.digit === 'string') smsOffer = { step: 'offered', message: o.message, digit: o.digit, playbackId: null };
    const heard: SmsOfferState | null = smsOffer;
    if (e.type === 'sms-queued' && heard && heard.message === o?.message) smsOffer = { ...heard, step: 'sent' };
  }
  const ctx = { did: call.did, caller: call.caller, at: call.arrivedAt };
  return {
    plan: p.plan,
    now: p.clock.now(),
    offers,
    attemptsMade,
    smsOffer,
    replayDecision: (replay: Replay) =>
      replay.origin.kind === 'entry'
        ? decide(p.plan, { ...ctx, inputs: replay.inputs, whenInputsEnd: 'await' }, p.snapshot())
        : decideActions(p.plan, { ...ctx, inputs: replay.inputs, whenInputsEnd: 'await', site: call.site, language: call.language, priority: call.priority, tags: [] }, replay.origin.actions, p.snapshot()),
    queueOutcome: (w: WaitingEntry) => {
      const d = decideActions(p.plan, { ...ctx, site: call.site, language: w.language, priority: w.priority }, [{ kind: 'queue', target: w.queue }]);
      return d.status === 'done' && d.outcome.action === 'queue' ? d.outcome : null;
    },
  };
}

/** Logs and stores how a call was taken back. */
function resumed(p: ReconcileParts, call: CallRecord, how: string, text = `${call.state}: ${how}`): void {
  p.logOf(call.id).info({ step: 'resumed', from: call.state, how }, `call ${call.id}: resumed after a restart (${text})`);
  p.journal.event(call.id, 'resumed', { from: call.state, how });
}

/** Takes a call of a previous run back in the state Asterisk shows it in (see reconcile-plan.ts). */
function resume(p: ReconcileParts, call: CallRecord, w: WaitingEntry | undefined, inv: Inventory): void {
  const r = resumption(call, w, inv, facts(p, call));
  const log = p.logOf(call.id);
  for (const leg of r.hangUp) p.rescue.end(leg, log, 'a leg of the call no longer needed');
  for (const t of r.take) p.telephony.adopt(t.leg, t.as);
  if (r.answeredFromQueue) p.store.leaveQueue(r.answeredFromQueue.entry, p.clock.now(), 'answered', r.answeredFromQueue.agent);
  const live = p.registry.add(r.session, p.plan, { bridge: r.bridge, agent: r.agent, stored: call.state });
  if (r.agent) p.agents.answered(r.agent);
  for (const l of r.ringing) {
    p.agents.offered(l.agent);
    p.registry.offered(l.leg, l.agent);
  }
  if (r.attempt) p.journal.attemptStarted(call.id, r.attempt.leg, r.attempt.member, r.attempt.number, r.attempt.startedAt, r.attempt.answeredAt);
  if (r.routeAgain) {
    p.logOf(call.id).info({ step: 'resumed', from: call.state }, `call ${call.id}: resumed after a restart (${call.state}: routed again)`);
    p.journal.event(call.id, 'resumed', { from: call.state, ...(r.replayed ?? {}) });
    p.deliver(call.id, { type: 'answered' });
    return;
  }
  resumed(p, call, r.how);
  if (r.requeue) {
    const q = r.requeue;
    p.pbx(call.id, 'resume in queue', p.queues.enqueue(call.id, call.channelId, q.queue, q.priority, q.language, { entryId: q.entryId, enqueuedAt: q.enqueuedAt, offering: q.offering, ...(q.bridge ? { bridge: q.bridge } : {}) }));
  }
  runEffects(p, call.id, r.effects);
  p.journal.follow(live);
}
