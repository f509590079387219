/**
 * Makes pbx-router's own prompts from their texts: sounds/engine-prompts.yaml ->
 * sounds/<lang>/pbx-router/<name>.wav (8 kHz mono 16-bit PCM, espeak-ng + sox). The WAVs are checked
 * in; run this after changing a text (`npm run prompts:make`, needs Debian's espeak-ng and sox).
 * With --check it writes nothing and says which WAVs differ from what the texts make now.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { engineTexts, shippedWav, SHIPPED_SOUNDS_DIR } from '../src/prompts/texts.js';
import { asteriskLanguage, synthesize } from '../src/prompts/speech.js';

const check = process.argv.includes('--check');
const texts = engineTexts();
const work = check ? mkdtempSync(join(tmpdir(), 'pbx-make-prompts-')) : null;
let made = 0;
const differ: string[] = [];
const wanted = new Set<string>();
for (const [sound, byLanguage] of texts) {
  for (const [language, text] of Object.entries(byLanguage)) {
    const target = shippedWav(sound, asteriskLanguage(language));
    wanted.add(target);
    const file = work ? join(work, `${made}.wav`) : target;
    synthesize(text, language, file);
    made++;
    if (work && (!existsSync(target) || !readFileSync(file).equals(readFileSync(target)))) differ.push(relative(process.cwd(), target));
  }
}
if (work) rmSync(work, { recursive: true, force: true });

// WAVs under sounds/<lang>/pbx-router/ that no text makes any more.
const stale: string[] = [];
for (const lang of readdirSync(SHIPPED_SOUNDS_DIR)) {
  const dir = join(SHIPPED_SOUNDS_DIR, lang, 'pbx-router');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
  for (const f of readdirSync(dir)) if (!wanted.has(join(dir, f))) stale.push(relative(process.cwd(), join(dir, f)));
}

let bytes = 0;
for (const f of wanted) if (existsSync(f)) bytes += statSync(f).size;
if (check) {
  console.log(differ.length === 0 ? `all ${made} prompts are as their texts make them` : `${differ.length} of ${made} prompts differ from their texts:\n  ${differ.join('\n  ')}`);
} else {
  console.log(`${made} prompts written under ${relative(process.cwd(), SHIPPED_SOUNDS_DIR) || 'sounds'}/<lang>/pbx-router/ (${(bytes / 1024 / 1024).toFixed(2)} MB)`);
}
if (stale.length) console.log(`no text makes these any more (delete them):\n  ${stale.join('\n  ')}`);
process.exitCode = (check && differ.length) || stale.length ? 1 : 0;
