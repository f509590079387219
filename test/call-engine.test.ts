import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { EMPTY_BRIDGE_GRACE_MS } from '../src/calls/queues.js';
import { loadPlan } from '../src/config/index.js';
import { CallStore } from '../src/store/call-store.js';
import type { Db } from '../src/store/db.js';
import { smtpMailer } from '../src/notify/mailer.js';
import { flushOutbox } from '../src/notify/outbox.js';
import { VoicemailStore } from '../src/store/voicemail-store.js';
import type { FakeTelephony } from './fakes/fake-telephony.js';
import { startSmtp } from './fakes/smtp.js';
import { only } from './support/agents.js';
import { engineOnFakePbx } from './support/engine-fixture.js';
import { MAIN } from './support/numbers.js';

const plan = loadPlan('config/example-clinic.yaml').plan!;

/** An engine on the fake PBX; with `voicemail`, messages are kept in a VoicemailStore on its database (no email sent). */
const setup = (at = '2026-11-23T10:00', voicemail = false) =>
  engineOnFakePbx({ plan, at, phones: 'noanswer', voicemail });

/** The voicemail destinations routing chose for a call, in order ('voicemail <mailbox>'). */
const voicemailsOf = (store: CallStore, id: string) => store.decisions(id).filter((d) => d.action === 'voicemail').map((d) => `voicemail ${d.target}`);

