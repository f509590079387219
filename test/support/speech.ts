/**
 * Speech for transcription tests: Debian's espeak-ng speaks a text, and sox writes it the way
 * Asterisk stores a voicemail recorded with format `wav` (RIFF, 16-bit PCM, mono, 8 kHz).
 * `npm test` installs both tools first (scripts/ensure-speech.sh).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav } from '../../src/transcribe/wav-file.js';

export function spokenVoicemail(text: string, options: { voice?: string; wpm?: number; rate?: 8000 | 16000 } = {}): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-speech-'));
  try {
    const raw = join(dir, 'raw.wav');
    const out = join(dir, 'voicemail.wav');
    execFileSync('espeak-ng', ['-v', options.voice ?? 'en-us+f2', '-s', String(options.wpm ?? 140), '-w', raw, text]);
    execFileSync('sox', ['-D', raw, '-r', String(options.rate ?? 8000), '-c', '1', '-b', '16', '-e', 'signed-integer', out]);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One of the spoken voicemails in test/fixtures/voicemail-speech/ (chest-pain, bleeding, refill, appointment), as 8 kHz samples. */
export function voicemailSpeech(name: 'chest-pain' | 'bleeding' | 'refill' | 'appointment'): Int16Array {
  const pcm = readWav(readFileSync(new URL(`../fixtures/voicemail-speech/${name}.wav`, import.meta.url)));
  if (pcm.rate !== 8000) throw new Error(`voicemail-speech/${name}.wav is ${pcm.rate} Hz, not 8 kHz`);
  return pcm.samples;
}
