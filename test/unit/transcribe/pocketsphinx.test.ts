/**
 * The pocketsphinx engine on speech synthesised by espeak-ng and stored as Asterisk stores a
 * voicemail (8 kHz, 16-bit, mono): Debian's real pocketsphinx and model, installed by `npm test`.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTimedWords, pocketsphinxTranscriber } from '../../../src/transcribe/pocketsphinx.js';
import { readWav, writeWav } from '../../../src/transcribe/wav-file.js';
import { spokenVoicemail } from '../../support/speech.js';

const engine = pocketsphinxTranscriber({ phrases: ['chest pain', 'bleeding', "can't breathe"] });
afterAll(() => engine.close());

describe('pocketsphinx on a voicemail', () => {
  it('hears the key words of an urgent message', async () => {
    const wav = spokenVoicemail('Hello, this is John Smith. I have chest pain and I need to see the doctor today. Please call me back.');
    const t = await engine.transcribe(wav);
    expect(t.engine).toBe('pocketsphinx');
    expect(t.text).toContain('chest pain');
    expect(t.text).toContain('doctor today');
    expect(t.text).toContain('call me back');
    expect(t.confidence).toBeGreaterThan(0.3);
    expect(t.confidence).toBeLessThanOrEqual(1);
    expect(t.cpuMs).toBeGreaterThan(100);
  });

  it('hears them after the pause a caller leaves after the beep, and before hanging up', async () => {
    const wav = spokenVoicemail('I have chest pain and I need to see the doctor today. Please call me back.');
    const pcm = readWav(wav);
    const padded = new Int16Array(pcm.samples.length + 8000 * 5);
    for (let i = 0; i < padded.length; i++) padded[i] = (i % 7) - 3;
    padded.set(pcm.samples, 8000 * 2);
    const t = await engine.transcribe(writeWav({ rate: 8000, samples: padded }));
    expect(t.text).toContain('chest pain');
    expect(t.text).toContain('call me back');
  });

  it('hears bleeding and "can\'t breathe"', async () => {
    const t = await engine.transcribe(spokenVoicemail("Hi, it's Mary. My son is bleeding from a cut and he can't breathe well."));
    expect(t.text).toMatch(/\bbleeding\b/);
    expect(t.text).toContain("can't breathe");
  });

  it('hears a routine message without any urgent word', async () => {
    const t = await engine.transcribe(spokenVoicemail('Good morning, I need a refill of my blood pressure medication, please call me back.'));
    expect(t.text).toContain('blood pressure');
    expect(t.text).toContain('call me back');
    expect(t.text).not.toMatch(/chest pain|bleeding|breathe/);
  });

  it('gives an empty transcript for silence', async () => {
    const silence = writeWav({ rate: 8000, samples: new Int16Array(16000) });
    const t = await engine.transcribe(silence);
    expect(t.text).toBe('');
    expect(t.confidence).toBe(0);
  });

  it('says what is missing: the model, the program, or a WAV', async () => {
    await expect(pocketsphinxTranscriber({ modelDir: '/nonexistent/model' }).transcribe(spokenVoicemail('hello'))).rejects.toThrow(/no US English model in \/nonexistent\/model \(install Debian's pocketsphinx-en-us\)/);
    await expect(pocketsphinxTranscriber({ program: 'no-pocketsphinx-here' }).transcribe(spokenVoicemail('hello'))).rejects.toThrow(/pocketsphinx: the program no-pocketsphinx-here is not installed \(Debian: apt-get install pocketsphinx pocketsphinx-en-us\)/);
    await expect(engine.transcribe(Buffer.from('not audio'))).rejects.toThrow(/not a WAV file/);
  });

  it('gives up on a recogniser that hangs, within the timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbx-hang-'));
    const hang = join(dir, 'hang.sh');
    writeFileSync(hang, '#!/bin/sh\nsleep 60\n');
    chmodSync(hang, 0o755);
    const started = Date.now();
    await expect(pocketsphinxTranscriber({ program: hang }).transcribe(spokenVoicemail('hello'), { timeoutMs: 500 })).rejects.toThrow(/timed out after 500 ms/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('reading pocketsphinx word timings', () => {
  it('keeps words with their posteriors and drops fillers and sentence marks', () => {
    const out = ['i have chest pain', '<s> 0.1 0.2 0.999', 'i 0.2 0.3 0.9', 'have(2) 0.3 0.5 0.7', '<sil> 0.5 0.6 0.99', '[NOISE] 0.6 0.7 0.5', 'chest 0.7 0.9 0.6', 'pain 0.9 1.1 0.8', '</s> 1.1 1.2 1.0'].join('\n');
    expect(parseTimedWords(out)).toEqual({ text: 'i have chest pain', confidence: 0.75 });
    expect(parseTimedWords('')).toEqual({ text: '', confidence: 0 });
  });
});
