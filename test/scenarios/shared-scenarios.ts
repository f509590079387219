/**
 * The live scenarios of the example clinic, written once and run on both backends: against the
 * fake Asterisk in `npm test` (test/live-shared.test.ts) and against a real Asterisk 22 with SIP
 * callers, desk phones and cells in `npm run test:asterisk` (test/asterisk/shared.test.ts).
 * Times are PBX time: real seconds on the real Asterisk, virtual ones on the fake.
 */
import { expect } from 'vitest';
import { TEST_SMS_ACCOUNT } from './tier-config.js';
import { voicemailSpeech } from '../support/speech.js';
import { inOrder, nothingLeft, type World, type WorldOptions } from './world.js';

export interface Scenario {
  readonly name: string;
  readonly world: WorldOptions;
  /** On the real Asterisk: record the engine's REST calls and every event to this transcript (a file name). */
  readonly transcript?: string;
  /** Wall-clock budget on the real Asterisk (ms). */
  readonly timeout: number;
  run(w: World): Promise<void>;
}

let seq = 0;
/** A caller number of the clinic's area that no other call of the run uses. */
export const newCaller = () => `+1512555${String(2000 + ((process.pid * 37 + ++seq) % 7000)).padStart(4, '0')}`;

const press = (...keys: string[]) => keys.map((digit, i) => ({ at: 2500 + i * 1200, digit }));
const ended = (w: World, id: string) => w.until(`call ${id} ended`, () => w.store().call(id)?.state === 'ended' && w.store().call(id));
const events = (w: World, id: string, type: string) => w.store().events(id).filter((e) => e.type === type).map((e) => e.data as Record<string, unknown>);

/** The on-call scenarios' roster: Priya Patel first, then Dr. Okafor, short rings and confirm time. */
const ONCALL = {
  'rosters.on-call-nurse.escalation': ['nurse-patel', 'dr-okafor'],
  'rosters.on-call-nurse.ringTime': 8,
  'rosters.on-call-nurse.members.dr-okafor.ringTime': 8,
  'rosters.on-call-nurse.confirm': { required: true, digit: '1', timeout: 6 },
} as const;
const CELL = { patel: '+15125550198', okafor: '+15125550197' } as const;

/** Config for callbackMany: announcements every few seconds, so some `*` come during one. */
export const CALLBACK_CONFIG = { 'queues.scheduling.announce': { position: true, estimatedWait: false, first: 4, interval: 10 } } as const;

/**
 * Config for the text offer: offered after 3 s of waiting (the example's is 2 minutes), the first
 * announcement long after the text so that nothing plays over the offer, and a text of its own.
 */
export const SMS_OFFER_CONFIG = {
  'queues.scheduling.smsOffer': { message: 'book-online', whenWaitOver: 3, digit: '2' },
  'queues.scheduling.announce': { position: true, estimatedWait: false, interval: 60, first: 45 },
  'sms.messages.book-online': { en: '{clinic}: book at riverside-clinic.example/book or stay on the line. Reply STOP to opt out.' },
} as const;
/** The text as the caller's phone gets it. */
const SMS_OFFER_TEXT = 'Riverside Family Clinic: book at riverside-clinic.example/book or stay on the line. Reply STOP to opt out.';
/** When a caller of the text scenario presses 2: after the whole offer (7.8 s on the real Asterisk, from about 6 s after the answer). */
const TAKE_TEXT_AT = 16_000;

/** How many `*` callers the callback scenario places: 50 on the real Asterisk (issue 18), 10 on the fake. */
const CALLBACK_RUNS = (w: World) => (w.backend === 'real' ? Number(process.env.PBX_CALLBACK_RUNS ?? 50) : 10);

