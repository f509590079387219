/**
 * A desk phone: one baresip user agent (Debian's baresip-core) that REGISTERs with Asterisk with the
 * password `asterisk-config` wrote, rings on an incoming call and, as its behaviour says, answers
 * (after a delay, hanging up later), rings out, or rejects as busy. It can also dial another desk
 * phone (a direct desk-to-desk call) and be unregistered. Driven through baresip's ctrl_tcp module
 * (netstring JSON commands and events); what it hears is dumped by the sndfile module.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How the phone's user reacts to a call the engine offers. */
export type PhoneBehaviour =
  | { readonly answer: number; readonly hangupAfter?: number }
  | 'noanswer'
  | 'busy'
  | 'unregistered';

interface BaresipEvent {
  readonly type: string;
  readonly param?: string;
  readonly peeruri?: string;
  readonly id?: string;
}

let nextPort = 0;

/** One registered desk phone. */
export class DeskPhone {
  private proc: ChildProcess | null = null;
  private ctrl: Socket | null = null;
  private buffer = '';
  private readonly dir: string;
  private readonly sipPort: number;
  private readonly ctrlPort: number;
  private behaviour: PhoneBehaviour = 'noanswer';
  private timers = new Set<ReturnType<typeof setTimeout>>();
  /** Every call event the phone saw, in order (CALL_INCOMING, CALL_ESTABLISHED, CALL_CLOSED...). */
  readonly events: { at: number; type: string; param: string }[] = [];
  /** Calls in progress on the phone (incoming ringing or established). */
  calls = 0;

  constructor(
    readonly extension: string,
    private readonly password: string,
    /** A WAV the phone sends as its user's voice (8 kHz mono). */
    private readonly voice: string,
    private readonly address = '127.0.0.3',
    private readonly asterisk = '127.0.0.1',
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `pbx-phone-${extension}-`));
    nextPort++;
    this.sipPort = 40000 + (((process.pid % 50) * 200 + nextPort * 2) % 10000);
    this.ctrlPort = this.sipPort + 1;
  }

  /** baresip's console output (its last 20 kB), for a failed test. */
  log = '';

  private output(d: Buffer): void {
    this.log = (this.log + d.toString()).slice(-20_000);
    if (process.env.PBX_TIER_DEBUG) process.stdout.write(`[${this.extension}] ${d.toString()}`);
  }

  /** True while baresip runs. */
  running(): boolean {
    return this.proc !== null && this.proc.exitCode === null;
  }

  /** Sets how the phone's user reacts to the next calls. */
  set(b: PhoneBehaviour): void {
    this.behaviour = b;
  }

  /** Starts baresip and waits for the registration (unless the behaviour is 'unregistered'). */
  async start(): Promise<void> {
    mkdirSync(join(this.dir, 'dump'), { recursive: true });
    writeFileSync(
      join(this.dir, 'config'),
      [
        'poll_method epoll',
        `sip_listen ${this.address}:${this.sipPort}`,
        'audio_player aubridge,nul',
        `audio_source aufile,${this.voice}`,
        'audio_alert aubridge,nul',
        'module_path /usr/lib/baresip/modules',
        'module g711.so',
        'module aufile.so',
        'module aubridge.so',
        'module sndfile.so',
        'module_app account.so',
        'module_app menu.so',
        'module_app ctrl_tcp.so',
        `ctrl_tcp_listen 127.0.0.1:${this.ctrlPort}`,
        `snd_path ${join(this.dir, 'dump')}`,
        '',
      ].join('\n'),
    );
    writeFileSync(join(this.dir, 'accounts'), `<sip:${this.extension}@${this.asterisk}>;auth_pass=${this.password};answermode=manual;regint=600;audio_codecs=PCMU\n`);
    this.proc = spawn('baresip', ['-f', this.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout?.on('data', (d: Buffer) => this.output(d));
    this.proc.stderr?.on('data', (d: Buffer) => this.output(d));
    this.ctrl = await this.connectCtrl();
  }

  private async connectCtrl(): Promise<Socket> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const sock = await new Promise<Socket | null>((resolve) => {
        const s = connect(this.ctrlPort, '127.0.0.1');
        s.once('connect', () => resolve(s));
        s.once('error', () => resolve(null));
      });
      if (sock) {
        sock.on('data', (d) => this.onData(d.toString('utf8')));
        sock.on('error', () => {});
        return sock;
      }
      if (Date.now() > deadline) throw new Error(`baresip for ${this.extension} did not open its control port ${this.ctrlPort}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private onData(text: string): void {
    this.buffer += text;
    for (;;) {
      const colon = this.buffer.indexOf(':');
      if (colon < 0) return;
      const len = Number(this.buffer.slice(0, colon));
      if (this.buffer.length < colon + 1 + len + 1) return;
      const body = this.buffer.slice(colon + 1, colon + 1 + len);
      this.buffer = this.buffer.slice(colon + 1 + len + 1);
      try {
        const msg = JSON.parse(body) as BaresipEvent & { event?: boolean };
        if (msg.event) this.onEvent(msg);
      } catch {
        // not JSON: ignore
      }
    }
  }

  private onEvent(e: BaresipEvent): void {
    this.events.push({ at: Date.now(), type: e.type, param: String(e.param ?? '') });
    const b = this.behaviour;
    switch (e.type) {
      case 'CALL_INCOMING':
        this.calls++;
        if (b === 'busy') this.later(50, () => this.command('hangup'));
        else if (typeof b === 'object') this.later(b.answer, () => this.command('accept'));
        return;
      case 'CALL_ESTABLISHED':
        if (typeof b === 'object' && b.hangupAfter !== undefined && this.events.at(-2)?.type !== 'CALL_OUTGOING') this.later(b.hangupAfter, () => this.command('hangup'));
        return;
      case 'CALL_CLOSED':
        this.calls = Math.max(0, this.calls - 1);
        return;
      case 'CALL_OUTGOING':
        this.calls++;
        return;
      default:
        return;
    }
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** Sends a baresip command (`accept`, `hangup`, `dial <uri>`, `uadel <aor>`...). */
  command(cmd: string): void {
    const [name, ...rest] = cmd.split(' ');
    const json = JSON.stringify({ command: name, params: rest.join(' '), token: String(Date.now()) });
    this.ctrl?.write(`${Buffer.byteLength(json)}:${json},`);
  }

  /** Dials another extension from this phone (a direct desk-to-desk call through Asterisk's [phones]). */
  dial(extension: string): void {
    this.command(`dial sip:${extension}@${this.asterisk}`);
  }

  /** Hangs up the phone's current call. */
  hangup(): void {
    this.command('hangup');
  }

  /** Whether the last event was an incoming call still ringing. */
  ringing(): boolean {
    const last = [...this.events].reverse().find((e) => e.type.startsWith('CALL_'));
    return last?.type === 'CALL_INCOMING' || last?.type === 'CALL_RINGING';
  }

  /** Stops baresip (the registration stays in Asterisk until it expires or the contact stops answering OPTIONS). */
  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.ctrl?.destroy();
    this.ctrl = null;
    const p = this.proc;
    this.proc = null;
    if (p && p.exitCode === null) {
      const ended = new Promise<void>((r) => p.once('exit', () => r()));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 3000);
      await ended;
      clearTimeout(t);
    }
  }

  /** Stops the phone and removes its folder. */
  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
