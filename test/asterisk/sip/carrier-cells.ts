/**
 * The far side of the carrier trunk: a SIPp UAS on the carrier's address that receives the calls the
 * engine places through `PJSIP/{number}@carrier` (on-call forwards to clinicians' cells) and, per
 * called number, answers and presses keys (RFC 4733, Debian's pcaps), answers and says nothing,
 * rings without answering, or is busy. `-aa` answers Asterisk's OPTIONS qualify. Every answered
 * call's SDP offers one shared Ear, so the test hears what the clinicians heard.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ear, type SoundLibrary } from './ear.js';
import { dtmfPcap } from './sipp-caller.js';
import { BYE_ENDING, OK_TO_LAST } from './sipp-xml.js';

/** What a clinician's cell does when the engine calls it. */
export type CellBehaviour = { readonly answer: number; readonly dtmf?: readonly { readonly at: number; readonly digit: string }[]; readonly hangupAfter?: number } | 'noanswer' | 'busy';

const OK_SDP = (earPort: number) => `v=0
o=cell 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [local_ip]
t=0 0
m=audio ${earPort} RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=sendrecv`;

const reply = (status: string, extra = '', body = '') => `  <send><![CDATA[
SIP/2.0 ${status}
[last_Via:]
[last_From:]
[last_To:];tag=[pid]cell[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
${extra}Content-Length: [len]

${body}]]></send>
`;

/** The SIPp UAS scenario for a set of numbers (E.164 without +) and their behaviours; others ring out. */
export function cellsScenario(cells: ReadonlyMap<string, CellBehaviour>, earPort: number): string {
  let branches = '';
  let tests = '';
  let i = 0;
  for (const [number, b] of cells) {
    tests += `  <nop><action><strcmp assign_to="c${i}" variable="num" value="${number}"/><test assign_to="b${i}" variable="c${i}" compare="equal" value="0"/></action></nop>\n  <nop next="cell${i}" test="b${i}"/>\n`;
    branches += `  <label id="cell${i}"/>\n`;
    if (b === 'busy') branches += reply('486 Busy Here') + '  <recv request="ACK" next="end"/>\n';
    else if (b === 'noanswer') branches += '  <nop next="ringout"/>\n';
    else {
      branches += `  <recv request="CANCEL" timeout="${Math.max(1, b.answer)}" ontimeout="answer${i}" next="cancelled"/>\n  <label id="answer${i}"/>\n`;
      branches += reply('200 OK', 'Content-Type: application/sdp\n', OK_SDP(earPort)) + '  <recv request="ACK"/>\n';
      let t = 0;
      (b.dtmf ?? []).forEach((d, k) => {
        branches += `  <recv request="BYE" timeout="${Math.max(1, d.at - t)}" ontimeout="key${i}_${k}" next="byein"/>\n  <label id="key${i}_${k}"/>\n  <nop><action><exec play_pcap_audio="${dtmfPcap(d.digit)}"/></action></nop>\n`;
        t = d.at;
      });
      if (b.hangupAfter !== undefined) branches += `  <recv request="BYE" timeout="${Math.max(1, b.hangupAfter - t)}" ontimeout="bye${i}" next="byein"/>\n  <label id="bye${i}"/>\n  <nop next="byeout"/>\n`;
      else branches += '  <recv request="BYE" next="byein"/>\n';
    }
    i++;
  }
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="pbx-router cells">
  <recv request="INVITE" rrs="true"><action>
    <ereg regexp="INVITE sip:\\+?([0-9]+)@" search_in="msg" check_it="true" assign_to="all,num"/>
    <ereg regexp=".*" search_in="hdr" header="From:" check_it="true" assign_to="rfrom"/>
  </action></recv>
  <Reference variables="all,num,rfrom"/>
${reply('100 Trying')}${reply('180 Ringing')}${tests}  <nop next="ringout"/>
${branches}  <label id="ringout"/>
  <recv request="CANCEL"/>
  <label id="cancelled"/>
${OK_TO_LAST}
  <send><![CDATA[
SIP/2.0 487 Request Terminated
[last_Via:]
[last_From:]
[last_To:];tag=[pid]cell[call_number]
[last_Call-ID:]
CSeq: [cseq] INVITE
Content-Length: 0
]]></send>
  <recv request="ACK" next="end"/>
  <label id="byeout"/>
  <send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[$num]@[local_ip]:[local_port]>;tag=[pid]cell[call_number]
To: [$rfrom]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0
]]></send>
${BYE_ENDING}`;
}

/** The carrier's far end: restarted with new behaviours by set(). */
export class CarrierCells {
  readonly ear: Ear;
  private proc: ChildProcess | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), 'pbx-cells-'));
  private cells = new Map<string, CellBehaviour>();
  log = '';

  constructor(
    library: SoundLibrary,
    private readonly address = '127.0.0.2',
    private readonly port = 5062,
  ) {
    this.ear = new Ear(library, address);
  }

  /** Starts answering (every number rings out until set()). */
  async start(): Promise<void> {
    if (!this.ear.port) await this.ear.listen();
    await this.restart();
  }

  /** The behaviour of one number (E.164, with or without +). */
  async set(number: string, b: CellBehaviour): Promise<void> {
    this.cells.set(number.replace(/^\+/, ''), b);
    await this.restart();
  }

  /** Every number rings out again. */
  async reset(): Promise<void> {
    this.cells.clear();
    await this.restart();
  }

  private async restart(): Promise<void> {
    await this.stopProcess();
    const scenario = join(this.dir, 'cells.xml');
    writeFileSync(scenario, cellsScenario(this.cells, this.ear.port));
    this.proc = spawn('sipp', ['-sf', scenario, '-i', this.address, '-p', String(this.port), '-mi', this.address, '-mp', String(this.port + 2000), '-aa', '-nostdin', '-trace_err', '-bind_local'], { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
    await new Promise((r) => setTimeout(r, 300));
    if (this.proc.exitCode !== null) throw new Error(`SIPp for the carrier's cells exited at once: ${this.log}`);
  }

  private async stopProcess(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    const ended = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGKILL');
    await ended;
  }

  /** Stops SIPp and the ear and removes the folder. */
  async stop(): Promise<void> {
    await this.stopProcess();
    this.ear.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
