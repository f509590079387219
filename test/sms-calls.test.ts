/**
 * Texting callers from the call engine (issue 16): an `sms` action of the routing, and a queue's
 * text offer ("press 2 to get a text instead of waiting"). An engine on the fake PBX with a real
 * SQLite SmsStore, the outbox and the HTTP adapter against the fake provider on loopback; each test
 * checks what the caller heard, the texts the provider holds and what the call recorded.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { compileSources, loadPlan } from '../src/config/index.js';
import { smsOutbox } from '../src/notify/sms-outbox.js';
import { httpSmsSender } from '../src/notify/sms-provider.js';
import type { CompiledSms } from '../src/routing/types.js';
import { SmsStore } from '../src/store/sms-store.js';
import { startFakeSmsProvider, type FakeSmsProvider } from './fakes/sms-provider.js';
import { only } from './support/agents.js';
import { engineOnFakePbx, EXAMPLE_CONFIG, type EngineOnFakePbx } from './support/engine-fixture.js';
import { CALLER, MAIN } from './support/numbers.js';

const USER = 'AC0123456789';
const PASSWORD = 'twilio-auth-token';
const plan = loadPlan(EXAMPLE_CONFIG).plan!;
/** The example clinic, whose after-hours "9" (Spanish) also texts book-online before the menu is heard again. */
const textingPlan = (() => {
  const yaml = readFileSync(EXAMPLE_CONFIG, 'utf8').replace('        - setLanguage: es\n        - menu: after-hours', '        - setLanguage: es\n        - sms: book-online\n        - menu: after-hours');
  return compileSources([{ path: 'inline.yaml', text: yaml }]).plan!;
})();

interface Texting extends EngineOnFakePbx {
  readonly sms: SmsStore;
  readonly fake: FakeSmsProvider;
  /** Waits for every flush asked for so far (the engine's, and the test's own). */
  flushed(): Promise<void>;
  /** A flush as the engine's scheduler timer makes (due retries). */
  flushNow(): Promise<void>;
}

let open: Texting[] = [];
afterEach(async () => {
  for (const t of open) {
    t.close();
    await t.fake.close();
  }
  open = [];
});

/** The example clinic with texting on the fake provider (Twilio's form and basic auth; `keyed`: with an idempotency key). */
async function texting(o: { at?: string; keyed?: boolean; yamlPlan?: boolean; voicemail?: boolean } = {}): Promise<Texting> {
  const keyed = o.keyed ?? false;
  const fake = await startFakeSmsProvider({ style: 'twilio', auth: { basic: { user: USER, password: PASSWORD } }, idempotencyHeader: keyed ? 'Idempotency-Key' : null });
  const flushes: Promise<unknown>[] = [];
  let store: SmsStore | null = null;
  const base = o.yamlPlan ? textingPlan : plan;
  const sms: CompiledSms = { ...base.sms!, provider: { ...base.sms!.provider, url: `${fake.url}/2010-04-01/Accounts/{user}/Messages.json`, idempotencyHeader: keyed ? 'Idempotency-Key' : null } };
  const f = engineOnFakePbx({
    plan: base,
    at: o.at ?? '2026-11-23T10:00',
    phones: 'noanswer',
    voicemail: o.voicemail ?? false,
    engine: (parts) => {
      store = new SmsStore(parts.db);
      const outbox = smsOutbox(() => ({ store: store!, sms, sender: httpSmsSender(sms.provider, { user: USER, password: PASSWORD }), now: () => parts.clock.now() }), (e) => parts.logs.push(`sms: ${e.message}`));
      return {
        sms: {
          store: store,
          flush: () => {
            const p = outbox.flush();
            flushes.push(p);
            return p;
          },
        },
      };
    },
  });
  const t: Texting = {
    ...f,
    sms: store!,
    fake,
    flushed: async () => {
      while (flushes.length) await flushes.shift();
    },
    flushNow: async () => {
      const run = smsOutbox(() => ({ store: store!, sms, sender: httpSmsSender(sms.provider, { user: USER, password: PASSWORD }), now: () => f.clock.now() }), () => {});
      await run.flush();
    },
  };
  open.push(t);
  return t;
}

const heard = (t: Texting, ch: string) => t.pbx.played.filter((p) => p.channel === ch).flatMap((p) => p.media);
const eventsOf = (t: Texting, ch: string, type: string) => t.store.events(t.store.callByChannel(ch)!.id).filter((e) => e.type === type).map((e) => e.data);

