/**
 * Speech for transcription tests: Debian's espeak-ng speaks a text, and sox writes it the way
 * Asterisk stores a voicemail recorded with format `wav` (RIFF, 16-bit PCM, mono, 8 kHz).
 * `npm test` installs both tools first (scripts/ensure-speech.sh).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function spokenVoicemail(text: string, options: { voice?: string; wpm?: number; rate?: 8000 | 16000 } = {}): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-speech-'));
  try {
    const raw = join(dir, 'raw.wav');
    const out = join(dir, 'voicemail.wav');
    execFileSync('espeak-ng', ['-v', options.voice ?? 'en-us+f2', '-s', String(options.wpm ?? 140), '-w', raw, text]);
    execFileSync('sox', [raw, '-r', String(options.rate ?? 8000), '-c', '1', '-b', '16', '-e', 'signed-integer', out]);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
