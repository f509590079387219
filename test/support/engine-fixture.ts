/**
 * One way to build "a CallEngine on a fake PBX with a manual clock and a store" in tests. The
 * engine's constructor and dependencies change with the call engine; only this file should have to
 * follow them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { CallEngine, type EngineDeps } from '../../src/calls/call-engine.js';
import { compileSources, loadPlan, type LoadResult } from '../../src/config/index.js';
import { formatProblem } from '../../src/config/load.js';
import type { Plan } from '../../src/routing/types.js';
import { CallStore } from '../../src/store/call-store.js';
import type { Db } from '../../src/store/db.js';
import { openStore } from '../../src/store/open-store.js';
import { VoicemailStore } from '../../src/store/voicemail-store.js';
import { FakeTelephony, type AgentBehaviour } from '../fakes/fake-telephony.js';
import { ManualClock } from '../fakes/manual-clock.js';

/** The example clinic, which most tests run. */
export const EXAMPLE_CONFIG = 'config/example-clinic.yaml';
/** The example clinic's time zone (the manual clock's start is read in it). */
export const CLINIC_ZONE = 'America/Chicago';

/** What a test may set on the engine besides the plan, the PBX, the store and the clock. */
export type EngineExtras = Partial<Omit<EngineDeps, 'plan' | 'telephony' | 'store' | 'clock'>>;

/** The parts the engine is built on, for extras that need them (voicemail with its own outbox). */
export interface FixtureParts<S extends CallStore = CallStore> {
  readonly plan: Plan;
  readonly clock: ManualClock;
  readonly pbx: FakeTelephony;
  readonly db: Db;
  readonly store: S;
  readonly logs: string[];
}

export interface EngineOnFakePbxOptions<S extends CallStore = CallStore> {
  /** When the manual clock starts: a local time in `zone` (default Monday 2026-11-23T10:00, business hours). */
  readonly at?: string;
  /** The zone `at` is read in (default the example clinic's). */
  readonly zone?: string;
  /** An existing clock to share (another engine on the same timeline); `at` is then ignored. */
  readonly clock?: ManualClock;
  /** The config file to load (default config/example-clinic.yaml). */
  readonly config?: string;
  /** The config as YAML text instead of a file. */
  readonly yaml?: string;
  /** An already compiled plan instead of a config. */
  readonly plan?: Plan;
  /** The database: ':memory:' (default), 'temp' for a new SQLite file in a temporary folder, a path, or a postgres:// URL. */
  readonly db?: string;
  /** Builds the store on the opened database (default a plain CallStore), e.g. one whose writes fail. */
  readonly store?: (db: Db) => S;
  /** What every agent's desk phone does when offered a call (default: nothing set). */
  readonly phones?: AgentBehaviour;
  /** Messages left in voicemail are kept in a VoicemailStore on the same database (no email is sent); without it a caller routed to voicemail goes to the failsafe. */
  readonly voicemail?: boolean;
  /** Further engine dependencies (voicemail, log, ...), or a function of the parts that returns them. */
  readonly engine?: EngineExtras | ((parts: FixtureParts<S>) => EngineExtras);
}

export interface EngineOnFakePbx<S extends CallStore = CallStore> extends FixtureParts<S> {
  /** The engine; the fake PBX delivers its events to it. */
  readonly engine: CallEngine;
  /** The database file ('memory' for an in-memory database). */
  readonly dbPath: string;
  /** A new engine on the same plan, PBX, store and clock, as after a crash; the PBX's events go to it from then on. */
  restart(extras?: EngineExtras): CallEngine;
  /** Stops the engine and closes the database. */
  close(): void;
}

/** A CallEngine on a FakeTelephony, a ManualClock and a CallStore on real SQLite; engine lines go to `logs` unless `engine.log` says otherwise. */
export function engineOnFakePbx<S extends CallStore = CallStore>(o: EngineOnFakePbxOptions<S> = {}): EngineOnFakePbx<S> {
  const plan = o.plan ?? planOf(o);
  const clock = o.clock ?? new ManualClock(DateTime.fromISO(o.at ?? '2026-11-23T10:00', { zone: o.zone ?? CLINIC_ZONE }).toMillis());
  const pbx = new FakeTelephony(clock);
  const dbPath = o.db === 'temp' ? join(mkdtempSync(join(tmpdir(), 'pbx-engine-')), 'calls.sqlite') : (o.db ?? ':memory:');
  const db = openStore(dbPath);
  const store = o.store ? o.store(db) : (new CallStore(db) as S);
  const logs: string[] = [];
  const parts: FixtureParts<S> = { plan, clock, pbx, db, store, logs };
  const extras = { ...(o.voicemail ? { voicemail: { store: new VoicemailStore(db), flush: async () => 0 } } : {}), ...(typeof o.engine === 'function' ? o.engine(parts) : (o.engine ?? {})) };
  const build = (more: EngineExtras, telephony: FakeTelephony) => {
    const engine = new CallEngine({ log: (m) => logs.push(m), ...more, plan, telephony, store, clock });
    telephony.handler = (e) => engine.handle(e);
    return engine;
  };
  const engine = build(extras, pbx);
  if (o.phones) for (const a of plan.agents.values()) pbx.agent(a.endpoint, o.phones);
  let current = engine;
  return {
    ...parts,
    engine,
    dbPath,
    restart(more = {}) {
      current = build(more, pbx);
      return current;
    },
    close() {
      current.stop();
      if (current !== engine) engine.stop();
      if (db.open) db.close();
    },
  };
}

function planOf(o: Pick<EngineOnFakePbxOptions, 'yaml' | 'config'>): Plan {
  const result: LoadResult = o.yaml !== undefined ? compileSources([{ path: 'inline.yaml', text: o.yaml }]) : loadPlan(o.config ?? EXAMPLE_CONFIG);
  if (!result.plan) throw new Error(`the test's config is invalid:\n${result.problems.map(formatProblem).join('\n')}`);
  return result.plan;
}
