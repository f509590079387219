/**
 * A caller from outside: one SIPp process that sends an INVITE from the carrier's address into
 * Asterisk (the shipped [from-carrier] context), presses keys with RFC 4733 events from Debian's
 * `dtmf_2833_*.pcap`, speaks (a pcap of mu-law RTP), and hangs up or waits for Asterisk's BYE.
 * Its SDP offers the port of an Ear, so what Asterisk sends the caller is recorded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeUlaw, readRtpPcap, RtpStream, ulawRtp, writeRtpPcap } from './audio.js';
import { Ear, type SoundLibrary } from './ear.js';
import { BYE_ENDING, OK_TO_LAST } from './sipp-xml.js';

/** What the caller does, in ms after the call is answered (the fake Asterisk's script, same meaning). */
export interface CallerScript {
  readonly dtmf?: readonly { readonly at: number; readonly digit: string }[];
  /** The caller talks (a recorded sentence, repeated to fill `ms`). */
  /** What the caller says; `pcm` (8 kHz samples) is sent as it is, else the tier's speech pcap. */
  readonly speech?: readonly { readonly at: number; readonly ms: number; readonly pcm?: Int16Array }[];
  /** Hangs up this long after the answer; without it the caller waits for Asterisk to hang up (at most 15 minutes). */
  readonly hangupAfter?: number;
}

export interface SippCallerOptions {
  readonly did: string;
  readonly caller: string;
  readonly script: CallerScript;
  readonly library: SoundLibrary;
  /** A pcap of the caller's voice (speech), when the script speaks. */
  readonly speechPcap?: string;
  /** Where Asterisk listens for SIP. */
  readonly asterisk?: string;
  /** The carrier's address (the shipped identify matches it). */
  readonly from?: string;
}

const PCAPS = '/usr/share/sip-tester';
let nextPort = 0;

/**
 * The media port of one SIPp (its SIP port is left to the system). SIPp 3.6 binds more than the
 * media port itself (RTCP, video, and for pcap play ports after them: 10 apart was seen taken), so
 * each caller gets a block of 100; the 100 blocks cycle.
 */
function mediaPort(): number {
  nextPort = (nextPort + 1) % 100;
  return 50000 + nextPort * 100;
}

let nextSip = 0;
/** The SIP port of one SIPp caller (30000-39999: baresip phones use 40000-49999, SIPp media 50000-59999, ears 60000-64999). */
function sipPort(): number {
  nextSip = (nextSip + 1) % 5000;
  return 30000 + nextSip * 2;
}

/** The pcap that presses one key. */
export function dtmfPcap(digit: string): string {
  const name = digit === '*' ? 'star' : digit === '#' ? 'pound' : digit;
  if (!/^([0-9]|star|pound)$/.test(name)) throw new Error(`no RFC 4733 capture for key ${digit}`);
  return join(PCAPS, `dtmf_2833_${name}.pcap`);
}

/**
 * Waits `ms`, unless the test asks the caller to hang up now (a SIP MESSAGE sent to this SIPp, see
 * SippCaller.hangup). Asterisk's BYE meanwhile is answered by SIPp's default behaviour (200 OK,
 * call over): a timed receive after an optional one never times out in SIPp 3.6.
 */
const wait = (ms: number, next: string) => `  <recv request="MESSAGE" timeout="${Math.max(1, Math.round(ms))}" ontimeout="${next}" next="asked"/>\n  <label id="${next}"/>\n`;

/**
 * The pcap files a caller's script sends, in `dir`, renumbered as one RTP stream (see RtpStream):
 * each key press from Debian's capture of that key, each speech from the speech pcap.
 */
export function scriptPcaps(dir: string, script: CallerScript, speechPcap?: string): { at: number; file: string }[] {
  const spoken = (s: { pcm?: Int16Array }, i: number) => {
    if (!s.pcm) return speechPcap ?? '';
    const file = join(dir, `speech-${i}.pcap`);
    writeRtpPcap(file, ulawRtp(encodeUlaw(s.pcm)));
    return file;
  };
  const sends = [...(script.dtmf ?? []).map((d) => ({ at: d.at, source: dtmfPcap(d.digit) })), ...(script.speech ?? []).map((s, i) => ({ at: s.at, source: spoken(s, i) }))].sort((a, b) => a.at - b.at);
  const stream = new RtpStream();
  return sends.map((send, i) => {
    if (!send.source) throw new Error('the script speaks but no speech pcap was given');
    const file = join(dir, `send-${i}.pcap`);
    writeRtpPcap(file, stream.follow(readRtpPcap(send.source)));
    return { at: send.at, file };
  });
}

