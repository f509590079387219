/**
 * Transcribed voicemail on the call engine (fake PBX, manual clock, real SQLite file, real SMTP on
 * loopback): the message's email goes first and never waits; the transcript follows, with its words
 * only where the mailbox allows patient data; urgent words flag the message and page onUrgent; a
 * failing, crashing or hanging engine ends as 'failed' with its error; jobs run one at a time and
 * survive a restart.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { textLogger } from '../src/logging/logger.js';
import { smtpMailer, type Mailer } from '../src/notify/mailer.js';
import { flushOutbox } from '../src/notify/outbox.js';
import { serialRunner } from '../src/notify/serial-runner.js';
import { transcriptionQueue, type TranscriptionQueue } from '../src/notify/voicemail-transcripts.js';
import { VoicemailStore } from '../src/store/voicemail-store.js';
import { FakeTranscriber, type FakeTranscriberBehaviour } from './fakes/fake-transcriber.js';
import { startSmtp, type TestSmtp } from './fakes/smtp.js';
import { EXAMPLE_CONFIG, engineOnFakePbx, type EngineOnFakePbx, type FixtureParts } from './support/engine-fixture.js';
import { MAIN } from './support/numbers.js';

type Cfg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const PAGER = 'pager@oncall.example';

/** The example clinic with front-desk (after hours, key 2) set as given, and a transcription section. */
function clinic(frontDesk: { transcribe?: boolean; attachAudio?: boolean }, transcription: Cfg = {}): string {
  const cfg = parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as Cfg;
  Object.assign(cfg.mailboxes['front-desk'], frontDesk);
  cfg.transcription = { onUrgent: { email: [PAGER] }, ...transcription };
  return stringify(cfg);
}

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

interface World {
  readonly f: EngineOnFakePbx;
  readonly smtp: TestSmtp;
  readonly voicemails: () => VoicemailStore;
  readonly queue: () => TranscriptionQueue;
  readonly logs: string[];
  readonly settled: string[];
  /** Lets every queued transcription and email flush finish. */
  settle(): Promise<void>;
  /** Lets the email flushes started so far finish (not the transcriptions). */
  mailed(): Promise<void>;
  /** Sends the due emails now (as the engine's 30-second retry does). */
  flush(): Promise<unknown>;
  /** A new engine and queue on the same database, PBX and clock, as after a restart. */
  restart(transcriber: FakeTranscriber): Promise<void>;
}

async function world(yaml: string, transcriber: FakeTranscriber, wrapMailer: (m: Mailer) => Mailer = (m) => m): Promise<World> {
  const smtp = await startSmtp();
  closers.push(smtp.close);
  const mailer = wrapMailer(smtpMailer({ host: '127.0.0.1', port: smtp.port, from: 'pbx@riverside-clinic.example', tls: 'required', allowSelfSigned: true }));
  const logs: string[] = [];
  const settled: string[] = [];
  const flushes: Promise<unknown>[] = [];
  let store!: VoicemailStore;
  let queue!: TranscriptionQueue;
  let flushNow!: () => Promise<unknown>;
  // As main.ts wires them: one outbox flush at a time, one transcription at a time.
  const extras = (p: FixtureParts, t: FakeTranscriber) => {
    store = new VoicemailStore(p.db);
    const outbox = serialRunner(() => flushOutbox({ store, mailer, now: () => p.clock.now(), fetchRecording: (n) => p.pbx.recordingFile(n) }), (e) => logs.push(`flush failed: ${e.message}`));
    const flush = () => {
      const run = outbox.run();
      flushes.push(run);
      return run;
    };
    flushNow = flush;
    queue = transcriptionQueue({ store, transcriber: () => t, plan: () => p.plan, fetchRecording: (n) => p.pbx.recordingFile(n), flush, clock: p.clock, log: textLogger((m) => logs.push(m)), onSettled: (r) => settled.push(r.status) });
    return { voicemail: { store, flush, transcribe: (id: number) => queue.add(id) } };
  };
  const f = engineOnFakePbx({ yaml, at: '2026-11-24T19:05', phones: 'noanswer', db: 'temp', engine: (p) => extras(p, transcriber) });
  closers.push(() => {
    queue.stop();
    f.close();
  });
  return {
    f,
    smtp,
    voicemails: () => store,
    queue: () => queue,
    logs,
    settled,
    async settle() {
      for (let seen = -1; seen !== flushes.length; ) {
        seen = flushes.length;
        await queue.idle();
        await Promise.all(flushes);
      }
    },
    mailed: async () => void (await Promise.all(flushes)),
    flush: () => flushNow(),
    async restart(t) {
      // A stop: the engine and its queue go; the emails being sent finish first, as shutdown lets them.
      queue.stop();
      await Promise.all(flushes);
      f.restart(extras(f, t));
    },
  };
}

