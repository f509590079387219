/**
 * Kamailio for the cluster tier: Debian's `kamailio` 5.6 running the shipped
 * deploy/cluster/kamailio.cfg with the kamailio-local.cfg and dispatcher.list that
 * `asterisk-config --node` wrote, in the foreground, logging to stderr. Every log line is kept with
 * the time it arrived, so a test can tell which node each call went to and when a node was marked down.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO } from '../asterisk/real-asterisk.js';

const run = promisify(execFile);

export interface KamailioLine {
  readonly at: number;
  readonly text: string;
}

/** A call's route as Kamailio logged it: the node it went to first and the nodes it failed over to. */
export interface CallRoute {
  readonly callId: string;
  readonly at: number;
  readonly first: string;
  readonly failovers: readonly { readonly at: number; readonly to: string }[];
}

/** One Kamailio process. */
export class Kamailio {
  private proc: ChildProcess | null = null;
  readonly lines: KamailioLine[] = [];
  private partial = '';

  constructor(
    private readonly dir: string,
    private readonly listen: { readonly address: string; readonly port: number },
  ) {}

  /**
   * Starts Kamailio with the files in `generated` (kamailio-local.cfg and dispatcher.list:
   * asterisk-config --node ... --out <dir>, its kamailio/ folder) and waits until it has started.
   */
  async start(generated: string): Promise<void> {
    mkdirSync(join(this.dir, 'run'), { recursive: true });
    // import_file is read beside the main config: the three files sit in one folder, as on a server.
    copyFileSync(join(REPO, 'deploy/cluster/kamailio.cfg'), join(this.dir, 'kamailio.cfg'));
    copyFileSync(join(generated, 'kamailio-local.cfg'), join(this.dir, 'kamailio-local.cfg'));
    copyFileSync(join(generated, 'dispatcher.list'), join(this.dir, 'dispatcher.list'));
    const args = ['-f', join(this.dir, 'kamailio.cfg'), '-DD', '-E', '-m', '32', '-M', '4', '-Y', join(this.dir, 'run'), '-A', `DISPATCHER_LIST="${join(this.dir, 'dispatcher.list')}"`];
    const proc = spawn('kamailio', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    proc.stderr?.on('data', (d: Buffer) => this.onData(d.toString()));
    const deadline = Date.now() + 10_000;
    while (!(await this.keepalive())) {
      if (proc.exitCode !== null) throw new Error(`kamailio exited at start (code ${proc.exitCode}):\n${this.log()}`);
      if (Date.now() > deadline) throw new Error(`kamailio did not answer an OPTIONS on ${this.listen.address}:${this.listen.port} within 10 s:\n${this.log()}`);
    }
  }

  /** Sends Kamailio an OPTIONS for itself; true when its 200 arrives within 300 ms. */
  private async keepalive(): Promise<boolean> {
    const { address, port } = this.listen;
    const reply = await sipRequest(address, this.listen, 300, (via) => ({ line: `OPTIONS sip:${address}:${port} SIP/2.0`, headers: [via, `From: <sip:tier@${address}>;tag=ready`, `To: <sip:${address}:${port}>`, `Call-ID: ready-${Date.now()}@tier`, 'CSeq: 1 OPTIONS'] }));
    return reply?.startsWith('SIP/2.0 200') ?? false;
  }

  private onData(text: string): void {
    const at = Date.now();
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const p of parts) {
      this.lines.push({ at, text: p });
      if (process.env.PBX_TIER_DEBUG) console.log(`kamailio: ${p}`);
    }
  }

  /** Runs a `kamcmd` RPC command (e.g. `dispatcher.list`) against this Kamailio and returns its output. */
  async rpc(...command: string[]): Promise<string> {
    const { stdout } = await run('kamcmd', ['-s', `unix:${join(this.dir, 'run/kamailio_ctl')}`, ...command], { timeout: 5000 });
    return stdout;
  }

  /** The dispatcher's flags for each node (`AP` in use and probed, `IP` inactive and probed). */
  async nodeStates(): Promise<Map<string, string>> {
    const out = await this.rpc('dispatcher.list');
    return new Map([...out.matchAll(/URI: (sip:\S+)\s+FLAGS: (\S+)/g)].map((m) => [m[1]!, m[2]!]));
  }

  /** The whole log so far (for a failed test). */
  log(): string {
    return this.lines.map((l) => l.text).join('\n');
  }

  /** Lines matching `re`, with their times. */
  matching(re: RegExp): { at: number; text: string; match: RegExpExecArray }[] {
    const out: { at: number; text: string; match: RegExpExecArray }[] = [];
    for (const l of this.lines) {
      const m = re.exec(l.text);
      if (m) out.push({ at: l.at, text: l.text, match: m });
    }
    return out;
  }

  /** Every carrier call Kamailio routed, with its first node and failovers (from the shipped config's xlog lines). */
  routes(): Map<string, CallRoute> {
    const calls = new Map<string, CallRoute>();
    for (const { at, match } of this.matching(/call (\S+) to \S+ -> (sip:\S+)/)) calls.set(match[1]!, { callId: match[1]!, at, first: match[2]!, failovers: [] });
    for (const { at, match } of this.matching(/call (\S+) failed over -> (sip:\S+)/)) {
      const c = calls.get(match[1]!);
      if (c) calls.set(c.callId, { ...c, failovers: [...c.failovers, { at, to: match[2]! }] });
    }
    return calls;
  }

  /** Stops Kamailio. */
  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    const ended = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 3000);
    await ended;
    clearTimeout(t);
  }
}

/**
 * Sends one SIP request over UDP from `from` (any port) to `to` and resolves with the first line
 * of the first reply within `ms`, or null. `build` gets the Via header (with rport) to include.
 */
export function sipRequest(from: string, to: { readonly address: string; readonly port: number }, ms: number, build: (via: string) => { line: string; headers: string[] }): Promise<string | null> {
  const sock = createSocket('udp4');
  return new Promise((resolve) => {
    const done = (reply: string | null) => {
      clearTimeout(timer);
      sock.close();
      resolve(reply);
    };
    const timer = setTimeout(() => done(null), ms);
    sock.on('message', (m) => done(m.toString().split('\r\n')[0] ?? ''));
    sock.on('error', () => done(null));
    sock.bind(0, from, () => {
      const via = `Via: SIP/2.0/UDP ${from}:${sock.address().port};rport;branch=z9hG4bK${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
      const r = build(via);
      sock.send([r.line, ...r.headers, 'Max-Forwards: 70', 'Content-Length: 0', '', ''].join('\r\n'), to.port, to.address);
    });
  });
}
