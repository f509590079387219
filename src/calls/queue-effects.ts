/**
 * Effects of waiting: joining a queue, leaving it (what the caller hears next waits until they are
 * out of the holding bridge), and callback requests (from the IVR capture, or * in a queue, which
 * keeps the caller's place: it is stored with the time they joined).
 */
import type { Handlers } from './effect-context.js';

export const queueEffects: Pick<Handlers, 'enqueue' | 'dequeue' | 'callback-request' | 'create-callback'> = {
  enqueue(ctx, id, live, e) {
    ctx.pbx(id, 'enqueue', ctx.queues.enqueue(id, live.session.channel, e.queue, e.priority, e.language));
  },
  dequeue(ctx, id, live, e) {
    live.leaving = ctx.queues.dequeue(id, e.result, e.result === 'answered' ? (live.session.legs[0]?.agent ?? null) : null);
  },
  'create-callback'(ctx, id, live, e) {
    const cb = ctx.journal.callback(id, live.plan, { list: e.list, number: e.number, reason: e.reason, createdAt: ctx.clock.now() });
    if (cb !== null) ctx.onCallback(cb);
  },
  'callback-request'(ctx, id, live, e) {
    // Runs before the caller leaves the queue (see queue-session.ts): their place is still known.
    const cb = ctx.journal.callback(id, live.plan, { list: e.list, number: live.session.caller, reason: 'queue-callback', createdAt: ctx.queues.enteredAt(id) ?? ctx.clock.now() });
    if (cb !== null) ctx.onCallback(cb);
  },
};