describe('call engine on an in-memory PBX', () => {
  it('business hours: menu 1 -> scheduling -> the longest-idle agent answers -> connected -> agent hangs up -> nothing left', async () => {
    const { clock, pbx, store, engine } = setup();
    only(engine, ['james']);
    pbx.agent('PJSIP/1002', { answerAfter: 3000, talkFor: 60_000 });
    const ch = pbx.call(MAIN, '+15125550123');
    await clock.advance(1000);
    pbx.press(ch, '1');
    await clock.advance(5000);
    expect(engine.agentState('james')).toBe('busy');
    const call = store.openCalls()[0]!;
    expect(call).toMatchObject({ state: 'connected', agent: 'james', target: 'scheduling' });
    expect([...pbx.bridges.values()].some((b) => b.has(ch) && b.size === 2)).toBe(true);
    await clock.advance(60_000);
    expect(store.call(call.id)).toMatchObject({ state: 'ended', outcome: 'answered' });
    expect(engine.agentState('james')).toBe('wrap-up');
    await clock.advance(30_000);
    expect(engine.agentState('james')).toBe('available');
    expect(pbx.channels.size).toBe(0);
    expect(pbx.bridges.size).toBe(0);
    expect(store.decisions(call.id).map((d) => d.status)).toEqual(['awaiting-input', 'done']);
    expect(engine.active()).toBe(0);
  });

  it('the nurse hears the whisper ("nurse line call", Spanish) before the caller is connected', async () => {
    const { clock, pbx, store, engine } = setup();
    only(engine, ['carlos']);
    pbx.agent('PJSIP/1005', { answerAfter: 1000 });
    const ch = pbx.call(MAIN, '+15125550123');
    await clock.advance(500);
    pbx.press(ch, '9');
    await clock.advance(500);
    pbx.press(ch, '4');
    await clock.advance(1500);
    const whisper = pbx.played.find((p) => p.channel !== ch);
    expect(whisper?.media).toEqual(['sound:riverside/whisper-nurse-line', 'sound:pbx-router/language-es']);
    expect(store.openCalls()[0]!.state).toBe('queued');
    await clock.advance(5000);
    expect(store.openCalls()[0]).toMatchObject({ state: 'connected', agent: 'carlos', language: 'es', priority: 5 });
  });

  it('all agents busy: the caller hears position announcements, then the first agent who frees up takes the call', async () => {
    const { clock, pbx, store, engine } = setup();
    only(engine, []);
    pbx.agent('PJSIP/1001', { answerAfter: 2000 });
    const ch = pbx.call(MAIN, '+15125550123');
    await clock.advance(1000);
    pbx.press(ch, '1');
    await clock.advance(30_000);
    expect(pbx.played.some((p) => p.channel === ch && p.media[0] === 'sound:queue-youarenext')).toBe(true);
    expect(store.openCalls()[0]!.state).toBe('queued');
    engine.pauseAgent('maria', false);
    await clock.advance(3000);
    expect(store.openCalls()[0]).toMatchObject({ state: 'connected', agent: 'maria' });
  });

  it('a priority caller who arrives later overtakes an earlier normal caller', async () => {
    const { clock, pbx, store, engine } = setup();
    only(engine, []);
    pbx.agent('PJSIP/1002', { answerAfter: 1000 });
    const normal = pbx.call(MAIN, '+15125550123');
    await clock.advance(1000);
    pbx.press(normal, '1');
    await clock.advance(10_000);
    const partner = pbx.call(MAIN, '+15125550777');
    await clock.advance(1000);
    pbx.press(partner, '1');
    await clock.advance(10_000);
    engine.pauseAgent('james', false);
    await clock.advance(2000);
    const connected = store.openCalls().find((c) => c.state === 'connected')!;
    expect(connected).toMatchObject({ caller: '+15125550777', priority: 3, agent: 'james' });
    expect(store.openCalls().find((c) => c.caller === '+15125550123')!.state).toBe('queued');
  });

  it('agent does not answer -> the next agent is offered the call; repeated misses set the agent not ready', async () => {
    const { clock, pbx, store, engine } = setup();
    only(engine, ['james', 'maria']);
    pbx.agent('PJSIP/1002', 'noanswer');
    pbx.agent('PJSIP/1001', { answerAfter: 2000 });
    const ch = pbx.call(MAIN, '+15125550123');
    await clock.advance(1000);
    pbx.press(ch, '1');
    // Both have been idle since the start: the tie goes by id, so james is offered first.
    await clock.advance(20_000);
    const call = store.openCalls()[0]!;
    expect(store.events(call.id).filter((e) => e.type === 'offer-missed').map((e) => e.data)).toEqual([{ agent: 'james', reason: 'no-answer' }]);
    expect(call).toMatchObject({ state: 'connected', agent: 'maria' });
    expect(pbx.originated).toEqual(['PJSIP/1002', 'PJSIP/1001']);
    expect(engine.agentState('james')).toBe('available');
    // A second caller while maria talks: james misses again and is set not ready (maxMisses 2).
    const second = pbx.call(MAIN, '+15125550124');
    await clock.advance(1000);
    pbx.press(second, '1');
    await clock.advance(20_000);
    expect(engine.agentState('james')).toBe('paused');
    expect(store.lastAgentStates().find((a) => a.agent === 'james')).toMatchObject({ state: 'paused' });
  });

  it('an unregistered phone is skipped at once', async () => {
    const { clock, pbx, store, engine } = setup();
    only(engine, ['james', 'maria']);
    pbx.agent('PJSIP/1001', 'unregistered');
    pbx.agent('PJSIP/1002', { answerAfter: 1000 });
    const ch = pbx.call(MAIN, '+15125550123');
    await clock.advance(1000);
    pbx.press(ch, '1');
    await clock.advance(3000);
    expect(store.openCalls()[0]).toMatchObject({ state: 'connected', agent: 'james' });
  });

  it('a caller who hangs up while waiting is recorded as abandoned and leaves no bridge behind', async () => {
    const { clock, pbx, store, engine } = setup();
    only(engine, []);
    const ch = pbx.call(MAIN, '+15125550123');
    await clock.advance(1000);
    pbx.press(ch, '2');
    await clock.advance(45_000);
    const id = store.openCalls()[0]!.id;
    pbx.hangupFrom(ch);
    await clock.advance(100);
    expect(store.call(id)).toMatchObject({ state: 'ended', outcome: 'abandoned' });
    // The empty holding bridge goes after a short grace.
    await clock.advance(EMPTY_BRIDGE_GRACE_MS);
    expect(pbx.bridges.size).toBe(0);
    expect(engine.active()).toBe(0);
  });

  it('maximum wait: the overflow destination (voicemail front-desk) takes the caller, who hears its greeting', async () => {
    const { clock, pbx, store, engine } = setup('2026-11-23T10:00', true);
    only(engine, []);
    const ch = pbx.call(MAIN, '+15125550123');
    await clock.advance(1000);
    pbx.press(ch, '1');
    const id = store.callByChannel(ch)!.id;
    await clock.advance(599_000);
    expect(voicemailsOf(store, id)).toEqual([]);
    await clock.advance(2_000);
    expect(voicemailsOf(store, id)).toEqual(['voicemail front-desk']);
    expect(pbx.played.filter((p) => p.channel === ch).at(-1)?.media).toEqual(['sound:vm-intro', 'sound:beep']);
    pbx.hangupFrom(ch);
    const call = store.call(id)!;
    expect(call.outcome).toBe('voicemail');
    await clock.advance(EMPTY_BRIDGE_GRACE_MS);
    expect(pbx.bridges.size).toBe(0);
  });

  it('three invalid keys ring the front-desk group; the first to answer takes the call, the others stop ringing', async () => {
    const { clock, pbx, store } = setup();
    pbx.agent('PJSIP/1002', { answerAfter: 4000 });
    const ch = pbx.call(MAIN, '+15125550123');
    await clock.advance(500);
    for (const k of ['7', '8', '0']) {
      pbx.press(ch, k);
      await clock.advance(500);
    }
    await clock.advance(8000);
    expect(pbx.originated).toEqual(['PJSIP/1001', 'PJSIP/1002', 'PJSIP/1006']);
    expect(store.call(store.callByChannel(ch)!.id)).toMatchObject({ state: 'connected', agent: 'james' });
    expect(pbx.channels.size).toBe(2);
  });

  it('a ring group nobody answers goes on to its no-answer destination', async () => {
    const { clock, pbx, store } = setup('2026-11-23T10:00', true);
    const ch = pbx.call(MAIN, '+15125550123');
    await clock.advance(500);
    for (const k of ['7', '8', '0']) {
      pbx.press(ch, k);
      await clock.advance(500);
    }
    await clock.advance(40_000);
    expect(voicemailsOf(store, store.callByChannel(ch)!.id)).toEqual(['voicemail front-desk']);
  });

  it('with nowhere to keep a message, a caller routed to voicemail goes to the failsafe (its own voicemail), never to silence', async () => {
    const { clock, pbx, store, logs } = setup('2026-11-23T19:05');
    const ch = pbx.call(MAIN, '+15125550123');
    await clock.advance(500);
    pbx.press(ch, '2');
    await clock.advance(1000);
    const call = store.call(store.callByChannel(ch)!.id)!;
    expect(call.outcome).toBe('failsafe');
    expect(store.events(call.id).map((e) => e.type)).toContain('failsafe');
    expect(logs.join('\n')).toMatch(/voicemail front-desk: no voicemail store is set up/);
    expect(pbx.channels.has(ch)).toBe(false);
  });
});

