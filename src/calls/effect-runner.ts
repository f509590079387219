/**
 * Carries out a call's effects: one handler per effect kind (here, and in the leg, queue,
 * voicemail and sms effect files), each PBX request through `pbx()`, which logs a failure and sends the
 * caller to the failsafe. A handler that throws does the same: nothing here leaves a caller in
 * silence or takes the process down.
 */
import { performance } from 'node:perf_hooks';
import { decide, decideActions } from '../routing/engine.js';
import { stepLine, type StepLine } from './call-log.js';
import { decisionLanguage } from './call-language.js';
import type { LiveCall } from './call-registry.js';
import type { EffectContext, Handler, Handlers } from './effect-context.js';
import { legEffects } from './leg-effects.js';
import { queueEffects } from './queue-effects.js';
import { isGone } from './rescue.js';
import { smsEffects } from './sms-effects.js';
import type { Effect } from './session-types.js';
import { voicemailEffects } from './voicemail.js';

const callEffects: Pick<Handlers, 'answer' | 'route' | 'record-decision' | 'play' | 'stop-playback' | 'start-menu-timer' | 'cancel-menu-timer' | 'failsafe' | 'hangup-caller' | 'end'> = {
  answer(ctx, id, live) {
    ctx.pbx(id, 'answer', ctx.rescue.retry(() => ctx.telephony.answer(live.session.channel)), () => {
      // The call goes on first: a store write that throws must not leave it in 'answering'.
      ctx.deliver(id, { type: 'answered' });
      ctx.journal.answered(id);
    });
  },
  route(ctx, id, live, e) {
    const s = live.session;
    const snapshot = ctx.snapshot();
    const at = { did: s.did, caller: s.caller, at: s.arrivedAt, inputs: e.inputs, whenInputsEnd: 'await' as const };
    const started = performance.now();
    const d =
      e.origin.kind === 'entry'
        ? decide(live.plan, at, snapshot)
        : decideActions(live.plan, { ...at, site: s.outcome?.site ?? null, language: s.outcome?.language ?? live.plan.clinic.language, priority: s.outcome?.priority ?? 0, tags: s.outcome?.tags ?? [] }, e.origin.actions, snapshot);
    ctx.decisionTime?.observe((performance.now() - started) / 1000);
    const menuTimeout = d.status === 'awaiting-input' ? (live.plan.menus.get(d.menu)?.timeout ?? 5) : 0;
    queueMicrotask(() => ctx.deliver(id, { type: 'decided', decision: d, menuTimeout }));
  },
  'record-decision'(ctx, _id, live, e) {
    live.language = decisionLanguage(e.decision, live.language ?? live.plan.clinic.language);
    ctx.journal.decided(live.session, e.decision);
  },
  play(ctx, id, live, e) {
    const channel = e.channel ?? live.session.channel;
    // To the caller: after they are out of the holding bridge they just left; in their language.
    const ready = e.channel ? Promise.resolve() : ctx.leftQueue(live);
    const language = e.channel ? undefined : live.language;
    ctx.pbx(id, 'play', ready.then(() => ctx.telephony.play(channel, e.playbackId, e.media, language)).then((end) => ctx.deliver(id, { type: 'playback-ended', playbackId: e.playbackId, end })));
  },
  'stop-playback'(ctx, id, _live, e) {
    ctx.rescue.tolerate(ctx.logOf(id), 'stopping the prompt', ctx.telephony.stopPlayback(e.playbackId));
  },
  'start-menu-timer'(ctx, id, live, e) {
    live.menuTimerHandle = ctx.clock.after(e.seconds * 1000, () => ctx.deliver(id, { type: 'menu-timeout', token: e.token }));
  },
  'cancel-menu-timer'(ctx, _id, live) {
    ctx.clock.cancel(live.menuTimerHandle);
    live.menuTimerHandle = null;
  },
  failsafe(ctx, id, live, e) {
    // The caller goes to the dialplan first (checked, then hung up, then counted wedged if they
    // are still in the application): recording it cannot keep them here.
    ctx.rescue.handOver(live.session.channel, ctx.logOf(id));
    ctx.journal.event(id, 'failsafe', { reason: e.reason });
    ctx.finish(id, 'failsafe');
  },
  'hangup-caller'(ctx, id, live) {
    ctx.rescue.end(live.session.channel, ctx.logOf(id), 'the call is over');
  },
  end(ctx, id, _live, e) {
    ctx.finish(id, e.outcome);
  },
};

const HANDLERS: Handlers = { ...callEffects, ...legEffects, ...queueEffects, ...voicemailEffects, ...smsEffects };

/** Runs effects in order, each logged as a step of the call's life when it is one (see call-log.ts). */
export function runEffects(ctx: EffectContext, id: string, effects: readonly Effect[]): void {
  for (const e of effects) {
    const live = ctx.registry.get(id);
    if (!live) return;
    try {
      // A step is logged before it runs (the end comes after a failsafe line); joining a queue after, with the place taken.
      if (e.kind !== 'enqueue') logStep(ctx, id, live, e);
      (HANDLERS[e.kind] as Handler<typeof e.kind>)(ctx, id, live, e as never);
      if (e.kind === 'enqueue') logStep(ctx, id, live, e);
    } catch (err) {
      ctx.fail(id, `${e.kind}: ${(err as Error).message}`);
    }
  }
}

function logStep(ctx: EffectContext, id: string, _live: LiveCall, e: Effect): void {
  let line: StepLine | null;
  const place = e.kind === 'enqueue' || e.kind === 'dequeue' ? ctx.queues.place(id) : null;
  if (e.kind === 'dequeue') line = stepLine(id, e, { left: { queue: place?.queue ?? null, waitedMs: place ? ctx.clock.now() - place.enteredAt : null } });
  else if (e.kind === 'enqueue') line = stepLine(id, e, { position: place?.joinedAt ?? null });
  else line = stepLine(id, e);
  if (line) ctx.logOf(id)[line.level](line.fields, line.msg);
}

/** `pbx()` of the effect context: a failure sends the call to the failsafe unless the channel is gone. */
export function pbxRequest(ctx: Pick<EffectContext, 'fail' | 'logOf'>, id: string, what: string, p: Promise<unknown>, onOk?: () => void): void {
  const ok = () => {
    try {
      onOk?.();
    } catch (err) {
      // Called from a promise: a throw here would be an unhandled rejection that ends the process.
      ctx.logOf(id).error({ err }, `call ${id}: after ${what}: ${(err as Error).message}`);
    }
  };
  p.then(ok, (err: unknown) => {
    if (isGone(err)) return;
    ctx.fail(id, `${what} failed: ${(err as Error).message}`);
  });
}
