/**
 * pbx-router's own prompts ship with it: a WAV in English and in Spanish for every sound the engine
 * plays (every `pbx-router/...` name in src/, and the reasons and languages the example plays),
 * each 8 kHz mono 16-bit PCM with a text in sounds/engine-prompts.yaml, all of it a few MB.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../src/config/index.js';
import { engineTexts } from '../src/prompts/texts.js';
import { soundUses } from '../src/prompts/uses.js';
import { telephonyWavProblem, wavInfo } from '../src/prompts/wav.js';

const LANGUAGES = ['en', 'es'];
const shipped = (lang: string) => readdirSync(`sounds/${lang}/pbx-router`).filter((f) => f.endsWith('.wav')).map((f) => `pbx-router/${f.slice(0, -4)}`).sort();

/** Every fixed `pbx-router/<name>` the engine's source plays (template names like reason-${r} are checked through the example). */
function namesInSource(dir = 'src'): string[] {
  const out = new Set<string>();
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    const file = join(dir, f);
    if (!file.endsWith('.ts') || file.endsWith('.test.ts') || statSync(file).isDirectory()) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/['`]pbx-router\/([a-z0-9-]+)(['`])/g)) out.add(`pbx-router/${m[1]}`);
  }
  return [...out].sort();
}

describe('the shipped engine prompts', () => {
  it('cover every pbx-router/ sound named in src/, in English and Spanish', () => {
    const names = namesInSource();
    expect(names).toEqual(expect.arrayContaining(['pbx-router/oncall-please-hold', 'pbx-router/oncall-urgent-call', 'pbx-router/callback-confirmed', 'pbx-router/callback-we-will-call']));
    for (const lang of LANGUAGES) expect(shipped(lang)).toEqual(expect.arrayContaining(names));
  });

  it("cover every engine sound the example configs play (their callback reasons, the Spanish caller's whisper)", () => {
    for (const config of ['config/example-clinic.yaml', 'config/example-network.yaml']) {
      const engine = soundUses(loadPlan(config).plan!).filter((u) => u.source === 'engine').map((u) => u.sound);
      for (const lang of LANGUAGES) expect(shipped(lang)).toEqual(expect.arrayContaining(engine));
    }
  });

  it.each(LANGUAGES)('in %s: each is 8 kHz mono 16-bit PCM, between half a second and 15 s, with its text', (lang) => {
    const texts = engineTexts();
    expect(shipped(lang)).toEqual([...texts.keys()].sort());
    for (const sound of shipped(lang)) {
      const info = wavInfo(readFileSync(`sounds/${lang}/${sound}.wav`));
      expect([sound, telephonyWavProblem(info)]).toEqual([sound, null]);
      expect(info.seconds, sound).toBeGreaterThan(0.5);
      expect(info.seconds, sound).toBeLessThan(15);
      expect(texts.get(sound)?.[lang], sound).toMatch(/\w/);
    }
  });

  it('weigh a few MB at most', () => {
    const bytes = LANGUAGES.flatMap((l) => shipped(l).map((s) => statSync(`sounds/${l}/${s}.wav`).size)).reduce((a, b) => a + b, 0);
    expect(bytes).toBeLessThan(4 * 1024 * 1024);
  });

  it('the urgent-call prompt tells the clinician what it is and leads into the digit to press', () => {
    expect(engineTexts().get('pbx-router/oncall-urgent-call')).toEqual({ en: expect.stringMatching(/urgent patient call\. To accept the call, press$/), es: expect.stringMatching(/urgente.*marque$/) });
  });
});