describe('callback while waiting', () => {
  it('* in the queue stores a callback request that keeps the caller place, confirms it and ends the call', async () => {
    const { clock, pbx, store, engine } = setup();
    only(engine, []);
    const ch = pbx.call(MAIN, '+15125550123');
    await clock.advance(1000);
    pbx.press(ch, '1');
    await clock.advance(1000);
    const joined = clock.now();
    await clock.advance(90_000);
    pbx.press(ch, '*');
    await clock.advance(5000);
    const id = store.callByChannel(ch)!.id;
    expect(store.call(id)).toMatchObject({ state: 'ended', outcome: 'callback' });
    const [cb] = store.callbacks(true);
    expect(cb).toMatchObject({ callId: id, list: 'callbacks', number: '+15125550123', reason: 'queue-callback', site: 'riverside' });
    expect(cb!.createdAt).toBeLessThanOrEqual(joined);
    expect(clock.now() - cb!.createdAt).toBeGreaterThan(90_000);
    expect(pbx.played.some((p) => p.channel === ch && p.media.includes('sound:pbx-router/callback-confirmed'))).toBe(true);
    expect(pbx.channels.has(ch)).toBe(false);
    expect(pbx.bridges.size).toBe(0);
  });
});

describe('restart and reconnect', () => {
  it('the engine restarted while 20 calls wait: all resumed in their order, none dropped, then served', async () => {
    const { clock, pbx, store, engine, restart } = setup();
    only(engine, []);
    const channels: string[] = [];
    for (let i = 0; i < 20; i++) {
      const ch = pbx.call(MAIN, `+1512555${String(1000 + i)}`);
      channels.push(ch);
      await clock.advance(200);
      pbx.press(ch, '1');
      await clock.advance(1000);
    }
    expect(store.waiting()).toHaveLength(20);
    // A new engine on the same database and PBX, as after a crash.
    const logs: string[] = [];
    const fresh = restart({ log: (m) => logs.push(m) });
    for (const id of plan.agents.keys()) if (id !== 'james') fresh.pauseAgent(id, true);
    fresh.pauseAgent('james', true);
    const adopted: string[] = [];
    const report = fresh.reconcile(pbx.inventory(), (ch) => adopted.push(ch));
    expect(report).toMatchObject({ resumed: 20, ended: 0, orphanLegs: 0 });
    expect(adopted.sort()).toEqual([...channels].sort());
    await clock.advance(100);
    expect(store.waiting().map((w) => w.callId)).toHaveLength(20);
    pbx.agent('PJSIP/1002', { answerAfter: 500, talkFor: 1000 });
    fresh.pauseAgent('james', false);
    await clock.advance(2000);
    const first = store.call(store.callByChannel(channels[0]!)!.id)!;
    expect(first).toMatchObject({ agent: 'james', outcome: 'answered', state: 'ended' });
    expect(fresh.active()).toBe(19);
    expect(store.openCalls().map((c) => c.state)).toEqual(Array(19).fill('queued'));
    expect([...pbx.bridges.keys()].filter((b) => b.startsWith('pbx-queue-scheduling-'))).toHaveLength(1);
  });

  it('a caller who chose Spanish is, after a restart, back in the Spanish menu: only its prompt plays, and the next key works', async () => {
    const { clock, pbx, store, engine, restart } = setup();
    only(engine, []);
    const ch = pbx.call(MAIN, '+15125550123');
    await clock.advance(500);
    pbx.press(ch, '9');
    await clock.advance(500);
    const id = store.callByChannel(ch)!.id;
    engine.stop();
    const heard = pbx.played.length;
    const fresh = restart({ log: () => {} });
    for (const a of plan.agents.keys()) fresh.pauseAgent(a, true);
    fresh.reconcile(pbx.inventory(), () => {});
    await clock.advance(100);
    expect(pbx.played.slice(heard).filter((p) => p.channel === ch).map((p) => p.media)).toEqual([['sound:riverside/main-menu-es']]);
    pbx.press(ch, '2');
    await clock.advance(500);
    expect(store.call(id)).toMatchObject({ state: 'queued', target: 'billing', language: 'es' });
    expect(store.waiting().map((w) => [w.callId, w.queue, w.language])).toEqual([[id, 'billing', 'es']]);
  });

  it('calls that ended while the socket was down are closed, unknown channels go to the failsafe, orphan legs are hung up', async () => {
    const { clock, pbx, store, engine } = setup();
    only(engine, []);
    const a = pbx.call(MAIN, '+15125550001');
    await clock.advance(200);
    pbx.press(a, '1');
    await clock.advance(1000);
    const b = pbx.call(MAIN, '+15125550002');
    await clock.advance(200);
    pbx.press(b, '2');
    await clock.advance(1000);
    // The socket drops: b hangs up unseen, and two channels appear that the engine never saw.
    pbx.handler = () => {};
    pbx.hangupFrom(b);
    pbx.channels.add('stray-caller');
    pbx.channels.add('old-call-leg-3');
    pbx.handler = (e) => engine.handle(e);
    const report = engine.reconcile(pbx.inventory(), () => {});
    await clock.advance(100);
    // The unknown caller gets a moment for a late StasisStart before the failsafe takes it.
    expect(pbx.channels.has('stray-caller')).toBe(true);
    await clock.advance(2000);
    expect(report).toMatchObject({ ended: 1, failsafe: 1, orphanLegs: 1 });
    expect(store.call(store.callByChannel(b)!.id)).toMatchObject({ state: 'ended', outcome: 'abandoned' });
    expect(store.call(store.callByChannel(a)!.id)!.state).toBe('queued');
    expect(pbx.channels.has('stray-caller')).toBe(false);
    expect(pbx.channels.has('old-call-leg-3')).toBe(false);
  });
});

