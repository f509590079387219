/** Agent helpers shared by the tests that drive a CallEngine directly. */
import type { Plan } from '../../src/routing/types.js';

/** The part of a CallEngine that `only` needs (so it fits any engine a test holds). */
export interface PausableEngine {
  currentPlan(): Pick<Plan, 'agents'>;
  pauseAgent(id: string, paused: boolean): unknown;
}

/** Only these agents take calls: every other agent of the engine's plan is paused, these are unpaused. */
export function only(engine: PausableEngine, keep: readonly string[]): void {
  for (const id of engine.currentPlan().agents.keys()) engine.pauseAgent(id, !keep.includes(id));
}
