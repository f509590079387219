/**
 * How the CLI shows a voicemail's transcript: a word in `voicemail list`, the transcript with its
 * engine and confidence in `voicemail get`, a line under the voicemail in `explain`. The CLI runs on
 * the clinic server, where reading patient data is what it is for.
 */
import type { VoicemailRecord } from '../store/voicemail-store.js';
import { URGENT_BY_TRANSCRIPT } from '../notify/transcript-email.js';

/** Flagged urgent by urgent words in its transcript. */
export const urgentByTranscript = (v: VoicemailRecord): boolean => (v.urgentWords?.length ?? 0) > 0;

/** `URGENT`, `URGENT (urgent words in transcript)` or ''. */
export function urgentLabel(v: VoicemailRecord): string {
  if (urgentByTranscript(v)) return `URGENT (${URGENT_BY_TRANSCRIPT})`;
  return v.urgent ? 'URGENT' : '';
}

/** `, confidence 0.87`, or nothing when the engine gives none (whisper). */
const confidenceOf = (v: { readonly transcriptConfidence: number | null }) => (v.transcriptConfidence === null ? '' : `, confidence ${v.transcriptConfidence.toFixed(2)}`);

/** One phrase on the transcript: `transcript done (pocketsphinx, confidence 0.87)`; null when none was asked. */
export function transcriptSummary(v: VoicemailRecord): string | null {
  switch (v.transcriptStatus) {
    case null:
      return null;
    case 'pending':
      return 'transcript pending';
    case 'failed':
      return `transcript failed (${v.transcriptEngine ?? '?'}): ${v.transcriptError ?? 'no reason recorded'}`;
    case 'done':
      return `transcript done (${v.transcriptEngine ?? '?'}${confidenceOf(v)})`;
  }
}

/** The transcript as `voicemail get` prints it. */
export function transcriptLines(v: VoicemailRecord): string[] {
  if (v.transcriptStatus === null) return ['transcript: none (its mailbox does not transcribe)'];
  if (v.transcriptStatus === 'pending') return ['transcript: pending (the engine transcribes it shortly; one message at a time)'];
  if (v.transcriptStatus === 'failed') return [`transcript: failed (${v.transcriptEngine ?? '?'}): ${v.transcriptError ?? 'no reason recorded'}`];
  const lines = [`transcript (${v.transcriptEngine ?? '?'}${confidenceOf(v)}; made by a machine, it can be wrong):`];
  lines.push(v.transcript ? `  ${v.transcript}` : '  (no words heard)');
  if (urgentByTranscript(v)) lines.push(`urgent words: ${v.urgentWords!.map((w) => `"${w}"`).join(', ')}`);
  return lines;
}

/** The voicemail and its transcript as JSON fields. */
export function transcriptJson(v: VoicemailRecord) {
  return {
    status: v.transcriptStatus,
    text: v.transcript,
    engine: v.transcriptEngine,
    confidence: v.transcriptConfidence,
    error: v.transcriptError,
    cpuMs: v.transcriptCpuMs,
    at: v.transcribedAt,
    urgentWords: v.urgentWords,
  };
}