describe('the sms action', () => {
  it('after hours, 9 (Spanish) then 2 (voicemail): one text, in Spanish, to the caller own number, with no patient data', async () => {
    const t = await texting({ at: '2026-11-23T19:05', yamlPlan: true, voicemail: true });
    const ch = t.pbx.call(MAIN, CALLER);
    await t.clock.advance(500);
    t.pbx.press(ch, '9');
    await t.clock.advance(3000);
    // The next decision repeats the steps before the menu (with its sms): no second text.
    t.pbx.press(ch, '2');
    await t.clock.advance(5000);
    await t.flushed();
    expect(t.fake.messages).toHaveLength(1);
    const [m] = t.fake.messages;
    expect(m).toMatchObject({ to: CALLER, from: '+15125550100' });
    expect(m!.body).toMatch(/^Riverside Family Clinic: pida o cambie su cita/);
    expect(m!.body).not.toContain(CALLER.slice(-4));
    const id = t.store.callByChannel(ch)!.id;
    expect(t.sms.forCall(id)).toMatchObject([{ status: 'sent', language: 'es', message: 'book-online', attempts: 1 }]);
    expect(eventsOf(t, ch, 'sms-queued')).toEqual([{ sms: t.sms.forCall(id)[0]!.id, message: 'book-online', language: 'es', status: 'queued' }]);
    // The call went on to voicemail.
    expect(t.store.decisions(id).at(-1)).toMatchObject({ action: 'voicemail', target: 'front-desk' });
    expect(t.logs.join('\n')).not.toContain(CALLER);
  });

  it.each([
    ['a withheld number', 'anonymous', 'anonymous'],
    ['an international number', '+447700900123', 'international'],
  ])('%s gets no text; the call says why and goes on', async (_what, caller, reason) => {
    const t = await texting({ at: '2026-11-23T19:05', yamlPlan: true, voicemail: true });
    const ch = t.pbx.call(MAIN, caller);
    await t.clock.advance(500);
    t.pbx.press(ch, '9');
    await t.clock.advance(3000);
    t.pbx.press(ch, '2');
    await t.clock.advance(5000);
    await t.flushed();
    expect(t.fake.requests).toHaveLength(0);
    expect(t.sms.queued()).toHaveLength(0);
    expect(eventsOf(t, ch, 'sms-refused')).toMatchObject([{ message: 'book-online', reason }]);
    expect(t.store.decisions(t.store.callByChannel(ch)!.id).at(-1)).toMatchObject({ action: 'voicemail' });
  });

  it('over the hourly limit: refused, the call goes on', async () => {
    const t = await texting({ at: '2026-11-23T19:05', yamlPlan: true, voicemail: true });
    for (let i = 0; i < 2; i++) t.sms.queue({ callId: null, to: CALLER, message: 'book-online', language: 'en', body: 'x', site: null, createdAt: t.clock.now() - 600_000 });
    const ch = t.pbx.call(MAIN, CALLER);
    await t.clock.advance(500);
    t.pbx.press(ch, '9');
    await t.clock.advance(3000);
    expect(eventsOf(t, ch, 'sms-refused')).toMatchObject([{ reason: 'hourly-limit' }]);
    expect(t.sms.forCall(t.store.callByChannel(ch)!.id)).toHaveLength(0);
  });

  it('without texting set up, the action is logged and the call goes on', async () => {
    const f = engineOnFakePbx({ plan: textingPlan, at: '2026-11-23T19:05', voicemail: true });
    try {
      const ch = f.pbx.call(MAIN, CALLER);
      await f.clock.advance(500);
      f.pbx.press(ch, '9');
      await f.clock.advance(3000);
      f.pbx.press(ch, '2');
      await f.clock.advance(5000);
      const id = f.store.callByChannel(ch)!.id;
      expect(f.store.events(id).filter((e) => e.type === 'sms-refused').map((e) => e.data)).toEqual([{ message: 'book-online', reason: 'not-set-up' }]);
      expect(f.store.decisions(id).at(-1)).toMatchObject({ action: 'voicemail' });
    } finally {
      f.close();
    }
  });
});

/** A caller in the scheduling queue (smsOffer after 120 s, key 2) with no agent free; `spanish` presses 9 first. */
async function waitInScheduling(t: Texting, caller = CALLER, spanish = false): Promise<string> {
  only(t.engine, []);
  const ch = t.pbx.call(MAIN, caller);
  await t.clock.advance(1000);
  if (spanish) {
    t.pbx.press(ch, '9');
    await t.clock.advance(1000);
  }
  t.pbx.press(ch, '1');
  await t.clock.advance(1000);
  return ch;
}

