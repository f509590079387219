import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as run } from './cli-helpers.js';
import { loadPlan } from '../src/config/index.js';
import { SmsStore } from '../src/store/sms-store.js';
import { engineOnFakePbx } from './support/engine-fixture.js';
import { MAIN } from './support/numbers.js';

const plan = loadPlan('config/example-clinic.yaml').plan!;
const ZONE = 'America/Chicago';


/** Real calls through the engine (in-memory PBX, manual clock) into a database file. */
function clinic(at: string) {
  const { dbPath: db, clock, pbx, store, engine } = engineOnFakePbx({ plan, at, zone: ZONE, db: 'temp', voicemail: true });
  return { db, clock, pbx, store, engine };
}

describe('pbx-router explain', () => {
  it('an urgent call after hours: the menu decision with the rules considered, the forward, each on-call attempt, the outcome, in order', async () => {
    const { db, clock, pbx, store } = clinic('2026-11-24T19:05');
    const patel = plan.rosters.get('on-call-nurse')!.members.get('nurse-patel')!;
    const okafor = plan.rosters.get('on-call-nurse')!.members.get('dr-okafor')!;
    pbx.agent(`PJSIP/${patel.number}@carrier`, 'noanswer');
    pbx.agent(`PJSIP/${okafor.number}@carrier`, { answerAfter: 3000 });
    const ch = pbx.call(MAIN, '+15125550123');
    await clock.advance(2000);
    pbx.press(ch, '1');
    await clock.advance(patel.ringTime * 1000 + 4000);
    pbx.press(pbx.legOf.get(`PJSIP/${okafor.number}@carrier`)!, '1');
    await clock.advance(60_000);
    pbx.hangupFrom(ch);
    await clock.advance(100);
    const id = store.callByChannel(ch)!.id;

    const r = await run('explain', id, '--db', db, '--tz', ZONE);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe(`call ${id} (channel ${ch}), Tue 2026-11-24 19:05:00 CST: forwarded after 1:31.0`);
    expect(lines[1]).toContain('from +15125550123 to +15125550100; site riverside, language en, priority 9, destination on-call-nurse, agent dr-okafor');
    const order = [
      '+0:00.0  arrived: +15125550123 called +15125550100 (site riverside)',
      '+0:00.0  answered',
      '+0:00.0  decision: wait for a key in menu after-hours',
      'rules considered:',
      '+0:02.0  decision: forward on-call-nurse (site riverside)',
      `+0:02.0  on-call: calling nurse-patel at ${patel.number}`,
      `on-call attempt: nurse-patel (${patel.number}): no-answer`,
      `on-call: calling dr-okafor at ${okafor.number}`,
      `on-call attempt: dr-okafor (${okafor.number}): accepted, pressed 1`,
      'connected to dr-okafor',
      'ended: forwarded',
    ];
    let at = -1;
    for (const want of order) {
      const i = lines.findIndex((l, k) => k > at && l.includes(want));
      expect(i, `"${want}" after line ${at}:\n${r.out}`).toBeGreaterThan(at);
      at = i;
    }
    // Why: the rules the first decision looked at, the one that matched and why the others did not.
    const considered = lines.slice(lines.indexOf(lines.find((l) => l.includes('rules considered:'))!) + 1).filter((l) => /^\s+\S+\[\d+\] /.test(l));
    expect(considered.some((l) => l.endsWith(': matched'))).toBe(true);
    expect(considered.some((l) => /: no \(.+\)$/.test(l))).toBe(true);
    // The attempt to Patel ended when her ring time ran out.
    const attempt = lines.find((l) => l.includes('on-call attempt: nurse-patel'))!;
    expect(attempt.trim().startsWith(`+0:${String(2 + patel.ringTime).padStart(2, '0')}`)).toBe(true);

    // The same call by its channel and by the caller's number; --json has the same timeline, in time order.
    expect((await run('explain', ch, '--db', db, '--tz', ZONE)).out).toBe(r.out);
    expect((await run('explain', '+15125550123', '--db', db, '--tz', ZONE)).out).toBe(r.out);
    const j = JSON.parse((await run('explain', id, '--db', db, '--json')).out) as { call: { id: string; outcome: string }; timeline: { at: number; what: string }[] };
    expect(j.call).toMatchObject({ id, outcome: 'forwarded' });
    expect(j.timeline.map((e) => e.at)).toEqual([...j.timeline.map((e) => e.at)].sort((a, b) => a - b));
    expect(j.timeline.filter((e) => e.what.startsWith('on-call attempt'))).toHaveLength(2);
  });

  it('a caller still waiting in the queue: where they are, what was announced, and that the call is in progress', async () => {
    const { db, clock, pbx, engine } = clinic('2026-11-23T10:00');
    for (const a of plan.agents.keys()) engine.pauseAgent(a, true);
    const ch = pbx.call(MAIN, '+15125550123');
    await clock.advance(500);
    pbx.press(ch, '1');
    await clock.advance(65_000);
    const r = await run('explain', ch, '--db', db, '--tz', ZONE);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/: still in progress \(queued\)$/);
    expect(r.out).toMatch(/\+0:00\.5 {2}joined queue scheduling at position 1 \(priority 0, en\)/);
    expect(r.out).toMatch(/announced: position 1 in queue scheduling/);
    expect(r.out).not.toContain('ended:');
  });

  it('texts: the offer in the queue, the text queued, what became of it; never the number it went to', async () => {
    let texts: SmsStore | null = null;
    const { dbPath: db, clock, pbx, store, engine } = engineOnFakePbx({
      plan, at: '2026-11-23T10:00', zone: ZONE, db: 'temp',
      engine: (parts) => ({ sms: { store: (texts = new SmsStore(parts.db)), flush: async () => 0 } }),
    });
    for (const a of plan.agents.keys()) engine.pauseAgent(a, true);
    const ch = pbx.call(MAIN, '+15125550123');
    await clock.advance(500);
    pbx.press(ch, '1');
    await clock.advance(121_000);
    pbx.press(ch, '2');
    await clock.advance(10_000);
    const queued = await run('explain', ch, '--db', db, '--tz', ZONE);
    expect(queued.out).toMatch(/\+2:00\.5 {2}offered a text \(book-online\) instead of waiting: key 2\n/);
    expect(queued.out).toMatch(/ {2}text 1 \(book-online, en\) queued to the caller's number\n/);
    expect(queued.out).toMatch(/ {2}text 1 \(book-online\): still queued after 0 attempt\(s\)\n/);
    texts!.markSent(1, clock.now(), 'SM123');
    pbx.hangupFrom(ch);
    await clock.advance(100);
    const r = await run('explain', store.callByChannel(ch)!.id, '--db', db, '--tz', ZONE);
    expect(r.out.split('\n')[0]).toMatch(/: sms-deflected after 2:11\.5$/);
    expect(r.out).toMatch(/ {2}text 1 \(book-online\): sent \(provider id SM123\)\n/);
    for (const line of r.out.split('\n').filter((x) => /text/.test(x))) expect(line).not.toMatch(/5550123/);
  });

  it('an unknown call or a missing database is a clear error, not a crash', async () => {
    const { db } = clinic('2026-11-23T10:00');
    const none = await run('explain', 'nope', '--db', db);
    expect(none.code).toBe(2);
    expect(none.err).toContain(`no call nope in ${db}`);
    const missing = await run('explain', 'x', '--db', join(tmpdir(), 'pbx-no-such-dir', 'calls.sqlite'));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no database at');
    const zone = await run('explain', 'x', '--db', db, '--tz', 'Mars/Olympus');
    expect(zone.err).toContain("unknown time zone 'Mars/Olympus'");
  });
});
