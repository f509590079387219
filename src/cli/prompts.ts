/** `pbx-router prompts list|check|generate`, and the prompt-text warnings `validate` prints. */
import type { Command } from 'commander';
import { AriSounds } from '../asterisk/ari-sounds.js';
import { parseSources } from '../config/load.js';
import { readConfig } from '../config/read.js';
import { secretsEnv } from '../config/secrets.js';
import { ariSettingsFromEnv } from '../main.js';
import { checkUses, SoundCatalogError, type CheckedUse } from '../prompts/check.js';
import { generatePrompts } from '../prompts/generate.js';
import { SpeechError } from '../prompts/speech.js';
import { engineTexts, textWarnings } from '../prompts/texts.js';
import { soundUses, type PromptSource, type PromptUse } from '../prompts/uses.js';
import type { Plan } from '../routing/types.js';
import { InputError } from './inputs.js';
import type { Io } from './io.js';

const HEADINGS: Record<PromptSource, string> = {
  clinic: "The clinic's prompts (the config names them: record them, or make placeholders from their texts with `prompts generate`)",
  engine: "pbx-router's prompts (shipped in sounds/<lang>/pbx-router/; texts in sounds/engine-prompts.yaml)",
  core: "Asterisk's core sounds (Debian: asterisk-core-sounds-en-wav, and -es-wav for Spanish)",
};

/** `file:line:col warning: ...` for texts no call will hear (validate prints them; they do not fail it). */
export function promptTextWarnings(config: string, plan: Plan): string[] {
  const warnings = textWarnings(plan, soundUses(plan));
  if (warnings.length === 0) return [];
  const parsed = parseSources(readConfig(config).sources);
  return warnings.map((w) => {
    const at = parsed.locate(w.path, true);
    return `${at.file}:${at.line}:${at.col} warning: ${w.message}`;
  });
}

/** The text of a use: the config's, else the shipped one for an engine prompt. */
function textOf(plan: Plan, shipped: ReadonlyMap<string, Readonly<Record<string, string>>>, u: PromptUse): string | null {
  return plan.promptTexts.get(u.sound)?.[u.language] ?? shipped.get(u.sound)?.[u.language] ?? null;
}

