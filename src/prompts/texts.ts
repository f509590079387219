/**
 * What prompts say: pbx-router's own (sounds/engine-prompts.yaml, shipped with their WAVs) and the
 * clinic's (`prompts:` in the config). Also the config warnings about texts: a text for a sound
 * nothing plays, or in a language the sound is never played in.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Plan } from '../routing/types.js';
import { ENGINE_FOLDER } from './engine-sounds.js';
import type { PromptUse } from './uses.js';

/** The repository's sounds/ folder (from src/prompts or dist/prompts alike). */
export const SHIPPED_SOUNDS_DIR = fileURLToPath(new URL('../../sounds/', import.meta.url));

/** Texts per sound name, per language. */
export type PromptTextMap = ReadonlyMap<string, Readonly<Record<string, string>>>;

/** pbx-router's own prompt texts (sound name with its `pbx-router/` folder); empty when the file is not there. */
export function engineTexts(file = `${SHIPPED_SOUNDS_DIR}engine-prompts.yaml`): PromptTextMap {
  if (!existsSync(file)) return new Map();
  const raw = (parse(readFileSync(file, 'utf8')) ?? {}) as Record<string, Record<string, string>>;
  return new Map(Object.entries(raw).map(([name, t]) => [`${ENGINE_FOLDER}/${name}`, Object.freeze({ ...t })]));
}

/** The shipped WAV of an engine sound in a language (sounds/<lang>/pbx-router/<name>.wav). */
export function shippedWav(sound: string, asteriskLanguage: string, dir = SHIPPED_SOUNDS_DIR): string {
  return `${dir}${asteriskLanguage}/${sound}.wav`;
}

/** A config warning about a prompt text, with the config path it is about. */
export interface TextWarning {
  readonly path: readonly string[];
  readonly message: string;
}

/** Texts in the config that no call will hear: for a sound never played, or in a language it is not played in. */
export function textWarnings(plan: Plan, uses: readonly PromptUse[]): TextWarning[] {
  const out: TextWarning[] = [];
  for (const [sound, texts] of plan.promptTexts) {
    const mine = uses.filter((u) => u.sound === sound);
    if (mine.length === 0) {
      out.push({ path: ['prompts', sound], message: `a text for ${sound}, which nothing in the config or the engine plays (a typo in the sound name?)` });
      continue;
    }
    if (!mine.some((u) => u.played)) {
      out.push({ path: ['prompts', sound], message: `a text for ${sound}, which this version names but never plays (${mine[0]!.where[0] ?? ''})` });
      continue;
    }
    const heardIn = [...new Set(mine.filter((u) => u.played).map((u) => u.language))];
    for (const language of Object.keys(texts)) {
      if (heardIn.includes(language)) continue;
      out.push({ path: ['prompts', sound, language], message: `${sound} is played to calls in ${heardIn.join(', ')}, never in ${language}: this text would not be heard` });
    }
  }
  return out;
}
