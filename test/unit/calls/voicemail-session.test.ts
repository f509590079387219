import { describe, expect, it } from 'vitest';
import type { OutcomeOf } from '../../../src/routing/types.js';
import { newSession, transition, type Effect, type Session, type SessionEvent } from '../../../src/calls/session.js';
import { sound, type RecordingResult } from '../../../src/calls/telephony.js';
import { startVoicemail } from '../../../src/calls/voicemail-session.js';

const outcome: OutcomeOf<'voicemail'> = { action: 'voicemail', target: 'front-desk', priority: 0, language: 'en', site: 'riverside', tags: [], voicemail: { maxLength: 120, attachAudio: false, email: ['desk@example.org'], greeting: null } };
const NAME = 'pbx-vm-c1';

/** A caller in voicemail; `resume`: the engine restarted during it. */
function start(how: { resume?: boolean; callerGone?: boolean } = {}) {
  const created = newSession('c1', 'chan-1', '+15125550100', '+15125550123', 0);
  const r = startVoicemail({ ...created.session, state: 'routing' }, outcome, [], how);
  if (!r.ok) throw new Error(r.error);
  return { session: r.session, effects: [...r.effects] };
}

function apply(s: Session, events: SessionEvent[]): { session: Session; effects: Effect[] } {
  const effects: Effect[] = [];
  for (const e of events) {
    const r = transition(s, e);
    if (!r.ok) throw new Error(r.error);
    s = r.session;
    effects.push(...r.effects);
  }
  return { session: s, effects };
}

const greeted: SessionEvent = { type: 'playback-ended', playbackId: 'c1-greeting', end: 'done' };
const recorded = (r: Partial<RecordingResult>): SessionEvent => ({ type: 'recording-ended', name: NAME, result: { end: 'done', duration: 12, talking: 10, silence: 2, ...r } });

describe('voicemail as transitions of the call session', () => {
  it('greeting and beep, then a recording of at most the mailbox length ending on silence or #; the message is kept, goodbye, hang-up, end', () => {
    const s = start();
    expect(s.effects).toEqual([{ kind: 'open-mailbox', mailbox: 'front-desk' }, { kind: 'play', playbackId: 'c1-greeting', media: [sound('vm-intro'), sound('beep')] }]);
    const rec = apply(s.session, [greeted]);
    expect(rec.effects).toEqual([{ kind: 'record', name: NAME, options: { maxDuration: 120, maxSilence: 5, terminateOn: '#' } }]);
    const kept = apply(rec.session, [recorded({})]);
    expect(kept.effects).toEqual([
      { kind: 'keep-voicemail', mailbox: 'front-desk', name: NAME, result: { end: 'done', duration: 12, talking: 10, silence: 2 } },
      { kind: 'play', playbackId: 'c1-goodbye', media: [sound('vm-goodbye')] },
    ]);
    const end = apply(kept.session, [{ type: 'playback-ended', playbackId: 'c1-goodbye', end: 'done' }]);
    expect(end.effects).toEqual([{ kind: 'hangup-caller' }, { kind: 'end', outcome: 'voicemail' }]);
  });

  it('a caller who hangs up while recording still leaves the message: the call ends when the recording does, with no goodbye', () => {
    const rec = apply(apply(start().session, [greeted]).session, [{ type: 'caller-hangup' }]);
    expect(rec.effects).toEqual([]);
    expect(rec.session.state).toBe('voicemail');
    const kept = apply(rec.session, [recorded({ end: 'hangup', duration: 7, talking: null, silence: null })]);
    expect(kept.effects.map((e) => e.kind)).toEqual(['keep-voicemail', 'end']);
    expect(kept.session.state).toBe('ended');
  });

  it('a caller who hangs up during the greeting leaves nothing; the prompt stops and the call ends', () => {
    const gone = apply(start().session, [{ type: 'caller-hangup' }]);
    expect(gone.effects).toEqual([{ kind: 'stop-playback', playbackId: 'c1-greeting' }, { kind: 'end', outcome: 'voicemail' }]);
  });

  it('an empty message is deleted, not kept; a caller still there hears goodbye', () => {
    const empty = apply(apply(start().session, [greeted]).session, [recorded({ duration: 0, talking: 0, silence: 5 })]);
    expect(empty.effects).toEqual([
      { kind: 'delete-recording', name: NAME, why: 'empty (done)' },
      { kind: 'play', playbackId: 'c1-goodbye', media: [sound('vm-goodbye')] },
    ]);
  });

  it('a recording Asterisk reports failed: deleted, and the caller goes to the failsafe (whose voicemail takes the message)', () => {
    const failed = apply(apply(start().session, [greeted]).session, [recorded({ end: 'failed', duration: 0 })]);
    expect(failed.effects).toEqual([
      { kind: 'delete-recording', name: NAME, why: 'the recording failed' },
      { kind: 'failsafe', reason: 'the voicemail recording for front-desk failed' },
    ]);
    expect(failed.session.state).toBe('ending');
  });

  it('after a restart: the running recording is taken back; with none, the caller hears the greeting again; a caller gone with none ends the call', () => {
    const resumed = start({ resume: true });
    expect(resumed.effects).toEqual([{ kind: 'open-mailbox', mailbox: 'front-desk' }, { kind: 'await-recording', name: NAME }]);
    expect(apply(resumed.session, [recorded({})]).effects.map((e) => e.kind)).toEqual(['keep-voicemail', 'play']);
    const none = apply(resumed.session, [{ type: 'recording-ended', name: NAME, result: null }]);
    expect(none.effects).toEqual([
      { kind: 'stop-playback', playbackId: 'c1-greeting' },
      { kind: 'play', playbackId: 'c1-greeting-again', media: [sound('vm-intro'), sound('beep')] },
    ]);
    const gone = apply(start({ resume: true, callerGone: true }).session, [{ type: 'recording-ended', name: NAME, result: null }]);
    expect(gone.effects).toEqual([{ kind: 'end', outcome: 'voicemail' }]);
  });

  it('keys, leg events and a stale recording name change nothing while recording', () => {
    const rec = apply(start().session, [greeted]);
    const after = apply(rec.session, [{ type: 'dtmf', digit: '#' }, { type: 'max-wait' }, { type: 'recording-ended', name: 'other', result: null }]);
    expect(after.effects).toEqual([]);
    expect(after.session).toEqual(rec.session);
  });
});