/** A caller leaves a message in front-desk after hours (menu key 2), talking `seconds`. */
async function leaveMessage(w: World, caller = '+15125550123', seconds = 12): Promise<void> {
  const ch = w.f.pbx.call(MAIN, caller);
  w.f.pbx.talk.set(ch, seconds);
  await w.f.clock.advance(500);
  w.f.pbx.press(ch, '2');
  await w.f.clock.advance(60_000);
}

const says = (text: string, confidence = 0.87): FakeTranscriberBehaviour => ({ kind: 'says', text, confidence, cpuMs: 2300 });
const to = (m: TestSmtp['received'][number]) => (m.to as { value: { address: string }[] }).value.map((v) => v.address);

describe('transcribed voicemail', () => {
  it('the email goes first, the transcript follows; with patient data allowed (attachAudio) the words are in it, with engine and confidence', async () => {
    const t = new FakeTranscriber(says('hi this is maria calling about my methotrexate refill please call me back'));
    const w = await world(clinic({ transcribe: true, attachAudio: true }), t);
    await leaveMessage(w);
    await w.settle();
    const [vm] = w.voicemails().list();
    expect(vm).toMatchObject({ transcriptStatus: 'done', transcript: 'hi this is maria calling about my methotrexate refill please call me back', transcriptEngine: 'pocketsphinx', transcriptConfidence: 0.87, transcriptCpuMs: 2300, urgentWords: [], urgent: false, transcriptError: null });
    expect(t.heard.map(String)).toEqual([`RIFF-fake-${vm!.recording}-12`]);
    expect(w.smtp.received.map((m) => m.subject)).toEqual([`Voicemail ${vm!.id} for Front desk from +15125550123 (12 s)`, `Transcript of voicemail ${vm!.id} for Front desk`]);
    const [first, second] = w.smtp.received;
    expect(first!.text).toContain(`A transcript follows in a second email ("Transcript of voicemail ${vm!.id}")`);
    expect(first!.attachments).toHaveLength(1);
    expect(to(second!)).toEqual(['frontdesk@riverside-clinic.example']);
    expect(second!.text).toContain('Transcript (pocketsphinx, confidence 0.87;');
    expect(second!.text).toContain('methotrexate refill please call me back');
    expect(second!.attachments).toHaveLength(0);
    expect(w.settled).toEqual(['done']);
  });

  it('patient-data rule: without attachAudio the transcript email says where to read it and carries no word of it', async () => {
    const words = 'this is maria gonzalez my methotrexate refill ran out please call';
    const w = await world(clinic({ transcribe: true }), new FakeTranscriber(says(words)));
    await leaveMessage(w);
    await w.settle();
    const [vm] = w.voicemails().list();
    expect(vm!.transcript).toBe(words);
    const mail = w.smtp.received[1]!;
    expect(mail.subject).toBe(`Transcript of voicemail ${vm!.id} for Front desk`);
    expect(mail.text).toContain(`A transcript is available on the clinic server (pocketsphinx, confidence 0.87)`);
    expect(mail.text).toContain(`pbx-router voicemail get ${vm!.id}`);
    const sent = `${mail.subject}\n${mail.text}`.toLowerCase();
    for (const word of ['maria', 'gonzalez', 'methotrexate', 'refill', 'ran out']) expect(sent).not.toContain(word);
  });

  it('urgent words flag the message: URGENT subject naming the rule, the words hidden without patient data, and a notify-only notice to onUrgent', async () => {
    const w = await world(clinic({ transcribe: true }), new FakeTranscriber(says('my husband has chest pain and he cant breathe')));
    await leaveMessage(w, '+15125550177');
    await w.settle();
    const [vm] = w.voicemails().list();
    expect(vm).toMatchObject({ urgent: true, urgentWords: ['chest pain', "can't breathe"], transcriptStatus: 'done' });
    expect(w.smtp.received.map((m) => m.subject)).toEqual([
      `Voicemail ${vm!.id} for Front desk from +15125550177 (12 s)`,
      `URGENT (urgent words in transcript): Transcript of voicemail ${vm!.id} for Front desk`,
      `URGENT voicemail ${vm!.id} in Front desk (urgent words in transcript)`,
    ]);
    const [, transcript, notice] = w.smtp.received;
    expect(transcript!.text).toContain('URGENT: the transcript has 2 urgent word(s); which ones is not in this email (patient data).');
    for (const m of [transcript!, notice!]) {
      const sent = `${m.subject}\n${m.text}`.toLowerCase();
      for (const word of ['chest', 'breathe', 'husband']) expect(sent).not.toContain(word);
    }
    expect(to(notice!)).toEqual([PAGER]);
    expect(notice!.text).toContain(`voicemail ${vm!.id} in Front desk was flagged urgent by its transcript`);
    expect(notice!.text).toContain(`pbx-router voicemail get ${vm!.id}`);
    expect(notice!.text).not.toContain('5125550177');
    expect(notice!.text).not.toContain('0177');
  });

  it('urgent with patient data allowed: the matched words are shown; configured words replace the defaults', async () => {
    const w = await world(clinic({ transcribe: true, attachAudio: true }, { urgentWords: ['fell', 'hit my head'] }), new FakeTranscriber(says('mom fell and hit her head there is bleeding')));
    await leaveMessage(w);
    await w.settle();
    const [vm] = w.voicemails().list();
    expect(vm!.urgentWords).toEqual(['fell']);
    const mail = w.smtp.received[1]!;
    expect(mail.subject).toMatch(/^URGENT \(urgent words in transcript\): Transcript of voicemail/);
    expect(mail.text).toContain('URGENT: the transcript has the urgent word(s) "fell".');
  });

  it('a hanging engine (ignoring its abort) is given up at transcription.timeout: the email was already sent, status failed with the error, a "not available" note follows', async () => {
    const t = new FakeTranscriber({ kind: 'hangs', ignoresAbort: true });
    const w = await world(clinic({ transcribe: true }, { timeout: 300 }), t);
    await leaveMessage(w);
    await w.f.clock.advance(1000);
    await w.mailed();
    // The message's email does not wait for the transcript.
    expect(w.smtp.received.map((m) => m.subject)).toEqual([expect.stringMatching(/^Voicemail \d+ for Front desk/)]);
    expect(w.voicemails().list()[0]!.transcriptStatus).toBe('pending');
    await w.f.clock.advance(300_000);
    await w.settle();
    const [vm] = w.voicemails().list();
    expect(vm).toMatchObject({ transcriptStatus: 'failed', transcriptEngine: 'pocketsphinx', transcript: null, transcriptError: 'no transcript after 300 s (transcription.timeout); given up', urgent: false });
    expect(t.aborted).toBe(1);
    expect(w.logs.join('\n')).toContain(`voicemail ${vm!.id}: transcription failed (pocketsphinx): no transcript after 300 s`);
    expect(w.smtp.received.map((m) => m.subject)).toEqual([expect.stringMatching(/^Voicemail /), `Transcript of voicemail ${vm!.id} for Front desk: not available`]);
    expect(w.smtp.received[1]!.text).toContain('It could not be transcribed (pocketsphinx); listen to the recording.');
    expect(w.settled).toEqual(['failed']);
  });

  it.each([
    ['rejects', { kind: 'fails', error: 'bad audio: not a RIFF file' }, 'pocketsphinx: bad audio: not a RIFF file'],
    ['throws at once (crashes)', { kind: 'throws', error: 'segfault in decoder' }, 'pocketsphinx: segfault in decoder'],
    ['answers with no text', { kind: 'returns', value: { confidence: 0.4 } }, 'the engine returned no text'],
  ] as const)('an engine that %s: stored as failed with its error and logged; the engine goes on and the next message is transcribed', async (_how, behaviour, error) => {
    const t = new FakeTranscriber(behaviour);
    const w = await world(clinic({ transcribe: true }), t);
    await leaveMessage(w);
    await w.settle();
    const [vm] = w.voicemails().list();
    expect(vm).toMatchObject({ transcriptStatus: 'failed', transcriptError: error });
    expect(w.logs.join('\n')).toContain(`voicemail ${vm!.id}: transcription failed (pocketsphinx): ${error}`);
    t.behaviour = says('please call me back');
    await leaveMessage(w, '+15125550124');
    await w.settle();
    expect(w.voicemails().list().map((v) => v.transcriptStatus)).toEqual(['done', 'failed']);
    expect(w.smtp.received).toHaveLength(4);
  });

  it('one transcription at a time: a second message waits for the first', async () => {
    const t = new FakeTranscriber({ kind: 'hangs' });
    const w = await world(clinic({ transcribe: true }, { timeout: 600 }), t);
    await leaveMessage(w, '+15125550123');
    await leaveMessage(w, '+15125550124');
    expect(w.voicemails().list()).toHaveLength(2);
    expect(t.heard).toHaveLength(1);
    expect(w.queue().size()).toBe(2);
    t.behaviour = says('thank you');
    await w.f.clock.advance(600_000);
    await w.settle();
    expect(t.mostAtOnce).toBe(1);
    expect(w.voicemails().list().map((v) => v.transcriptStatus)).toEqual(['done', 'failed']);
  });

  it('pending jobs survive a restart: the stopped one stays pending and the next engine transcribes it', async () => {
    const w = await world(clinic({ transcribe: true }), new FakeTranscriber({ kind: 'hangs' }));
    await leaveMessage(w);
    await w.f.clock.advance(1000);
    const id = w.voicemails().list()[0]!.id;
    await w.restart(new FakeTranscriber(says('please call me back about my appointment')));
    expect(w.voicemails().get(id)!.transcriptStatus).toBe('pending');
    expect(w.queue().resume()).toBe(1);
    expect(w.queue().resume()).toBe(0);
    await w.settle();
    expect(w.voicemails().get(id)).toMatchObject({ transcriptStatus: 'done', transcript: 'please call me back about my appointment' });
    expect(w.smtp.received.map((m) => m.subject)).toEqual([expect.stringMatching(/^Voicemail /), `Transcript of voicemail ${id} for Front desk`]);
  });

  it('a mailbox that does not transcribe (the default): nothing pending, nothing queued, one email', async () => {
    const t = new FakeTranscriber(says('never heard'));
    const w = await world(clinic({}), t);
    await leaveMessage(w);
    await w.settle();
    const [vm] = w.voicemails().list();
    expect(vm).toMatchObject({ transcriptStatus: null, transcript: null, urgentWords: null });
    expect(w.queue().size()).toBe(0);
    expect(w.queue().resume()).toBe(0);
    expect(t.heard).toEqual([]);
    expect(w.smtp.received).toHaveLength(1);
    expect(w.smtp.received[0]!.text).not.toContain('transcript');
  });

  it('the transcript waits behind a message email that could not be delivered yet, and follows it once it is', async () => {
    let refuse = true;
    const w = await world(clinic({ transcribe: true }), new FakeTranscriber(says('call me back')), (real) => ({
      send: (m) => (refuse && m.subject.startsWith('Voicemail') ? Promise.reject(new Error('451 try again later')) : real.send(m)),
    }));
    await leaveMessage(w);
    await w.settle();
    const [vm] = w.voicemails().list();
    expect(vm!.transcriptStatus).toBe('done');
    expect(w.smtp.received).toEqual([]);
    expect(w.voicemails().pending().map((m) => m.subject)).toEqual([expect.stringMatching(/^Voicemail /), `Transcript of voicemail ${vm!.id} for Front desk`]);
    refuse = false;
    await w.f.clock.advance(30_000);
    expect(await w.flush()).toEqual({ ok: true, value: { sent: 2, failed: 0 } });
    expect(w.smtp.received.map((m) => m.subject)).toEqual([expect.stringMatching(/^Voicemail /), `Transcript of voicemail ${vm!.id} for Front desk`]);
  });
});
