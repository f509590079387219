/**
 * The cluster tier on one machine: Kamailio on 127.0.0.1:5060 (the shipped
 * deploy/cluster/kamailio.cfg) in front of two Asterisk 22 nodes from the shared build, a on
 * 127.0.0.2:5060 and b on 127.0.0.3:5062, each with its own folder, RTP range and entity id, all
 * configured by `pbx-router asterisk-config --node` from one routing config (the example clinic with
 * its carrier at 127.0.0.4). A desk phone (baresip) registers at Kamailio from 127.0.0.5.
 * No engine yet: each node's failsafe dialplan answers the calls.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { removeVariants, variant } from '../scenarios/after-hours.js';
import { composeMounts, findAsteriskTarball, RealAsterisk, REPO } from '../asterisk/real-asterisk.js';
import { encodeUlaw, ulawRtp, writeRtpPcap } from '../asterisk/sip/audio.js';
import { DeskPhone } from '../asterisk/sip/desk-phone.js';
import { Kamailio } from './kamailio.js';

export const KAMAILIO = { address: '127.0.0.1', port: 5060 } as const;
export const NODES = [
  { name: 'a', address: '127.0.0.2', sipPort: 5060 },
  { name: 'b', address: '127.0.0.3', sipPort: 5062 },
] as const;
export const CARRIER = '127.0.0.4';
export const PHONE_ADDRESS = '127.0.0.5';
/** The example clinic's main number. */
export const DID = '+15125550100';
/** Aisha's desk phone: not in the failsafe ring group (1001, 1002, 1006), so carrier calls never ring it. */
export const PHONE = '1003';

export type NodeName = (typeof NODES)[number]['name'];

export interface Cluster {
  readonly kamailio: Kamailio;
  readonly nodes: ReadonlyMap<NodeName, RealAsterisk>;
  readonly phone: DeskPhone;
  readonly secrets: Readonly<Record<string, string>>;
  /** A pcap of 60 s of a caller's voice-like tone (mu-law RTP), for long calls. */
  readonly voicePcap: string;
  readonly dir: string;
  /** The routing config the nodes were generated from (an engine runs on the same). */
  readonly config: string;
  /** The node's SIP URI as Kamailio logs it (sip:127.0.0.2:5060). */
  uri(node: NodeName): string;
  stop(): Promise<void>;
}

const spec = NODES.map((n) => `${n.name}=${n.address}:${n.sipPort}`).join(',');

/** A 400 Hz tone at a talking level with a slow wobble: audio that is neither silence nor a prompt. */
function voice(seconds: number): Int16Array {
  const pcm = new Int16Array(8000 * seconds);
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(3000 * Math.sin((2 * Math.PI * 400 * i) / 8000) * (0.6 + 0.4 * Math.sin(i / 4000)));
  return pcm;
}

/** A 16-bit mono 8 kHz WAV file. */
function writeWav(file: string, pcm: Int16Array): void {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + pcm.length * 2, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(16000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(pcm.length * 2, 40);
  writeFileSync(file, Buffer.concat([h, Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength)]));
}

/** Starts Kamailio, the phone and both nodes (throws when the shared Asterisk build is missing: the npm script checks first). */
export async function startCluster(log: (m: string) => void = () => {}, changes: Readonly<Record<string, unknown>> = {}): Promise<Cluster> {
  const tarball = findAsteriskTarball();
  if (!tarball) throw new Error('no Asterisk build: ../shared/asterisk/dist/asterisk-22.*.tar.xz (or PBX_ASTERISK_DIST) is missing');
  const dir = mkdtempSync(join(tmpdir(), 'pbx-cluster-'));
  const secret = () => randomBytes(12).toString('base64url');
  const secrets: Record<string, string> = { ASTERISK_ARI_PASSWORD: secret(), ASTERISK_AMI_PASSWORD: secret(), FAILSAFE_VOICEMAIL_PIN: '246810' };
  const config = variant({ 'outbound.carrier': { host: CARRIER, port: 5062, match: [CARRIER] }, ...changes });
  const nodes = new Map<NodeName, RealAsterisk>();
  const kamailio = new Kamailio(join(dir, 'kamailio'), KAMAILIO);
  const phoneVoice = join(dir, 'phone-voice.wav');
  writeWav(phoneVoice, voice(600));
  const phone = new DeskPhone(PHONE, 'not-asked-by-kamailio', phoneVoice, PHONE_ADDRESS, KAMAILIO.address);
  const voicePcap = join(dir, 'voice.pcap');
  writeRtpPcap(voicePcap, ulawRtp(encodeUlaw(voice(60))));
  const stop = async () => {
    await phone.remove();
    for (const a of nodes.values()) await a.stop();
    await kamailio.stop();
    removeVariants();
    if (process.env.PBX_KEEP_ASTERISK !== '1') rmSync(dir, { recursive: true, force: true });
  };
  try {
    const t0 = Date.now();
    for (const n of NODES) {
      const asterisk = new RealAsterisk({ tarball, config, secrets, log: (m) => process.env.PBX_TIER_DEBUG && console.log(`[${n.name}] ${m}`) });
      nodes.set(n.name, asterisk);
      await asterisk.install(async (out, secretsFile) => {
        const lines: string[] = [];
        const io = { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t) };
        const args = ['asterisk-config', '-c', config, '--out', out.generated, '--secrets', secretsFile, '--node', n.name, '--nodes', spec, '--kamailio', `${KAMAILIO.address}:${KAMAILIO.port}`, '--phone-networks', `${PHONE_ADDRESS}/32`, '--engines', '127.0.0.1'];
        const code = await main(['node', 'pbx-router', ...args], io);
        if (code !== 0) throw new Error(`pbx-router asterisk-config --node ${n.name} failed:\n${lines.join('\n')}`);
        // No engine yet, so none of the clinic's prompts is played: their folders are only created.
        for (const m of composeMounts()) if (m.source.startsWith(join(REPO, 'sounds/clinic/'))) mkdirSync(join(out.sounds, m.source.slice(join(REPO, 'sounds/clinic/').length)), { recursive: true });
      });
    }
    // The Kamailio files are the same in every node's output (a unit test checks it): node a's are used.
    await kamailio.start(join(nodes.get('a')!.root, 'generated/kamailio'));
    await phone.start();
    await Promise.all([...nodes.values()].map((a) => a.start()));
    log(`cluster up in ${((Date.now() - t0) / 1000).toFixed(1)} s: Kamailio ${KAMAILIO.address}:${KAMAILIO.port}, ${NODES.map((n) => `node ${n.name} ${n.address}:${n.sipPort}`).join(', ')}`);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    kamailio,
    nodes,
    phone,
    secrets,
    voicePcap,
    dir,
    config,
    uri: (name) => {
      const n = NODES.find((x) => x.name === name)!;
      return `sip:${n.address}:${n.sipPort}`;
    },
    stop,
  };
}
