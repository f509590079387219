/**
 * The fake Asterisk of the load run, in a child process of its own (so that the application's
 * RSS and event-loop lag are its own): places paced calls and reports, for each call, the time
 * from emitting StasisStart to receiving the first REST command for that channel.
 */
import { DateTime } from 'luxon';
import { FakeAsterisk } from '../test/fake-asterisk/fake-asterisk.js';
import type { CallRecord } from '../test/fake-asterisk/model/callers.js';
import { configSounds, ENGINE_SOUNDS } from '../test/scenarios/live-harness.js';
import { servePeer } from './load-ipc.js';
import { ProcessMonitor, summarize, type ProcessFigures, type Summary } from './load-stats.js';

/** Settings of the fake (speed 1: media and timers in real time). */
export interface FakeSettings {
  readonly at: string;
  readonly config: string;
  readonly promptMs: number;
}

/** A batch of calls placed at a steady rate; `hangupAfter` null: the callers wait. */
export interface PlaceRequest {
  readonly batch: string;
  readonly count: number;
  readonly rate: number;
  readonly did: string;
  readonly digitAt: number;
  readonly hangupAfter: number | null;
}

/** How accurately the calls were placed. */
export interface Placement {
  readonly placed: number;
  readonly seconds: number;
  readonly achieved_cps: number;
  /** How late each call was placed against its schedule (ms). */
  readonly late: Summary;
  readonly fake: ProcessFigures;
}

/** The state of a batch as the fake sees it. */
export interface BatchReport {
  readonly calls: number;
  readonly answered: number;
  readonly failsafe: number;
  readonly latency: Summary;
  readonly without_command: number;
  readonly first_commands: Record<string, number>;
  readonly alive: number;
  readonly hearing: Record<string, number>;
}

const PASSWORD = 'load-secret';
const fake = { current: null as FakeAsterisk | null };
const batches = new Map<string, CallRecord[]>();
const monitor = new ProcessMonitor();
let serial = 0;

function place(r: PlaceRequest): Promise<Placement> {
  const f = fake.current!;
  const recs: CallRecord[] = [];
  batches.set(r.batch, recs);
  const lateness: number[] = [];
  const interval = 1000 / r.rate;
  monitor.start();
  const t0 = performance.now();
  return new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      // Catch up on every call that is due, so that a late timer does not lower the rate.
      while (recs.length < r.count && t0 + recs.length * interval <= now) {
        lateness.push(performance.now() - (t0 + recs.length * interval));
        const caller = `+1737${String(2000000 + serial++).padStart(7, '0')}`;
        recs.push(f.placeCall({ did: r.did, caller, script: { dtmf: [{ at: r.digitAt, digit: '1' }], ...(r.hangupAfter === null ? {} : { hangupAfter: r.hangupAfter }) } }));
      }
      if (recs.length < r.count) return void setTimeout(tick, Math.max(0, t0 + recs.length * interval - performance.now()));
      const seconds = (performance.now() - t0) / 1000;
      resolve({ placed: recs.length, seconds: Math.round(seconds * 100) / 100, achieved_cps: Math.round(((recs.length - 1) / Math.max(seconds, 1e-9)) * 10) / 10, late: summarize(lateness), fake: monitor.figures() });
    };
    tick();
  });
}

/** StasisStart -> first command of every call of these batches together. */
function pooled(names: readonly string[]): Summary {
  const f = fake.current!;
  const latencies: number[] = [];
  for (const name of names) {
    for (const rec of batches.get(name) ?? []) {
      const fc = f.firstCommand(rec.channelId);
      if (fc?.firstCommandAt != null) latencies.push(fc.firstCommandAt - fc.stasisStartAt);
    }
  }
  return summarize(latencies);
}

function report(batch: string): BatchReport {
  const f = fake.current!;
  const recs = batches.get(batch) ?? [];
  const latencies: number[] = [];
  const firstCommands: Record<string, number> = {};
  const hearing: Record<string, number> = {};
  let alive = 0;
  for (const rec of recs) {
    const fc = f.firstCommand(rec.channelId);
    if (fc?.firstCommandAt != null) latencies.push(fc.firstCommandAt - fc.stasisStartAt);
    const kind = fc?.command?.replace(rec.channelId, '{id}') ?? 'none';
    firstCommands[kind] = (firstCommands[kind] ?? 0) + 1;
    const h = f.hearing(rec.channelId);
    if (h !== 'gone') alive++;
    hearing[h] = (hearing[h] ?? 0) + 1;
  }
  return {
    calls: recs.length,
    answered: recs.filter((c) => c.answered).length,
    failsafe: recs.filter((c) => c.outcome === 'failsafe').length,
    latency: summarize(latencies),
    without_command: recs.length - latencies.length,
    first_commands: firstCommands,
    alive,
    hearing,
  };
}

servePeer({
  start: async (s: FakeSettings) => {
    const startTime = DateTime.fromISO(s.at, { zone: 'America/Chicago' }).toMillis();
    const phones = ['1001', '1002', '1003', '1004', '1005', '1006', '1007', '1008'];
    const f = new FakeAsterisk({ password: PASSWORD, speed: 1, startTime, phones, logEvents: false, recordFirstCommands: true, sounds: { ...configSounds(s.config, s.promptMs), ...ENGINE_SOUNDS } });
    const { url } = await f.start();
    for (const p of phones) f.setAgent(`PJSIP/${p}`, 'noanswer');
    fake.current = f;
    return { url, user: f.user, password: PASSWORD, offsetMs: f.now() - Date.now() };
  },
  place: (r: PlaceRequest) => place(r),
  report: (a: { batch: string }) => report(a.batch),
  pooled: (a: { batches: string[] }) => pooled(a.batches),
  channels: () => fake.current!.channels().length,
  hangupAll: (a: { batch: string }) => {
    for (const rec of batches.get(a.batch) ?? []) fake.current!.hangupCaller(rec.channelId);
  },
  connected: (a: { app: string }) => fake.current!.isConnected(a.app),
  stop: async () => {
    await fake.current?.stop();
    fake.current = null;
  },
});
