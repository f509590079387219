/**
 * Placeholder recordings for a clinic: every text of the config's `prompts:` spoken into
 * `<out>/<lang>/<sound>.wav` (so `--out /var/lib/asterisk/sounds` installs them where Asterisk
 * looks), and on request pbx-router's shipped prompts copied beside them. A file that is already
 * there is kept unless `force`: it may be the clinic's real recording.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { Plan } from '../routing/types.js';
import { ENGINE_FOLDER } from './engine-sounds.js';
import { asteriskLanguage, synthesize } from './speech.js';
import { SHIPPED_SOUNDS_DIR } from './texts.js';
import { telephonyWavProblem, wavInfo } from './wav.js';

export interface GenerateOptions {
  readonly out: string;
  /** Replace files that exist (default: keep them). */
  readonly force?: boolean;
  /** Only these config languages (default: every language that has a text). */
  readonly languages?: readonly string[];
  /** Also copy the shipped sounds/<lang>/pbx-router/*.wav (for the call languages without a clinic text of their own). */
  readonly withEngine?: boolean;
  readonly shippedDir?: string;
}

export interface GenerateResult {
  readonly written: readonly string[];
  readonly kept: readonly string[];
  readonly copied: readonly string[];
}

/** The file of a sound in a language under `out`; throws when the name would leave `out`. */
export function soundFile(out: string, sound: string, language: string): string {
  const root = resolve(out);
  const file = resolve(root, asteriskLanguage(language), `${sound}.wav`);
  if (!file.startsWith(root + sep)) throw new Error(`the sound name '${sound}' would be written outside ${out}`);
  return file;
}

/** Speaks every text of the plan into `out`, checking that each file came out as 8 kHz mono 16-bit PCM. */
export function generatePrompts(plan: Plan, o: GenerateOptions): GenerateResult {
  const written: string[] = [];
  const kept: string[] = [];
  const copied: string[] = [];
  const show = (f: string) => {
    const r = relative(process.cwd(), f);
    return r && !r.startsWith('..') ? r : f;
  };
  for (const [sound, texts] of plan.promptTexts) {
    for (const [language, text] of Object.entries(texts)) {
      if (o.languages && !o.languages.includes(language)) continue;
      const file = soundFile(o.out, sound, language);
      if (existsSync(file) && !o.force) {
        kept.push(show(file));
        continue;
      }
      synthesize(text, language, file);
      const problem = telephonyWavProblem(wavInfo(readFileSync(file)));
      if (problem) throw new Error(`${show(file)} came out as ${problem}`);
      written.push(show(file));
    }
  }
  if (o.withEngine) {
    const shipped = o.shippedDir ?? SHIPPED_SOUNDS_DIR;
    for (const lang of existsSync(shipped) ? readdirSync(shipped) : []) {
      const dir = join(shipped, lang, ENGINE_FOLDER);
      if (!existsSync(dir)) continue;
      if (o.languages && !o.languages.map(asteriskLanguage).includes(lang)) continue;
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.wav'))) {
        const sound = `${ENGINE_FOLDER}/${f.slice(0, -4)}`;
        // The clinic's own text for an engine prompt in this language wins over the shipped recording.
        if (Object.keys(plan.promptTexts.get(sound) ?? {}).some((l) => asteriskLanguage(l) === lang)) continue;
        const target = resolve(o.out, lang, ENGINE_FOLDER, f);
        mkdirSync(resolve(o.out, lang, ENGINE_FOLDER), { recursive: true });
        copyFileSync(join(dir, f), target);
        copied.push(show(target));
      }
    }
  }
  return { written, kept, copied };
}
