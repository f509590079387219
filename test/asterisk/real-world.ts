/**
 * The World on a real Asterisk 22 (npm run test:asterisk): `pbx-router run` as a child process
 * (so SIGKILL is a real SIGKILL), callers as SIPp INVITEs through the carrier trunk, desk phones as
 * registered baresip agents, clinicians' cells as the carrier's far end, the engine's database read
 * through a second connection and its admin API over HTTP, all in real time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CallStore } from '../../src/store/call-store.js';
import { removeVariants, variant } from '../scenarios/after-hours.js';
import { AriDriver } from '../scenarios/ari-driver.js';
import { startTestSmsProvider, TEST_SMS_ENV, tierConfig } from '../scenarios/tier-config.js';
import { explainFrom, type Caller, type CellBehaviour, type DeskCall, type PhoneBehaviour, type World, type WorldOptions } from '../scenarios/world.js';
import { AriRecorder } from './ari-recorder.js';
import { REPO } from './real-asterisk.js';
import { SippCaller } from './sip/sipp-caller.js';
import { DESK_PHONES, registered, type Tier } from './tier.js';

const ADMIN_PORT = 8089;

/** The engine as a child process (`node bin/pbx-router.js run`), with its log kept. */
export class EngineProcess {
  private proc: ChildProcess | null = null;
  readonly logs: string[] = [];
  readonly token = randomBytes(16).toString('hex');

