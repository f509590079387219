/**
 * A real WAV file as Asterisk's format_wav writes it: 44-byte RIFF header, 8 kHz, 16-bit
 * signed little-endian, mono. Speech is a voiced signal (harmonics of ~140 Hz under a syllable
 * envelope), silence is near-zero noise, so both an energy detector and a human can tell them apart.
 */

/** A span of caller speech, in ms from the start of the audio. */
export interface SpeechSpan {
  readonly start: number;
  readonly end: number;
  /** What is said, 8 kHz samples from `start` (a test's or the demo's real speech); default a voiced signal. */
  readonly pcm?: Int16Array;
}

export const SAMPLE_RATE = 8000;

/** Builds `samples` samples of audio with speech during `speech`. */
export function synthesize(samples: number, speech: readonly SpeechSpan[]): Int16Array {
  const out = new Int16Array(Math.max(0, samples));
  let seed = 12345;
  for (let i = 0; i < out.length; i++) {
    const ms = (i * 1000) / SAMPLE_RATE;
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const noise = ((seed >>> 16) % 7) - 3;
    // Real speech said over a script's stand-in voice is what the recording holds.
    const span = speech.find((s) => s.pcm && ms >= s.start && ms < s.end) ?? speech.find((s) => ms >= s.start && ms < s.end);
    if (!span) {
      out[i] = noise;
      continue;
    }
    if (span.pcm) {
      out[i] = (span.pcm[i - Math.round((span.start * SAMPLE_RATE) / 1000)] ?? 0) + noise;
      continue;
    }
    const t = i / SAMPLE_RATE;
    const local = (ms - span.start) / 1000;
    const syllable = Math.max(0, Math.sin(Math.PI * 4 * local)) ** 0.6;
    const f0 = 140 + 15 * Math.sin(2 * Math.PI * 0.7 * local);
    let v = 0;
    for (let h = 1; h <= 6; h++) v += Math.sin(2 * Math.PI * f0 * h * t) / h;
    out[i] = Math.round(Math.max(-1, Math.min(1, v * 0.35 * syllable)) * 9000) + noise;
  }
  return out;
}

/** Wraps PCM samples in a 44-byte WAV header. */
export function toWav(pcm: Int16Array): Buffer {
  const data = Buffer.alloc(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) data.writeInt16LE(pcm[i] ?? 0, i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(SAMPLE_RATE, 24);
  h.writeUInt32LE(SAMPLE_RATE * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** The PCM samples of a WAV written by toWav (for `append` and for tests). */
export function pcmOf(wav: Buffer): Int16Array {
  const n = Math.max(0, (wav.length - 44) >> 1);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = wav.readInt16LE(44 + i * 2);
  return out;
}