describe("a queue's text offer", () => {
  it('heard only after whenWaitOver; 2 queues the text and plays sms-sent; the caller keeps their place and is then offered to an agent', async () => {
    const t = await texting();
    const ch = await waitInScheduling(t);
    await t.clock.advance(118_000);
    expect(heard(t, ch)).not.toContain('sound:pbx-router/sms-offer');
    await t.clock.advance(2000);
    expect(heard(t, ch).filter((m) => m === 'sound:pbx-router/sms-offer')).toHaveLength(1);
    const place = t.store.waiting()[0]!;
    t.pbx.press(ch, '2');
    await t.clock.advance(100);
    await t.flushed();
    expect(heard(t, ch)).toContain('sound:pbx-router/sms-sent');
    expect(t.fake.messages.map((m) => [m.to, m.body])).toEqual([[CALLER, 'Riverside Family Clinic: book or change an appointment at riverside-clinic.example/book. Reply STOP to opt out.']]);
    const id = t.store.callByChannel(ch)!.id;
    expect(eventsOf(t, ch, 'sms-queued')).toMatchObject([{ message: 'book-online', language: 'en', status: 'queued' }]);
    // Still waiting, with the same place; pressing 2 again sends nothing more.
    t.pbx.press(ch, '2');
    await t.clock.advance(60_000);
    await t.flushed();
    expect(t.fake.messages).toHaveLength(1);
    expect(t.store.waiting()).toEqual([place]);
    expect(heard(t, ch).filter((m) => m === 'sound:pbx-router/sms-offer')).toHaveLength(1);
    t.pbx.agent('PJSIP/1002', { answerAfter: 2000, talkFor: 30_000 });
    only(t.engine, ['james']);
    await t.clock.advance(10_000);
    expect(t.store.call(id)).toMatchObject({ state: 'connected', agent: 'james' });
    await t.clock.advance(40_000);
    expect(t.store.call(id)).toMatchObject({ state: 'ended', outcome: 'answered' });
  });

  it('an announced wait over whenWaitOver brings the offer right after the announcement, not after that long on hold', async () => {
    const t = await texting();
    // James answers the first caller and talks 5 minutes: the queue's handle time is then 300 s.
    t.pbx.agent('PJSIP/1002', { answerAfter: 1000, talkFor: 300_000 });
    only(t.engine, ['james']);
    const first = t.pbx.call(MAIN, '+15125550111');
    await t.clock.advance(1000);
    t.pbx.press(first, '1');
    await t.clock.advance(310_000);
    expect(t.store.call(t.store.callByChannel(first)!.id)).toMatchObject({ state: 'ended', outcome: 'answered' });
    // He takes a second caller; a third waits alone, first in line, with one agent staffed: 5 minutes announced at 20 s.
    const second = t.pbx.call(MAIN, '+15125550112');
    await t.clock.advance(1000);
    t.pbx.press(second, '1');
    await t.clock.advance(5000);
    const ch = t.pbx.call(MAIN, CALLER);
    await t.clock.advance(1000);
    t.pbx.press(ch, '1');
    await t.clock.advance(40_000);
    const media = heard(t, ch);
    expect(media).toContain('sound:queue-holdtime');
    expect(media.filter((m) => m === 'sound:pbx-router/sms-offer')).toHaveLength(1);
    expect(media.indexOf('sound:pbx-router/sms-offer')).toBeGreaterThan(media.indexOf('sound:queue-minutes'));
    expect(eventsOf(t, ch, 'sms-offered')).toMatchObject([{ message: 'book-online', digit: '2' }]);
    // Not again when the wait itself passes 120 s.
    await t.clock.advance(120_000);
    expect(heard(t, ch).filter((m) => m === 'sound:pbx-router/sms-offer')).toHaveLength(1);
  });

  it('a Spanish caller gets the Spanish text', async () => {
    const t = await texting();
    const ch = await waitInScheduling(t, CALLER, true);
    await t.clock.advance(121_000);
    t.pbx.press(ch, '2');
    await t.clock.advance(100);
    await t.flushed();
    expect(t.fake.messages.map((m) => m.body)).toEqual([expect.stringMatching(/pida o cambie su cita/)]);
  });

  it('a caller who got the text and hangs up while waiting ends as sms-deflected (the queue records an abandon)', async () => {
    const t = await texting();
    const ch = await waitInScheduling(t);
    await t.clock.advance(121_000);
    t.pbx.press(ch, '2');
    await t.clock.advance(8000);
    t.pbx.hangupFrom(ch);
    await t.clock.advance(100);
    const id = t.store.callByChannel(ch)!.id;
    expect(t.store.call(id)).toMatchObject({ state: 'ended', outcome: 'sms-deflected' });
    expect(t.store.queueEntries(id)).toMatchObject([{ queue: 'scheduling', result: 'abandoned' }]);
  });

  it('after an engine restart, the caller who took the text keeps their place, is not offered again, and ends sms-deflected', async () => {
    const t = await texting();
    const ch = await waitInScheduling(t);
    await t.clock.advance(121_000);
    t.pbx.press(ch, '2');
    await t.clock.advance(8000);
    const fresh = t.restart({ sms: { store: t.sms, flush: async () => 0 } });
    for (const a of plan.agents.keys()) fresh.pauseAgent(a, true);
    expect(fresh.reconcile(t.pbx.inventory(), () => {})).toMatchObject({ resumed: 1 });
    await t.clock.advance(200_000);
    expect(heard(t, ch).filter((m) => m === 'sound:pbx-router/sms-offer')).toHaveLength(1);
    t.pbx.press(ch, '2');
    await t.clock.advance(1000);
    t.pbx.hangupFrom(ch);
    await t.clock.advance(100);
    const id = t.store.callByChannel(ch)!.id;
    expect(t.store.call(id)).toMatchObject({ state: 'ended', outcome: 'sms-deflected' });
    expect(t.sms.forCall(id)).toHaveLength(1);
  });

  it('a caller who heard the offer but did not take it and hangs up is an abandon', async () => {
    const t = await texting();
    const ch = await waitInScheduling(t);
    await t.clock.advance(130_000);
    t.pbx.hangupFrom(ch);
    await t.clock.advance(100);
    expect(t.store.call(t.store.callByChannel(ch)!.id)).toMatchObject({ outcome: 'abandoned' });
    expect(t.fake.requests).toHaveLength(0);
  });

  it.each([
    ['a withheld caller', 'anonymous', 'anonymous'],
    ['a foreign caller', '+5215512345678', 'international'],
    ['a Caribbean NANP caller', '+18765551234', 'international'],
  ])('%s never hears the offer (the call says why); 2 does nothing', async (_what, caller, reason) => {
    const t = await texting();
    const ch = await waitInScheduling(t, caller);
    await t.clock.advance(125_000);
    t.pbx.press(ch, '2');
    await t.clock.advance(5000);
    expect(heard(t, ch)).not.toContain('sound:pbx-router/sms-offer');
    expect(heard(t, ch)).not.toContain('sound:pbx-router/sms-sent');
    expect(eventsOf(t, ch, 'sms-not-offered')).toMatchObject([{ message: 'book-online', reason }]);
    expect(t.sms.queued()).toHaveLength(0);
    expect(t.store.waiting()).toHaveLength(1);
  });

  it('an opted-out caller, or one over the hourly limit, is not offered', async () => {
    const t = await texting();
    t.sms.optOut('riverside', CALLER, t.clock.now(), 'front-desk');
    const second = '+15125550124';
    for (let i = 0; i < 2; i++) t.sms.queue({ callId: null, to: second, message: 'book-online', language: 'en', body: 'x', site: null, createdAt: t.clock.now() });
    const a = await waitInScheduling(t);
    const b = await waitInScheduling(t, second);
    await t.clock.advance(125_000);
    for (const ch of [a, b]) expect(heard(t, ch)).not.toContain('sound:pbx-router/sms-offer');
    expect(eventsOf(t, a, 'sms-not-offered')).toMatchObject([{ reason: 'opted-out' }]);
    expect(eventsOf(t, b, 'sms-not-offered')).toMatchObject([{ reason: 'hourly-limit' }]);
  });

  it('* still asks for a callback after the offer', async () => {
    const t = await texting();
    const ch = await waitInScheduling(t);
    await t.clock.advance(121_000);
    t.pbx.press(ch, '*');
    await t.clock.advance(8000);
    expect(heard(t, ch)).toContain('sound:pbx-router/callback-confirmed');
    expect(t.store.call(t.store.callByChannel(ch)!.id)).toMatchObject({ outcome: 'callback' });
    expect(t.sms.queued()).toHaveLength(0);
  });

  it('a provider 500 then 201 (with an idempotency key): the text is sent once, on the retry', async () => {
    const t = await texting({ keyed: true });
    t.fake.script({ kind: 'server-error', status: 500 });
    const ch = await waitInScheduling(t);
    await t.clock.advance(121_000);
    t.pbx.press(ch, '2');
    await t.clock.advance(100);
    await t.flushed();
    const [text] = t.sms.forCall(t.store.callByChannel(ch)!.id);
    expect(text).toMatchObject({ status: 'queued', attempts: 1 });
    await t.clock.advance(15_000);
    await t.flushNow();
    await t.flushNow();
    expect(t.sms.get(text!.id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(t.fake.messages).toHaveLength(1);
    expect(t.fake.requests.map((r) => [r.status, r.headers['idempotency-key']])).toEqual([
      [500, text!.idempotencyKey],
      [201, text!.idempotencyKey],
    ]);
  });
});