describe('reconcile races', () => {
  it('a caller who arrives while the inventory is being read is not taken for one who hung up', async () => {
    const { clock, pbx, store, engine } = setup();
    only(engine, []);
    const before = engine.mark();
    const inv = pbx.inventory();
    // The StasisStart of a new call beats the inventory's answer.
    const late = pbx.call(MAIN, '+15125550003');
    await clock.advance(200);
    const report = engine.reconcile(inv, () => {}, before);
    await clock.advance(3000);
    expect(report).toMatchObject({ ended: 0, failsafe: 0 });
    expect(store.call(store.callByChannel(late)!.id)!.state).not.toBe('ended');
    expect(pbx.channels.has(late)).toBe(true);
  });

  it('a caller in the inventory whose StasisStart comes just after it is kept, not sent to the failsafe', async () => {
    const { clock, pbx, store, engine } = setup();
    only(engine, []);
    pbx.handler = () => {};
    const early = pbx.call(MAIN, '+15125550004');
    const inv = pbx.inventory();
    pbx.handler = (e) => engine.handle(e);
    engine.reconcile(inv, () => {});
    // Now the StasisStart arrives (the fake replays it as the adapter would deliver it).
    engine.handle({ type: 'call-arrived', channel: early, did: MAIN, caller: '+15125550004', callerName: '', at: clock.now() });
    await clock.advance(3000);
    expect(pbx.channels.has(early)).toBe(true);
    expect(store.call(store.callByChannel(early)!.id)!.state).not.toBe('ended');
  });
});

