/**
 * What a WAV file holds, read from its RIFF chunks: enough to tell whether Asterisk's format_wav
 * plays it as is (PCM, mono, 8000 Hz, 16 bits) and how long it lasts.
 */

export interface WavInfo {
  /** 1 is PCM; 0xFFFE is WAVE_FORMAT_EXTENSIBLE. */
  readonly format: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly bitsPerSample: number;
  readonly dataBytes: number;
  readonly seconds: number;
}

/** The fmt and data chunks of a WAV file, or an error saying what is wrong with it. */
export function wavInfo(buf: Buffer): WavInfo {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let fmt: Omit<WavInfo, 'dataBytes' | 'seconds'> | null = null;
  for (let at = 12; at + 8 <= buf.length; ) {
    const id = buf.toString('ascii', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16) throw new Error('fmt chunk too short');
      fmt = { format: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bitsPerSample: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt) throw new Error('data chunk before the fmt chunk');
      const dataBytes = Math.min(size, buf.length - body);
      const bytesPerSecond = fmt.sampleRate * fmt.channels * (fmt.bitsPerSample / 8);
      return { ...fmt, dataBytes, seconds: bytesPerSecond > 0 ? dataBytes / bytesPerSecond : 0 };
    }
    at = body + size + (size % 2);
  }
  throw new Error('no data chunk');
}

/** Why Asterisk would not play a WAV without transcoding (or at all), or null when it is 8 kHz mono 16-bit PCM. */
export function telephonyWavProblem(info: WavInfo): string | null {
  const wrong: string[] = [];
  if (info.format !== 1) wrong.push(`format ${info.format} (expected 1, PCM)`);
  if (info.channels !== 1) wrong.push(`${info.channels} channels (expected mono)`);
  if (info.sampleRate !== 8000) wrong.push(`${info.sampleRate} Hz (expected 8000)`);
  if (info.bitsPerSample !== 16) wrong.push(`${info.bitsPerSample} bits (expected 16)`);
  if (info.dataBytes === 0) wrong.push('no audio');
  return wrong.length ? wrong.join(', ') : null;
}
