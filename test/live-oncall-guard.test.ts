/**
 * Issue 4, the toll-fraud guard live: a forward target the config does not allow is refused when
 * the config is validated (at start and at reload), and again at call time by the engine's dial
 * guard; a refused member never leaves the caller in silence (the next member, or the final
 * destination). Also: a caller who hangs up while a cell rings leaves no leg behind.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPlan } from '../src/config/index.js';
import { formatProblem } from '../src/config/load.js';
import { startLive } from './scenarios/live-harness.js';
import { attempts, nothingLeft, played, removeVariants, startAfterHours, trunk, trunkLegs, urgentCaller, variant, type AfterHours } from './scenarios/after-hours.js';
import { CELL } from './support/numbers.js';

const EVENING = '2026-11-24T20:00';
let env: AfterHours | null = null;
afterEach(async () => {
  await env?.stop();
  env = null;
  removeVariants();
});

const problems = (file: string) => loadPlan(file).problems.map(formatProblem);

describe('live toll-fraud guard', () => {
  it('at validation: a forward to a roster that is not in the config, or to a premium or international number, is refused; the engine does not start', async () => {
    expect(problems('test/fixtures/invalid-configs/13-unknown-roster.yaml')).toEqual(["test/fixtures/invalid-configs/13-unknown-roster.yaml:13:25 unknown roster 'on-call' (defined: none; add it under rosters)"]);
    expect(problems('test/fixtures/invalid-configs/22-toll-fraud.yaml').join('\n')).toMatch(/\+19005550100 of Dr\. Scam \(roster on-call\) is a premium-rate number/);
    await expect(startLive({ at: EVENING, config: 'test/fixtures/invalid-configs/22-toll-fraud.yaml' })).rejects.toThrow(/the configuration has 2 problem\(s\)/);
  });

  it('at reload: a roster number changed to a premium one is rejected, and the next call still dials the numbers of the running config', async () => {
    const file = variant({});
    env = await startAfterHours({ at: EVENING, config: file });
    const l = env.live;
    writeFileSync(file, readFileSync(file, 'utf8').replace(CELL.patel, '+19005550198'));
    const r = l.run.reload();
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.problems.join('\n')).toMatch(/\+19005550198 of Priya Patel, RN \(roster on-call-nurse\) is a premium-rate number/);
    l.fake.setAgent(trunk(CELL.patel), { answer: 1000, dtmf: [{ at: 4000, digit: '1' }], hangupAfter: 5000 });
    const call = urgentCaller(l, ['1']);
    await l.until('the call over', () => l.run.store.callByChannel(call.channelId)?.state === 'ended', 60_000);
    expect(trunkLegs(l).map((g) => g.dialstring)).toEqual([trunk(CELL.patel)]);
    await nothingLeft(l);
  });

  it('at call time: a dial string the running plan does not list is refused, never dialled, and the next member answers', async () => {
    env = await startAfterHours({ at: EVENING });
    const l = env.live;
    const plan = l.run.engine.currentPlan();
    // A plan whose roster number is not one of its dial targets (the guard is the last line of defence).
    l.run.engine.setPlan({ ...plan, dialTargets: new Set([...plan.dialTargets].filter((d) => d !== trunk(CELL.patel))) });
    l.fake.setAgent(trunk(CELL.patel), { answer: 1000, dtmf: [{ at: 4000, digit: '1' }] });
    l.fake.setAgent(trunk(CELL.okafor), { answer: 2000, dtmf: [{ at: 4000, digit: '1' }], hangupAfter: 10_000 });
    const call = urgentCaller(l, ['1']);
    await l.until('connected to Dr. Okafor', () => l.run.store.callByChannel(call.channelId)?.state === 'connected', 60_000);
    const id = l.run.store.callByChannel(call.channelId)!.id;
    expect(trunkLegs(l).map((g) => g.dialstring)).toEqual([trunk(CELL.okafor)]);
    expect(l.run.store.events(id).find((e) => e.type === 'dial-refused')?.data).toEqual({ member: 'nurse-patel', number: CELL.patel, reason: `${trunk(CELL.patel)} is not a dial target written in the configuration` });
    expect(attempts(l, id)).toEqual([
      { member: 'nurse-patel', number: CELL.patel, result: 'refused' },
      { member: 'dr-okafor', number: CELL.okafor, result: 'accepted' },
    ]);
    expect(played(l, call.channelId)).toContain('sound:pbx-router/oncall-please-hold');
    await l.until('the call over', () => l.run.store.call(id)?.state === 'ended');
    await nothingLeft(l);
  });

  it('at call time: over the hourly limit (kept across a restart) every member is refused and the caller goes straight to the final destination (urgent voicemail), not to silence', async () => {
    env = await startAfterHours({ at: EVENING, config: variant({ 'outbound.maxForwardsPerNumberPerHour': 1 }) });
    const l = env.live;
    l.fake.setAgent(trunk(CELL.patel), 'busy');
    l.fake.setAgent(trunk(CELL.okafor), 'busy');
    const first = urgentCaller(l, ['1'], { from: 5000, until: 20_000 });
    await l.until('the first call over', () => l.run.store.callByChannel(first.channelId)?.state === 'ended', 120_000);
    expect(trunkLegs(l)).toHaveLength(2);
    // The limit is kept in the database: a restart does not reset it.
    await l.restart();
    const second = urgentCaller(l, ['1'], { from: 5000, until: 20_000 }, '+15125550124');
    await l.until('the second call over', () => l.run.store.callByChannel(second.channelId)?.state === 'ended', 120_000);
    const id = l.run.store.callByChannel(second.channelId)!.id;
    expect(trunkLegs(l)).toHaveLength(2);
    expect(attempts(l, id).map((a) => (a as { result: string }).result)).toEqual(['refused', 'refused']);
    expect(l.run.store.call(id)).toMatchObject({ outcome: 'voicemail', target: 'urgent' });
    const media = played(l, second.channelId);
    expect(media.slice(media.indexOf('sound:pbx-router/oncall-please-hold'))).toEqual(['sound:pbx-router/oncall-please-hold', 'sound:vm-intro', 'sound:beep', 'sound:vm-goodbye']);
    await nothingLeft(l);
  });

  it('the caller hangs up while a cell rings: the leg is hung up, the call ends as forward-abandoned', async () => {
    env = await startAfterHours({ at: EVENING });
    const l = env.live;
    l.fake.setAgent(trunk(CELL.patel), 'noanswer');
    const call = l.fake.placeCall({ did: '+15125550100', caller: '+15125550123', script: { dtmf: [{ at: 3000, digit: '1' }], hangupAfter: 15_000 } });
    await l.until('the cell ringing', () => trunkLegs(l).length === 1);
    await l.until('the call over', () => l.run.store.callByChannel(call.channelId)?.state === 'ended', 60_000);
    const c = l.run.store.callByChannel(call.channelId)!;
    expect(c.outcome).toBe('forward-abandoned');
    // The attempt cut short by the caller is stored as well.
    expect(attempts(l, c.id)).toEqual([{ member: 'nurse-patel', number: CELL.patel, result: 'caller-hung-up' }]);
    await nothingLeft(l);
  });
});
