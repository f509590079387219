/**
 * `pbx-router prompts list|check|generate` and the prompt warnings of `validate`: check against
 * the fake Asterisk over real HTTP, generate with the real espeak-ng and sox.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadPlan } from '../src/config/index.js';
import { telephonyWavProblem, wavInfo } from '../src/prompts/wav.js';
import { runCli } from './cli-helpers.js';
import { FakeAsterisk } from './fake-asterisk/fake-asterisk.js';
import { configSounds, ENGINE_SOUNDS } from './scenarios/live-harness.js';

const EXAMPLE = 'config/example-clinic.yaml';
const PASSWORD = 'prompts-test-secret';
const tmp = mkdtempSync(join(tmpdir(), 'pbx-cli-prompts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('prompts list', () => {
  it('lists every sound of the config and the engine per language, with where it is used and its text', async () => {
    const r = await runCli('prompts', 'list', '-c', EXAMPLE, '--json');
    expect(r.code).toBe(0);
    const uses = JSON.parse(r.out) as { sound: string; language: string; source: string; where: string[]; text: string | null; played: boolean }[];
    const find = (sound: string, language: string) => uses.find((u) => u.sound === sound && u.language === language);
    expect(find('riverside/welcome', 'en')).toMatchObject({ source: 'clinic', where: ['rule inbound/"Open - main menu"'], text: expect.stringMatching(/^Thank you for calling Riverside/) });
    expect(find('riverside/main-menu-es', 'es')).toMatchObject({ where: ['menu main, prompt'], text: expect.stringMatching(/^Para citas/) });
    expect(find('riverside/rx-refill-greeting', 'en')?.where).toEqual(['mailbox rx-refills, greeting']);
    expect(find('riverside/whisper-nurse-line', 'en')?.where).toEqual(['queue nurse, whisper (to the agent)']);
    expect(find('pbx-router/oncall-urgent-call', 'en')).toMatchObject({ source: 'engine', where: ['roster on-call-nurse, to the clinician who answers'], text: expect.stringContaining('press') });
    expect(find('pbx-router/oncall-please-hold', 'es')?.text).toMatch(/^Por favor/);
    expect(find('pbx-router/reason-records-request', 'en')?.where).toEqual(['callback list callbacks, reason 2']);
    expect(find('queue-thereare', 'en')).toMatchObject({ source: 'core' });
    expect(find('riverside/callback-reason', 'en')).toMatchObject({ played: false });
    // Every clinic prompt the example plays in a language has a text in it.
    expect(uses.filter((u) => u.source === 'clinic' && u.played && u.text === null)).toEqual([]);
  });

  it('prints them grouped for people', async () => {
    const r = await runCli('prompts', 'list', '-c', EXAMPLE);
    expect(r.out).toContain("The clinic's prompts");
    expect(r.out).toContain('  riverside/welcome-es (es): rule inbound/"Open - main menu"\n');
    expect(r.out).toMatch(/sound\(s\) in 2 language\(s\)/);
  });
});

describe('prompts check against the fake Asterisk', () => {
  let fake: FakeAsterisk;
  const env = { ...process.env };
  beforeAll(async () => {
    fake = new FakeAsterisk({ password: PASSWORD, sounds: { ...configSounds(EXAMPLE, 2000), ...ENGINE_SOUNDS } });
    const { url } = await fake.start();
    Object.assign(process.env, { ASTERISK_ARI_URL: url, ASTERISK_ARI_USER: 'router', ASTERISK_ARI_PASSWORD: PASSWORD });
    delete process.env.PBX_ROUTER_SECRETS;
  });
  afterAll(async () => {
    process.env = env;
    await fake.stop();
  });
  afterEach(() => {
    for (const [name, ms] of Object.entries({ ...configSounds(EXAMPLE, 2000), ...ENGINE_SOUNDS })) fake.addSound(name, ms);
  });

  it('exit 0 when Asterisk has every sound', async () => {
    const r = await runCli('prompts', 'check', '-c', EXAMPLE);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/: \d+ found, \d+ heard in English only, 0 missing\n/);
  });

  it('lists exactly the sounds removed from Asterisk, and exits 1', async () => {
    fake.removeSound('riverside/after-hours-menu-es');
    fake.removeSound('pbx-router/oncall-please-hold');
    const r = await runCli('prompts', 'check', '-c', EXAMPLE, '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as { missing: { sound: string; language: string }[] };
    expect(report.missing.map((m) => `${m.sound} (${m.language})`)).toEqual(['riverside/after-hours-menu-es (es)', 'pbx-router/oncall-please-hold (en)', 'pbx-router/oncall-please-hold (es)']);
    const text = await runCli('prompts', 'check', '-c', EXAMPLE);
    expect(text.out).toContain('  riverside/after-hours-menu-es (es): menu after-hours, prompt\n');
    expect(text.out).toContain('  pbx-router/oncall-please-hold (en, es): roster on-call-nurse, caller on hold\n');
  });

  it('a sound only in Spanish is missing for English callers, one only in English is heard in English by Spanish callers', async () => {
    fake.removeSound('riverside/welcome');
    fake.addSound('riverside/welcome', 2000, 'es');
    const r = JSON.parse((await runCli('prompts', 'check', '-c', EXAMPLE, '--json')).out) as { missing: { sound: string; language: string }[]; fallback: { sound: string; language: string }[] };
    expect(r.missing.map((m) => `${m.sound} (${m.language})`)).toEqual(['riverside/welcome (en)']);
    expect(r.fallback.map((m) => m.sound)).toContain('pbx-router/oncall-please-hold');
  });

  it('says clearly when Asterisk cannot be asked (exit 2)', async () => {
    const wrong = await runCli('prompts', 'check', '-c', EXAMPLE, '--ari-url', 'http://127.0.0.1:1');
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/^error: cannot reach Asterisk's ARI at http:\/\/127\.0\.0\.1:1 \(.+\); is Asterisk running with ARI enabled/);
    process.env.ASTERISK_ARI_PASSWORD = 'wrong';
    const refused = await runCli('prompts', 'check', '-c', EXAMPLE);
    process.env.ASTERISK_ARI_PASSWORD = PASSWORD;
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("refused the user 'router'");
  });
});

describe('prompts generate', () => {
  it('speaks each text of the config into <out>/<lang>/<sound>.wav, 8 kHz mono 16-bit PCM, and keeps files that exist', async () => {
    const out = join(tmp, 'sounds');
    const r = await runCli('prompts', 'generate', '-c', EXAMPLE, '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const plan = loadPlan(EXAMPLE).plan!;
    const expected = [...plan.promptTexts].flatMap(([sound, texts]) => Object.keys(texts).map((lang) => join(out, lang, `${sound}.wav`)));
    expect(expected.length).toBe(17);
    for (const f of expected) {
      const info = wavInfo(readFileSync(f));
      expect([f, telephonyWavProblem(info)]).toEqual([f, null]);
      expect(info.seconds).toBeGreaterThan(1);
    }
    expect(readdirSync(join(out, 'es', 'riverside')).sort()).toEqual(['after-hours-menu-es.wav', 'closed-after-hours.wav', 'closed-holiday.wav', 'invalid-option-es.wav', 'main-menu-es.wav', 'rx-refill-greeting-es.wav', 'transfer-front-desk-es.wav', 'welcome-es.wav']);

    // A real recording put in place by the clinic is kept, unless --force.
    const recording = join(out, 'en', 'riverside', 'welcome.wav');
    writeFileSync(recording, Buffer.from('a real recording'));
    const again = await runCli('prompts', 'generate', '-c', EXAMPLE, '--out', out, '--lang', 'en');
    expect(again.out).toContain('0 written, 9 kept');
    expect(readFileSync(recording, 'utf8')).toBe('a real recording');
    const forced = await runCli('prompts', 'generate', '-c', EXAMPLE, '--out', out, '--lang', 'en', '--force');
    expect(forced.out).toContain('9 written, 0 kept');
    expect(telephonyWavProblem(wavInfo(readFileSync(recording)))).toBeNull();
  });

  it('--with-engine copies the shipped pbx-router prompts beside them', async () => {
    const out = join(tmp, 'with-engine');
    const r = await runCli('prompts', 'generate', '-c', 'config/example-network.yaml', '--out', out, '--with-engine');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/4 written, 0 kept, \d+ copied/);
    expect(statSync(join(out, 'es', 'pbx-router', 'oncall-urgent-call.wav')).size).toBe(statSync('sounds/es/pbx-router/oncall-urgent-call.wav').size);
  });
});

describe('validate and prompt texts', () => {
  it('warns (without failing) about a text for a sound nothing plays and a text in a language the sound is not played in', async () => {
    const config = join(tmp, 'texts.yaml');
    const text = readFileSync(EXAMPLE, 'utf8').replace('  riverside/whisper-nurse-line: Nurse line call.', '  riverside/whisper-nurse-line: Nurse line call.\n  riverside/welcom: Typo.\n  riverside/main-menu-es:\n    en: Not heard.');
    writeFileSync(config, text.replace(/ {2}riverside\/main-menu-es:\n {4}es: Para citas[^\n]*\n/, ''));
    const r = await runCli('validate', config);
    expect(r.code).toBe(0);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/texts\.yaml:\d+:3 warning: a text for riverside\/welcom, which nothing in the config or the engine plays/);
    expect(lines[1]).toMatch(/texts\.yaml:\d+:5 warning: riverside\/main-menu-es is played to calls in es, never in en: this text would not be heard/);
  });

  it('rejects a prompt text whose sound name could leave the sounds folder', async () => {
    const config = join(tmp, 'escape.yaml');
    writeFileSync(config, `${readFileSync(EXAMPLE, 'utf8')}  ../../etc/evil: Hello.\n`);
    const r = await runCli('validate', config);
    expect(r.code).toBe(1);
    expect(r.err).toContain('escape.yaml');
  });
});
