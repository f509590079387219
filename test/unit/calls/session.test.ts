import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { loadPlan } from '../../../src/config/index.js';
import { decide, decideActions } from '../../../src/routing/engine.js';
import type { Snapshot } from '../../../src/routing/types.js';
import { newSession, transition, type Effect, type Session, type SessionEvent } from '../../../src/calls/session.js';
import { sound } from '../../../src/calls/telephony.js';

const plan = loadPlan('config/example-clinic.yaml').plan!;
const MONDAY_10 = DateTime.fromISO('2026-11-23T10:00', { zone: 'America/Chicago' }).toMillis();
const EVENING = DateTime.fromISO('2026-11-23T19:05', { zone: 'America/Chicago' }).toMillis();

/** Applies events one by one; a `route` effect is answered with a real decision of the routing core. */
function run(at: number, events: SessionEvent[], snapshot: Snapshot = {}) {
  const created = newSession('c1', 'chan-1', '+15125550100', '+15125550123', at);
  let session = created.session;
  const log: Effect[] = [...created.effects];
  const apply = (e: SessionEvent) => {
    const r = transition(session, e);
    if (!r.ok) throw new Error(r.error);
    session = r.session;
    log.push(...r.effects);
    for (const eff of r.effects) {
      if (eff.kind !== 'route') continue;
      const ctx = { did: session.did, caller: session.caller, at, inputs: eff.inputs, whenInputsEnd: 'await' as const, site: 'riverside' };
      const decision = eff.origin.kind === 'entry' ? decide(plan, ctx, snapshot) : decideActions(plan, { ...ctx, language: session.outcome?.language ?? 'en' }, eff.origin.actions, snapshot);
      const menuTimeout = decision.status === 'awaiting-input' ? plan.menus.get(decision.menu)!.timeout : 0;
      apply({ type: 'decided', decision, menuTimeout });
    }
  };
  for (const e of events) apply(e);
  return { session: session as Session, log };
}
const lastPlay = (log: Effect[]) => [...log].reverse().find((e) => e.kind === 'play') as Extract<Effect, { kind: 'play' }>;

