/**
 * Texts in the call session (pure): an `sms` step asks for one text per decision, never again when
 * a later decision repeats the steps before a menu, nor when a decision is replayed after a restart;
 * the queue's text offer is heard once, its key sends the text, and hanging up after it is a deflection.
 */
import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { newSession, transition, type Effect, type Session, type SessionEvent } from '../../../src/calls/session.js';
import { compileSources } from '../../../src/config/index.js';
import { decide } from '../../../src/routing/engine.js';

const yaml = readFileSync('config/example-clinic.yaml', 'utf8').replace('        - setLanguage: es\n        - menu: after-hours', '        - setLanguage: es\n        - sms: book-online\n        - menu: after-hours');
const plan = compileSources([{ path: 'inline.yaml', text: yaml }]).plan!;
const EVENING = DateTime.fromISO('2026-11-23T19:05', { zone: 'America/Chicago' }).toMillis();

function step(s: Session, e: SessionEvent): { session: Session; effects: readonly Effect[] } {
  const r = transition(s, e);
  if (!r.ok) throw new Error(r.error);
  return { session: r.session, effects: r.effects };
}
const decided = (inputs: string[]): SessionEvent => {
  const decision = decide(plan, { did: '+15125550100', caller: '+15125550123', at: EVENING, inputs, whenInputsEnd: 'await' });
  return { type: 'decided', decision, menuTimeout: 6 };
};
const texts = (effects: readonly Effect[]) => effects.filter((e) => e.kind === 'send-sms');

describe('sms steps of a decision', () => {
  it('one text for the decision that reached the step, none for the next one that repeats it', () => {
    let s = step(newSession('c1', 'ch', '+15125550100', '+15125550123', EVENING).session, { type: 'answered' }).session;
    s = step(s, decided([])).session;
    s = { ...s, state: 'routing', playbackId: null, afterPlay: null, inputs: ['9'] };
    const first = step(s, decided(['9']));
    expect(texts(first.effects)).toEqual([{ kind: 'send-sms', message: 'book-online', site: 'riverside' }]);
    const menu = step(first.session, { type: 'playback-ended', playbackId: first.session.playbackId!, end: 'done' }).session;
    const routing = step(menu, { type: 'dtmf', digit: '2' }).session;
    expect(texts(step(routing, decided(['9', '2'])).effects)).toEqual([]);
  });

  it('a decision replayed after a restart sends nothing', () => {
    const s: Session = { ...newSession('c1', 'ch', '+15125550100', '+15125550123', EVENING).session, state: 'routing', inputs: ['9'], replay: { skipAttempts: 0 } };
    expect(texts(step(s, decided(['9'])).effects)).toEqual([]);
  });
});

describe('the queue text offer', () => {
  const queued: Session = { ...newSession('c1', 'ch', '+15125550100', '+15125550123', EVENING).session, state: 'queued', queue: 'scheduling' };

  it('heard once; its key sends the text and keeps the caller queued; hanging up then is sms-deflected', () => {
    const offered = step(queued, { type: 'sms-offer', message: 'book-online', digit: '2' });
    expect(offered.effects).toMatchObject([{ kind: 'play', media: [{ kind: 'sound', name: 'pbx-router/sms-offer' }] }]);
    expect(step(offered.session, { type: 'sms-offer', message: 'book-online', digit: '2' }).effects).toEqual([]);
    expect(step(offered.session, { type: 'dtmf', digit: '3' }).effects).toEqual([]);
    const sent = step(offered.session, { type: 'dtmf', digit: '2' });
    expect(sent.session.state).toBe('queued');
    expect(sent.effects.map((e) => e.kind)).toEqual(['stop-playback', 'send-sms', 'play']);
    expect(step(sent.session, { type: 'dtmf', digit: '2' }).effects).toEqual([]);
    expect(step(sent.session, { type: 'caller-hangup' }).effects).toContainEqual({ kind: 'end', outcome: 'sms-deflected' });
    expect(step(offered.session, { type: 'caller-hangup' }).effects).toContainEqual({ kind: 'end', outcome: 'abandoned' });
  });

  it('an agent rung for the caller stops the offer prompt (once; not after it ended)', () => {
    const offered = step(queued, { type: 'sms-offer', message: 'book-online', digit: '2' }).session;
    const ring = { type: 'offer', agents: [{ agent: 'james', endpoint: 'PJSIP/1002' }], ringTimeout: 15 } as const;
    expect(step(offered, ring).effects[0]).toEqual({ kind: 'stop-playback', playbackId: offered.smsOffer!.playbackId });
    const ended = step(offered, { type: 'playback-ended', playbackId: offered.smsOffer!.playbackId!, end: 'done' }).session;
    expect(step(ended, ring).effects.map((e) => e.kind)).toEqual(['originate']);
  });
});
