/**
 * A spoken placeholder for a prompt, made from its text with espeak-ng and sox: 8 kHz, mono,
 * 16-bit PCM WAV, the one format Asterisk's format_wav plays without transcoding (it answers
 * GET /sounds with `slin` for it). The same text, voice and tool versions give the same bytes:
 * sox runs with -R (repeatable), so the shipped engine prompts can be made again and compared.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** espeak-ng's voice for a config language; other languages use their own code (espeak-ng knows about 100). */
const VOICES: Readonly<Record<string, string>> = { en: 'en-us', 'en-US': 'en-us', 'en-GB': 'en-gb', es: 'es-419', 'es-MX': 'es-419', 'es-US': 'es-419', 'es-ES': 'es' };

/** Words per minute: slower than espeak's 175, for a phone line and callers who listen once. */
const WORDS_PER_MINUTE = 150;

/** A tool the speech needs is not installed, or failed. */
export class SpeechError extends Error {
  constructor(message: string) {
    super(message);
  }
}

/** The espeak-ng voice used for a language (e.g. es -> es-419, Latin American Spanish). */
export function voiceFor(language: string): string {
  return VOICES[language] ?? language.toLowerCase();
}

/** Asterisk's name for a config language: its sound folder and `lang` (es-MX -> es_MX). */
export function asteriskLanguage(language: string): string {
  return language.replace('-', '_');
}

function run(tool: string, args: readonly string[], input?: string): void {
  try {
    execFileSync(tool, args, { input: input ?? '', stdio: ['pipe', 'ignore', 'pipe'], timeout: 60_000 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') throw new SpeechError(`${tool} is not installed (Debian: apt-get install espeak-ng sox)`);
    throw new SpeechError(`${tool} failed: ${String(err.stderr ?? err.message).trim()}`);
  }
}

/** Speaks `text` in `language` into `file` (8 kHz mono 16-bit WAV), written beside it and renamed. */
export function synthesize(text: string, language: string, file: string): void {
  const work = mkdtempSync(join(tmpdir(), 'pbx-prompt-'));
  mkdirSync(dirname(file), { recursive: true });
  // Renamed into place at the end: Asterisk never plays half a file.
  const out = `${file}.${process.pid}.tmp.wav`;
  try {
    const raw = join(work, 'espeak.wav');
    run('espeak-ng', ['-v', voiceFor(language), '-s', String(WORDS_PER_MINUTE), '-w', raw, '--stdin'], text);
    // A little silence before and after, so that neither the first nor the last syllable is clipped
    // when Asterisk starts the stream or moves on to the next sound of the list.
    run('sox', ['-R', raw, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', out, 'norm', '-3', 'pad', '0.15', '0.25']);
    renameSync(out, file);
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(out, { force: true });
  }
}
