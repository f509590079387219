import { describe, expect, it } from 'vitest';
import type { OutcomeOf } from '../../../src/routing/types.js';
import { callbackNumber, startCallback } from '../../../src/calls/callback-session.js';
import { newSession, transition, type Effect, type Session, type SessionEvent } from '../../../src/calls/session.js';

const outcome: OutcomeOf<'callback'> = { action: 'callback', target: 'nurse-callbacks', priority: 0, language: 'en', site: 'riverside', tags: [], callback: { reasons: { '1': 'refill' }, deadline: null, webhook: null } };

/** A session that has just started callback capture for `caller`. */
function capture(caller: string) {
  return run(caller, []);
}

/** The prompt ends, then its key timer runs out (the token the session gave the timer). */
const promptThenSilence = (n: number): ((s: Session) => SessionEvent)[] =>
  Array.from({ length: n }, () => [(x: Session) => ({ type: 'playback-ended', playbackId: x.callback!.playbackId!, end: 'done' }) as SessionEvent, (x: Session) => ({ type: 'menu-timeout', token: x.callback!.timer! }) as SessionEvent]).flat();

function run(caller: string, steps: ((s: Session) => SessionEvent)[]) {
  const created = newSession('c1', 'chan-1', '+15125550100', caller, 0);
  const started = startCallback({ ...created.session, state: 'routing' }, outcome, []);
  if (!started.ok) throw new Error(started.error);
  let session = started.session;
  const effects: Effect[] = [...started.effects];
  for (const step of steps) {
    const r = transition(session, step(session));
    if (!r.ok) throw new Error(r.error);
    session = r.session;
    effects.push(...r.effects);
  }
  return { session, effects };
}

const plays = (effects: Effect[]) => effects.filter((e): e is Extract<Effect, { kind: 'play' }> => e.kind === 'play').map((e) => e.media.map((m) => (m.kind === 'sound' ? m.name : m.kind === 'digit' ? `digits/${m.digit}` : String(m.value))));

describe('callback capture (issue 13)', () => {
  it('a caller who presses nothing after the confirmation prompt is asked again when the key timer runs out, and after 3 tries the callback is kept', () => {
    const { effects, session } = run('+15125550123', promptThenSilence(3));
    const confirms = plays(effects).filter((p) => p[0] === 'pbx-router/callback-we-will-call');
    expect(confirms).toHaveLength(3);
    expect(effects).toContainEqual({ kind: 'create-callback', list: 'nurse-callbacks', number: '+15125550123', reason: null });
    expect(session.state).toBe('playing');
  });

  it('digits typed without # are taken when the key timer runs out', () => {
    const { effects } = run('anonymous', [
      (x) => ({ type: 'playback-ended', playbackId: x.callback!.playbackId!, end: 'done' }),
      ...[...'5125550188'].map((d) => () => ({ type: 'dtmf', digit: d }) as SessionEvent),
      (x) => ({ type: 'menu-timeout', token: x.callback!.timer! }),
    ]);
    expect(plays(effects).at(-1)).toEqual(['pbx-router/callback-we-will-call', ...[...'5125550188'].map((d) => `digits/${d}`), 'pbx-router/callback-press-1-or-2']);
  });

  it('a caller id with a comma, or 60 digits long, is not read back or stored: the caller is asked to type a number', () => {
    for (const caller of ['+1512,5550123', `+${'9'.repeat(60)}`]) {
      expect(callbackNumber(caller)).toBeNull();
      const { effects, session } = capture(caller);
      expect(plays(effects)).toEqual([['pbx-router/callback-enter-number']]);
      expect(session.callback?.number).toBeNull();
    }
    expect(callbackNumber('+15125550123')).toBe('+15125550123');
  });
});