describe('call session', () => {
  it('answers, plays the welcome and the menu prompt together, then waits for a key with the menu timeout', () => {
    const { session, log } = run(MONDAY_10, [{ type: 'answered' }]);
    expect(session.state).toBe('playing');
    expect(lastPlay(log).media).toEqual(['riverside/welcome', 'riverside/main-menu'].map(sound));
    const r = transition(session, { type: 'playback-ended', playbackId: session.playbackId!, end: 'done' });
    expect(r.ok && r.session.state).toBe('menu');
    expect(r.ok && r.effects).toEqual([{ kind: 'start-menu-timer', token: 2, seconds: 6 }]);
  });

  it('a key during the prompt stops it (barge-in) and routes to the queue', () => {
    const first = run(MONDAY_10, [{ type: 'answered' }]);
    const { session, log } = run(MONDAY_10, [{ type: 'answered' }, { type: 'dtmf', digit: '2' }]);
    expect(log).toContainEqual({ kind: 'stop-playback', playbackId: first.session.playbackId });
    expect(session.state).toBe('queued');
    expect(log).toContainEqual({ kind: 'enqueue', queue: 'billing', priority: 0, language: 'en' });
  });

  it('a timeout replays the menu; a key then takes the caller on, and Spanish prompts follow 9', () => {
    const a = run(MONDAY_10, [{ type: 'answered' }]);
    const pb = a.session.playbackId!;
    const b = run(MONDAY_10, [
      { type: 'answered' },
      { type: 'playback-ended', playbackId: pb, end: 'done' },
      { type: 'menu-timeout', token: 2 },
    ]);
    expect(b.session.state).toBe('playing');
    expect(lastPlay(b.log).media).toEqual(['riverside/main-menu'].map(sound));
    const c = run(MONDAY_10, [{ type: 'answered' }, { type: 'dtmf', digit: '9' }]);
    expect(lastPlay(c.log).media).toEqual(['riverside/main-menu-es'].map(sound));
    expect(c.session.inputs).toEqual(['9']);
  });

  it('the end of a prompt cut short by a key is ignored in whatever state the call has reached, not rejected', () => {
    const a = run(MONDAY_10, [{ type: 'answered' }]);
    const stopped = a.session.playbackId!;
    const keyed = transition(a.session, { type: 'dtmf', digit: '2' });
    expect(keyed.ok && keyed.session.state).toBe('routing');
    const routing = (keyed as Extract<typeof keyed, { ok: true }>).session;
    const r = transition(routing, { type: 'playback-ended', playbackId: stopped, end: 'stopped' });
    expect(r).toEqual({ ok: true, session: routing, effects: [] });
    // The current prompt's end still moves the call on.
    const b = run(MONDAY_10, [{ type: 'answered' }, { type: 'playback-ended', playbackId: stopped, end: 'done' }]);
    expect(b.session.state).toBe('menu');
  });

  it('a stale menu timer (after a key) is ignored', () => {
    const a = run(MONDAY_10, [{ type: 'answered' }]);
    const b = run(MONDAY_10, [{ type: 'answered' }, { type: 'playback-ended', playbackId: a.session.playbackId!, end: 'done' }, { type: 'dtmf', digit: '7' }]);
    const r = transition(b.session, { type: 'menu-timeout', token: 2 });
    expect(r.ok && r.session).toBe(b.session);
  });

  it('queue: an offer rings the agent; no answer puts the caller back; an answer connects', () => {
    const q = run(MONDAY_10, [{ type: 'answered' }, { type: 'dtmf', digit: '1' }, { type: 'offer', agents: [{ agent: 'maria', endpoint: 'PJSIP/1001' }], ringTimeout: 15 }]);
    expect(q.session.state).toBe('ringing');
    const leg = q.session.legs[0]!.channel;
    expect(q.log).toContainEqual({ kind: 'originate', leg, agent: 'maria', endpoint: 'PJSIP/1001', ringTimeout: 15 });
    const missed = transition(q.session, { type: 'leg-failed', leg, reason: 'no-answer' });
    expect(missed.ok && missed.session.state).toBe('queued');
    expect(missed.ok && missed.effects).toEqual([{ kind: 'leg-missed', agent: 'maria', reason: 'no-answer' }]);
    const answered = transition(q.session, { type: 'leg-answered', leg });
    expect(answered.ok && answered.session.state).toBe('connected');
    expect(answered.ok && answered.effects).toEqual([{ kind: 'dequeue', result: 'answered' }, { kind: 'connect', leg, agent: 'maria' }]);
    const done = transition((answered as { session: Session }).session, { type: 'leg-hangup', leg });
    expect(done.ok && done.effects).toEqual([{ kind: 'hangup-caller' }, { kind: 'end', outcome: 'answered' }]);
  });

  it('ring-all: the first agent to answer takes the call and the other phones are hung up', () => {
    const q = run(MONDAY_10, [
      { type: 'answered' },
      { type: 'dtmf', digit: '1' },
      { type: 'offer', agents: [{ agent: 'maria', endpoint: 'PJSIP/1001' }, { agent: 'james', endpoint: 'PJSIP/1002' }], ringTimeout: 15 },
    ]);
    const [a, b] = q.session.legs;
    const failedOne = transition(q.session, { type: 'leg-failed', leg: a!.channel, reason: 'busy' });
    expect(failedOne.ok && failedOne.session.state).toBe('ringing');
    const r = transition(q.session, { type: 'leg-answered', leg: b!.channel });
    expect(r.ok && r.effects).toEqual([{ kind: 'hangup-leg', leg: a!.channel }, { kind: 'dequeue', result: 'answered' }, { kind: 'connect', leg: b!.channel, agent: 'james' }]);
  });

  it('a caller who hangs up while waiting is abandoned and the ringing agent leg is hung up', () => {
    const q = run(MONDAY_10, [{ type: 'answered' }, { type: 'dtmf', digit: '1' }, { type: 'offer', agents: [{ agent: 'maria', endpoint: 'PJSIP/1001' }], ringTimeout: 15 }]);
    const r = transition(q.session, { type: 'caller-hangup' });
    expect(r.ok && r.effects).toEqual([{ kind: 'hangup-leg', leg: q.session.legs[0]!.channel }, { kind: 'dequeue', result: 'abandoned' }, { kind: 'end', outcome: 'abandoned' }]);
    expect(r.ok && r.session.state).toBe('ended');
  });

  it('maximum wait: the queue overflow (voicemail) takes over', () => {
    const { session, log } = run(MONDAY_10, [{ type: 'answered' }, { type: 'dtmf', digit: '1' }, { type: 'max-wait' }]);
    expect(log).toContainEqual({ kind: 'dequeue', result: 'overflow' });
    expect(session.state).toBe('voicemail');
    expect(session.outcome).toMatchObject({ action: 'voicemail', target: 'front-desk' });
    expect(log.slice(-2)).toEqual([
      { kind: 'open-mailbox', mailbox: 'front-desk' },
      { kind: 'play', playbackId: 'c1-greeting', media: [sound('vm-intro'), sound('beep')] },
    ]);
  });

  it('three invalid keys ring the front-desk group (ring-all); nobody answering leads to its voicemail', () => {
    const { session, log } = run(MONDAY_10, [{ type: 'answered' }, { type: 'dtmf', digit: '7' }, { type: 'dtmf', digit: '8' }, { type: 'dtmf', digit: '0' }]);
    expect(session.state).toBe('playing');
    expect(lastPlay(log).media).toEqual(['riverside/transfer-front-desk'].map(sound));
    const r = transition(session, { type: 'playback-ended', playbackId: session.playbackId!, end: 'done' });
    if (!r.ok) throw new Error(r.error);
    expect(r.session.state).toBe('ringing');
    expect(r.effects.filter((e) => e.kind === 'originate').map((e) => (e.kind === 'originate' ? e.endpoint : ''))).toEqual(['PJSIP/1001', 'PJSIP/1002', 'PJSIP/1006']);
    let s2 = r.session;
    const effects: Effect[] = [];
    for (const leg of r.session.legs) {
      const x = transition(s2, { type: 'leg-failed', leg: leg.channel, reason: 'no-answer' });
      if (!x.ok) throw new Error(x.error);
      s2 = x.session;
      effects.push(...x.effects);
    }
    expect(s2.state).toBe('routing');
    expect(effects.at(-1)).toMatchObject({ kind: 'route', origin: { kind: 'actions', actions: [{ kind: 'voicemail', target: 'front-desk' }] } });
  });

  it('after hours, 1 starts on-call forwarding at priority 9: hold the caller, call the on-call member through the trunk', () => {
    const { session, log } = run(EVENING, [{ type: 'answered' }, { type: 'dtmf', digit: '1' }]);
    expect(session.state).toBe('forwarding');
    expect(session.outcome).toMatchObject({ action: 'forward', target: 'on-call-nurse', priority: 9 });
    expect(log).toContainEqual({ kind: 'hold', media: [sound('pbx-router/oncall-please-hold')] });
    const o = session.outcome;
    if (o?.action !== 'forward') throw new Error('not forwarding');
    const first = o.forward.attempts[0]!;
    expect(log.at(-1)).toMatchObject({ kind: 'originate', endpoint: first.dial, external: { number: first.number, callerId: '+15125550100' } });
  });


  it('every decision is handed to the store', () => {
    const { log } = run(MONDAY_10, [{ type: 'answered' }, { type: 'dtmf', digit: '1' }]);
    expect(log.filter((e) => e.kind === 'record-decision')).toHaveLength(2);
  });

  it('an event a state does not accept is an explicit error', () => {
    const { session } = newSession('c9', 'chan-9', '+15125550100', '+15125550123', MONDAY_10);
    const r = transition(session, { type: 'leg-answered', leg: 'x' });
    expect(r).toEqual({ ok: false, error: 'call c9: event leg-answered is not accepted in state answering' });
  });
});