describe('voicemail destination', () => {
  async function withVoicemail(at: string) {
    const smtp = await startSmtp();
    const mailer = smtpMailer({ host: '127.0.0.1', port: smtp.port, from: 'pbx@riverside-clinic.example', tls: 'required', allowSelfSigned: true });
    const flushes: Promise<unknown>[] = [];
    let voicemails!: VoicemailStore;
    const { clock, pbx, store, engine } = engineOnFakePbx({
      plan,
      at,
      phones: 'noanswer',
      engine: ({ db, pbx, clock }) => {
        voicemails = new VoicemailStore(db);
        const flush = () => {
          const p = flushOutbox({ store: voicemails, mailer, now: () => clock.now(), fetchRecording: (n) => pbx.recordingFile(n) });
          flushes.push(p);
          return p;
        };
        return { voicemail: { store: voicemails, flush } };
      },
    });
    return { smtp, clock, pbx, store, voicemails, engine, flushes };
  }

  it('after hours, 2: greeting, beep, a 12-second message, stored with its facts and emailed (notification only)', async () => {
    const { smtp, clock, pbx, store, voicemails, flushes } = await withVoicemail('2026-11-24T19:05');
    try {
      const ch = pbx.call(MAIN, '+15125550123');
      pbx.talk.set(ch, 12);
      await clock.advance(500);
      pbx.press(ch, '2');
      await clock.advance(60_000);
      await Promise.all(flushes);
      const [vm] = voicemails.list();
      expect(vm).toMatchObject({ mailbox: 'front-desk', caller: '+15125550123', did: MAIN, site: 'riverside', duration: 12, urgent: false, reason: 'menu keys 2' });
      expect(pbx.played.find((p) => p.channel === ch && p.media.includes('sound:beep'))?.media).toEqual(['sound:vm-intro', 'sound:beep']);
      expect(store.call(store.callByChannel(ch)!.id)).toMatchObject({ state: 'ended', outcome: 'voicemail' });
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0]!.subject).toBe(`Voicemail ${vm!.id} for Front desk from +15125550123 (12 s)`);
      expect(smtp.received[0]!.text).toContain('Tue 24 Nov 2026 at 19:05 CST');
      expect(smtp.received[0]!.attachments).toHaveLength(0);
      expect(pbx.channels.size).toBe(0);
    } finally {
      await smtp.close();
    }
  });

  it('a caller who hangs up while recording still leaves the message; one who says nothing leaves none', async () => {
    const { smtp, clock, pbx, voicemails, flushes } = await withVoicemail('2026-11-24T19:05');
    try {
      const a = pbx.call(MAIN, '+15125550123');
      pbx.talk.set(a, 30);
      await clock.advance(500);
      pbx.press(a, '2');
      await clock.advance(4000 + 8000);
      pbx.hangupFrom(a);
      await clock.advance(1000);
      const b = pbx.call(MAIN, '+15125550124');
      pbx.talk.set(b, 0);
      await clock.advance(500);
      pbx.press(b, '2');
      await clock.advance(30_000);
      await Promise.all(flushes);
      expect(voicemails.list().map((v) => v.caller)).toEqual(['+15125550123']);
      expect(voicemails.list()[0]!.duration).toBeGreaterThanOrEqual(7);
      expect(smtp.received).toHaveLength(1);
      expect(pbx.recordings.size).toBe(1);
    } finally {
      await smtp.close();
    }
  });
});

