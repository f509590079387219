import { describe, expect, it } from 'vitest';
import { foldTo16k, readWav, resampleTo16k, trimSilence, writeWav } from '../../../src/transcribe/wav-file.js';

const tone = (rate: number, n: number) => ({ rate, samples: Int16Array.from({ length: n }, (_, i) => Math.round(8000 * Math.sin(i / 3))) });

describe('WAV files', () => {
  it('reads back what it writes', () => {
    const pcm = tone(8000, 400);
    const back = readWav(writeWav(pcm));
    expect(back.rate).toBe(8000);
    expect([...back.samples]).toEqual([...pcm.samples]);
  });

  it('mixes a stereo file down to mono', () => {
    const wav = writeWav({ rate: 8000, samples: Int16Array.from([100, 300, -50, -150]) });
    // Turn the mono header into a 2-channel one: the four samples become two frames.
    wav.writeUInt16LE(2, 22);
    expect([...readWav(wav).samples]).toEqual([200, -100]);
  });

  it('reads a recording whose data size Asterisk has not filled in yet', () => {
    const wav = writeWav(tone(8000, 100));
    wav.writeUInt32LE(0, 40);
    expect(readWav(wav).samples).toHaveLength(100);
  });

  it('says what is wrong with anything that is not 16-bit PCM WAV', () => {
    expect(() => readWav(Buffer.from('ID3 this is an mp3'))).toThrow(/not a WAV file/);
    const alaw = writeWav(tone(8000, 10));
    alaw.writeUInt16LE(6, 20);
    expect(() => readWav(alaw)).toThrow(/not 16-bit PCM \(format 6/);
    expect(() => readWav(writeWav(tone(8000, 10)).subarray(0, 36))).toThrow(/no data chunk/);
  });

  it('folds 8 kHz audio up to 16 kHz: each sample followed by a zero', () => {
    const folded = foldTo16k({ rate: 8000, samples: Int16Array.from([5, -7, 9]) });
    expect(folded.rate).toBe(16000);
    expect([...folded.samples]).toEqual([5, 0, -7, 0, 9, 0]);
    const wide = tone(16000, 10);
    expect(foldTo16k(wide)).toBe(wide);
    expect(() => foldTo16k(tone(44100, 10))).toThrow(/44100 Hz/);
  });

  it('resamples to 16 kHz by interpolation for engines that want a clean signal', () => {
    const up = resampleTo16k({ rate: 8000, samples: Int16Array.from([0, 100, 200]) });
    expect([...up.samples]).toEqual([0, 50, 100, 150, 200, 200]);
    expect(resampleTo16k(tone(48000, 4800)).samples).toHaveLength(1600);
  });

  it('trims the silence around a message, keeping a margin', () => {
    const samples = new Int16Array(8000 * 4);
    for (let i = 0; i < samples.length; i++) samples[i] = ((i * 7) % 5) - 2; // line noise, about -80 dBFS
    for (let i = 8000 * 2; i < 8000 * 3; i++) samples[i] = Math.round(6000 * Math.sin(i / 5));
    const speech = trimSilence({ rate: 8000, samples }, 300);
    // One second of speech and 300 ms on either side.
    expect(speech.samples.length).toBe(8000 + 2 * 2400);
    expect(speech.samples[2400 + 100]).toBe(samples[8000 * 2 + 100]);
    expect(trimSilence({ rate: 8000, samples: samples.subarray(0, 8000) }).samples).toHaveLength(0);
  });
});
