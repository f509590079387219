/**
 * The transcriber a config asks for: pocketsphinx (default) with the clinic's urgent words in its
 * language model, or whisper with the clinic's model file.
 */
import { pocketsphinxTranscriber } from './pocketsphinx.js';
import type { Transcriber, TranscriberEngine } from './transcriber.js';
import { whisperTranscriber } from './whisper.js';

export interface TranscriberSettings {
  readonly engine?: TranscriberEngine;
  readonly model?: string;
  readonly urgentWords?: readonly string[];
}

export function createTranscriber(cfg: TranscriberSettings = {}): Transcriber & { close(): Promise<void> } {
  if (cfg.engine === 'whisper') {
    if (!cfg.model) throw new Error('transcription.engine is whisper but transcription.model (a ggml model file on this server) is not set');
    return whisperTranscriber({ model: cfg.model });
  }
  return pocketsphinxTranscriber({ phrases: cfg.urgentWords ?? [] });
}
