/**
 * Issue 4, on-call forwarding live: the engine as `pbx-router run` builds it against the fake
 * Asterisk 22 over real HTTP and WebSocket, on a weekday evening (after hours) in Austin. The
 * caller takes the urgent path of the example config (after-hours menu, 1) -> roster on-call-nurse.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { attempts, storedAttempts, nothingLeft, played, recipients, startAfterHours, trunk, trunkLegs, urgentCaller, voicemails, type AfterHours } from './scenarios/after-hours.js';
import { CELL } from './support/numbers.js';

// Tuesday 2026-11-24 20:00 CST: closed; nurse-patel is on call this week, dr-okafor is next.
const EVENING = '2026-11-24T20:00';
let env: AfterHours | null = null;
afterEach(async () => {
  await env?.stop();
  env = null;
});

describe('live on-call forwarding (after hours, urgent)', () => {
  it('the first clinician does not answer, the second presses 1: bridged; hold message and music meanwhile; attempts stored', async () => {
    env = await startAfterHours({ at: EVENING });
    const l = env.live;
    l.fake.setAgent(trunk(CELL.patel), 'noanswer');
    l.fake.setAgent(trunk(CELL.okafor), { answer: 3000, dtmf: [{ at: 4500, digit: '1' }], hangupAfter: 30_000 });
    const call = urgentCaller(l, ['1']);
    const forwarding = await l.until('the first cell ringing', () => trunkLegs(l).length === 1 && l.run.store.callByChannel(call.channelId));
    await l.until('music on hold after the hold message', () => l.fake.onHold(call.channelId));
    // The key may stop the menu prompt early (barge-in); the hold message follows it, then music.
    expect(played(l, call.channelId)[0]).toBe('sound:riverside/closed-after-hours');
    expect(played(l, call.channelId).at(-1)).toBe('sound:pbx-router/oncall-please-hold');
    const bridge = await l.until('caller and Dr. Okafor in one bridge', () => l.fake.bridges().find((b) => (b.channels as string[]).includes(call.channelId) && (b.channels as string[]).length === 2), 60_000);
    expect(bridge.bridge_type).toBe('mixing');
    expect(l.fake.onHold(call.channelId)).toBe(false);
    const legs = trunkLegs(l);
    // Through the configured trunk, in escalation order, always with the clinic's number as caller id.
    expect(legs.map((g) => g.dialstring)).toEqual([trunk(CELL.patel), trunk(CELL.okafor)]);
    expect(legs.map((g) => g.callerId)).toEqual(['+15125550100', '+15125550100']);
    expect(bridge.channels).toContain(legs[1]!.id);
    expect(played(l, legs[1]!.id)).toEqual(['sound:pbx-router/oncall-urgent-call', 'sound:digits/1']);
    const id = forwarding.id;
    expect(l.run.store.call(id)).toMatchObject({ state: 'connected', outcome: 'forward', target: 'on-call-nurse', priority: 9, agent: 'dr-okafor' });
    expect(attempts(l, id)).toEqual([
      { member: 'nurse-patel', number: CELL.patel, result: 'no-answer' },
      { member: 'dr-okafor', number: CELL.okafor, result: 'accepted' },
    ]);
    // Start, answer and key of each attempt: Dr. Okafor answered 3 s after her cell was called and pressed 1.
    const [patel, okafor] = storedAttempts(l, id);
    expect(patel).toMatchObject({ answeredAt: null, digit: null });
    expect(okafor).toMatchObject({ digit: '1' });
    expect(okafor!.startedAt! - patel!.startedAt!).toBeGreaterThanOrEqual(25_000);
    expect(okafor!.answeredAt! - okafor!.startedAt!).toBeGreaterThanOrEqual(2900);
    await l.until('the call to end when Dr. Okafor hangs up', () => l.run.store.call(id)?.state === 'ended');
    expect(l.run.store.call(id)).toMatchObject({ outcome: 'forwarded', agent: 'dr-okafor' });
    await nothingLeft(l);
  });

  it('a clinician who presses 1 during the prompt stops it and is bridged at once; the caller hanging up then ends the clinician leg', async () => {
    env = await startAfterHours({ at: EVENING });
    const l = env.live;
    l.fake.setAgent(trunk(CELL.patel), { answer: 2000, dtmf: [{ at: 600, digit: '1' }] });
    const call = l.fake.placeCall({ did: '+15125550100', caller: '+15125550123', script: { dtmf: [{ at: 3000, digit: '1' }], hangupAfter: 30_000 } });
    const key = await l.until('the 1 on the cell leg', () => l.events('ChannelDtmfReceived').find((e) => (e.channel as { id: string }).id !== call.channelId));
    const leg = (key.channel as { id: string }).id;
    const finished = await l.until('the prompt on the leg to end', () => l.events('PlaybackFinished').find((e) => (e.playback as { target_uri: string }).target_uri === `channel:${leg}`));
    // "urgent call, press 1" lasts 3.5 s; the key 0.6 s in stops it, so the clinician does not hear it out.
    expect(Date.parse(String(finished.timestamp)) - Date.parse(String(key.timestamp))).toBeLessThan(500);
    await l.until('bridged', () => l.fake.bridges().some((b) => (b.channels as string[]).includes(leg) && (b.channels as string[]).includes(call.channelId)));
    const id = l.run.store.callByChannel(call.channelId)!.id;
    await l.until('the call over after the caller hangs up', () => l.run.store.call(id)?.state === 'ended', 60_000);
    expect(l.run.store.call(id)!.outcome).toBe('forwarded');
    await nothingLeft(l);
  });

  it('a clinician answers but does not press 1 (the cell phone voicemail): that leg is hung up and the next is tried', async () => {
    env = await startAfterHours({ at: EVENING });
    const l = env.live;
    l.fake.setAgent(trunk(CELL.patel), { answer: 2000 });
    l.fake.setAgent(trunk(CELL.okafor), { answer: 2000, dtmf: [{ at: 1500, digit: '7' }, { at: 4000, digit: '1' }], hangupAfter: 20_000 });
    const call = urgentCaller(l, ['1']);
    await l.until('the second cell called', () => trunkLegs(l).length === 2, 60_000);
    const [voicemailLeg, okaforLeg] = trunkLegs(l);
    const id = l.run.store.callByChannel(call.channelId)!.id;
    // The confirmation window (10 s) ran out: the leg with the cell's voicemail was hung up first.
    expect(l.fake.channels().map((c) => c.id)).not.toContain(voicemailLeg!.id);
    expect(attempts(l, id)[0]).toEqual({ member: 'nurse-patel', number: CELL.patel, result: 'no-confirmation' });
    await l.until('connected after the 1 (the 7 before it does nothing)', () => l.run.store.call(id)?.state === 'connected');
    await l.until('caller and Dr. Okafor bridged', () => l.fake.bridges().some((b) => (b.channels as string[]).includes(okaforLeg!.id) && (b.channels as string[]).includes(call.channelId)));
    expect(attempts(l, id)[1]).toEqual({ member: 'dr-okafor', number: CELL.okafor, result: 'accepted' });
    expect(storedAttempts(l, id).map((a) => [a.answeredAt !== null, a.digit])).toEqual([
      [true, null],
      [true, '1'],
    ]);
    await l.until('the call to end', () => l.run.store.call(id)?.state === 'ended');
    await nothingLeft(l);
  });

  it('the engine restarts while a cell rings: the cell keeps ringing (not called twice), the caller keeps the music, and the forward goes on', async () => {
    env = await startAfterHours({ at: EVENING });
    const l = env.live;
    l.fake.setAgent(trunk(CELL.patel), 'noanswer');
    l.fake.setAgent(trunk(CELL.okafor), { answer: 1000, dtmf: [{ at: 4000, digit: '1' }], hangupAfter: 5000 });
    const call = urgentCaller(l, ['1']);
    await l.until('the first cell ringing', () => trunkLegs(l).length === 1);
    const ringing = trunkLegs(l)[0]!.id;
    await l.sleep(2000);
    await l.restart();
    const id = l.run.store.callByChannel(call.channelId)!.id;
    await l.until('resumed', () => l.run.store.events(id).some((e) => e.type === 'resumed'));
    expect(l.run.store.events(id).find((e) => e.type === 'resumed')?.data).toMatchObject({ from: 'forwarding', how: 'clinician ringing' });
    // The leg that was ringing when the engine stopped is still ringing: nobody calls that cell again.
    expect(l.fake.channels().some((c) => c.id === ringing)).toBe(true);
    await l.until('the call over', () => l.run.store.call(id)?.state === 'ended', 120_000);
    expect(played(l, call.channelId).filter((m) => m === 'sound:riverside/after-hours-menu')).toHaveLength(1);
    expect(played(l, call.channelId).filter((m) => m === 'sound:pbx-router/oncall-please-hold')).toHaveLength(1);
    expect(l.run.store.call(id)).toMatchObject({ outcome: 'forwarded', agent: 'dr-okafor' });
    expect(trunkLegs(l).map((g) => g.dialstring)).toEqual([trunk(CELL.patel), trunk(CELL.okafor)]);
    expect(attempts(l, id)).toEqual([
      { member: 'nurse-patel', number: CELL.patel, result: 'no-answer' },
      { member: 'dr-okafor', number: CELL.okafor, result: 'accepted' },
    ]);
    await nothingLeft(l);
  });

  it('everyone fails: the final destination, urgent voicemail, emailed to the roster over real SMTP', async () => {
    env = await startAfterHours({ at: EVENING });
    const { live: l, smtp } = env;
    l.fake.setAgent(trunk(CELL.patel), 'busy');
    l.fake.setAgent(trunk(CELL.okafor), 'noanswer');
    const call = urgentCaller(l, ['1'], { from: 5000, until: 80_000 });
    await l.until('the voicemail recording', () => l.events('RecordingStarted').length > 0, 60_000);
    expect(l.fake.onHold(call.channelId)).toBe(false);
    const id = l.run.store.callByChannel(call.channelId)!.id;
    expect(attempts(l, id)).toEqual([
      { member: 'nurse-patel', number: CELL.patel, result: 'busy' },
      { member: 'dr-okafor', number: CELL.okafor, result: 'no-answer' },
    ]);
    await l.until('the call to end', () => l.run.store.call(id)?.state === 'ended', 200_000);
    expect(l.run.store.call(id)).toMatchObject({ outcome: 'voicemail', target: 'urgent' });
    const [vm] = voicemails(l);
    expect(vm).toMatchObject({ mailbox: 'urgent', caller: '+15125550123', urgent: true, reason: 'urgent', callId: id });
    const finished = l.events('RecordingFinished').map((e) => e.recording as { name: string; duration: number });
    expect(finished).toEqual([expect.objectContaining({ name: vm!.recording, duration: vm!.duration })]);
    const mail = await l.until('the email', () => smtp.received[0], 30_000);
    expect(recipients(mail)).toEqual(['oncall@riverside-clinic.example', 'nurses@riverside-clinic.example']);
    const length = vm!.duration >= 60 ? `${Math.floor(vm!.duration / 60)} min ${vm!.duration % 60} s` : `${vm!.duration} s`;
    expect(mail.subject).toBe(`URGENT Voicemail ${vm!.id} for Urgent after-hours from +15125550123 (${length})`);
    expect(mail.text).toContain('From:      +15125550123');
    expect(mail.text).toMatch(/When: {6}Tue 24 Nov 2026 at 20:0\d CST/);
    expect(mail.text).toContain(`Length:    ${length}`);
    expect(mail.text).toContain('Reason:    urgent');
    expect(mail.text).toContain(`pbx-router voicemail get ${vm!.id}`);
    expect(mail.attachments).toHaveLength(0);
    await nothingLeft(l);
  });
});