  constructor(
    private readonly config: string,
    private readonly database: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Starts `pbx-router run` and waits until it is connected to Asterisk. */
  async start(): Promise<void> {
    this.proc = spawn(process.execPath, [join(REPO, 'bin/pbx-router.js'), 'run', '-c', this.config, '--db', this.database], {
      env: { ...this.env, PBX_ROUTER_ADMIN_TOKEN: this.token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => this.logs.push(...d.toString().split('\n').filter(Boolean));
    this.proc.stdout?.on('data', keep);
    this.proc.stderr?.on('data', keep);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const s = await this.admin<{ ari?: string }>('GET', '/status').catch(() => null);
      if (s?.ari === 'connected') return;
      if (this.proc.exitCode !== null) throw new Error(`pbx-router run exited with ${this.proc.exitCode}:\n${this.logs.join('\n')}`);
      if (Date.now() > deadline) throw new Error(`pbx-router run did not connect within 20 s:\n${this.logs.join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** A request to the admin API. */
  async admin<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`http://127.0.0.1:${ADMIN_PORT}${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`admin ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  /** SIGKILL: the process ends at once, nothing is cleaned up. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    const ended = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill(signal);
    const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
    await ended;
    clearTimeout(t);
  }
}

/**
 * The carrier's far end is SIPp, restarted whenever the cells' behaviours change: if Asterisk's
 * OPTIONS qualify came in that gap, the carrier contact is Unavail and every dial to it fails at
 * once for up to a minute (as with a real carrier that stops answering). Qualify it now.
 */
async function carrierReachable(tier: Tier): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    await tier.asterisk.cli('pjsip qualify carrier');
    await new Promise((r) => setTimeout(r, 200));
    if (/Contact:\s+carrier\/\S+\s+\S+\s+(Avail|NonQual)/.test(await tier.asterisk.cli('pjsip show contacts'))) return;
    if (Date.now() > deadline) throw new Error(`the carrier's far end (SIPp on 127.0.0.2:5062) does not answer OPTIONS:\n${tier.cells.log.slice(-1000)}`);
  }
}

/** Starts a scenario's world on the tier: a fresh engine (own database), phones registered and ringing out, cells ringing out. */
export async function startRealWorld(tier: Tier, o: WorldOptions, record?: { readonly transcript: string }): Promise<World> {
  // The engine's texts go to a provider on loopback that answers like Twilio's Messages API.
  const sms = await startTestSmsProvider();
  const config = variant({ ...tierConfig(sms.url), ...(o.config ?? {}) });
  const dir = mkdtempSync(join(tmpdir(), 'pbx-real-world-'));
  const database = join(dir, 'calls.sqlite');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ASTERISK_ARI_URL: 'http://127.0.0.1:8088',
    ASTERISK_ARI_USER: 'router',
    ASTERISK_ARI_PASSWORD: tier.secrets.ASTERISK_ARI_PASSWORD,
    ASTERISK_AMI_HOST: '127.0.0.1',
    ASTERISK_AMI_PORT: '5038',
    ASTERISK_AMI_USER: 'router',
    ASTERISK_AMI_PASSWORD: tier.secrets.ASTERISK_AMI_PASSWORD,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(tier.smtp.port),
    SMTP_FROM: 'pbx-router@riverside-clinic.example',
    SMTP_TLS_SELF_SIGNED: '1',
    PBX_ROUTER_SECRETS: '',
    ...TEST_SMS_ENV,
  };
  for (const p of tier.phones.values()) {
    p.set('noanswer');
    p.hangup();
  }
  for (const agent of o.unregistered ?? []) await tier.phones.get(agent)?.stop();
  const stopped = [...tier.phones.entries()].filter(([agent, p]) => !p.running() && !o.unregistered?.includes(agent)).map(([, p]) => p);
  for (const p of stopped) await p.start();
  if (stopped.length) await registered(tier.asterisk, stopped.map((p) => p.extension));
  await tier.cells.reset();
  await carrierReachable(tier);
  const emailsBefore = tier.smtp.received.length;
  // With a transcript asked for, the engine talks to Asterisk through a recording proxy.
  const recorder = record ? new AriRecorder({ host: '127.0.0.1', port: 8088 }, { user: 'router', password: tier.secrets.ASTERISK_ARI_PASSWORD! }) : null;
  if (recorder) {
    await recorder.start();
    env.ASTERISK_ARI_URL = recorder.url;
  }
  const engine = new EngineProcess(config, database, env);
  await engine.start();
  await engine.admin('POST', '/mode', { mode: o.mode });
  const ari = new AriDriver({ url: 'http://127.0.0.1:8088', user: 'router', password: tier.secrets.ASTERISK_ARI_PASSWORD! });
  let store: CallStore | null = null;
  let db: Database.Database | null = null;
  const callers: SippCaller[] = [];
  const phoneOf = (agent: string) => {
    const p = tier.phones.get(agent);
    if (!p) throw new Error(`no desk phone for agent ${agent}`);
    return p;
  };
  let current = engine;
  /** Logs of the engines before the current one (a restarted engine has its own). */
  const earlier: string[] = [];

  const world: World = {
    backend: 'real',
    store() {
      db ??= new Database(database, { fileMustExist: true });
      store ??= new CallStore(db);
      return store;
    },
    emails: () => tier.smtp.received.slice(emailsBefore),
    texts: () => sms.messages,
    explain: (call) => explainFrom(database, call),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    async until(what, check, ms = 120_000) {
      const end = Date.now() + ms;
      for (;;) {
        const v = await check();
        if (v !== undefined && v !== false && v !== null) return v as never;
        if (Date.now() > end) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}\nengine log:\n${current.logs.slice(-40).join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async only(agents) {
      for (const [agent] of DESK_PHONES) await current.admin('POST', `/agents/${agent}/${agents.includes(agent) ? 'unpause' : 'pause'}`);
    },
    async pause(agent, paused) {
      await current.admin('POST', `/agents/${agent}/${paused ? 'pause' : 'unpause'}`);
    },
    async agentState(agent) {
      const s = await current.admin<{ agents: { id: string; state: string }[] }>('GET', '/status');
      return s.agents.find((a) => a.id === agent)?.state ?? 'unknown';
    },
    async phone(agent, b: PhoneBehaviour) {
      const p = phoneOf(agent);
      if (b === 'unregistered') {
        await p.stop();
        return;
      }
      p.set(b);
      if (!p.running()) {
        await p.start();
        await registered(tier.asterisk, [p.extension]);
      }
    },
    async answer(agent) {
      phoneOf(agent).command('accept');
    },
    async deskCall(from, to): Promise<DeskCall> {
      const a = phoneOf(from);
      const b = phoneOf(to);
      b.set({ answer: 500 });
      a.dial(b.extension);
      return {
        async hangup() {
          a.hangup();
        },
      };
    },
    async cell(number, b: CellBehaviour) {
      await tier.cells.set(number, b);
      await carrierReachable(tier);
    },
    cellsHeard: () => tier.cells.ear.sounds(),
    async call(o) {
      const sipp = new SippCaller({ did: o.did ?? '+15125550100', caller: o.caller, script: o.script, library: tier.library, speechPcap: tier.speechPcap });
      callers.push(sipp);
      await sipp.start();
      const caller: Caller = {
        number: o.caller,
        record: () => {
          try {
            return world.store().callByCaller(o.caller);
          } catch {
            return undefined;
          }
        },
        heard: () => sipp.ear.sounds(),
        longestSilence: (from, to) => sipp.ear.longestSilence(from, to),
        elapsed: () => sipp.ear.now(),
        hangup: () => sipp.hangup(),
        async gone() {
          const id = caller.record()?.channelId;
          return id ? (await ari.channel(id)) === null : true;
        },
      };
      return caller;
    },
    async channels() {
      const list = (await ari.channels()) as unknown as { id: string; name: string; state: string; dialplan?: { context?: string }; caller?: { number?: string } }[];
      return list.map((c) => ({ id: c.id, name: c.name, state: c.state, context: c.dialplan?.context ?? '', caller: c.caller?.number ?? '' }));
    },
    bridges: () => ari.bridges(),
    async restartAsterisk() {
      await tier.asterisk.restart();
      // The registrations are kept in Asterisk's own database; the carrier is qualified again.
      await registered(tier.asterisk, [...tier.phones.values()].filter((p) => p.running()).map((p) => p.extension), 40_000);
      await carrierReachable(tier);
    },
    async killEngine() {
      await current.kill('SIGKILL');
    },
    async startEngine() {
      earlier.push(...current.logs, '--- engine restarted ---');
      current = new EngineProcess(config, database, env);
      await current.start();
    },
    logs: () => [...earlier, ...current.logs],
    pbxLog: () => tier.asterisk.messages(),
    diagnostics() {
      const messages = tier.asterisk.messages().split('\n').slice(-40).join('\n');
      const sipp = callers.map((c) => c.errors.trim()).filter(Boolean).map((e) => e.slice(-1500)).join('\n---\n');
      const phones = [...tier.phones.entries()].filter(([, p]) => p.events.length > 0).map(([agent, p]) => `${agent}:\n${p.log.slice(-1500)}`).join('\n');
      return `desk phones:\n${phones}\n\nengine log:\n${[...earlier, ...current.logs].slice(-120).join('\n')}\n\nAsterisk messages.log:\n${messages}\n\nSIPp callers:\n${sipp}\n\ncells:\n${tier.cells.log.slice(-1500)}`;
    },
    async stop() {
      await current.kill('SIGTERM');
      if (recorder && record) {
        await recorder.stop();
        recorder.save(record.transcript);
      }
      for (const c of callers) {
        await c.hangup();
        c.cleanup();
      }
      for (const ch of await ari.channels().catch(() => [])) await ari.hangup(ch.id);
      for (const p of tier.phones.values()) p.hangup();
      db?.close();
      await sms.close();
      rmSync(dir, { recursive: true, force: true });
      removeVariants();
    },
  };
  return world;
}
