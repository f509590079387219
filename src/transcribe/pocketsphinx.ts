/**
 * The pocketsphinx engine: Debian's `pocketsphinx` program and its US English acoustic model
 * (package `pocketsphinx-en-us`), with a language model of clinic voicemail estimated at start
 * from clinic-sentences.ts plus the clinic's urgent words. Nothing is downloaded. Telephone audio
 * is trimmed of the silence around the message and folded up to 16 kHz first (wav-file.ts). Confidence is the mean of the words' posteriors.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { accessSync, constants, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLINIC_SENTENCES } from './clinic-sentences.js';
import { bigramArpa } from './language-model.js';
import { runProgram } from './run-program.js';
import type { Transcriber, Transcript } from './transcriber.js';
import { foldTo16k, readWav, trimSilence, writeWav } from './wav-file.js';

export const DEBIAN_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
const DEFAULT_TIMEOUT_MS = 120_000;

export interface PocketsphinxOptions {
  /** The program (default `pocketsphinx_continuous`, from Debian's pocketsphinx). */
  readonly program?: string;
  /** Holds `en-us/` (acoustic model) and `cmudict-en-us.dict` (default Debian's). */
  readonly modelDir?: string;
  /** Words and phrases the model must know besides the clinic sentences (the urgent words). */
  readonly phrases?: readonly string[];
}

interface Prepared {
  readonly dir: string;
  readonly lm: string;
  readonly unknown: readonly string[];
}

/** Parses `-time yes` output: words with their posteriors (fillers and sentence marks left out). */
export function parseTimedWords(stdout: string): { text: string; confidence: number } {
  const words: string[] = [];
  const confs: number[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(\S+) [\d.]+ [\d.]+ ([\d.]+)$/.exec(line.trim());
    if (!m) continue;
    const word = m[1]!.replace(/\(\d+\)$/, '');
    if (word.startsWith('<') || word.startsWith('[') || word.startsWith('+')) continue;
    words.push(word);
    confs.push(Number(m[2]));
  }
  const confidence = confs.length ? confs.reduce((a, b) => a + b, 0) / confs.length : 0;
  return { text: words.join(' '), confidence: Math.round(confidence * 1000) / 1000 };
}

/** Whether `program` (a path, or a name looked up on PATH) is an executable file. */
function onPath(program: string): boolean {
  const candidates = program.includes('/') ? [program] : (process.env.PATH ?? '').split(':').filter(Boolean).map((d) => join(d, program));
  return candidates.some((c) => {
    try {
      accessSync(c, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function pocketsphinxTranscriber(options: PocketsphinxOptions = {}): Transcriber & { prepare(): Promise<Prepared>; close(): Promise<void> } {
  const program = options.program ?? 'pocketsphinx_continuous';
  const modelDir = options.modelDir ?? DEBIAN_MODEL_DIR;
  let prepared: Promise<Prepared> | undefined;

  const prepare = () =>
    (prepared ??= (async () => {
      if (!onPath(program)) throw new Error(`pocketsphinx: the program ${program} is not installed (Debian: apt-get install pocketsphinx pocketsphinx-en-us)`);
      const dictPath = join(modelDir, 'cmudict-en-us.dict');
      if (!existsSync(join(modelDir, 'en-us')) || !existsSync(dictPath)) {
        throw new Error(`pocketsphinx: no US English model in ${modelDir} (install Debian's pocketsphinx-en-us)`);
      }
      const dict = new Set((await readFile(dictPath, 'utf8')).split('\n').map((l) => l.slice(0, l.indexOf(' ')).replace(/\(\d+\)$/, '')));
      const { arpa, unknown } = bigramArpa([...CLINIC_SENTENCES, ...(options.phrases ?? [])], (w) => dict.has(w));
      const dir = await mkdtemp(join(tmpdir(), 'pbx-router-asr-'));
      const lm = join(dir, 'clinic.lm');
      await writeFile(lm, arpa);
      return { dir, lm, unknown };
    })().catch((err: unknown) => {
      prepared = undefined;
      throw err;
    }));

  return {
    engine: 'pocketsphinx',
    prepare,
    async close() {
      const p = prepared && (await prepared.catch(() => undefined));
      prepared = undefined;
      if (p) await rm(p.dir, { recursive: true, force: true });
    },
    async transcribe(wav, opts = {}): Promise<Transcript> {
      const speech = trimSilence(readWav(wav));
      if (speech.samples.length === 0) return { text: '', confidence: 0, engine: 'pocketsphinx', cpuMs: 0 };
      const pcm = foldTo16k(speech);
      const { dir, lm } = await prepare();
      const input = join(dir, `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.wav`);
      await writeFile(input, writeWav(pcm));
      try {
        const args = ['-hmm', join(modelDir, 'en-us'), '-dict', join(modelDir, 'cmudict-en-us.dict'), '-lm', lm, '-infile', input, '-time', 'yes', '-logfn', '/dev/null'];
        // At the lowest priority but one: on a 2-core clinic server the calls come first.
        const run = await runProgram('nice', ['-n', '15', program, ...args], { name: program, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, ...(opts.signal ? { signal: opts.signal } : {}) });
        return { ...parseTimedWords(run.stdout), engine: 'pocketsphinx', cpuMs: run.cpuMs };
      } catch (err) {
        throw new Error(`pocketsphinx: ${(err as Error).message}`);
      } finally {
        await rm(input, { force: true });
      }
    },
  };
}
