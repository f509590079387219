/**
 * Builds the Transcriber the config names (`transcription:`): pocketsphinx (Debian's package; the
 * clinic's urgent words join its language model, so that they can be recognised) or whisper
 * (whisper.cpp with the clinic's model file).
 */
import { pocketsphinxTranscriber } from './pocketsphinx.js';
import type { Transcriber, TranscriberEngine } from './transcriber.js';
import { whisperTranscriber } from './whisper.js';

/** The settings an engine is built from. */
export interface TranscriberSettings {
  readonly engine: TranscriberEngine;
  /** The whisper model file (absolute); null or absent for pocketsphinx. */
  readonly model?: string | null;
  /** Words and phrases that flag a message urgent (pocketsphinx adds them to its language model). */
  readonly urgentWords?: readonly string[];
}

/** The Transcriber for `cfg`; throws an Error naming what is missing when it cannot be built. */
export function createTranscriber(cfg: TranscriberSettings): Transcriber {
  if (cfg.engine === 'whisper') {
    if (!cfg.model) throw new Error('transcription engine whisper: transcription.model (a ggml model file on this server) is not set');
    return whisperTranscriber({ model: cfg.model });
  }
  return pocketsphinxTranscriber({ phrases: cfg.urgentWords ?? [] });
}