describe('voicemail that cannot record', () => {
  it('a recording Asterisk reports failed: the caller goes to the failsafe dialplan (its own voicemail), no message or email is kept', async () => {
    const smtp = await startSmtp();
    try {
      const mailer = smtpMailer({ host: '127.0.0.1', port: smtp.port, from: 'pbx@riverside-clinic.example', tls: 'required', allowSelfSigned: true });
      let voicemails!: VoicemailStore;
      const { clock, pbx, store, engine } = engineOnFakePbx({
        plan,
        at: '2026-11-24T19:05',
        engine: ({ db, pbx, clock, logs }) => {
          voicemails = new VoicemailStore(db);
          const flush = () => flushOutbox({ store: voicemails, mailer, now: () => clock.now(), fetchRecording: (n: string) => pbx.recordingFile(n), log: (m: string) => logs.push(m) });
          return { voicemail: { store: voicemails, flush } };
        },
      });
      const toDialplan: string[] = [];
      const cont = pbx.sendToFailsafe.bind(pbx);
      pbx.sendToFailsafe = async (ch) => {
        toDialplan.push(ch);
        return cont(ch);
      };
      pbx.record = async (_ch, name) => {
        pbx.recordings.set(name, Buffer.from('partial'));
        return { end: 'failed', duration: 0, talking: 0, silence: 0 };
      };
      const ch = pbx.call(MAIN, '+15125550123');
      await clock.advance(500);
      pbx.press(ch, '2');
      await clock.advance(10_000);
      expect(toDialplan).toEqual([ch]);
      const call = store.call(store.callByChannel(ch)!.id)!;
      expect(call).toMatchObject({ state: 'ended', outcome: 'failsafe' });
      expect(store.events(call.id).find((e) => e.type === 'failsafe')?.data).toEqual({ reason: expect.stringMatching(/voicemail recording for front-desk failed/) });
      expect(voicemails.list()).toEqual([]);
      expect(pbx.recordings.size).toBe(0);
      expect(smtp.received).toHaveLength(0);
      expect(engine.active()).toBe(0);
    } finally {
      await smtp.close();
    }
  });
});