export const SCENARIOS: readonly Scenario[] = [
  {
    name: '* while waiting, 50 callers in batches of 10 (some during an announcement): each a callback request, the confirmation heard, every channel released',
    world: { mode: 'day', config: CALLBACK_CONFIG },
    transcript: 'callback-star-in-queue.jsonl',
    timeout: 400_000,
    async run(w) {
      await callbackMany(w, CALLBACK_RUNS(w));
    },
  },
  {
    name: 'menu 1 -> scheduling -> the agent answers -> caller and agent hear each other in a mixing bridge -> the caller hangs up -> nothing left',
    world: { mode: 'day' },
    timeout: 60_000,
    async run(w) {
      await w.only(['james']);
      await w.phone('james', { answer: 1500 });
      const c = await w.call({ caller: newCaller(), script: { dtmf: press('1'), hangupAfter: 14_000 } });
      const open = await w.until('the call connected', () => c.record()?.state === 'connected' && c.record());
      expect(open).toMatchObject({ agent: 'james', target: 'scheduling', did: '+15125550100', caller: c.number });
      const mixing = await w.until('a mixing bridge with caller and agent', async () => (await w.bridges()).find((b) => b.channels.includes(open.channelId) && b.channels.length === 2));
      expect(mixing.bridge_type).toBe('mixing');
      const done = await ended(w, open.id);
      expect(done).toMatchObject({ outcome: 'answered', agent: 'james' });
      // What the caller heard, in order: the clinic's welcome (the menu prompt is cut short by the key), then James.
      if (w.backend === 'real') expect(inOrder(c.heard(), ['riverside/welcome', 'voice:james'])).toBe(true);
      await nothingLeft(w);
      await w.until('james back to available after wrap-up', async () => (await w.agentState('james')) === 'available', 15_000);
    },
  },
  {
    name: 'a busy agent and one who rings out are skipped, each once; the next agent answers',
    world: { mode: 'day', config: { 'queues.scheduling.ringTimeout': 6 } },
    timeout: 90_000,
    async run(w) {
      await w.only(['emily', 'james', 'maria']);
      await w.phone('emily', 'busy');
      await w.phone('james', 'noanswer');
      await w.phone('maria', { answer: 1000 });
      const c = await w.call({ caller: newCaller(), script: { dtmf: press('1'), hangupAfter: 30_000 } });
      const open = await w.until('the call connected', () => c.record()?.state === 'connected' && c.record(), 60_000);
      expect(open.agent).toBe('maria');
      // Equally idle agents are tried in id order: emily (busy), james (rings out), then maria.
      expect(events(w, open.id, 'offer-missed')).toEqual([
        { agent: 'emily', reason: 'busy' },
        { agent: 'james', reason: 'no-answer' },
      ]);
      await ended(w, open.id);
      await nothingLeft(w);
    },
  },
  {
    name: 'an unregistered desk phone is never rung: its agent is offline and the next agent answers',
    world: { mode: 'day' },
    timeout: 60_000,
    async run(w) {
      await w.only(['emily', 'maria']);
      await w.phone('emily', 'unregistered');
      await w.phone('maria', { answer: 1000 });
      await w.until('emily offline', async () => (await w.agentState('emily')) === 'offline', 20_000);
      const c = await w.call({ caller: newCaller(), script: { dtmf: press('1'), hangupAfter: 12_000 } });
      const open = await w.until('the call connected', () => c.record()?.state === 'connected' && c.record());
      expect(open.agent).toBe('maria');
      expect(events(w, open.id, 'offer').map((o) => o.agent)).toEqual(['maria']);
      await ended(w, open.id);
      await nothingLeft(w);
    },
  },
  {
    name: 'a desk phone already unregistered when the engine starts is offline from the start (DeviceStateList at connect)',
    world: { mode: 'day', unregistered: ['aisha'] },
    timeout: 60_000,
    async run(w) {
      await w.until('aisha offline', async () => (await w.agentState('aisha')) === 'offline', 5000);
      expect(await w.agentState('maria')).toBe('available');
      expect(w.logs().join('\n')).not.toMatch(/DeviceStateList failed/);
    },
  },
  {
    name: 'a direct desk-to-desk call makes both agents busy, and available again when it ends',
    world: { mode: 'day' },
    timeout: 60_000,
    async run(w) {
      await w.only(['maria', 'james']);
      await w.phone('james', 'noanswer');
      const desk = await w.deskCall('maria', 'james');
      await w.until('maria busy on the desk call', async () => (await w.agentState('maria')) === 'busy', 15_000);
      await w.until('james busy on the desk call', async () => (await w.agentState('james')) === 'busy', 15_000);
      await w.sleep(2000);
      await desk.hangup();
      await w.until('maria available again', async () => (await w.agentState('maria')) === 'available', 15_000);
      await w.until('james available again', async () => (await w.agentState('james')) === 'available', 15_000);
    },
  },
  {
    name: 'every agent paused: the caller waits with music and hears a position announcement, never an estimated wait without a basis',
    world: { mode: 'day', config: { 'queues.scheduling.announce': { position: true, estimatedWait: true, interval: 10, first: 4 } } },
    timeout: 60_000,
    async run(w) {
      await w.only([]);
      const c = await w.call({ caller: newCaller(), script: { dtmf: press('1'), hangupAfter: 20_000 } });
      const rec = await w.until('the caller queued', () => c.record()?.state === 'queued' && c.record());
      await w.until('the first announcement', () => w.store().positions(w.store().queueEntries(rec.id)[0]?.id ?? -1).length >= 1, 20_000);
      await ended(w, rec.id);
      const entry = w.store().queueEntries(rec.id)[0]!;
      const announced = w.store().positions(entry.id);
      expect(announced.length).toBeGreaterThanOrEqual(1);
      expect(announced.every((a) => a.estimate === null)).toBe(true);
      expect(c.heard()).toContain('queue-youarenext');
      expect(c.heard()).not.toContain('queue-minute');
      expect(c.heard()).toContain('moh');
      expect(inOrder(c.heard(), ['moh', 'queue-youarenext'])).toBe(true);
      await nothingLeft(w);
    },
  },
  {
    name: 'a paused agent still in wrap-up is no basis for an estimated wait: the waiting caller hears the position only',
    world: { mode: 'day', config: { 'agents.maria.wrapUp': 60, 'queues.scheduling.announce': { position: true, estimatedWait: true, interval: 10, first: 4 } } },
    timeout: 90_000,
    async run(w) {
      await w.only(['maria']);
      await w.phone('maria', { answer: 1000, hangupAfter: 3000 });
      const first = await w.call({ caller: newCaller(), script: { dtmf: press('1'), hangupAfter: 30_000 } });
      const talked = await w.until('the first call answered', () => first.record()?.state === 'connected' && first.record());
      await ended(w, talked.id);
      expect(await w.agentState('maria')).toBe('wrap-up');
      await w.pause('maria', true);
      const c = await w.call({ caller: newCaller(), script: { dtmf: press('1'), hangupAfter: 12_000 } });
      const rec = await w.until('the second caller queued', () => c.record()?.state === 'queued' && c.record());
      await w.until('the first announcement', () => w.store().positions(w.store().queueEntries(rec.id)[0]?.id ?? -1).length >= 1, 20_000);
      await ended(w, rec.id);
      const announced = w.store().positions(w.store().queueEntries(rec.id)[0]!.id);
      expect(announced.map((a) => a.estimate)).toEqual(announced.map(() => null));
      expect(c.heard()).toContain('queue-youarenext');
      expect(c.heard()).not.toContain('queue-holdtime');
      await nothingLeft(w);
    },
  },
  {
    name: 'a Spanish caller (9 then 1) is served by the Spanish-speaking agent though another is free',
    world: { mode: 'day' },
    timeout: 60_000,
    async run(w) {
      await w.only(['james', 'maria']);
      await w.phone('james', { answer: 1000 });
      await w.phone('maria', { answer: 1000 });
      const c = await w.call({ caller: newCaller(), script: { dtmf: press('9', '1'), hangupAfter: 14_000 } });
      const open = await w.until('the call connected', () => c.record()?.state === 'connected' && c.record());
      expect(open).toMatchObject({ agent: 'maria', language: 'es', target: 'scheduling' });
      await ended(w, open.id);
      await nothingLeft(w);
    },
  },
  {
    name: 'a priority caller (the partner nursing home) who calls later is served first',
    world: { mode: 'day' },
    timeout: 90_000,
    async run(w) {
      await w.only([]);
      await w.phone('james', { answer: 1000, hangupAfter: 4000 });
      const normal = await w.call({ caller: newCaller(), script: { dtmf: press('1'), hangupAfter: 60_000 } });
      await w.until('the normal caller queued', () => normal.record()?.state === 'queued');
      const partner = await w.call({ caller: '+15125550777', script: { dtmf: press('1'), hangupAfter: 60_000 } });
      const p = await w.until('the partner queued', () => partner.record()?.state === 'queued' && partner.record());
      expect(p.priority).toBe(3);
      await w.pause('james', false);
      const served = await w.until('the partner connected', () => partner.record()?.state === 'connected' && partner.record(), 30_000);
      expect(served.agent).toBe('james');
      expect(normal.record()?.state).toBe('queued');
      await w.until('the normal caller served next', () => normal.record()?.state === 'connected', 40_000);
      await normal.hangup();
      await partner.hangup();
      await nothingLeft(w);
    },
  },
  {
    name: 'maximum wait: the caller goes to the front-desk voicemail, leaves a message, and the email arrives',
    world: { mode: 'day', config: { 'queues.scheduling.maxWait': 12 } },
    timeout: 90_000,
    async run(w) {
      await w.only([]);
      const c = await w.call({ caller: newCaller(), script: { dtmf: press('1'), speech: [19_000, 27_000, 35_000].map((at) => ({ at, ms: 6000 })), hangupAfter: 46_000 } });
      const rec = await w.until('the caller queued', () => c.record()?.state === 'queued' && c.record());
      await w.until('the caller in voicemail', () => w.store().call(rec.id)?.state === 'voicemail', 30_000);
      const done = await ended(w, rec.id);
      expect(done.outcome).toBe('voicemail');
      const mail = await w.until('the voicemail email', () => w.emails().find((m) => m.text?.includes(c.number) || m.subject?.includes('Front desk')), 30_000);
      expect([mail.to].flat().flatMap((t) => t?.value.map((v) => v.address))).toContain('frontdesk@riverside-clinic.example');
      expect(c.heard()).toContain('beep');
      await nothingLeft(w);
    },
  },
  {
    name: '* while waiting: a callback request that keeps the caller place, the confirmation heard, the call ended and the channel gone',
    world: { mode: 'day' },
    timeout: 60_000,
    async run(w) {
      await w.only([]);
      const c = await w.call({ caller: newCaller(), script: { dtmf: [{ at: 2500, digit: '1' }, { at: 10_000, digit: '*' }], hangupAfter: 30_000 } });
      const rec = await w.until('the caller queued', () => c.record()?.state === 'queued' && c.record());
      const done = await ended(w, rec.id);
      expect(done.outcome).toBe('callback');
      const cb = w.store().callbacks(true).find((x) => x.callId === rec.id);
      expect(cb).toMatchObject({ list: 'callbacks', number: c.number, reason: 'queue-callback' });
      await w.until('the caller channel gone', () => c.gone(), 15_000);
      await nothingLeft(w);
    },
  },
  {
    name: "waiting past the queue's text offer: the offer heard, 2 pressed, 'sent' heard, one text to the caller's own number (sent, in explain); the first caller keeps their place and is served, the second hangs up after the text (sms-deflected)",
    world: { mode: 'day', config: SMS_OFFER_CONFIG },
    timeout: 90_000,
    async run(w) {
      await w.only([]);
      await w.phone('james', { answer: 1000 });
      const takeText = (hangupAfter: number) => ({ dtmf: [{ at: 2500, digit: '1' }, { at: TAKE_TEXT_AT, digit: '2' }], hangupAfter });
      const first = await w.call({ caller: newCaller(), script: takeText(120_000) });
      const a = await w.until('the first caller queued', () => first.record()?.state === 'queued' && first.record());
      const second = await w.call({ caller: newCaller(), script: takeText(32_000) });
      const b = await w.until('the second caller queued', () => second.record()?.state === 'queued' && second.record());
      // The whole of 'sent': on the fake a prompt is heard once it finished; on the real Asterisk, once music follows it.
      const sentHeard = w.backend === 'real' ? ['pbx-router/sms-offer', 'moh', 'pbx-router/sms-sent', 'moh'] : ['pbx-router/sms-offer', 'pbx-router/sms-sent'];
      for (const c of [first, second]) await w.until(`${c.number} heard the offer, then that the text was sent`, () => inOrder(c.heard(), sentHeard), 40_000);
      // Both still wait in the queue: taking the text did not take them out of it.
      for (const r of [a, b]) expect(w.store().call(r.id)).toMatchObject({ state: 'queued' });
      expect(w.store().queueEntries(a.id)).toMatchObject([{ queue: 'scheduling', leftAt: null }]);
      expect(w.store().queueEntries(b.id)).toMatchObject([{ queue: 'scheduling', leftAt: null }]);
      await w.pause('james', false);
      const served = await w.until('the first caller connected', () => first.record()?.state === 'connected' && first.record(), 20_000);
      expect(served.agent).toBe('james');
      expect(second.record()?.state).toBe('queued');
      if (w.backend === 'real') {
        await w.until('the first caller talking to James', () => first.heard().includes('voice:james'), 15_000);
        expect(inOrder(first.heard(), ['pbx-router/sms-offer', 'moh', 'pbx-router/sms-sent', 'moh', 'voice:james'])).toBe(true);
      }
      // While James talks to the first, the second gives up waiting: the text took the place of the call.
      const deflected = await ended(w, b.id);
      expect(deflected.outcome).toBe('sms-deflected');
      expect(w.store().queueEntries(b.id)).toMatchObject([{ queue: 'scheduling', result: 'abandoned' }]);
      await first.hangup();
      expect(await ended(w, a.id)).toMatchObject({ outcome: 'answered', agent: 'james' });
      // The provider got exactly one text per caller, to the caller's own number, from the clinic's.
      expect(w.texts().map((t) => [t.to, t.from, t.body, t.path]).sort()).toEqual(
        [first.number, second.number].sort().map((to) => [to, '+15125550100', SMS_OFFER_TEXT, `/2010-04-01/Accounts/${TEST_SMS_ACCOUNT.user}/Messages.json`]),
      );
      for (const [c, r] of [[first, a], [second, b]] as const) {
        const sid = w.texts().find((t) => t.to === c.number)!.sid;
        const explained = await w.explain(r.id);
        expect(explained).toContain('offered a text (book-online) instead of waiting: key 2');
        expect(explained).toMatch(/text \d+ \(book-online, en\) queued to the caller's number/);
        expect(explained).toMatch(new RegExp(`text \\d+ \\(book-online\\): sent \\(provider id ${sid}\\)`));
        expect(explained).toContain(`ended: ${r === a ? 'answered' : 'sms-deflected'}`);
      }
      await nothingLeft(w);
    },
  },
  {
    name: 'three invalid keys: the front-desk ring group rings together; the first to answer takes the call, the others stop ringing',
    world: { mode: 'day' },
    timeout: 60_000,
    async run(w) {
      await w.only(['maria', 'james', 'emily']);
      await w.phone('maria', 'noanswer');
      await w.phone('james', { answer: 3000 });
      await w.phone('emily', 'noanswer');
      const c = await w.call({ caller: newCaller(), script: { dtmf: press('7', '7', '7'), hangupAfter: 20_000 } });
      const open = await w.until('the call connected', () => c.record()?.state === 'connected' && c.record(), 40_000);
      expect(open.agent).toBe('james');
      await w.until('maria and emily stop ringing', async () => (await w.agentState('maria')) === 'available' && (await w.agentState('emily')) === 'available', 10_000);
      await ended(w, open.id);
      await nothingLeft(w);
    },
  },
  {
    name: 'menu 3: prescription-refill voicemail with the caller speaking; message stored and the email sent through SMTP',
    world: { mode: 'day' },
    timeout: 90_000,
    async run(w) {
      // The greeting's length depends on the clinic's prompt: the caller talks on and off for half a minute.
      const c = await w.call({ caller: newCaller(), script: { dtmf: press('3'), speech: [8000, 16_000, 24_000, 32_000].map((at) => ({ at, ms: 6000 })), hangupAfter: 45_000 } });
      const rec = await w.until('the caller in voicemail', () => c.record()?.state === 'voicemail' && c.record(), 20_000);
      const done = await ended(w, rec.id);
      expect(done.outcome).toBe('voicemail');
      const mail = await w.until('the voicemail email', () => w.emails().find((m) => [m.to].flat().some((t) => t?.value.some((v) => v.address === 'pharmacy-desk@riverside-clinic.example'))), 30_000);
      expect(mail.subject).toMatch(/voicemail|message/i);
      expect(c.heard()).toContain('beep');
      await nothingLeft(w);
    },
  },
  {
    name: 'menu 3, a message about bleeding and not breathing well: the voicemail email first, then its transcript (pocketsphinx on the server), flagged URGENT',
    world: { mode: 'day', config: { 'mailboxes.rx-refills.transcribe': true, 'mailboxes.rx-refills.attachAudio': true, transcription: { timeout: 3600 } } },
    timeout: 150_000,
    async run(w) {
      // "Hi, it's Mary. My son is bleeding from a cut and he can't breathe well." (espeak-ng; its key words were
      // recognised at every one of 7 sample offsets through μ-law, where the chest-pain message lost "chest" at 1 or 2).
      const speech = voicemailSpeech('bleeding');
      const ms = Math.ceil(speech.length / 8);
      // After the beep: the refill greeting is about 10 s on the real Asterisk (espeak-ng) and 2 s on the fake.
      const at = w.backend === 'real' ? 16_000 : 7000;
      const c = await w.call({ caller: newCaller(), script: { dtmf: press('3'), speech: [{ at, ms, pcm: speech }], hangupAfter: at + ms + 2500 } });
      const rec = await w.until('the caller in voicemail', () => c.record()?.state === 'voicemail' && c.record(), 20_000);
      const done = await ended(w, rec.id);
      expect(done.outcome).toBe('voicemail');
      expect(c.heard()).toContain('beep');
      const toDesk = () => w.emails().filter((m) => [m.to].flat().some((t) => t?.value.some((v) => v.address === 'pharmacy-desk@riverside-clinic.example')));
      const [message, transcript] = await w.until('the voicemail email and its transcript', () => toDesk().length >= 2 && toDesk(), 120_000);
      expect(message!.subject).toMatch(/^Voicemail \d+ for Prescription refills/);
      expect(transcript!.subject, transcript!.text).toMatch(/^URGENT \(urgent words in transcript\): Transcript of voicemail \d+ for Prescription refills/);
      // attachAudio: true allows patient data in this mailbox's email, so the words are in it.
      expect(transcript!.text).toMatch(/\bbleeding\b/);
      expect(transcript!.text).toContain("can't breathe");
      const explained = await w.explain(rec.id);
      expect(explained).toMatch(/transcript done \(pocketsphinx, confidence 0\.\d\d\)/);
      expect(explained).toContain('bleeding');
      await nothingLeft(w);
    },
  },
  {
    name: 'after hours, urgent: the first cell does not answer, the second presses 1 and is bridged with the caller',
    world: { mode: 'night', config: ONCALL },
    timeout: 90_000,
    async run(w) {
      await w.cell(CELL.patel, 'noanswer');
      await w.cell(CELL.okafor, { answer: 2000, dtmf: [{ at: 3000, digit: '1' }], hangupAfter: 12_000 });
      const c = await w.call({ caller: newCaller(), script: { dtmf: press('1') } });
      const open = await w.until('the call connected to Dr. Okafor', () => c.record()?.state === 'connected' && c.record(), 60_000);
      expect(open).toMatchObject({ agent: 'dr-okafor', target: 'on-call-nurse', priority: 9 });
      const done = await ended(w, open.id);
      expect(done.outcome).toBe('forwarded');
      // Dr. Okafor heard the urgent-call prompt before pressing 1; the caller heard the hold message.
      expect(w.cellsHeard()).toContain('pbx-router/oncall-urgent-call');
      expect(c.heard()).toContain('pbx-router/oncall-please-hold');
      expect(events(w, open.id, 'oncall-attempt').map((a) => [a.member, a.result])).toEqual([
        ['nurse-patel', 'no-answer'],
        ['dr-okafor', 'accepted'],
      ]);
      await nothingLeft(w);
    },
  },
  {
    name: 'after hours, urgent: a clinician who answers and presses nothing is not connected; the next one presses 1',
    world: { mode: 'night', config: ONCALL },
    timeout: 90_000,
    async run(w) {
      await w.cell(CELL.patel, { answer: 1500 });
      await w.cell(CELL.okafor, { answer: 1500, dtmf: [{ at: 3000, digit: '1' }], hangupAfter: 10_000 });
      const c = await w.call({ caller: newCaller(), script: { dtmf: press('1') } });
      const open = await w.until('the call connected to Dr. Okafor', () => c.record()?.state === 'connected' && c.record(), 60_000);
      expect(open.agent).toBe('dr-okafor');
      await ended(w, open.id);
      expect(events(w, open.id, 'oncall-attempt').map((a) => [a.member, a.result])).toEqual([
        ['nurse-patel', 'no-confirmation'],
        ['dr-okafor', 'accepted'],
      ]);
      await nothingLeft(w);
    },
  },
  {
    name: 'after hours, urgent: nobody answers; the caller leaves an urgent voicemail, emailed to the roster',
    world: { mode: 'night', config: ONCALL },
    timeout: 120_000,
    async run(w) {
      await w.cell(CELL.patel, 'noanswer');
      await w.cell(CELL.okafor, 'noanswer');
      const c = await w.call({ caller: newCaller(), script: { dtmf: press('1'), speech: [22_000, 30_000, 38_000, 46_000].map((at) => ({ at, ms: 6000 })), hangupAfter: 58_000 } });
      const rec = await w.until('the caller forwarded', () => c.record()?.outcome === 'forward' && c.record(), 20_000);
      const done = await ended(w, rec.id);
      expect(done.outcome).toBe('voicemail');
      expect(events(w, rec.id, 'oncall-attempt').map((a) => a.result)).toEqual(['no-answer', 'no-answer']);
      const mail = await w.until('the urgent email', () => w.emails().find((m) => [m.to].flat().some((t) => t?.value.some((v) => v.address === 'oncall@riverside-clinic.example'))), 30_000);
      expect([mail.to].flat().flatMap((t) => t?.value.map((v) => v.address))).toContain('nurses@riverside-clinic.example');
      await nothingLeft(w);
    },
  },
  {
    name: 'the engine down: a new call falls through to the failsafe dialplan and rings the front desk, never silence',
    world: { mode: 'day' },
    timeout: 60_000,
    async run(w) {
      await w.phone('maria', { answer: 2000 });
      await w.killEngine();
      await w.sleep(1000);
      const c = await w.call({ caller: newCaller(), script: { hangupAfter: 12_000 } });
      const ch = await w.until('the call in the failsafe', async () => (await w.channels()).find((x) => x.caller === c.number && x.context === 'router-failsafe'), 10_000);
      expect(ch).toBeTruthy();
      if (w.backend === 'real') {
        await w.until('the caller talking to the front desk', () => c.heard().includes('voice:maria'), 15_000);
      }
      await w.until('the caller gone', () => c.gone(), 20_000);
      await w.startEngine();
    },
  },
  {
    name: 'the engine down and nobody at the front desk: the caller leaves a message in the failsafe box, emailed once the engine is back',
    world: { mode: 'day' },
    timeout: 120_000,
    async run(w) {
      for (const agent of ['maria', 'james', 'emily']) await w.phone(agent, 'noanswer');
      await w.killEngine();
      await w.sleep(1000);
      // The fallback group rings 25 s, then vm-nobodyavail and the box's greeting: the caller talks after that.
      const c = await w.call({ caller: newCaller(), script: { speech: [38_000, 44_000].map((at) => ({ at, ms: 5000 })), hangupAfter: 52_000 } });
      await w.until('the call in the failsafe', async () => (await w.channels()).find((x) => x.caller === c.number && x.context === 'router-failsafe'), 10_000);
      await w.until('the caller gone', () => c.gone(), 70_000);
      await w.startEngine();
      // On the fake, the failsafe box is not behind AMI (its VoiceMail leaves no message there).
      if (w.backend !== 'real') return;
      const mail = await w.until('the failsafe email', () => w.emails().find((m) => [m.to].flat().some((t) => t?.value.some((v) => v.address === 'frontdesk@riverside-clinic.example'))), 60_000);
      expect(`${mail.subject ?? ''} ${mail.text ?? ''}`).toMatch(/\*97/);
      await w.sleep(3000);
      expect(w.emails().filter((m) => [m.to].flat().some((t) => t?.value.some((v) => v.address === 'frontdesk@riverside-clinic.example')))).toHaveLength(1);
    },
  },
  {
    name: 'SIGKILL with three callers waiting: after the restart they keep their places, hear music, and are served in order',
    world: { mode: 'day' },
    timeout: 150_000,
    async run(w) {
      await w.only([]);
      await w.phone('james', { answer: 1000, hangupAfter: 3000 });
      const callers = [];
      for (let i = 0; i < 3; i++) {
        const c = await w.call({ caller: newCaller(), script: { dtmf: press('1'), hangupAfter: 120_000 } });
        await w.until(`caller ${i + 1} queued`, () => c.record()?.state === 'queued');
        callers.push(c);
      }
      await w.killEngine();
      await w.sleep(3000);
      await w.startEngine();
      const restartedAt = callers[0]!.elapsed();
      await w.sleep(4000);
      for (const c of callers) expect(c.record()?.state).toBe('queued');
      await w.pause('james', false);
      const order: string[] = [];
      for (const c of callers) {
        await w.until('the next caller connected', () => c.record()?.state !== 'queued' && c.record(), 40_000);
        order.push(c.number);
        await w.until('that call ended', () => c.record()?.state === 'ended', 30_000);
      }
      expect(order).toEqual(callers.map((c) => c.number));
      if (w.backend === 'real') for (const c of callers) expect(c.longestSilence(restartedAt, restartedAt + 4000)).toBeLessThan(2000);
      await nothingLeft(w);
    },
  },
  {
    name: 'Asterisk restarts with a call in progress: it is closed, the engine reconnects by itself, and the next call is answered and routed',
    world: { mode: 'day' },
    timeout: 150_000,
    async run(w) {
      await w.only(['james']);
      await w.phone('james', { answer: 1000 });
      const talking = await w.call({ caller: newCaller(), script: { dtmf: press('1'), hangupAfter: 60_000 } });
      const t = await w.until('a call connected', () => talking.record()?.state === 'connected' && talking.record());
      await w.restartAsterisk();
      // The engine stayed up: it knows the call was answered, and the reconnect tells it the caller is gone.
      const after = await w.until('the cut call closed by the reconnect', () => w.store().call(t.id)?.state === 'ended' && w.store().call(t.id), 60_000);
      expect(after.outcome).toBe('answered');
      await w.until('james available again', async () => ['available', 'wrap-up'].includes(await w.agentState('james')), 30_000);
      const next = await w.call({ caller: newCaller(), script: { dtmf: press('1'), hangupAfter: 12_000 } });
      const n = await w.until('the next call connected', () => next.record()?.state === 'connected' && next.record(), 60_000);
      expect(n.agent).toBe('james');
      await ended(w, n.id);
      await nothingLeft(w);
    },
  },
];


/**
 * `*` while waiting, many times over (issue 18: on a real Asterisk the caller's channel once stayed
 * wedged in Stasis after the confirmation). Callers come in batches into one holding bridge with
 * frequent announcements, and press `*` at spread-out moments, some during an announcement. Each
 * must end as a callback request, hear the confirmation, and leave no channel behind.
 */
export async function callbackMany(w: World, runs: number, batch = 10): Promise<void> {
  await w.only([]);
  for (let done = 0; done < runs; done += batch) {
    const n = Math.min(batch, runs - done);
    const callers = [];
    for (let i = 0; i < n; i++) {
      const at = 6000 + (((done + i) * 1733) % 7000);
      callers.push(await w.call({ caller: newCaller(), script: { dtmf: [{ at: 2500, digit: '1' }, { at, digit: '*' }], hangupAfter: 45_000 } }));
    }
    for (const c of callers) {
      const r = await w.until('the callback call ended', () => c.record()?.state === 'ended' && c.record(), 40_000);
      expect(r.outcome, `caller ${c.number}`).toBe('callback');
      expect(w.store().callbacks(true).some((x) => x.callId === r.id && x.reason === 'queue-callback'), `callback stored for ${c.number}`).toBe(true);
    }
    for (const c of callers) await w.until(`the channel of ${c.number} gone after the confirmation`, () => c.gone(), 10_000);
    if (w.backend === 'real') for (const c of callers) expect(c.heard(), `${c.number} heard the confirmation`).toContain('pbx-router/callback-confirmed');
    await nothingLeft(w, 20_000);
  }
  expect(w.pbxLog()).not.toMatch(/Exceptionally long voice queue/);
}
