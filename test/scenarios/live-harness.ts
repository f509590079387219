/**
 * The engine as `pbx-router run` builds it (startEngine: real SQLite file, ari-client over real
 * HTTP and WebSocket) against the fake Asterisk, with both on one time scale: the engine's clock
 * is Asterisk's virtual clock, and its timers run `speed` times faster like the fake's media.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { parse } from 'yaml';
import type { Clock } from '../../src/calls/clock.js';
import { startEngine, type EngineOptions, type RunningEngine } from '../../src/main.js';
import type { Mailer } from '../../src/notify/mailer.js';
import { FakeAsterisk } from '../fake-asterisk/fake-asterisk.js';
import type { JsonObject } from '../fake-asterisk/model/types.js';

/** Sounds the engine itself plays (shipped with pbx-router), with plausible durations. */
export const ENGINE_SOUNDS: Readonly<Record<string, number>> = {
  'pbx-router/language-es': 900,
  'pbx-router/oncall-please-hold': 2500,
  'pbx-router/oncall-urgent-call': 3000,
  'pbx-router/callback-we-will-call': 2000,
  'pbx-router/callback-press-1-or-2': 2600,
  'pbx-router/callback-enter-number': 2400,
  'pbx-router/callback-choose-reason': 1800,
  'pbx-router/callback-thank-you': 2000,
  'pbx-router/callback-confirmed': 2200,
  'pbx-router/callback-number-not-valid': 1800,
  'pbx-router/sms-offer': 6000,
  'pbx-router/sms-sent': 5000,
  'pbx-router/reason-prescription-refill': 1200,
  'pbx-router/reason-records-request': 1200,
  'pbx-router/reason-nurse-callback': 1200,
};

/** Every prompt-like string of a config (`riverside/main-menu`), each given `ms`. */
export function configSounds(file: string, ms: number): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (v: unknown): void => {
    if (typeof v === 'string' && /^[a-z0-9-]+\/[a-z0-9/-]+$/.test(v)) out[v] = ms;
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(parse(readFileSync(file, 'utf8')));
  return out;
}

export interface LiveOptions {
  /** Local wall-clock time at the clinic when the test starts, e.g. `2026-11-23T10:00`. */
  readonly at: string;
  readonly zone?: string;
  readonly config?: string;
  /** Time scale for both sides (default 20). */
  readonly speed?: number;
  readonly mailer?: Mailer;
  /** Duration of each clinic prompt (default 2 s). */
  readonly promptMs?: number;
  /** The engine's environment (AMI, SMTP settings; default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** The engine writes its JSON log (as `run` does) and `logs` holds those lines, instead of plain messages. */
  readonly jsonLog?: boolean;
  /** Starts the admin API with this token on a free loopback port. */
  readonly adminToken?: string;
  /** The engine's ARI time limits in wall-clock ms (fault tests at a fast speed). */
  readonly ariTimeouts?: { readonly requestMs?: number; readonly stallAfterMs?: number };
  /** Builds the voicemail transcriber (a fake; read at every boot, so a test may change it between kill and boot). */
  readonly transcriber?: EngineOptions['transcriber'];
}

export interface Live {
  readonly fake: FakeAsterisk;
  readonly run: RunningEngine;
  readonly logs: string[];
  readonly database: string;
  /** Waits `ms` of Asterisk time. */
  sleep(ms: number): Promise<void>;
  /** Polls `check` until it returns a value (not undefined/false), for at most `ms` of Asterisk time. */
  until<T>(what: string, check: () => T | undefined | false | null, ms?: number): Promise<T>;
  /** Events the fake sent to the engine, in order. */
  events(type?: string): JsonObject[];
  /** Starts a second engine on the same database (after a restart). */
  restart(): Promise<RunningEngine>;
  /** Stops the engine as a crash would (no new engine until boot()). */
  kill(): Promise<void>;
  /** Starts a new engine on the same database after kill(). */
  boot(): Promise<RunningEngine>;
  stop(): Promise<void>;
}

/** The fake Asterisk's ARI password. */
export const PASSWORD = 'live-test-secret';

/** The fake at `at`, the engine connected to it with a fresh SQLite file. */
export async function startLive(o: LiveOptions): Promise<Live> {
  const config = o.config ?? 'config/example-clinic.yaml';
  const speed = o.speed ?? 20;
  const startTime = DateTime.fromISO(o.at, { zone: o.zone ?? 'America/Chicago' }).toMillis();
  const phones = ['1001', '1002', '1003', '1004', '1005', '1006', '1007', '1008'];
  const fake = new FakeAsterisk({ password: PASSWORD, speed, startTime, phones, sounds: { ...configSounds(config, o.promptMs ?? 2000), ...ENGINE_SOUNDS } });
  const { url } = await fake.start();
  const dir = mkdtempSync(join(tmpdir(), 'pbx-live-'));
  const database = join(dir, 'calls.sqlite');
  const logs: string[] = [];
  const clock: Clock = {
    now: () => fake.now(),
    after: (ms, fn) => setTimeout(fn, Math.max(0, ms) / speed),
    cancel: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  };
  const boot = async (): Promise<RunningEngine> => {
    const logging = o.jsonLog ? { logDestination: { write: (line: string) => logs.push(line.trimEnd()) } } : { log: (m: string) => logs.push(m) };
    const admin = o.adminToken ? { adminToken: o.adminToken, adminListen: { host: '127.0.0.1', port: 0 } } : {};
    const r = await startEngine({ config, ariUrl: url, ariUser: fake.user, ariPassword: PASSWORD, app: 'pbx-router', database, clock, ...logging, ...admin, ...(o.mailer ? { mailer: o.mailer } : {}), ...(o.env ? { env: o.env } : {}), ...(o.ariTimeouts ? { ariTimeouts: o.ariTimeouts } : {}), ...(o.transcriber ? { transcriber: o.transcriber } : {}) });
    const started = Date.now();
    while (!fake.isConnected('pbx-router')) {
      if (Date.now() - started > 5000) throw new Error(`the engine did not connect to the fake Asterisk:\n${logs.join('\n')}`);
      await new Promise((res) => setTimeout(res, 5));
    }
    // The engine checks its prompts on every connect (GET /sounds/{id} per sound); at speed 20 those
    // requests would take seconds of Asterisk time from the first call's timers, so let it finish.
    while (r.prompts.report().checkedAt === null) {
      if (Date.now() - started > 10_000) throw new Error(`the engine did not check its prompts:\n${logs.join('\n')}`);
      await new Promise((res) => setTimeout(res, 5));
    }
    return r;
  };
  let run = await boot();
  let killed = false;
  const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms / speed));
  const live: Live = {
    fake,
    get run() {
      return run;
    },
    logs,
    database,
    sleep,
    async until(what, check, ms = 120_000) {
      const end = fake.now() + ms;
      for (;;) {
        const v = check();
        if (v !== undefined && v !== false && v !== null) return v as never;
        if (fake.now() > end) throw new Error(`timed out after ${ms / 1000} s of Asterisk time waiting for ${what}\nengine log:\n${logs.slice(-30).join('\n')}`);
        await new Promise((res) => setTimeout(res, 5));
      }
    },
    events: (type) => fake.eventLog().filter((l) => l.delivery === 'sent' && (!type || l.event.type === type)).map((l) => l.event),
    async restart() {
      await run.stop();
      run = await boot();
      return run;
    },
    async kill() {
      if (killed) return;
      killed = true;
      await run.stop();
    },
    async boot() {
      run = await boot();
      killed = false;
      return run;
    },
    async stop() {
      if (!killed) await run.stop();
      await fake.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return live;
}