describe('on-call forwarding', () => {
  const roster = plan.rosters.get('on-call-nurse')!;
  // Tuesday 2026-11-24 19:05: the week of 2026-11-23 (46 weeks after the start) is nurse-patel's.
  const AT = '2026-11-24T19:05';
  const dial = (n: string) => `PJSIP/${n}@carrier`;
  const member = (id: string) => roster.members.get(id)!;

  async function urgentCall(setupPbx: (pbx: FakeTelephony) => void) {
    const env = setup(AT, true);
    setupPbx(env.pbx);
    const ch = env.pbx.call(MAIN, '+15125550123');
    await env.clock.advance(500);
    env.pbx.press(ch, '1');
    await env.clock.advance(100);
    const id = env.store.callByChannel(ch)!.id;
    return { ...env, ch, id, seen: () => voicemailsOf(env.store, id) };
  }
  const attempts = (store: CallStore, id: string) =>
    store
      .events(id)
      .filter((e) => e.type === 'oncall-attempt')
      .map((e) => {
        const { member, number, result } = e.data as { member: string; number: string; result: string };
        return { member, number, result };
      });

  it('the first clinician does not answer, the second presses 1: bridged, caller id is the clinic, attempts stored', async () => {
    const patel = member('nurse-patel');
    const okafor = member('dr-okafor');
    const { clock, pbx, store, id, ch } = await urgentCall((p) => {
      p.agent(dial(patel.number), 'noanswer');
      p.agent(dial(okafor.number), { answerAfter: 3000 });
    });
    expect(pbx.moh.has(ch) || pbx.played.some((p) => p.media.includes('sound:pbx-router/oncall-please-hold'))).toBe(true);
    await clock.advance(patel.ringTime * 1000 + 3500);
    const leg = pbx.legOf.get(dial(okafor.number))!;
    expect(pbx.played.find((p) => p.channel === leg)?.media).toEqual(['sound:pbx-router/oncall-urgent-call', 'sound:digits/1']);
    pbx.press(leg, '1');
    await clock.advance(100);
    expect(store.call(id)).toMatchObject({ state: 'connected', outcome: 'forward', priority: 9 });
    expect([...pbx.bridges.values()].some((b) => b.has(ch) && b.has(leg))).toBe(true);
    expect(attempts(store, id)).toEqual([
      { member: 'nurse-patel', number: patel.number, result: 'no-answer' },
      { member: 'dr-okafor', number: okafor.number, result: 'accepted' },
    ]);
    expect(pbx.originated).toEqual([dial(patel.number), dial(okafor.number)]);
    pbx.hangupFrom(leg);
    await clock.advance(100);
    expect(store.call(id)).toMatchObject({ state: 'ended', outcome: 'forwarded' });
    expect(pbx.channels.size).toBe(0);
  });

  it('a clinician who answers but does not press 1 (their voicemail) is hung up and the next is tried', async () => {
    const patel = member('nurse-patel');
    const okafor = member('dr-okafor');
    const { clock, pbx, store, id } = await urgentCall((p) => {
      p.agent(dial(patel.number), { answerAfter: 2000 });
      p.agent(dial(okafor.number), { answerAfter: 2000 });
    });
    await clock.advance(2000 + 10_000 + 500);
    const first = pbx.legOf.get(dial(patel.number))!;
    expect(pbx.channels.has(first)).toBe(false);
    expect(attempts(store, id)[0]).toEqual({ member: 'nurse-patel', number: patel.number, result: 'no-confirmation' });
    await clock.advance(2500);
    pbx.press(pbx.legOf.get(dial(okafor.number))!, '7');
    await clock.advance(100);
    expect(store.call(id)!.state).not.toBe('connected');
    pbx.press(pbx.legOf.get(dial(okafor.number))!, '1');
    await clock.advance(100);
    expect(store.call(id)!.state).toBe('connected');
  });

  it('the engine restarts while the second clinician rings: the cell keeps ringing (not called again), the caller is not sent back to the menu, and the 1 connects', async () => {
    const patel = member('nurse-patel');
    const okafor = member('dr-okafor');
    const { clock, pbx, store, id, ch, engine, restart } = await urgentCall((p) => {
      p.agent(dial(patel.number), 'noanswer');
      p.agent(dial(okafor.number), { answerAfter: 3000 });
    });
    await clock.advance(patel.ringTime * 1000 + 1000);
    expect(pbx.originated).toEqual([dial(patel.number), dial(okafor.number)]);
    const oldLeg = pbx.legOf.get(dial(okafor.number))!;
    // A new engine on the same database and PBX, as after a crash.
    engine.stop();
    const heard = pbx.played.length;
    const fresh = restart({ log: () => {} });
    expect(fresh.reconcile(pbx.inventory(), () => {})).toMatchObject({ resumed: 1 });
    await clock.advance(100);
    expect(pbx.channels.has(oldLeg)).toBe(true);
    expect(pbx.adopted).toContainEqual({ channel: oldLeg, as: 'ringing-leg' });
    expect(pbx.originated).toEqual([dial(patel.number), dial(okafor.number)]);
    expect(store.events(id).find((e) => e.type === 'resumed')?.data).toEqual({ from: 'forwarding', how: 'clinician ringing' });
    // The caller keeps the music: nothing new is played to them.
    expect(pbx.played.slice(heard).filter((p) => p.channel === ch)).toEqual([]);
    await clock.advance(3500);
    expect(pbx.played.slice(heard).filter((p) => p.channel === oldLeg).flatMap((p) => p.media)).toEqual(['sound:pbx-router/oncall-urgent-call', 'sound:digits/1']);
    pbx.press(oldLeg, '1');
    await clock.advance(100);
    expect(store.call(id)).toMatchObject({ state: 'connected', outcome: 'forward' });
    expect(attempts(store, id)).toEqual([
      { member: 'nurse-patel', number: patel.number, result: 'no-answer' },
      { member: 'dr-okafor', number: okafor.number, result: 'accepted' },
    ]);
  });

  it('everyone fails: the final destination (urgent voicemail) takes over', async () => {
    const { clock, store, id, seen } = await urgentCall((p) => {
      for (const m of roster.members.values()) p.agent(dial(m.number), 'busy');
    });
    await clock.advance(5000);
    expect(attempts(store, id).map((a) => (a as { result: string }).result)).toEqual(['busy', 'busy']);
    expect(seen()).toEqual(['voicemail urgent']);
  });

  it('the toll-fraud guard refuses dial strings not in the config, premium numbers and too many forwards per hour', async () => {
    const { DialGuard } = await import('../src/calls/dial-guard.js');
    const g = new DialGuard();
    const now = Date.parse('2026-11-24T01:00:00Z');
    expect(g.check(plan, 'PJSIP/+15125559999@carrier', '+15125559999', now)).toMatch(/not a dial target written in the configuration/);
    const okafor = member('dr-okafor');
    for (let i = 0; i < 6; i++) expect(g.check(plan, dial(okafor.number), okafor.number, now + i)).toBeNull();
    expect(g.check(plan, dial(okafor.number), okafor.number, now + 10)).toMatch(/already dialled 6 times in the last hour \(limit 6\)/);
    expect(g.check(plan, dial(okafor.number), okafor.number, now + 3600_001)).toBeNull();
  });
});

