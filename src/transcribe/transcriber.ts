/**
 * The transcriber port: a voicemail's WAV in, its words out. Engines run on the clinic's own
 * server and never download anything: pocketsphinx from Debian's packages (pocketsphinx.ts), or
 * whisper.cpp through its npm binding with a model file the clinic already has (whisper.ts).
 */

export type TranscriberEngine = 'pocketsphinx' | 'whisper';

export interface Transcript {
  /** The words heard, lower case, in order; '' when nothing was recognised. */
  readonly text: string;
  /** The engine's confidence in the whole transcript, 0..1; null when the engine gives none (whisper). */
  readonly confidence: number | null;
  readonly engine: TranscriberEngine;
  /** CPU time the engine spent (user + system), milliseconds. */
  readonly cpuMs: number;
}

export interface Transcriber {
  readonly engine: TranscriberEngine;
  /**
   * Transcribes one recording (a WAV file's bytes, any rate; Asterisk's are 8 kHz mono 16-bit).
   * Rejects with an Error naming the engine and what went wrong (missing program or model, bad
   * audio, timeout); never hangs past `timeoutMs`.
   */
  transcribe(wav: Buffer, options?: { readonly timeoutMs?: number; readonly signal?: AbortSignal }): Promise<Transcript>;
}
