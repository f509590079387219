/**
 * The real-Asterisk tier's fixtures, started once per test file: Asterisk 22 from the shared build
 * with the project's files, the seven desk phones of the example clinic registered by baresip, the
 * carrier's far end (SIPp) for the clinicians' cells, a real SMTP server on loopback, and the
 * library of every sound the parties may hear.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { startSmtp, type TestSmtp } from '../fakes/smtp.js';
import { variant } from '../scenarios/after-hours.js';
import { tierConfig } from '../scenarios/tier-config.js';
import { findAsteriskTarball, RealAsterisk, REPO } from './real-asterisk.js';
import { writeRtpPcap, ulawRtp, encodeUlaw, readWavPcm } from './sip/audio.js';
import { CarrierCells } from './sip/carrier-cells.js';
import { DeskPhone } from './sip/desk-phone.js';
import { SoundLibrary } from './sip/ear.js';

/** The example clinic's desk phones: agent, extension, name. */
export const DESK_PHONES = [
  ['maria', '1001', 'Maria'],
  ['james', '1002', 'James'],
  ['aisha', '1003', 'Aisha'],
  ['linda', '1004', 'Linda'],
  ['carlos', '1005', 'Carlos'],
  ['emily', '1006', 'Emily'],
  ['sofia', '1007', 'Sofia'],
] as const;

export interface Tier {
  readonly asterisk: RealAsterisk;
  /** The routing config the Asterisk files were generated from. */
  readonly config: string;
  /** Asterisk's messages.log right after it booted. */
  readonly bootLog: string;
  readonly version: string;
  readonly secrets: Readonly<Record<string, string>>;
  readonly phones: ReadonlyMap<string, DeskPhone>;
  readonly cells: CarrierCells;
  readonly smtp: TestSmtp;
  readonly library: SoundLibrary;
  /** A pcap of a caller saying a sentence (for voicemail). */
  readonly speechPcap: string;
  readonly dir: string;
  stop(): Promise<void>;
}

const say = (dir: string, name: string, text: string): string => {
  const raw = join(dir, `${name}-raw.wav`);
  const wav = join(dir, `${name}.wav`);
  execFileSync('espeak-ng', ['-v', 'en-us', '-w', raw, text]);
  execFileSync('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', wav]);
  return wav;
};

/** Waits until every listed phone's contact is Avail in `pjsip show contacts`. */
export async function registered(asterisk: RealAsterisk, extensions: readonly string[], ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const out = await asterisk.cli('pjsip show contacts');
    if (extensions.every((x) => new RegExp(`Contact:\\s+${x}/\\S+\\s+\\S+\\s+Avail`).test(out))) return;
    if (Date.now() > deadline) throw new Error(`desk phones not registered within ${ms / 1000} s:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts the tier (throws when the shared Asterisk build is missing: the npm script checks first). */
export async function startTier(): Promise<Tier> {
  const tarball = findAsteriskTarball();
  if (!tarball) throw new Error('no Asterisk build: ../shared/asterisk/dist/asterisk-22.*.tar.xz (or PBX_ASTERISK_DIST) is missing');
  const dir = mkdtempSync(join(tmpdir(), 'pbx-tier-'));
  const secret = () => randomBytes(12).toString('base64url');
  const secrets: Record<string, string> = { ASTERISK_ARI_PASSWORD: secret(), ASTERISK_AMI_PASSWORD: secret(), FAILSAFE_VOICEMAIL_PIN: '246810' };
  for (const [, ext] of DESK_PHONES) secrets[`SIP_PASSWORD_${ext}`] = secret();
  const config = variant(tierConfig());
  const asterisk = new RealAsterisk({ tarball, config, secrets, log: (m) => process.env.PBX_TIER_DEBUG && console.log(m) });
  await asterisk.install(async (out, secretsFile) => {
    const lines: string[] = [];
    const io = { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t) };
    const run = async (...args: string[]) => {
      const code = await main(['node', 'pbx-router', ...args], io);
      if (code !== 0) throw new Error(`pbx-router ${args[0]} ${args[1] ?? ''} failed:\n${lines.join('\n')}`);
    };
    await run('asterisk-config', '-c', config, '--out', out.generated, '--secrets', secretsFile, '--templates', join(REPO, 'dialplan'));
    // The documented install step for the clinic's prompts: placeholders from the config's texts.
    await run('prompts', 'generate', '-c', config, '--out', out.sounds);
  });
  const phones = new Map<string, DeskPhone>();
  let cells: CarrierCells | null = null;
  let smtp: TestSmtp | null = null;
  const stopAll = async () => {
    for (const p of phones.values()) await p.remove();
    await cells?.stop();
    await smtp?.close();
    await asterisk.stop();
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await asterisk.start();
    return await startParties();
  } catch (e) {
    await stopAll();
    throw e;
  }

  async function startParties(): Promise<Tier> {
    const version = await asterisk.version();
    const bootLog = asterisk.messages();

    const library = new SoundLibrary().addFolder(join(asterisk.data, 'sounds/en')).addFolder(join(asterisk.data, 'sounds/es'), 'es:').addFolder('/usr/share/asterisk/moh', 'moh:');
    for (const [agent, ext, name] of DESK_PHONES) {
      const voice = say(dir, `voice-${agent}`, `Hello, this is ${name} at Riverside Family Clinic. How can I help you today?`);
      library.addFile(voice, `voice:${agent}`);
      // baresip hangs up when its audio file ends: the phone's user talks, pauses, talks... for 8 minutes.
      const long = join(dir, `voice-${agent}-long.wav`);
      execFileSync('sox', [voice, long, 'pad', '0', '3', 'repeat', '100', 'trim', '0', '480']);
      const phone = new DeskPhone(ext, secrets[`SIP_PASSWORD_${ext}`]!, long);
      await phone.start();
      phones.set(agent, phone);
    }
    await registered(asterisk, DESK_PHONES.map(([, ext]) => ext));
    cells = new CarrierCells(library);
    await cells.start();
    smtp = await startSmtp();
    const speech = readWavPcm(say(dir, 'caller-speech', 'Hi, this is a patient calling about my prescription refill. Please call me back this afternoon. Thank you.'));
    const speechPcap = join(dir, 'caller-speech.pcap');
    writeRtpPcap(speechPcap, ulawRtp(encodeUlaw(speech.pcm)));
    return {
      asterisk,
      config,
      bootLog,
      version,
      secrets,
      phones,
      cells,
      smtp,
      library,
      speechPcap,
      dir,
      stop: stopAll,
    };
  }
}
