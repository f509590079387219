/**
 * Transcribed voicemail in the engine as `pbx-router run` builds it (startEngine on the fake
 * Asterisk, a real SQLite file, a real SMTP server on loopback): the message's email goes first;
 * a transcription that a stop interrupted stays pending and the next start transcribes it, fetching
 * the recording from Asterisk; /metrics counts it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { smtpMailer } from '../src/notify/mailer.js';
import { FakeTranscriber } from './fakes/fake-transcriber.js';
import { startSmtp, type TestSmtp } from './fakes/smtp.js';
import { parsePrometheus, value } from './prometheus-text.js';
import { removeVariants, variant, voicemails } from './scenarios/after-hours.js';
import { startLive, type Live } from './scenarios/live-harness.js';
import { CALLER, MAIN } from './support/numbers.js';

let live: Live | null = null;
let smtp: TestSmtp | null = null;
afterEach(async () => {
  await live?.stop();
  live = null;
  await smtp?.close();
  smtp = null;
  removeVariants();
});

describe('transcribed voicemail, live', () => {
  it('a transcription interrupted by a stop is done by the next start; the email went first, the transcript follows', async () => {
    smtp = await startSmtp();
    const mailer = smtpMailer({ host: '127.0.0.1', port: smtp.port, from: 'pbx-router@riverside-clinic.example', tls: 'required', allowSelfSigned: true, timeoutMs: 2000 });
    let transcriber = new FakeTranscriber({ kind: 'hangs' });
    const config = variant({ 'mailboxes.front-desk.transcribe': true, transcription: { timeout: 600 } });
    live = await startLive({ at: '2026-11-24T19:00', config, mailer, transcriber: () => transcriber });
    const l = live;
    const speech = Array.from({ length: 5 }, (_, i) => ({ at: 6000 + i * 3000, ms: 2000 }));
    const call = l.fake.placeCall({ did: MAIN, caller: CALLER, script: { dtmf: [{ at: 3000, digit: '2' }], speech } });
    await l.until('the call to end', () => l.run.store.callByChannel(call.channelId)?.state === 'ended', 120_000);
    await l.until('the voicemail email', () => smtp!.received[0], 30_000);
    await l.until('the transcription running', () => transcriber.running === 1, 30_000);
    const [vm] = voicemails(l);
    expect(vm!.transcriptStatus).toBe('pending');

    await l.kill();
    transcriber = new FakeTranscriber({ kind: 'says', text: 'hello this is a patient please call me back', confidence: 0.8, cpuMs: 4000 });
    await l.boot();
    await l.until('the transcript stored', () => voicemails(l)[0]!.transcriptStatus === 'done', 60_000);
    await l.until('the transcript email', () => smtp!.received[1], 60_000);
    expect(smtp.received.map((m) => m.subject)).toEqual([`Voicemail ${vm!.id} for Front desk from ${CALLER} (${vm!.duration} s)`, `Transcript of voicemail ${vm!.id} for Front desk`]);
    // The recording the new engine fetched from Asterisk is the one the caller left.
    expect(transcriber.heard).toHaveLength(1);
    expect(transcriber.heard[0]!.subarray(0, 4).toString()).toBe('RIFF');
    expect(voicemails(l)[0]).toMatchObject({ transcript: 'hello this is a patient please call me back', transcriptEngine: 'pocketsphinx', transcriptConfidence: 0.8 });
    expect(l.logs.join('\n')).toMatch(/transcription: 1 voicemail\(s\) still pending queued again/);
    const m = parsePrometheus(await l.run.metrics.text());
    expect(value(m, 'pbx_router_transcriptions_total', { status: 'done' })).toBe(1);
    expect(value(m, 'pbx_router_transcriptions_total', { status: 'failed' })).toBe(0);
    expect(value(m, 'pbx_router_transcription_cpu_seconds_total', {})).toBe(4);
  });

  it('an engine that cannot be built (program missing) is said at start; messages are kept and emailed, their transcripts fail and are counted', async () => {
    smtp = await startSmtp();
    const mailer = smtpMailer({ host: '127.0.0.1', port: smtp.port, from: 'pbx-router@riverside-clinic.example', tls: 'required', allowSelfSigned: true, timeoutMs: 2000 });
    const config = variant({ 'mailboxes.front-desk.transcribe': true });
    const missing = () => {
      throw new Error('pocketsphinx: program pocketsphinx_continuous not found (apt install pocketsphinx)');
    };
    live = await startLive({ at: '2026-11-24T19:00', config, mailer, transcriber: missing });
    const l = live;
    expect(l.logs.join('\n')).toContain('transcription: pocketsphinx cannot be used: pocketsphinx: program pocketsphinx_continuous not found (apt install pocketsphinx); messages of front-desk are kept and emailed as usual');
    const speech = Array.from({ length: 3 }, (_, i) => ({ at: 6000 + i * 3000, ms: 2000 }));
    const call = l.fake.placeCall({ did: MAIN, caller: CALLER, script: { dtmf: [{ at: 3000, digit: '2' }], speech } });
    await l.until('the call to end', () => l.run.store.callByChannel(call.channelId)?.state === 'ended', 120_000);
    await l.until('two emails', () => smtp!.received[1], 60_000);
    const [vm] = voicemails(l);
    expect(vm).toMatchObject({ transcriptStatus: 'failed', transcriptError: 'pocketsphinx: program pocketsphinx_continuous not found (apt install pocketsphinx)' });
    expect(smtp.received.map((m) => m.subject)).toEqual([`Voicemail ${vm!.id} for Front desk from ${CALLER} (${vm!.duration} s)`, `Transcript of voicemail ${vm!.id} for Front desk: not available`]);
    const m = parsePrometheus(await l.run.metrics.text());
    expect(value(m, 'pbx_router_transcriptions_total', { status: 'failed' })).toBe(1);
  });
});