describe('callback capture', () => {
  const local = (ms: number | null) => (ms === null ? null : DateTime.fromMillis(ms, { zone: 'America/Chicago' }).toFormat('ccc yyyy-LL-dd HH:mm'));
  async function capture(at: string, caller: string, keys: string[]) {
    const env = setup(at);
    const ch = env.pbx.call(MAIN, caller);
    await env.clock.advance(500);
    for (const k of keys) {
      env.pbx.press(ch, k);
      await env.clock.advance(300);
    }
    await env.clock.advance(10_000);
    return { ...env, ch };
  }

  it('Friday 18:00: caller id confirmed, reason chosen, request due at the next opening (Saturday 09:00)', async () => {
    const { store, pbx, ch } = await capture('2026-11-27T18:00', '+15125550123', ['3', '1', '2']);
    const [cb] = store.callbacks(true);
    expect(cb).toMatchObject({ number: '+15125550123', reason: 'records-request', list: 'callbacks', site: 'riverside' });
    expect(local(cb!.deadline)).toBe('Sat 2026-11-28 09:00');
    expect(store.call(store.callByChannel(ch)!.id)).toMatchObject({ state: 'ended', outcome: 'callback' });
    expect(pbx.played.some((p) => p.media.join(',').includes([...'5125550123'].map((d) => `sound:digits/${d}`).join(',')))).toBe(true);
    expect(pbx.channels.size).toBe(0);
  });

  it('the evening before Thanksgiving: the deadline skips the holiday', async () => {
    const { store } = await capture('2026-11-25T18:00', '+15125550123', ['3', '1', '3']);
    expect(local(store.callbacks(true)[0]!.deadline)).toBe('Fri 2026-11-27 08:00');
  });

  it('another number typed with # is confirmed and stored (never dialled); a withheld caller is asked for one', async () => {
    const typed = await capture('2026-11-27T18:00', '+15125550123', ['3', '2', ...'5125550188', '#', '1', '1']);
    expect(typed.store.callbacks(true)[0]).toMatchObject({ number: '+15125550188', reason: 'prescription-refill' });
    expect(typed.pbx.originated).toEqual([]);
    const anonymous = await capture('2026-11-27T18:00', 'anonymous', ['3', ...'7375550199', '#', '1', '3']);
    expect(anonymous.store.callbacks(true)[0]).toMatchObject({ number: '+17375550199', reason: 'nurse-callback' });
  });
});

describe('run-time on-call override', () => {
  it('an override in the database is used by the next forward', async () => {
    const { clock, pbx, store } = setup('2026-11-24T19:05');
    store.addOncallOverride('on-call-nurse', 'dr-chen', clock.now() - 3600_000, clock.now() + 3600_000, clock.now());
    const ch = pbx.call(MAIN, '+15125550123');
    await clock.advance(500);
    pbx.press(ch, '1');
    await clock.advance(100);
    expect(pbx.originated[0]).toBe('PJSIP/+15125550199@carrier');
  });
});

describe('a store that cannot record a call', () => {
  it('the caller is answered first and routed from memory (not left in silence, not sent away); the engine goes on', async () => {
    let broken = true;
    const brokenStore = (db: Db) => {
      const store = new CallStore(db);
      const createCall = store.createCall.bind(store);
      store.createCall = (c) => {
        if (broken) throw new Error('disk I/O error');
        createCall(c);
      };
      return store;
    };
    const { clock, pbx, store, engine, logs } = engineOnFakePbx({ plan, store: brokenStore });
    const toDialplan: string[] = [];
    const answered: string[] = [];
    const answer = pbx.answer.bind(pbx);
    pbx.answer = async (ch) => {
      answered.push(ch);
      return answer(ch);
    };
    const cont = pbx.sendToFailsafe.bind(pbx);
    pbx.sendToFailsafe = async (ch) => {
      toDialplan.push(ch);
      return cont(ch);
    };
    const ch = pbx.call(MAIN, '+15125550123');
    await clock.advance(1000);
    expect(answered).toEqual([ch]);
    expect(toDialplan).toEqual([]);
    expect(pbx.played.find((p) => p.channel === ch)?.media).toEqual(['sound:riverside/welcome', 'sound:riverside/main-menu']);
    expect(logs.join('\n')).toMatch(/recording the new call failed: disk I\/O error; routing it from memory/);
    expect(engine.active()).toBe(1);
    // The next caller, with the store working again, is recorded and routed as usual.
    broken = false;
    const next = pbx.call(MAIN, '+15125550124');
    await clock.advance(1000);
    expect(store.callByChannel(next)?.state).not.toBe('ended');
    expect(pbx.channels.has(next)).toBe(true);
    expect(engine.active()).toBe(2);
  });
});