/** Adds the `prompts` command and its subcommands. */
export function addPromptCommands(program: Command, io: Io, planOrReport: (config: string) => Plan | null, setCode: (c: number) => void): void {
  const prompts = program.command('prompts').description('the sounds a config and the engine play: list them, check them on Asterisk, make placeholders from their texts');

  prompts
    .command('list')
    .description('every sound the config and the engine can play, per language, and where it is used')
    .requiredOption('-c, --config <file>', 'config file or folder')
    .option('--json', 'print JSON')
    .action((o: { config: string; json?: boolean }) => {
      const plan = planOrReport(o.config);
      if (!plan) return setCode(1);
      const shipped = engineTexts();
      const uses = soundUses(plan);
      if (o.json) return io.out(JSON.stringify(uses.map((u) => ({ ...u, text: textOf(plan, shipped, u) })), null, 2));
      for (const source of ['clinic', 'engine', 'core'] as const) {
        const mine = uses.filter((u) => u.source === source);
        if (mine.length === 0) continue;
        io.out(`${HEADINGS[source]}:`);
        for (const u of mine) {
          const text = textOf(plan, shipped, u);
          io.out(`  ${u.sound} (${u.language})${u.played ? '' : ' [not played]'}: ${u.where.join('; ')}`);
          if (source !== 'core') io.out(`      ${text === null ? '(no text: a recording the clinic provides)' : `"${text}"`}`);
        }
      }
      const names = new Set(uses.filter((u) => u.played).map((u) => u.sound));
      io.out(`${names.size} sound(s) in ${new Set(uses.map((u) => u.language)).size} language(s); \`pbx-router prompts check -c ${o.config}\` asks Asterisk which it has`);
    });

  prompts
    .command('check')
    .description('ask the running Asterisk (ARI GET /sounds/{id}) which of those sounds it has in each language; exit 1 when any is missing')
    .requiredOption('-c, --config <file>', 'config file or folder')
    .option('--ari-url <url>', 'ARI base URL (env ASTERISK_ARI_URL; default http://127.0.0.1:8088)')
    .option('--ari-user <user>', 'ARI user (env ASTERISK_ARI_USER; default router)')
    .option('--secrets <file>', 'secrets file with ASTERISK_ARI_PASSWORD (env PBX_ROUTER_SECRETS)')
    .option('--json', 'print JSON')
    .action(async (o: { config: string; ariUrl?: string; ariUser?: string; secrets?: string; json?: boolean }) => {
      const plan = planOrReport(o.config);
      if (!plan) return setCode(1);
      const ari = ariSettingsFromEnv(secretsEnv(o.secrets));
      if (!ari.password) throw new InputError('set the ARI password (ASTERISK_ARI_PASSWORD) in the secrets file or the environment, as for `pbx-router run`');
      const url = o.ariUrl ?? ari.url;
      let checked: CheckedUse[];
      try {
        checked = await checkUses(soundUses(plan), new AriSounds({ url, user: o.ariUser ?? ari.user, password: ari.password }));
      } catch (e) {
        if (!(e instanceof SoundCatalogError)) throw e;
        io.err(`error: ${e.message}`);
        return setCode(2);
      }
      const missing = checked.filter((u) => u.status === 'missing');
      const fallback = checked.filter((u) => u.status === 'fallback');
      if (o.json) io.out(JSON.stringify({ asterisk: url, missing, fallback, found: checked.filter((u) => u.status === 'found').length }, null, 2));
      else printCheck(io, url, checked, missing, fallback);
      setCode(missing.length > 0 ? 1 : 0);
    });

  prompts
    .command('generate')
    .description('speak every text of the config (`prompts:`) into <out>/<lang>/<sound>.wav, 8 kHz mono 16-bit (espeak-ng and sox)')
    .requiredOption('-c, --config <file>', 'config file or folder')
    .requiredOption('--out <dir>', 'where Asterisk reads sounds, e.g. /var/lib/asterisk/sounds')
    .option('--lang <codes>', 'only these languages, e.g. en,es')
    .option('--with-engine', "also copy pbx-router's shipped prompts (sounds/<lang>/pbx-router/) into <out>")
    .option('--force', 'replace files that exist (default: keep them, they may be real recordings)')
    .action((o: { config: string; out: string; lang?: string; withEngine?: boolean; force?: boolean }) => {
      const plan = planOrReport(o.config);
      if (!plan) return setCode(1);
      try {
        const r = generatePrompts(plan, { out: o.out, force: o.force ?? false, withEngine: o.withEngine ?? false, ...(o.lang ? { languages: o.lang.split(',').map((l) => l.trim()) } : {}) });
        for (const f of r.written) io.out(`wrote ${f}`);
        for (const f of r.kept) io.out(`kept ${f} (it exists; --force replaces it)`);
        if (r.copied.length) io.out(`copied ${r.copied.length} shipped pbx-router prompt(s) into ${o.out}`);
        const untexted = [...new Set(soundUses(plan).filter((u) => u.source === 'clinic' && u.played && !plan.promptTexts.get(u.sound)?.[u.language]).map((u) => `${u.sound} (${u.language})`))];
        if (untexted.length) io.out(`no text, so no placeholder, for: ${untexted.join(', ')}`);
        io.out(`${r.written.length} written, ${r.kept.length} kept${r.copied.length ? `, ${r.copied.length} copied` : ''}`);
      } catch (e) {
        if (!(e instanceof SpeechError)) throw e;
        io.err(`error: ${e.message}`);
        setCode(1);
      }
    });
}

const FIX: Record<PromptSource, string> = {
  clinic: 'record them, or make placeholders: `pbx-router prompts generate -c <config> --out <Asterisk sounds dir>` (docs/clinic-it.md, Prompts)',
  engine: "install pbx-router's shipped prompts: docker/compose.yaml mounts them; elsewhere `pbx-router prompts generate -c <config> --out <Asterisk sounds dir> --with-engine`",
  core: "install Asterisk's core sounds: Debian's asterisk-core-sounds-en-wav (and -es-wav), in <Asterisk sounds dir>/en",
};

function printCheck(io: Io, url: string, checked: readonly CheckedUse[], missing: readonly CheckedUse[], fallback: readonly CheckedUse[]): void {
  io.out(`Asterisk at ${url}: ${checked.length - missing.length - fallback.length} found, ${fallback.length} heard in English only, ${missing.length} missing`);
  if (missing.length) io.out('Missing (callers hear silence there):');
  for (const source of ['clinic', 'engine', 'core'] as const) {
    const mine = missing.filter((u) => u.source === source);
    if (mine.length === 0) continue;
    const bySound = new Map<string, CheckedUse[]>();
    for (const u of mine) bySound.set(u.sound, [...(bySound.get(u.sound) ?? []), u]);
    for (const [sound, us] of bySound) io.out(`  ${sound} (${us.map((u) => u.language).join(', ')}): ${[...new Set(us.flatMap((u) => u.where))].join('; ')}`);
    io.out(`  -> ${FIX[source]}`);
  }
  const byLanguage = new Map<string, string[]>();
  for (const u of fallback) byLanguage.set(u.language, [...(byLanguage.get(u.language) ?? []), u.sound]);
  for (const [language, sounds] of byLanguage) io.out(`Heard in English by callers in ${language} (no ${language} file): ${sounds.join(', ')}`);
}
