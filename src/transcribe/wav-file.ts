/**
 * Just enough of RIFF/WAVE for voicemail: Asterisk stores recordings as 16-bit PCM, mono, at
 * 8 kHz (`wav`) or 16 kHz (`wav16`). Reads the samples out (any channel count is mixed down) and
 * writes a mono 16-bit file back.
 */

export interface Pcm {
  readonly rate: number;
  readonly samples: Int16Array;
}

/** The samples of a 16-bit PCM WAV; an Error saying what is wrong with anything else. */
export function readWav(bytes: Buffer): Pcm {
  if (bytes.length < 12 || bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a WAV file (no RIFF/WAVE header)');
  }
  let format: { channels: number; rate: number; bits: number; code: number } | undefined;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = bytes.toString('ascii', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw new Error('WAV fmt chunk is truncated');
      format = { code: bytes.readUInt16LE(body), channels: bytes.readUInt16LE(body + 2), rate: bytes.readUInt32LE(body + 4), bits: bytes.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!format) throw new Error('WAV data chunk comes before its fmt chunk');
      if (format.code !== 1 || format.bits !== 16) throw new Error(`WAV is not 16-bit PCM (format ${format.code}, ${format.bits} bits)`);
      if (format.channels < 1) throw new Error('WAV has no channels');
      // Asterisk leaves the data size at 0 or too large while a recording is being written.
      const end = size === 0 || body + size > bytes.length ? bytes.length : body + size;
      const frames = Math.floor((end - body) / (2 * format.channels));
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) {
        let sum = 0;
        for (let c = 0; c < format.channels; c++) sum += bytes.readInt16LE(body + 2 * (i * format.channels + c));
        samples[i] = Math.round(sum / format.channels);
      }
      return { rate: format.rate, samples };
    }
    at = body + size + (size % 2);
  }
  throw new Error(format ? 'WAV has no data chunk' : 'WAV has no fmt chunk');
}

/** A mono 16-bit PCM WAV of `pcm`. */
export function writeWav(pcm: Pcm): Buffer {
  const data = pcm.samples.length * 2;
  const out = Buffer.alloc(44 + data);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + data, 4);
  out.write('WAVEfmt ', 8, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(pcm.rate, 24);
  out.writeUInt32LE(pcm.rate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(data, 40);
  for (let i = 0; i < pcm.samples.length; i++) out.writeInt16LE(pcm.samples[i]!, 44 + 2 * i);
  return out;
}

/**
 * 8 kHz telephone audio at 16 kHz by spectral folding: each sample is followed by a zero and no
 * low-pass filter is applied, so the 0–4 kHz band is mirrored into 4–8 kHz. Debian's
 * pocketsphinx model was trained on 16 kHz speech, and an empty upper band (what a proper
 * resampler gives) leaves its features far from anything it knows; the mirrored band stands in
 * for the fricatives and bursts a phone line cut off. Measured on espeak-ng speech through an
 * 8 kHz recording: most words lost with a proper resampler, most kept with folding.
 */
export function foldTo16k(pcm: Pcm): Pcm {
  if (pcm.rate === 16000) return pcm;
  if (pcm.rate !== 8000) throw new Error(`WAV rate ${pcm.rate} Hz: only 8 kHz and 16 kHz recordings are transcribed`);
  const out = new Int16Array(pcm.samples.length * 2);
  for (let i = 0; i < pcm.samples.length; i++) out[2 * i] = pcm.samples[i]!;
  return { rate: 16000, samples: out };
}

/** 16 kHz by linear interpolation (for engines that expect a clean 16 kHz signal, like whisper). */
export function resampleTo16k(pcm: Pcm): Pcm {
  if (pcm.rate === 16000) return pcm;
  if (pcm.rate < 4000 || pcm.rate > 192000) throw new Error(`WAV rate ${pcm.rate} Hz is not a speech recording`);
  const ratio = pcm.rate / 16000;
  const n = Math.floor(pcm.samples.length / ratio);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const x = i * ratio;
    const j = Math.floor(x);
    const a = pcm.samples[j] ?? 0;
    const b = pcm.samples[j + 1] ?? a;
    out[i] = Math.round(a + (b - a) * (x - j));
  }
  return { rate: 16000, samples: out };
}

/**
 * The speech of a recording without the silence around it (a margin of `marginMs` kept): callers
 * wait a moment after the beep and before hanging up, and pocketsphinx, which estimates the
 * line's noise from the first frames, recognised almost nothing of a message after 1.6 s of
 * near-digital silence (the same message with 0.5 s: every key word). Loud means a 20 ms frame
 * with an RMS over a tenth of the loudest frame's (at least 60, about -55 dBFS).
 */
export function trimSilence(pcm: Pcm, marginMs = 300): Pcm {
  const frame = Math.max(1, Math.round(pcm.rate / 50));
  const frames = Math.ceil(pcm.samples.length / frame);
  const rms = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    const end = Math.min(pcm.samples.length, (f + 1) * frame);
    for (let i = f * frame; i < end; i++) sum += pcm.samples[i]! * pcm.samples[i]!;
    rms[f] = Math.sqrt(sum / Math.max(1, end - f * frame));
  }
  const loud = Math.max(60, Math.max(0, ...rms) / 10);
  const first = rms.findIndex((r) => r >= loud);
  if (first < 0) return { rate: pcm.rate, samples: pcm.samples.subarray(0, 0) };
  let last = frames - 1;
  while (rms[last]! < loud) last--;
  const margin = Math.round((marginMs * pcm.rate) / 1000);
  return { rate: pcm.rate, samples: pcm.samples.subarray(Math.max(0, first * frame - margin), Math.min(pcm.samples.length, (last + 1) * frame + margin)) };
}
