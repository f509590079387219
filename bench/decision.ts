/** Decision benchmark: decisions per second and latency percentiles on a generated large plan. */
import { compilePlan } from '../src/config/compile.js';
import { decide } from '../src/routing/engine.js';
import type { AgentSnapshot, Snapshot } from '../src/routing/types.js';
import { seededRandom } from '../src/cli/demo.js';
import { generateConfig } from './generate-plan.js';

export interface DecisionFigures {
  readonly rules: number;
  readonly agents: number;
  readonly samples: number;
  readonly p50_us: number;
  readonly p99_us: number;
  readonly max_us: number;
  readonly per_second: number;
}

/** Runs the benchmark and returns its figures. */
export function runDecisionBench(samples = 100_000): DecisionFigures {
  const { config, dids } = generateConfig(1000, 500);
  const plan = compilePlan({ config, texts: [JSON.stringify(config)] });
  const rand = seededRandom(9);
  const agents: Record<string, AgentSnapshot> = {};
  for (const id of plan.agents.keys()) agents[id] = { state: rand() < 0.6 ? 'available' : 'busy', idleSince: Math.floor(rand() * 1e6) };
  const snapshot: Snapshot = { agents, queues: {}, modes: {} };
  const start = Date.parse('2026-11-23T06:00:00Z');
  const calls = Array.from({ length: 4096 }, () => ({
    did: rand() < 0.95 ? dids[Math.floor(rand() * dids.length)]! : '+15125559999',
    caller: `+1${200 + Math.floor(rand() * 300)}555${String(Math.floor(rand() * 10000)).padStart(4, '0')}`,
    at: start + Math.floor(rand() * 7 * 86_400_000),
    language: rand() < 0.2 ? 'es' : 'en',
    priority: Math.floor(rand() * 8),
    tags: rand() < 0.1 ? ['vip'] : [],
    inputs: [String(1 + Math.floor(rand() * 5))],
    whenInputsEnd: 'timeout' as const,
  }));
  for (let i = 0; i < 20_000; i++) decide(plan, calls[i & 4095]!, snapshot);
  const times = new Float64Array(samples);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < samples; i++) {
    const a = process.hrtime.bigint();
    decide(plan, calls[i & 4095]!, snapshot);
    times[i] = Number(process.hrtime.bigint() - a) / 1000;
  }
  const total = Number(process.hrtime.bigint() - t0) / 1e9;
  times.sort();
  const q = (p: number) => Math.round(times[Math.min(samples - 1, Math.floor(p * samples))]! * 100) / 100;
  return { rules: 1000, agents: plan.agents.size, samples, p50_us: q(0.5), p99_us: q(0.99), max_us: q(1), per_second: Math.round(samples / total) };
}
