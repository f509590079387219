import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { runCli as run } from './cli-helpers.js';
import { loadPlan } from '../src/config/index.js';
import { SmsStore } from '../src/store/sms-store.js';
import { engineOnFakePbx } from './support/engine-fixture.js';
import { MAIN } from './support/numbers.js';

const plan = loadPlan('config/example-clinic.yaml').plan!;
const ZONE = 'America/Chicago';


/** Monday 10:00: one caller answered by James after 3 s, one who gives up after 20 s; Tuesday evening one to voicemail. */
async function twoDays() {
  const { dbPath: db, clock, pbx, store, engine } = engineOnFakePbx({ plan, at: '2026-11-23T10:00', zone: ZONE, db: 'temp', voicemail: true });
  for (const a of plan.agents.keys()) if (a !== 'james') engine.pauseAgent(a, true);
  pbx.agent('PJSIP/1002', { answerAfter: 3000, talkFor: 60_000 });
  const a = pbx.call(MAIN, '+15125550123');
  await clock.advance(500);
  pbx.press(a, '1');
  await clock.advance(500);
  const b = pbx.call(MAIN, '+15125550124');
  await clock.advance(500);
  pbx.press(b, '1');
  await clock.advance(20_000);
  pbx.hangupFrom(b);
  await clock.advance(60_000);
  await clock.advance(DateTime.fromISO('2026-11-24T19:05', { zone: ZONE }).toMillis() - clock.now());
  const c = pbx.call(MAIN, '+15125550125');
  await clock.advance(500);
  pbx.press(c, '2');
  // Greeting and beep, a 5-second message ended by silence, goodbye.
  await clock.advance(30_000);
  return { db, store, ids: [a, b, c].map((ch) => store.callByChannel(ch)!.id) };
}

describe('pbx-router report', () => {
  it('a day: outcomes, the queue with its waits and talk time; another day only its own calls', async () => {
    const { db } = await twoDays();
    const monday = await run('report', '--from', '2026-11-23', '--db', db, '--tz', ZONE);
    expect(monday.err).toBe('');
    expect(monday.out.split('\n')).toEqual([
      'calls from Mon 2026-11-23 00:00 CST to Tue 2026-11-24 00:00 CST: 2',
      '  by site: riverside 2',
      '  how they ended: answered 1, abandoned 1',
      '  answered by an agent or clinician: 50% of ended calls; to the failsafe: 0',
      '  queue scheduling: 2 caller(s): answered 1, abandoned 1; answered 50%, abandoned 50%',
      '    wait avg 11.5 s, p90 20 s, longest 20 s; before an answer avg 3 s, p90 3 s, longest 3 s; talk avg 60 s, p90 60 s, longest 60 s',
      '  voicemails: 0',
      '  callback requests: 0 (0 still open)',
      '  on-call forwards: 0 call(s), 0 attempt(s): none',
      '  texts to callers: 0 sent; calls deflected by a text: 0',
      '',
    ]);
    const tuesday = await run('report', '--from', '2026-11-24', '--db', db, '--tz', ZONE, '--json');
    const j = JSON.parse(tuesday.out) as { calls: number; outcomes: Record<string, number>; queues: unknown[] };
    expect(j).toMatchObject({ calls: 1, outcomes: { voicemail: 1 }, queues: [] });
    const both = JSON.parse((await run('report', '--from', '2026-11-23', '--to', '2026-11-24', '--db', db, '--tz', ZONE, '--json')).out) as { calls: number };
    expect(both.calls).toBe(3);
  });

  it('texts: sent and still queued, and the calls a text deflected (counted apart from the abandons)', async () => {
    let texts: SmsStore | null = null;
    const { dbPath: db, clock, pbx, store, engine } = engineOnFakePbx({
      plan, at: '2026-11-23T10:00', zone: ZONE, db: 'temp',
      engine: (parts) => ({ sms: { store: (texts = new SmsStore(parts.db)), flush: async () => 0 } }),
    });
    for (const a of plan.agents.keys()) engine.pauseAgent(a, true);
    const callers = ['+15125550123', '+15125550124', '+15125550125'].map((n) => pbx.call(MAIN, n));
    await clock.advance(500);
    for (const ch of callers) pbx.press(ch, '1');
    await clock.advance(121_000);
    pbx.press(callers[0]!, '2');
    pbx.press(callers[1]!, '2');
    await clock.advance(5000);
    texts!.markSent(texts!.forCall(store.callByChannel(callers[0]!)!.id)[0]!.id, clock.now(), 'SM1');
    for (const ch of callers) pbx.hangupFrom(ch);
    await clock.advance(100);
    const r = await run('report', '--from', '2026-11-23', '--db', db, '--tz', ZONE);
    expect(r.out).toContain('  how they ended: sms-deflected 2, abandoned 1\n');
    expect(r.out).toContain('  texts to callers: 1 sent (1 queued, 0 failed, 0 refused); calls deflected by a text: 2\n');
    const j = JSON.parse((await run('report', '--from', '2026-11-23', '--db', db, '--tz', ZONE, '--json')).out) as { texts: unknown };
    expect(j.texts).toEqual({ queued: 1, sent: 1, failed: 0, refused: 0, deflected: 2 });
  });

  it('bad dates and a missing database are clear errors', async () => {
    const { db } = await twoDays();
    const bad = await run('report', '--from', 'last tuesday', '--db', db);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--from 'last tuesday' is not a date");
    const backwards = await run('report', '--from', '2026-11-24', '--to', '2026-11-23T12:00', '--db', db, '--tz', ZONE);
    expect(backwards.err).toContain('--to must be after --from');
    const missing = await run('report', '--db', join(tmpdir(), 'pbx-no-such-dir', 'calls.sqlite'));
    expect(missing.err).toContain('no database at');
  });
});
