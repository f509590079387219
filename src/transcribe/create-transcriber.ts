/**
 * Builds the Transcriber the config names (`transcription:`): pocketsphinx (Debian's package) or
 * whisper (whisper.cpp with the clinic's model file). The engines are being written (issue 16);
 * until then each throws, and a transcription job records the failure and goes on.
 */
import type { Transcriber, TranscriberEngine } from './transcriber.js';

/** The settings an engine is built from. */
export interface TranscriberSettings {
  readonly engine: TranscriberEngine;
  /** The whisper model file (absolute); null or absent for pocketsphinx. */
  readonly model?: string | null;
}

/** The Transcriber for `cfg`; throws an Error naming the engine when it cannot be built. */
export function createTranscriber(cfg: TranscriberSettings): Transcriber {
  throw new Error(`transcription engine ${cfg.engine}: not yet available in this build`);
}
