/**
 * Effects on the legs of a call: desk phones and on-call cells rung (the toll-fraud guard checks
 * every outside number first), a leg connected to the caller in the call's own bridge, a leg the
 * engine stops, a missed offer; the caller's hold while on-call members are tried.
 */
import type { Handlers } from './effect-context.js';
import { TelephonyError } from './telephony.js';

/** The mixing bridge of a connected call (a restarted engine finds the call's by it). */
export const callBridgeId = (id: string) => `pbx-call-${id}`;

export const legEffects: Pick<Handlers, 'originate' | 'hangup-leg' | 'leg-missed' | 'connect' | 'hold' | 'unhold' | 'start-confirm-timer' | 'cancel-confirm-timer' | 'record-attempt'> = {
  originate(ctx, id, live, e) {
    const s = live.session;
    const now = ctx.clock.now();
    if (e.external) {
      const refused = ctx.guard.check(live.plan, e.endpoint, e.external.number, now);
      if (refused) {
        ctx.logOf(id).warn({ member: e.agent, reason: refused }, `call ${id}: refused to dial ${e.external.number} for ${e.agent}: ${refused}`);
        ctx.journal.event(id, 'dial-refused', { member: e.agent, number: e.external.number, reason: refused });
        queueMicrotask(() => ctx.deliver(id, { type: 'leg-failed', leg: e.leg, reason: 'refused' }));
        return;
      }
      ctx.journal.attemptStarted(id, e.leg, e.agent, e.external.number);
    } else {
      ctx.agents.offered(e.agent);
      ctx.registry.offered(e.leg, e.agent);
    }
    ctx.registry.bind(e.leg, id);
    // The leg's id is kept with the offer: a restarted engine finds whose phone a ringing leg is.
    ctx.journal.event(id, 'offer', { agent: e.agent, endpoint: e.endpoint, leg: e.leg, ...(e.external ? { number: e.external.number } : {}) });
    ctx.telephony.originate({ channelId: e.leg, endpoint: e.endpoint, callerId: e.external?.callerId ?? s.caller, timeout: e.ringTimeout, role: e.external ? 'oncall' : 'agent', caller: s.channel }).catch((err: unknown) => {
      // An unregistered phone answers the originate with 500 "Allocation failed": a missed offer, not a failed call.
      ctx.registry.unbind(e.leg);
      ctx.deliver(id, { type: 'leg-failed', leg: e.leg, reason: err instanceof TelephonyError && err.code === 'allocation-failed' ? 'unreachable' : 'failed' });
    });
  },
  'hangup-leg'(ctx, id, _live, e) {
    ctx.registry.unbind(e.leg);
    // A phone the engine stops ringing (the caller left, a colleague answered) frees its agent.
    const agent = ctx.registry.offerClosed(e.leg);
    if (agent) ctx.agents.withdrawn(agent);
    ctx.rescue.end(e.leg, ctx.logOf(id), 'the offer is over');
  },
  'leg-missed'(ctx, id, live, e) {
    const s = live.session;
    const q = s.queue ? live.plan.queues.get(s.queue) : undefined;
    ctx.journal.event(id, 'offer-missed', { agent: e.agent, reason: e.reason });
    ctx.registry.agentMissed(e.agent);
    // Only queue offers count towards not-ready; a direct or group ring that nobody takes does not.
    ctx.agents.missed(e.agent, e.reason, q?.maxMisses ?? Number.POSITIVE_INFINITY);
    if (s.state === 'queued') ctx.queues.offerEnded(id);
  },
  connect(ctx, id, live, e) {
    const bridge = callBridgeId(id);
    live.bridge = bridge;
    ctx.registry.offerClosed(e.leg);
    if (!e.external) {
      live.agent = e.agent;
      ctx.agents.answered(e.agent);
    }
    ctx.journal.connected(id, e.agent);
    const { telephony, rescue } = ctx;
    const caller = live.session.channel;
    ctx.pbx(
      id,
      'connect',
      rescue
        .retry(() =>
          telephony.createBridge(bridge, 'mixing', `call ${id}`).catch((err: unknown) => {
            // A retry after a time-out finds the bridge the first request made.
            if (!(err instanceof TelephonyError && err.code === 'conflict')) throw err;
          }),
        )
        .then(() => rescue.retry(() => telephony.addToBridge(bridge, caller)))
        .then(() => rescue.retry(() => telephony.addToBridge(bridge, e.leg))),
    );
  },
  hold(ctx, id, live, e) {
    const channel = live.session.channel;
    ctx.pbx(
      id,
      'hold',
      ctx.telephony.play(channel, `${id}-hold`, e.media, live.language).then((end) => {
        if (end !== 'hangup' && ctx.registry.get(id)?.session.state === 'forwarding') return ctx.telephony.startMoh(channel, 'default');
      }),
    );
  },
  unhold(ctx, id, live) {
    const log = ctx.logOf(id);
    ctx.rescue.tolerate(log, 'stopping the hold prompt', ctx.telephony.stopPlayback(`${id}-hold`));
    ctx.rescue.tolerate(log, 'stopping the hold music', ctx.rescue.retry(() => ctx.telephony.stopMoh(live.session.channel)));
  },
  'start-confirm-timer'(ctx, id, live, e) {
    live.confirmTimerHandle = ctx.clock.after(e.seconds * 1000, () => ctx.deliver(id, { type: 'confirm-timeout', token: e.token }));
  },
  'cancel-confirm-timer'(ctx, _id, live) {
    ctx.clock.cancel(live.confirmTimerHandle);
  },
  'record-attempt'(ctx, id, _live, e) {
    ctx.journal.attemptEnded(id, e.member, e.number, e.result);
  },
};
