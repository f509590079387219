/**
 * The `transcription:` section compiled: defaults filled in and the model path resolved against the
 * folder of the file that names it (the model lives on the clinic server; it is never fetched).
 */
import { isAbsolute, join } from 'node:path';
import type { CompiledTranscription } from '../routing/types.js';
import type { TranscriptionConfig } from './schema.js';

/** Why 120 s: a 3-minute message takes pocketsphinx about a minute on one core of a small server; twice that is a hang, not work. */
export const DEFAULT_TRANSCRIPTION_TIMEOUT_S = 120;

/** What flags a message urgent unless the config says otherwise: things a caller says when they need a clinician now. */
export const DEFAULT_URGENT_WORDS: readonly string[] = Object.freeze([
  'chest pain',
  "can't breathe",
  'cannot breathe',
  'short of breath',
  'not breathing',
  'bleeding',
  'heart attack',
  'stroke',
  'seizure',
  'unconscious',
  'passed out',
  'overdose',
  'suicide',
  'kill myself',
  'allergic reaction',
  'anaphylaxis',
  'choking',
  'emergency',
]);

/** The compiled section; `dir` is the folder of the file that holds it (for a relative model path). */
export function compileTranscription(t: TranscriptionConfig | undefined, dir: string): CompiledTranscription {
  const model = t?.model === undefined ? null : isAbsolute(t.model) ? t.model : join(dir, t.model);
  return Object.freeze({
    engine: t?.engine ?? 'pocketsphinx',
    model,
    timeoutMs: (t?.timeout ?? DEFAULT_TRANSCRIPTION_TIMEOUT_S) * 1000,
    urgentWords: Object.freeze([...(t?.urgentWords ?? DEFAULT_URGENT_WORDS)].map((w) => w.trim())),
    onUrgent: Object.freeze({ email: Object.freeze([...(t?.onUrgent?.email ?? [])]) }),
  });
}