/** The SIPp scenario XML for one caller; `sends` are the pcaps of scriptPcaps(). */
export function callerScenario(o: { caller: string; earPort: number; script: CallerScript; sends: readonly { at: number; file: string }[] }): string {
  const steps = o.sends.map((x) => ({ at: x.at, xml: `  <nop><action><exec play_pcap_audio="${x.file}"/></action></nop>\n` }));
  let body = '';
  let t = 0;
  steps.forEach((s, i) => {
    body += wait(s.at - t, `step${i}`) + s.xml;
    t = s.at;
  });
  const end = o.script.hangupAfter ?? 15 * 60_000;
  body += wait(end - t, 'hangup');
  const from = `"Patient" <sip:${o.caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]`;
  const to = `<sip:[service]@[remote_ip]:[remote_port]>`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="pbx-router caller">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: ${from}
To: ${to}
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:${o.caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=caller 1 1 IN IP4 [media_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio ${o.earPort} RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=sendrecv
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rrs="true"><action><ereg regexp=";tag=([^;>[:space:]]+)" search_in="hdr" header="To:" check_it="true" assign_to="totag,rtag"/></action></recv>
  <Reference variables="totag"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: ${from}
To: ${to}[peer_tag_param]
[routes]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:${o.caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0
]]></send>
${body}  <nop next="bye"/>
  <label id="asked"/>
${OK_TO_LAST}  <label id="bye"/>
  <send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: ${from}
To: ${to};tag=[$rtag]
[routes]
Call-ID: [call_id]
CSeq: 2 BYE
Contact: <sip:${o.caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0
]]></send>
${BYE_ENDING}`;
}

/** One caller's SIP call in progress. */
export class SippCaller {
  readonly ear: Ear;
  private proc: ChildProcess | null = null;
  private dir = '';
  /** Resolves with SIPp's exit code when the call is over (0: it went as scripted). */
  done: Promise<number> = Promise.resolve(0);
  /** SIPp's errors, for a failed test. */
  errors = '';
  private sipPort = 0;

  constructor(private readonly o: SippCallerOptions) {
    this.ear = new Ear(o.library, o.from ?? '127.0.0.2');
  }

  /** Sends the INVITE. */
  async start(): Promise<void> {
    const earPort = await this.ear.listen();
    this.dir = mkdtempSync(join(tmpdir(), 'pbx-sipp-'));
    const scenario = join(this.dir, 'caller.xml');
    const sends = scriptPcaps(this.dir, this.o.script, this.o.speechPcap);
    writeFileSync(scenario, callerScenario({ caller: this.o.caller, earPort, script: this.o.script, sends }));
    const from = this.o.from ?? '127.0.0.2';
    // The SIP and media ports are in Linux's ephemeral range, where any UDP socket of the machine may
    // hold one for a moment: SIPp then exits at once ("Unable to bind ... Address already in use")
    // and the call is never made. Such a start is retried on the next ports.
    for (let attempt = 1; ; attempt++) {
      this.sipPort = sipPort();
      const args = [this.o.asterisk ?? '127.0.0.1:5060', '-sf', scenario, '-s', this.o.did.replace(/^\+/, ''), '-i', from, '-p', String(this.sipPort), '-mi', from, '-mp', String(mediaPort()), '-m', '1', '-nostdin', '-trace_err', '-timeout', '1000s', '-recv_timeout', '1000s'];
      this.launch(args);
      const early = await Promise.race([this.done, new Promise<null>((r) => setTimeout(() => r(null), 300))]);
      if (early === null || attempt >= 4 || !/Unable to bind|Address already in use/i.test(this.errors)) return;
      this.errors = '';
    }
  }

  private launch(args: string[]): void {
    const proc = spawn('sipp', args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    proc.stderr?.on('data', (d: Buffer) => (this.errors += d.toString()));
    this.done = new Promise((resolve) => {
      proc.once('exit', (code) => {
        const f = join(this.dir, `caller_${proc.pid}_errors.log`);
        if (existsSync(f)) this.errors += readFileSync(f, 'utf8');
        // A start that failed to bind is retried with the same ear; the ear closes with the call.
        if (this.proc === proc && !(code !== 0 && /Unable to bind|Address already in use/i.test(this.errors))) this.ear.close();
        resolve(code ?? 99);
      });
    });
  }

  /** The caller hangs up now: SIPp is asked (a SIP MESSAGE in its call) and sends its BYE. */
  async hangup(): Promise<void> {
    if (!this.proc || this.proc.exitCode !== null || !this.sipPort) return;
    const callId = `1-${this.proc.pid}@${this.o.from ?? '127.0.0.2'}`;
    const msg = [
      `MESSAGE sip:caller@${this.o.from ?? '127.0.0.2'}:${this.sipPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK${Date.now().toString(36)}`,
      'From: <sip:test@127.0.0.1>;tag=hangup',
      `To: <sip:caller@${this.o.from ?? '127.0.0.2'}>`,
      `Call-ID: ${callId}`,
      'CSeq: 1 MESSAGE',
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const sock = createSocket('udp4');
    await new Promise<void>((resolve) => sock.send(msg, this.sipPort, this.o.from ?? '127.0.0.2', () => resolve()));
    sock.close();
    const ended = await Promise.race([this.done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
    if (!ended) await this.kill();
  }

  /** Stops SIPp at once (no BYE: Asterisk keeps the call until its own timers). */
  async kill(): Promise<void> {
    this.proc?.kill('SIGUSR1');
    await Promise.race([this.done, new Promise((r) => setTimeout(r, 3000))]);
    this.proc?.kill('SIGKILL');
  }

  /** Removes the scenario folder. */
  cleanup(): void {
    this.ear.close();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
