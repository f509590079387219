/**
 * One scenario run for the REST-only harness: against a real Asterisk 22 when ASTERISK_ARI_URL and
 * ASTERISK_ARI_PASSWORD are set (real time, the shipped dialplan's sim-caller and sim-agent), else
 * against the fake Asterisk (virtual time, same REST calls). The engine is built by startEngine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEngine, type RunningEngine } from '../../src/main.js';
import { AriDriver, realAsteriskFromEnv, type AriTarget } from './ari-driver.js';
import { startLive } from './live-harness.js';
import { writeSimConfig, type SimAgent } from './sim-config.js';

export interface AriScenario {
  /** 'real' when a real Asterisk is configured, else 'fake'. */
  readonly against: 'real' | 'fake';
  readonly driver: AriDriver;
  readonly run: RunningEngine;
  readonly logs: string[];
  /** Polls until `check` holds, for at most `ms` of PBX time. */
  until<T>(what: string, check: () => T | undefined | false | null | Promise<T | undefined | false | null>, ms?: number): Promise<T>;
  stop(): Promise<void>;
}

/** Starts the engine on a copy of `config` whose agents are simulated phones with these behaviours. */
export async function startAriScenario(config: string, agents: Readonly<Record<string, SimAgent>>, real: AriTarget | null = realAsteriskFromEnv()): Promise<AriScenario> {
  const file = writeSimConfig(config, agents);
  if (!real) {
    const live = await startLive({ at: '2026-11-23T10:00', config: file, speed: 10 });
    return {
      against: 'fake',
      driver: new AriDriver({ url: live.fake.url, user: live.fake.user, password: live.fake.password }),
      run: live.run,
      logs: live.logs,
      until: (what, check, ms) => untilAsync(what, check, ms ?? 120_000, () => live.fake.now(), live.logs),
      stop: async () => {
        await live.stop();
        rmSync(file, { force: true });
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'pbx-real-'));
  const logs: string[] = [];
  const run = await startEngine({ config: file, ariUrl: real.url, ariUser: real.user, ariPassword: real.password, app: 'pbx-router', database: join(dir, 'calls.sqlite'), log: (m) => logs.push(m) });
  await untilAsync('the engine connected to Asterisk', () => run.connection() === 'connected', 15_000, Date.now, logs);
  // A real clock may be after hours: the day override keeps the clinic open for the scenario.
  run.engine.setMode('day', null);
  return {
    against: 'real',
    driver: new AriDriver(real),
    run,
    logs,
    until: (what, check, ms) => untilAsync(what, check, ms ?? 120_000, Date.now, logs),
    stop: async () => {
      await run.stop();
      rmSync(dir, { recursive: true, force: true });
      rmSync(file, { force: true });
    },
  };
}

async function untilAsync<T>(what: string, check: () => T | undefined | false | null | Promise<T | undefined | false | null>, ms: number, now: () => number, logs: string[]): Promise<T> {
  const end = now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false && v !== null) return v;
    if (now() > end) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}\nengine log:\n${logs.slice(-30).join('\n')}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}
